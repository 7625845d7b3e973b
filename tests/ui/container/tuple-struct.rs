use stats_core::StatTable;

#[derive(StatTable)]
struct Orders(u64, u64);

fn main() {}
