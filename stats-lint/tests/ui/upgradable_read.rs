// UI test: parking_lot's `RwLockUpgradableReadGuard::upgrade(g)` turns an
// upgradable read guard into a write guard. Every lint runs.
use std::collections::HashMap;
use parking_lot::{RwLock, RwLockUpgradableReadGuard};

pub struct UriCache {
    cache: RwLock<HashMap<String, u32>>,
}

impl UriCache {
    pub fn resolve(&self, k: &str) -> u32 {
        let cache = self.cache.upgradable_read();
        if let Some(v) = cache.get(k) {
            return *v;
        }
        let mut cache = RwLockUpgradableReadGuard::upgrade(cache);
        cache.insert(k.to_string(), 1); //~ shared_map_mutation
        1
    }

    // Not flagged: read through the upgradable guard, never upgraded.
    pub fn peek(&self, k: &str) -> Option<u32> {
        let cache = self.cache.upgradable_read();
        cache.get(k).copied()
    }
}

pub static GLOBAL: std::sync::LazyLock<UriCache> =
    std::sync::LazyLock::new(|| UriCache { cache: RwLock::new(HashMap::new()) });
