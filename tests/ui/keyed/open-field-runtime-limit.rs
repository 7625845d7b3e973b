// The backstop: the derive checks its own copy of the runtime's memory
// bound, and the generated code asserts the runtime's, so a runtime whose
// bound is stricter than the derive's copy still rejects the field. Here a
// runtime re-exported with a 1 MiB limit.
mod strict {
    pub mod __private_0_1 {
        pub use stats_core::__private_0_1::*;
        pub const MAX_OPEN_FIELD_BYTES: usize = 1 << 20;
    }
}

use stats_core::{Keyed, StatTable};

#[derive(StatTable, Default)]
#[stat_table(crate = "strict")]
struct Stats {
    /// Requests by region: 4096 keys of 112 bytes fit in 64 MiB, not in 1.
    #[stat(keyed(capacity = 4096))]
    by_region: Keyed<String>,
}

fn main() {}
