use stats_core::StatKey;

#[derive(StatKey, Clone, Copy, PartialEq, Eq)]
enum Method {
    Card(u32),
    Wallet { provider: u8 },
    BankTransfer,
}

fn main() {}
