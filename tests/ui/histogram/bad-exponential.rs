use stats_core::{Histogram, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// A factor of 1 never grows.
    #[stat(histogram(buckets = exponential(10, 1, 5)))]
    latency_us: Histogram,
    /// Not an integer.
    #[stat(histogram(buckets = [0.5, 1]))]
    ratio: Histogram,
}

fn main() {}
