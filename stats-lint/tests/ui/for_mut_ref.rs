// UI test: `for (k, v) in &mut map` iterates the map mutably, like
// `map.iter_mut()`. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Endpoints {
    endpoints: HashMap<String, u64>,
}

pub fn spawn_it() {
    let state = Arc::new(Mutex::new(Endpoints { endpoints: HashMap::new() }));
    let st = state.clone();
    std::thread::spawn(move || {
        let mut g = st.lock().unwrap_or_else(|p| p.into_inner());
        for (_k, v) in &mut g.endpoints { //~ shared_map_mutation
            *v = 0;
        }
    });
    state.lock().unwrap_or_else(|p| p.into_inner()).endpoints.insert("x".into(), 1); //~ shared_map_mutation
}

// Not flagged: a shared iteration, and a map owned by this function.
pub fn read_only(state: Arc<Mutex<Endpoints>>) -> u64 {
    let g = state.lock().unwrap_or_else(|p| p.into_inner());
    let mut sum = 0;
    for (_k, v) in &g.endpoints {
        sum += *v;
    }
    let mut local: HashMap<String, u64> = HashMap::new();
    for (_k, v) in &mut local {
        *v = sum;
    }
    sum
}
