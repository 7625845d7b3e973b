// UI test: a map filled through a fresh `Arc` (`let m = Arc::new(..)` in
// this function) before the `Arc` is first cloned, moved, captured or
// handed on: no other thread can hold it yet. From the statement that
// hands it on, it is shared; a loop that hands it on shares it from the
// loop's start. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

pub fn seeded_server() {
    let state = Arc::new(Mutex::new(HashMap::new()));
    state.lock().unwrap().insert("seed", 1);
    {
        let mut g = state.lock().unwrap();
        g.insert("more", 2);
    }
    let worker = state.clone();
    std::thread::spawn(move || worker.lock().unwrap().insert("w", 3)); //~ poison_cascade shared_map_mutation
    state.lock().unwrap().insert("late", 4); //~ poison_cascade shared_map_mutation
}

pub fn loop_hands_it_on() {
    let state = Arc::new(RwLock::new(HashMap::new()));
    for i in 0..4 {
        state.write().unwrap().insert(i, i); //~ poison_cascade shared_map_mutation
        let s = Arc::clone(&state);
        std::thread::spawn(move || s.read().unwrap().len()); //~ poison_cascade
    }
}

pub fn captured_by_a_closure_first() {
    let state = Arc::new(Mutex::new(HashMap::new()));
    let add = || state.lock().unwrap().insert(1, 1); //~ poison_cascade shared_map_mutation
    std::thread::scope(|s| {
        s.spawn(add);
    });
}

pub fn given_away(sink: fn(Arc<Mutex<HashMap<u8, u8>>>)) {
    let state = Arc::new(Mutex::new(HashMap::new()));
    sink(state.clone());
    state.lock().unwrap().insert(1, 1); //~ poison_cascade shared_map_mutation
}

pub fn from_elsewhere(shared: &Arc<Mutex<HashMap<u8, u8>>>) {
    let state = shared.clone();
    state.lock().unwrap().insert(1, 1); //~ poison_cascade shared_map_mutation
}

// `Default::default()` into a binding typed `Arc<..>` is as fresh as
// `Arc::new`; lending what its lock guards to a call hands the lock on to
// no one.
pub fn default_before_clone(all: Vec<u32>, fill: fn(&mut HashMap<u32, u32>)) {
    let state: Arc<Mutex<HashMap<u32, u32>>> = Default::default();
    if all.is_empty() {
        fill(&mut *state.lock().unwrap());
        return;
    }
    state.lock().unwrap().insert(0, 0);
    for i in all {
        let s = state.clone();
        std::thread::spawn(move || s.lock().unwrap().insert(i, i)); //~ poison_cascade shared_map_mutation
    }
}
