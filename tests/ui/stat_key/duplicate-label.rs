use stats_core::StatKey;

#[derive(StatKey, Clone, Copy, PartialEq, Eq)]
enum Method {
    // Two variants renamed to one label.
    #[stat_key(rename = "wallet")]
    ApplePay,
    #[stat_key(rename = "wallet")]
    GooglePay,
    // A rename colliding with a default label, either way round.
    Card,
    #[stat_key(rename = "card")]
    CreditCard,
    #[stat_key(rename = "refund")]
    Chargeback,
    Refund,
}

fn main() {}
