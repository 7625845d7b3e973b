// UI test: the package's own method named like a std method the linter sees
// through (`get_or_init`, `as_ref`, `force`) is the package's method: what it
// returns is followed by its written return type. Every lint runs.
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

#[derive(Default)]
pub struct Metadata {
    inner: OnceLock<RwLock<HashMap<usize, String>>>,
}

impl Metadata {
    fn get_or_init(&self) -> &RwLock<HashMap<usize, String>> {
        self.inner.get_or_init(|| RwLock::new(HashMap::new()))
    }

    pub fn insert(&self, idx: usize, name: String) {
        let mut store = self.get_or_init().write();
        store.insert(idx, name); //~ shared_map_mutation
    }

    pub fn clear(&self) {
        self.get_or_init().write().clear(); //~ shared_map_mutation
    }
}

pub fn share(m: Arc<Metadata>) {
    std::thread::spawn(move || m.insert(0, String::new()));
}

// ---- not flagged ----

impl Metadata {
    pub fn len(&self) -> usize {
        self.get_or_init().read().len()
    }
}

// std's `get_or_init` on a local `OnceLock`: the value it holds, owned here.
pub fn local() {
    let cell: OnceLock<HashMap<usize, usize>> = OnceLock::new();
    let _ = cell.get_or_init(HashMap::new).len();
}
