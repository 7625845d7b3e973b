use stats_core::{Keyed, StatTable};

// Each option within its own range, the two together too large.
#[derive(StatTable, Default)]
struct Stats {
    /// Requests by path: the key length pushed it over (the capacity would
    /// fit with the default key length), so the error points at it.
    #[stat(keyed(capacity = 65536, max_key_len = 4096))]
    by_path: Keyed<String>,
    /// Requests by user: short keys, but too many of them for any key
    /// length, so the error points at the capacity.
    #[stat(keyed(max_key_len = 8, capacity = 262145))]
    by_user: Keyed<String>,
}

fn main() {}
