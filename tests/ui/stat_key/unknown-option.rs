use stats_core::StatKey;

#[derive(StatKey, Clone, Copy, PartialEq, Eq)]
#[stat_key(rename_all = "kebab-case", rename = "method")]
enum Method {
    #[stat_key(label = "card")]
    Card,
    #[stat_key(crate = "stats_core")]
    Wallet,
}

fn main() {}
