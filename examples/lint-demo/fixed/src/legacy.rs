//! The legacy cache and registry, without `static mut` or `unsafe impl Sync`.

use std::collections::HashMap;
use std::sync::OnceLock;

use stats_core::{Keyed, StatTable};

/// Built once at start-up, then only read.
pub static CACHE: OnceLock<HashMap<String, String>> = OnceLock::new();

/// Looks a key up in the cache.
pub fn cached(key: &str) -> Option<&'static str> {
    CACHE.get()?.get(key).map(String::as_str)
}

/// Counters that used to live in an `UnsafeCell`: the generated table is
/// `Send + Sync` without unsafe code.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
pub struct Registry {
    /// Entries by name.
    #[stat(keyed(capacity = 1024))]
    pub entries: Keyed<String>,
}
