use stats_core::StatTable;

#[derive(StatTable)]
#[stat_table(namespace = "orders")]
struct Orders {
    created: u64,
}

fn main() {}
