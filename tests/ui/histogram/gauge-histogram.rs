use stats_core::{Histogram, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Latency.
    #[stat(gauge, histogram(buckets = [10]))]
    latency_us: Histogram,
}

fn main() {}
