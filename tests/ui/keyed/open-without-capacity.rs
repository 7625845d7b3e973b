use stats_core::{Keyed, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Requests by region.
    by_region: Keyed<String>,
}

fn main() {}
