use stats_core::{Keyed, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Requests by region.
    #[stat(keyed(capacity = 8, label = "cloud-region"))]
    by_region: Keyed<String>,
    /// Requests by tenant.
    #[stat(keyed(capacity = 8, label = "__tenant"))]
    by_tenant: Keyed<String>,
}

fn main() {}
