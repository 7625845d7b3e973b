use stats_core::StatTable;

#[derive(StatTable)]
struct Orders {
    #[stat(counter)]
    created: u64,
}

fn main() {}
