use stats_core::StatTable;

#[derive(StatTable)]
struct Orders {
    #[stat(gauge)]
    in_flight: u64,
}

fn main() {}
