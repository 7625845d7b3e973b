use stats_core::{Histogram, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Latency.
    #[stat(histogram(buckets = [10, 100, 50]))]
    latency_us: Histogram,
}

fn main() {}
