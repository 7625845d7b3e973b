// UI test: `Alias::default()` where the alias names an `Arc` of a lock around
// a map: the alias says what the value holds. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub type Subscribers = Arc<Mutex<HashMap<u64, String>>>;
pub type LocalTable = Mutex<HashMap<u64, String>>;

pub fn register() -> Subscribers {
    let subscribers = Subscribers::default();
    let inner = subscribers.clone();
    std::thread::spawn(move || {
        inner.lock().unwrap_or_else(|p| p.into_inner()).remove(&1); //~ shared_map_mutation
    });
    subscribers
}

// Not flagged: a lock owned by one function, never shared.
pub fn local_only() -> usize {
    let table = LocalTable::default();
    table.lock().unwrap_or_else(|p| p.into_inner()).insert(1, String::new());
    table.lock().unwrap_or_else(|p| p.into_inner()).len()
}
