use stats_core::{Keyed, StatTable};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    Wallet,
}

#[derive(StatTable, Default)]
struct Stats {
    /// Payments by method.
    by_method: Keyed<Method>,
}

fn main() {}
