// UI test: `BTreeMap::range_mut` and indexmap's index-based mutations
// (also `get_index_mut2`, which hands out the key) mutate the map they are
// called on. Every lint runs.
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Default)]
struct Queue {
    jobs: BTreeMap<u64, String>,
    order: IndexMap<String, u64>,
}

#[derive(Clone, Default)]
pub struct Storage {
    inner: Arc<Mutex<Queue>>,
}

impl Storage {
    pub fn requeue(&self, from: u64, to: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for (_, job) in inner.jobs.range_mut(from..to) { //~ shared_map_mutation
            job.push('!');
        }
        inner.order.swap_remove_index(0); //~ shared_map_mutation
        if let Some((key, _)) = inner.order.get_index_mut2(0) { //~ shared_map_mutation
            key.clear();
        }
    }

    // ---- not flagged ----

    pub fn peek(&self, from: u64, to: u64) -> usize {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.jobs.range(from..to).count()
    }
}

pub fn local(mut jobs: BTreeMap<u64, String>) {
    for (_, job) in jobs.range_mut(..) {
        job.clear();
    }
}
