use stats_core::StatTable;

#[derive(StatTable)]
struct Orders {
    #[stat(gauge = true)]
    in_flight: i64,
}

fn main() {}
