use stats_core::{Keyed, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Sessions by region.
    #[stat(gauge, keyed(capacity = 8))]
    by_region: Keyed<String>,
}

fn main() {}
