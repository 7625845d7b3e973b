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
/// `#[stat(histogram(...))]`.
pub const HISTOGRAM: &str = "histogram";
/// `#[stat(histogram(buckets = [..]))]`.
pub const BUCKETS: &str = "buckets";
/// `#[stat(histogram(buckets = exponential(start, factor, count)))]`.
pub const EXPONENTIAL: &str = "exponential";
/// The keys `#[stat]` accepts, for the unknown-key message.
pub const FIELD_KEYS: &[&str] = &[GAUGE, SKIP, NAME, KEYED, HISTOGRAM];

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
/// clash with them. A test in `expand.rs` checks this is exactly what the
/// table's impl generates.
pub const TABLE_METHODS: &[&str] = &[
    "inc",
    "add",
    "add_to",
    "snapshot",
    "snapshot_within",
    "cursor",
    "iter",
    "reset",
    "version",
    "shard_count",
    "memory_bytes",
    "breaker",
    "with_breaker",
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

/// The runtime's hidden module, named for this crate's major and minor
/// version (`__private_0_1`): the runtime of the same version names its
/// module alike, so a derive and a runtime of different versions fail to
/// compile instead of misbehaving.
pub fn private_module() -> proc_macro2::Ident {
    let mut version = env!("CARGO_PKG_VERSION").split('.');
    let major = version.next().unwrap_or("0");
    let minor = version.next().unwrap_or("0");
    quote::format_ident!("__private_{major}_{minor}")
}

/// The path generated code names the runtime by: `::stats_core::__private_X_Y`,
/// or `{path}::__private_X_Y` for `crate = "path"`.
pub fn runtime_path(krate: Option<&syn::Path>) -> proc_macro2::TokenStream {
    let private = private_module();
    match krate {
        Some(path) => quote::quote!(#path::#private),
        None => quote::quote!(::stats_core::#private),
    }
}
