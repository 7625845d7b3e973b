use stats_core::{Keyed, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Requests by region.
    #[stat(keyed(capacity = 0))]
    by_region: Keyed<String>,
    /// Requests by tenant.
    #[stat(keyed(capacity = 2_000_000))]
    by_tenant: Keyed<String>,
}

fn main() {}
