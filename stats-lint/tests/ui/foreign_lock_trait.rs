// UI test: another crate's extension trait on a lock whose type is known
// (fyrox_core's `SafeLock::safe_lock` on a `parking_lot::Mutex` field) hands
// back the guard when its method is named like a lock method: a name with
// `lock` or `write` gives a write guard, one with `read` a read guard; a
// query or a release (`is_locked`, `force_unlock`) gives none. Every lint runs.
use fyrox_core::SafeLock;
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::sync::Arc;

pub struct Constructors {
    map: Mutex<HashMap<u32, String>>,
    names: RwLock<HashMap<u32, String>>,
}

impl Constructors {
    pub fn add(&self, k: u32, v: String) {
        self.map.safe_lock().insert(k, v); //~ shared_map_mutation
        self.names.write_timeout().insert(k, String::new()); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn find(&self, k: u32) -> Option<String> {
        if self.map.is_locked() {
            return None;
        }
        self.names.read_now().get(&k).cloned()
    }
}

pub struct Manager {
    registry: Arc<Mutex<HashMap<u32, String>>>,
}

impl Manager {
    pub fn register(&self, k: u32, v: String) {
        let mut reg = self.registry.safe_lock();
        reg.insert(k, v); //~ shared_map_mutation
    }
}

/// Not a lock: the method of another crate's trait on a map is its own.
pub struct Plain {
    map: HashMap<u32, String>,
}

impl Plain {
    pub fn touch(&mut self) {
        self.map.lock_entries();
    }
}
