// UI test: `poison_cascade` needs a map that the guard can mutate. Lines with
// a `~ NAME` marker comment must be flagged; every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

// An immutable value type: its map is behind an `Arc`, never mutable through a guard.
pub struct ResourceInner {
    attrs: HashMap<String, String>,
}
pub struct Resource {
    inner: Arc<ResourceInner>,
}

// A struct that owns its map: a guard of it can mutate the map.
pub struct PoolInner {
    idle: HashMap<u32, u32>,
}

pub struct Exporter {
    resource: Arc<Mutex<Resource>>,
    maybe: Arc<Mutex<Option<Resource>>>,
    pool: Arc<Mutex<PoolInner>>,
    direct: Arc<Mutex<HashMap<u32, u32>>>,
    boxed: Arc<Mutex<Option<Box<PoolInner>>>>,
    nested: Arc<Mutex<Arc<Mutex<HashMap<u32, u32>>>>>,
}

impl Exporter {
    pub fn flagged(&self) {
        let n = self.pool.lock().unwrap().idle.len(); //~ poison_cascade
        let d = self.direct.lock().unwrap().len(); //~ poison_cascade
        let b = self.boxed.lock().expect("pool").is_some(); //~ poison_cascade
    }

    // ---- not flagged ----

    pub fn set_resource(&self, r: Resource) {
        *self.resource.lock().unwrap() = r;
    }

    pub fn resource_is_set(&self) -> bool {
        self.maybe.lock().unwrap().is_some()
    }

    pub fn inner_lock(&self) -> Arc<Mutex<HashMap<u32, u32>>> {
        // the outer lock guards only an `Arc`: the map is mutated under its own lock
        self.nested.lock().unwrap().clone()
    }
}
