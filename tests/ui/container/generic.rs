use stats_core::StatTable;

#[derive(StatTable)]
struct Orders<T> {
    created: u64,
    extra: T,
}

fn main() {}
