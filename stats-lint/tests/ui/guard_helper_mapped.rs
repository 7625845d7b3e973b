// UI test: a guard returned by a helper as `impl DerefMut<Target = T>` (or
// `impl Deref<Target = T> + DerefMut`), or as one of tokio's mapped guards
// (`RwLockMappedWriteGuard<'_, T>`), and the mutations made through it.
// Every lint runs.
use std::collections::{BTreeMap, HashMap};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard, RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};

#[derive(Default)]
struct Zone {
    records: BTreeMap<u32, String>,
    serial: u32,
}

#[derive(Default)]
pub struct Store {
    zone: RwLock<Zone>,
    pending: Mutex<HashMap<u32, String>>,
}

impl Store {
    async fn records_mut(&self) -> impl DerefMut<Target = BTreeMap<u32, String>> + '_ {
        RwLockWriteGuard::map(self.zone.write().await, |z| &mut z.records)
    }

    async fn records_mapped(&self) -> RwLockMappedWriteGuard<'_, BTreeMap<u32, String>> {
        RwLockWriteGuard::map(self.zone.write().await, |z| &mut z.records)
    }

    async fn pending(&self) -> impl Deref<Target = HashMap<u32, String>> + DerefMut + '_ {
        self.pending.lock().await
    }

    pub async fn drop_stale(&self, serial: u32) {
        self.records_mut().await.retain(|k, _| *k >= serial); //~ shared_map_mutation
    }

    pub async fn delete(&self, key: u32) {
        self.records_mapped().await.remove(&key); //~ shared_map_mutation
    }

    pub async fn queue(&self, key: u32, value: String) {
        let mut pending = self.pending().await;
        pending.insert(key, value); //~ shared_map_mutation
    }
}

pub async fn from_a_handler(store: Arc<Store>, key: u32) {
    store.records_mut().await.remove(&key); //~ shared_map_mutation
}

// ---- not flagged ----

impl Store {
    // A read through the helper's guard.
    pub async fn count(&self) -> usize {
        self.records_mut().await.len()
    }

    // A helper that returns a read-only view.
    async fn view(&self) -> impl Deref<Target = Zone> + '_ {
        self.zone.read().await
    }

    pub async fn serial(&self) -> u32 {
        self.view().await.serial
    }
}

// `impl DerefMut` over a value the function owns: no lock, nothing shared.
pub fn scratch() -> impl DerefMut<Target = Vec<u32>> {
    Box::new(Vec::new())
}

pub fn fill() {
    let mut v = scratch();
    v.push(1);
}

pub fn owned_guard(m: MutexGuard<'_, u32>) -> u32 {
    *m
}
