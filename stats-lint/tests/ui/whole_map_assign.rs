// UI test: a whole map replaced through a guard (`*guard = HashMap::new()`)
// is a mutation like `insert`. Every lint runs.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

pub struct Registry {
    by_id: Mutex<HashMap<u32, String>>,
    by_name: Arc<RwLock<BTreeMap<String, u32>>>,
    nested: Mutex<HashMap<u32, HashMap<u32, u32>>>,
}

impl Registry {
    pub fn reset(&self) {
        let mut guard = self.by_id.lock().unwrap(); //~ poison_cascade
        *guard = HashMap::new(); //~ shared_map_mutation
    }

    pub fn replace(&self, other: BTreeMap<String, u32>) {
        let mut map_guard = self.by_name.write().unwrap(); //~ poison_cascade
        *map_guard = other; //~ shared_map_mutation
    }

    pub fn reset_in_place(&self) {
        *self.by_id.lock().unwrap() = HashMap::new(); //~ poison_cascade shared_map_mutation
    }

    pub fn take_all(&self) -> HashMap<u32, String> {
        let mut guard = self.by_id.lock().unwrap(); //~ poison_cascade
        std::mem::take(&mut *guard) //~ shared_map_mutation
    }

    // ---- reported once, at the lookup ----

    pub fn reset_inner(&self, k: u32) {
        *self.nested.lock().unwrap().get_mut(&k).unwrap() = HashMap::new(); //~ poison_cascade shared_map_mutation
    }

    // ---- not flagged ----

    pub fn relock(&self) -> usize {
        let mut guard = self.by_id.lock().unwrap(); //~ poison_cascade
        let n = guard.len();
        drop(guard);
        guard = self.by_id.lock().unwrap(); //~ poison_cascade
        n + guard.len()
    }
}

pub fn owned_by_one_function() {
    let local = Mutex::new(HashMap::<u32, u32>::new());
    *local.lock().unwrap() = HashMap::new();
}

pub fn through_exclusive_ref(m: &mut HashMap<u32, u32>) {
    *m = HashMap::new();
}

/// A request whose only maps are behind `Arc`s: replacing it leaves those
/// maps to their other owners (pingora's `pending_request = Some(..)`).
pub struct Pending {
    backends: Arc<HashMap<String, u32>>,
}

pub struct Balancer {
    pending: Mutex<Option<Pending>>,
}

impl Balancer {
    pub fn retry(&self, backends: Arc<HashMap<String, u32>>) -> usize {
        let mut guard = self.pending.lock().expect("pending");
        *guard = Some(Pending {
            backends: Arc::clone(&backends),
        });
        guard.as_ref().map_or(0, |p| p.backends.len())
    }
}
