use stats_core::StatTable;
use std::collections::HashMap;

#[derive(StatTable)]
struct Orders {
    by_region: HashMap<String, u64>,
}

fn main() {}
