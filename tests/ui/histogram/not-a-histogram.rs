use stats_core::StatTable;

#[derive(StatTable, Default)]
struct Stats {
    /// Latency.
    #[stat(histogram(buckets = [10, 100]))]
    latency_us: u64,
}

fn main() {}
