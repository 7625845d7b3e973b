use stats_core::StatTable;

#[derive(StatTable)]
struct Orders {
    in_flight: i64,
}

fn main() {}
