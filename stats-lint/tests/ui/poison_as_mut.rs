// UI test: `.lock().as_mut().unwrap()` and `.lock().as_ref().unwrap()`
// panic on a poisoned lock as `.lock().unwrap()` does. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

pub type Peers = Arc<Mutex<HashMap<String, u32>>>;

pub fn join(peers: Peers, id: String) {
    peers.lock().as_mut().unwrap().insert(id, 0); //~ poison_cascade shared_map_mutation
}

pub fn count(peers: Peers) -> usize {
    peers.lock().as_ref().unwrap().len() //~ poison_cascade
}

// ---- not flagged ----

pub fn leave(peers: Peers, id: &str) {
    peers
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(id); //~ shared_map_mutation
}

pub fn try_count(peers: Peers) -> Option<usize> {
    peers.lock().as_ref().ok().map(|m| m.len())
}

pub fn local(counts: &mut Option<HashMap<String, u32>>) {
    counts.as_mut().unwrap().insert(String::new(), 1);
}
