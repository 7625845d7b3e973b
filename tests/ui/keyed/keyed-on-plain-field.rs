use stats_core::StatTable;

#[derive(StatTable, Default)]
struct Stats {
    /// Requests.
    #[stat(keyed(capacity = 8))]
    requests: u64,
}

fn main() {}
