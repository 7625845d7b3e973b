// UI test: a generic lock helper (`fn mutex_lock<T>(m: &Mutex<T>) ->
// MutexGuard<'_, T>`) hands back a guard of what the lock given to it
// holds, also when its types are aliases chosen by `cfg`. Every lint runs.
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

#[cfg(not(feature = "parking_lot"))]
mod std_impl {
    pub type MutexImpl<T> = std::sync::Mutex<T>;
    pub type MutexGuardImpl<'a, T> = std::sync::MutexGuard<'a, T>;
    pub fn mutex_lock_impl<'a, T>(m: &'a MutexImpl<T>) -> MutexGuardImpl<'a, T> {
        m.lock().unwrap()
    }
}
use std_impl::*;

pub struct CacheMap<K, V> {
    inner: MutexImpl<HashMap<K, Box<V>>>,
}

impl<K: std::hash::Hash + Eq, V> CacheMap<K, V> {
    pub fn cache(&self, key: K, v: V) {
        mutex_lock_impl(&self.inner).entry(key).or_insert_with(|| Box::new(v)); //~ shared_map_mutation
    }
}

// ---- not flagged ----

pub fn local() -> usize {
    let own = Mutex::new(HashMap::new());
    mutex_lock(&own).insert(1, 1);
    mutex_lock(&own).len()
}
