use stats_core::{Keyed, StatKey, StatTable};

#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    Wallet,
}

#[derive(StatTable, Default)]
struct Stats {
    /// Payments by method.
    #[stat(keyed(capacity = 4, max_key_len = 8))]
    by_method: Keyed<Method>,
}

fn main() {}
