use stats_core::StatTable;

#[derive(StatTable)]
struct Orders {
    created: u64,
    region: String,
}

fn main() {
    // No follow-on error: the placeholder table still exists.
    let _table = Orders::table();
}
