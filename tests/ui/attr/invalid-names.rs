use stats_core::StatTable;

#[derive(StatTable)]
#[stat_table(prefix = "orders-service")]
struct Orders {
    #[stat(name = "2xx")]
    ok: u64,
}

fn main() {}
