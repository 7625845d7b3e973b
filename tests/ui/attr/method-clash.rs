use stats_core::StatTable;

#[derive(StatTable)]
struct Orders {
    reset: u64,
}

fn main() {}
