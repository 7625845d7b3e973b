// UI test: an instance owned by one function is not shared, even when its type
// is put in an `Arc` elsewhere in the package. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub struct Store {
    shards: Vec<RwLock<HashMap<u32, u32>>>,
}

impl Store {
    pub fn new() -> Store {
        Store { shards: Vec::new() }
    }

    pub fn put(&self, k: u32) {
        self.shards[0].write().unwrap().insert(k, 1); //~ poison_cascade shared_map_mutation
    }
}

pub struct Cache {
    store: Arc<Store>,
}

#[test]
fn shared_instances() {
    let s = Store::new();
    std::thread::scope(|sc| {
        sc.spawn(|| s.shards[1].write().unwrap().insert(1, 2)); //~ poison_cascade shared_map_mutation
    });
    let a = Arc::new(Store::new());
    let cache = Cache { store: a.clone() };
    a.shards[1].write().unwrap().insert(1, 2); //~ poison_cascade shared_map_mutation
    drop(cache);
}

// ---- not flagged ----

#[test]
fn local_instances() {
    let s = Store::new();
    s.shards[1].write().unwrap().insert(1, 2);
    let t = Store { shards: Vec::new() };
    t.shards[0].write().unwrap().remove(&1);
}

/// What a constructor returns in a `Result`, bound by a `match` arm: the
/// `Arc`s in its fields are the arm's own while the binding stays there.
pub fn open() -> Result<(Cache, u32), String> {
    Ok((
        Cache {
            store: Arc::new(Store::new()),
        },
        0,
    ))
}

pub fn local_instance_bound_by_a_match_arm() {
    match open() {
        Ok((c, _)) => {
            c.store.shards[1].write().unwrap().insert(1, 2);
        }
        Err(e) => panic!("{e}"),
    }
}
