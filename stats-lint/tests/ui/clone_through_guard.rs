// UI test: a clone of what a lock guard holds is the caller's own copy
// (`SignalData::clone(&lock)`, `guard.clone()`), but a clone of an `Arc`
// reached through a guard is another handle of the shared value.
// Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, RwLock};

#[derive(Clone, Default)]
struct SignalData {
    signals: HashMap<i32, u32>,
}

#[derive(Default)]
struct Global {
    data: RwLock<SignalData>,
    shared: Arc<Mutex<HashMap<i32, u32>>>,
}

#[derive(Default)]
struct Holder {
    inner: Arc<Mutex<HashMap<i32, u32>>>,
}

static HOLDER: LazyLock<Mutex<Holder>> = LazyLock::new(Default::default);

pub fn through_a_guard(signal: i32) {
    let inner = HOLDER.lock().unwrap().inner.clone();
    inner.lock().unwrap().insert(signal, 3); //~ poison_cascade shared_map_mutation
}

static GLOBAL: LazyLock<Global> = LazyLock::new(Global::default);

pub fn register(signal: i32) {
    let lock = GLOBAL.data.write().unwrap(); //~ poison_cascade
    let mut copy = SignalData::clone(&lock);
    copy.signals.insert(signal, 1);
    let mut other = lock.clone();
    other.signals.clear();
    drop(lock);
}

pub fn shared_handle(signal: i32) {
    let g = GLOBAL.shared.clone();
    g.lock().unwrap().insert(signal, 2); //~ poison_cascade shared_map_mutation
}
