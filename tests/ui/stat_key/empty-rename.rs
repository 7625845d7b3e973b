use stats_core::StatKey;

#[derive(StatKey, Clone, Copy, PartialEq, Eq)]
enum Method {
    Card,
    #[stat_key(rename = "")]
    Wallet,
}

fn main() {}
