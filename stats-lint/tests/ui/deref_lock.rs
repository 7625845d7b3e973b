// UI test: the package's own type that derefs to a lock (`struct
// Shared(Arc<Mutex<State>>)` with `Deref<Target = Mutex<State>>`): `lock()`
// on it locks that lock, shared as the `Arc` it holds is. Every lint runs.
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;
use tokio::sync::Mutex;

#[derive(Default)]
pub struct State {
    peers: HashMap<String, u32>,
}

#[derive(Clone, Default)]
pub struct Shared(Arc<Mutex<State>>);

impl Deref for Shared {
    type Target = Mutex<State>;
    fn deref(&self) -> &Mutex<State> {
        &self.0
    }
}

pub async fn join(shared: Shared, name: String) {
    shared.lock().await.peers.insert(name, 1); //~ shared_map_mutation
}

pub async fn leave(shared: Shared, name: &str) {
    let mut state = shared.lock().await;
    state.peers.remove(name); //~ shared_map_mutation
}

// ---- not flagged ----

pub async fn count(shared: Shared) -> usize {
    shared.lock().await.peers.len()
}

// A type that derefs to a lock it owns, used by one owner.
pub struct Owned(Mutex<State>);

impl Deref for Owned {
    type Target = Mutex<State>;
    fn deref(&self) -> &Mutex<State> {
        &self.0
    }
}

pub fn local(mut o: Owned) {
    o.0.get_mut().peers.insert(String::new(), 1);
}
