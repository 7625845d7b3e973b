use stats_core::StatKey;

#[derive(StatKey)]
struct Method {
    card: u64,
}

#[derive(StatKey)]
union Raw {
    card: u64,
}

fn main() {}
