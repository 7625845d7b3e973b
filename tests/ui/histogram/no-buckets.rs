use stats_core::{Histogram, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Latency.
    latency_us: Histogram,
}

fn main() {}
