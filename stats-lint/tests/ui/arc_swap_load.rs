// UI test: `ArcSwap<T>` shares the `Arc<T>` each `load()` returns, so a map
// behind a lock in `T` is shared; an atomic's `load` is a number. Every lint runs.
use arc_swap::ArcSwap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

pub struct SessionInner {
    tunnels: RwLock<HashMap<String, u32>>,
}

pub struct Session {
    inner: Arc<ArcSwap<SessionInner>>,
    hits: AtomicU64,
}

impl Session {
    pub fn close(&self, id: &str) {
        let inner = self.inner.load();
        inner.tunnels.write().unwrap().remove(id); //~ poison_cascade shared_map_mutation
    }

    pub fn open(&self, id: &str) {
        let full = self.inner.load_full();
        let mut tunnels = full.tunnels.write().unwrap(); //~ poison_cascade
        tunnels.insert(id.to_string(), 1); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn hits(&self) -> u64 {
        let n = self.hits.load(Ordering::Relaxed);
        n + 1
    }
}

pub fn fresh() -> HashMap<String, u32> {
    let swap = ArcSwap::from_pointee(0u32);
    let mut local = HashMap::new();
    local.insert(swap.load().to_string(), 1);
    local
}
