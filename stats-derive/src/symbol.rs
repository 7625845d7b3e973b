//! Every attribute name and key the derive understands, in one place.

/// The container attribute: `#[stat_table(...)]`.
pub const STAT_TABLE: &str = "stat_table";
/// The field attribute: `#[stat(...)]`.
pub const STAT: &str = "stat";

/// `#[stat_table(prefix = "orders")]`.
pub const PREFIX: &str = "prefix";
/// `#[stat_table(crate = "path")]`.
pub const CRATE: &str = "crate";
/// The keys `#[stat_table]` accepts, for the unknown-key message.
pub const CONTAINER_KEYS: &[&str] = &[PREFIX, CRATE];

/// `#[stat(gauge)]`.
pub const GAUGE: &str = "gauge";
/// `#[stat(skip)]`.
pub const SKIP: &str = "skip";
/// `#[stat(name = "...")]`.
pub const NAME: &str = "name";
/// `#[stat(keyed(...))]`.
pub const KEYED: &str = "keyed";
/// The keys `#[stat]` accepts, for the unknown-key message.
pub const FIELD_KEYS: &[&str] = &[GAUGE, SKIP, NAME, KEYED];

/// `#[stat(keyed(capacity = 256))]`.
pub const CAPACITY: &str = "capacity";
/// `#[stat(keyed(max_key_len = 64))]`.
pub const MAX_KEY_LEN: &str = "max_key_len";
/// `#[stat(keyed(label = "region"))]`.
pub const LABEL: &str = "label";
/// The keys `keyed(...)` accepts, for the unknown-key message.
pub const KEYED_KEYS: &[&str] = &[CAPACITY, MAX_KEY_LEN, LABEL];

/// The `StatKey` attribute, on the enum and on its variants: `#[stat_key(...)]`.
pub const STAT_KEY: &str = "stat_key";
/// `#[stat_key(rename = "...")]` on a variant.
pub const RENAME: &str = "rename";

/// Methods of the generated table; a field accessor of the same name would
/// clash with them.
pub const TABLE_METHODS: &[&str] = &[
    "inc",
    "add",
    "add_to",
    "snapshot",
    "cursor",
    "iter",
    "reset",
    "version",
    "shard_count",
    "memory_bytes",
];

/// Formats a key list as `` `a`, `b` or `c` ``.
pub fn one_of(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}
