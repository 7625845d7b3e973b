use stats_core::{Histogram, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Past `u64::MAX`.
    #[stat(histogram(buckets = exponential(1, 1000, 10)))]
    size_bytes: Histogram,
}

fn main() {}
