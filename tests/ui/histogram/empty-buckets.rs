use stats_core::{Histogram, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Latency.
    #[stat(histogram(buckets = []))]
    latency_us: Histogram,
}

fn main() {}
