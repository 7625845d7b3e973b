use stats_core::{Keyed, StatTable};

// Within the capacity's own range (1 to 2^20), but 2^20 keys of the default
// 112 bytes take far more than an open keyed field may.
#[derive(StatTable, Default)]
struct Stats {
    /// Requests by tenant.
    #[stat(keyed(capacity = 1048576))]
    by_tenant: Keyed<String>,
}

fn main() {}
