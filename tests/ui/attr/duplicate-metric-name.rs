use stats_core::StatTable;

#[derive(StatTable)]
struct Orders {
    created: u64,
    #[stat(name = "created")]
    made: u64,
}

fn main() {}
