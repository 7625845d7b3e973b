// UI test: a map field replaced whole through the guard of a shared lock
// (`guard.sessions = HashMap::new()`), or by a `&mut self` method called on
// such a guard (`fn reload(&mut self) { self.cache = .. }`, tauri-plugin-store's
// `load_ignore_defaults`), is a mutation of the shared map, as
// `*guard = HashMap::new()` is. So is the whole value replaced
// (`*guard = State { .. }`, `fn replace(&mut self, new) { *self = new }`,
// a field of it, `guard.state = State::default()`, or a struct holding it
// by value, `*guard = Caches::default()`), its maps with it (not those
// behind an `Arc` field). A field set while the value is not shared yet is not.
// Every lint runs.
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

    fn renew(&mut self) {
        let mut next = State::default();
        next.count = self.count + 1;
        *self = next;
    }

    fn swap_with(&mut self, other: &mut State) {
        std::mem::swap(self, other);
    }
}

/// A struct that holds no map, replaced whole: nothing to report.
#[derive(Default)]
pub struct Stamp {
    at: u64,
}

/// A struct holding the state: its field assigned a new one.
#[derive(Default)]
pub struct Caches {
    state: State,
    stamp: Stamp,
}

#[derive(Clone)]
pub struct Store {
    state: Arc<Mutex<State>>,
    caches: Arc<Mutex<Caches>>,
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

    pub fn reset_caches(&self) {
        let mut g = self.caches.lock().unwrap_or_else(PoisonError::into_inner);
        g.state = State::default(); //~ shared_map_mutation
        g.stamp = Stamp::default();
    }

    pub fn restart(&self) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = State::default(); //~ shared_map_mutation
        let mut g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        g.renew(); //~ shared_map_mutation
        let mut other = State::default();
        g.swap_with(&mut other); //~ shared_map_mutation
        *self.caches.lock().unwrap_or_else(PoisonError::into_inner) = Caches::default(); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn bump(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).bump();
    }
}

/// A pointer to a struct with a map replaced: the struct is left as it was.
pub struct Current {
    state: Option<Arc<State>>,
}

pub fn rebind(c: &Arc<Mutex<Current>>, next: Arc<State>) {
    c.lock().unwrap_or_else(PoisonError::into_inner).state = Some(next);
}

pub fn clear_current(c: &Arc<Mutex<Current>>) {
    *c.lock().unwrap_or_else(PoisonError::into_inner) = Current { state: None };
}

pub fn stamp(s: &Arc<Mutex<Stamp>>) {
    *s.lock().unwrap_or_else(PoisonError::into_inner) = Stamp { at: 1 };
}

pub fn new_store() -> Store {
    let mut state = State::default();
    state.sessions = HashMap::from([(1, String::new())]);
    Store {
        state: Arc::new(Mutex::new(state)),
        caches: Arc::default(),
    }
}
