use stats_core::StatTable;

#[derive(StatTable)]
enum Orders {
    Created,
    Failed,
}

fn main() {}
