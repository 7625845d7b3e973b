use stats_core::StatKey;

#[derive(StatKey, Clone, Copy, PartialEq, Eq)]
enum Method<'a, T> {
    Card,
    Wallet,
    Other(&'a T),
}

fn main() {}
