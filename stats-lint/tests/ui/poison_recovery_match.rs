// UI test: poison recovery written as `match`, `if let` or a closure yields the
// guard, and mutations through it are followed. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

static HANDLERS: LazyLock<Arc<Mutex<HashMap<String, u32>>>> = LazyLock::new(Default::default);
static PLAIN: LazyLock<Mutex<HashMap<String, u32>>> = LazyLock::new(Default::default);

pub struct Registry {
    by_id: Mutex<HashMap<u32, u32>>,
}

pub fn register(name: &str) {
    let mut h = match HANDLERS.lock() {
        Ok(h) => h,
        Err(p) => p.into_inner(),
    };
    h.insert(name.to_string(), 1); //~ shared_map_mutation
}

pub fn unregister(name: &str) {
    let mut h = match PLAIN.lock() {
        Ok(guard) => guard,
        Err(poison) => {
            poison.into_inner()
        }
    };
    h.remove(name); //~ shared_map_mutation
}

impl Registry {
    pub fn add(&self, id: u32) {
        let mut g = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        g.insert(id, id); //~ shared_map_mutation
        if let Ok(mut g) = self.by_id.lock() {
            g.insert(id, 0); //~ shared_map_mutation
        }
    }

    // ---- not flagged ----

    pub fn len(&self) -> usize {
        let g = match self.by_id.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.len()
    }

    pub fn copy(&self) -> HashMap<u32, u32> {
        let mut copy = match self.by_id.lock() {
            Ok(g) => g.clone(),
            Err(_) => HashMap::new(),
        };
        copy.insert(1, 1);
        copy
    }
}
