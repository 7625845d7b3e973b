// UI test: a nested map found by `get_mut` and mutated in an `Option`
// combinator's closure (`.get_mut(&k).and_then(|t| t.remove(&id))`), as
// through a `let` binding. Every lint runs.
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct Parker {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    threads: HashMap<usize, HashMap<u64, u32>>,
}

impl Parker {
    pub fn unregister(&self, key: usize, id: u64) -> Option<u32> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .threads
            .get_mut(&key) //~ shared_map_mutation
            .and_then(|threads| threads.remove(&id)) //~ shared_map_mutation
    }

    // Not flagged: a read of the nested map in the closure.
    pub fn peek(&self, key: usize, id: u64) -> Option<u32> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.threads.get(&key).and_then(|threads| threads.get(&id).copied())
    }
}

// Not flagged: a nested map owned by this function.
pub fn local(key: usize, id: u64) -> Option<u32> {
    let mut m: HashMap<usize, HashMap<u64, u32>> = HashMap::new();
    m.get_mut(&key).and_then(|t| t.remove(&id))
}
