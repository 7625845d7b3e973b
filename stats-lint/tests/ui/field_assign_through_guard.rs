// UI test: a map field replaced whole through the guard of a shared lock
// (`guard.sessions = HashMap::new()`), or by a `&mut self` method called on
// such a guard (`fn reload(&mut self) { self.cache = .. }`, tauri-plugin-store's
// `load_ignore_defaults`), is a mutation of the shared map, as
// `*guard = HashMap::new()` is. A field set while the value is not shared
// yet is not. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Default)]
pub struct State {
    sessions: HashMap<u64, String>,
    cache: HashMap<String, String>,
    count: u64,
}

impl State {
    fn reload(&mut self, fresh: HashMap<String, String>) {
        self.cache = fresh;
        self.count += 1;
    }

    fn bump(&mut self) {
        self.count += 1;
    }
}

#[derive(Clone)]
pub struct Store {
    state: Arc<Mutex<State>>,
}

impl Store {
    pub fn reset(&self) {
        let mut g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        g.sessions = HashMap::new(); //~ shared_map_mutation
        g.count = 0;
    }

    pub fn reload(&self, fresh: HashMap<String, String>) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reload(fresh); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn bump(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).bump();
    }
}

pub fn new_store() -> Store {
    let mut state = State::default();
    state.sessions = HashMap::from([(1, String::new())]);
    Store {
        state: Arc::new(Mutex::new(state)),
    }
}
