// UI test: a generic lock helper (`fn mutex_lock<T>(m: &Mutex<T>) ->
// MutexGuard<'_, T>`) hands back a guard of what the lock given to it
// holds. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

fn mutex_lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

pub struct InFlight<K> {
    entries: Mutex<HashMap<K, u32>>,
}

impl<K: std::hash::Hash + Eq> InFlight<K> {
    pub fn enter(self: &Arc<Self>, k: K) {
        let mut e = mutex_lock(&self.entries);
        e.insert(k, 1); //~ shared_map_mutation
    }

    pub fn remove(&self, k: &K) {
        mutex_lock(&self.entries).remove(k); //~ shared_map_mutation
    }
}

// ---- not flagged ----

pub fn local() -> usize {
    let own = Mutex::new(HashMap::new());
    mutex_lock(&own).insert(1, 1);
    mutex_lock(&own).len()
}
