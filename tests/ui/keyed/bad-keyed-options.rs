use stats_core::{Keyed, StatTable};

#[derive(StatTable, Default)]
struct Stats {
    /// Requests by region.
    #[stat(keyed(capacity = 8, max_key_len = 0, shards = 4))]
    by_region: Keyed<String>,
    /// Requests by tenant.
    #[stat(keyed)]
    by_tenant: Keyed<String>,
}

fn main() {}
