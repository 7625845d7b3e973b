use stats_core::StatKey;

#[derive(StatKey, Clone, Copy, PartialEq, Eq)]
enum Method {}

fn main() {}
