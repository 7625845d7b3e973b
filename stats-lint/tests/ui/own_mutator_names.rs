// UI test: a `&mut self` method of the package's own type that mutates one of
// its map fields counts as a mutation also when it is named like a map method
// (`insert`), instead of falling to the name heuristic. Every lint runs.
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

pub struct Set<P>(HashMap<P, ()>);
impl<P: Hash + Eq> Set<P> {
    pub fn insert(&mut self, x: P) {
        self.0.insert(x, ());
    }
    pub fn contains(&self, x: &P) -> bool {
        self.0.contains_key(x)
    }
}

pub struct Named<P> {
    m: HashMap<P, ()>,
    hits: u64,
}
impl<P: Hash + Eq> Named<P> {
    pub fn insert(&mut self, x: P) {
        self.m.insert(x, ());
    }
    pub fn clear(&mut self) {
        self.hits = 0;
    }
}

pub struct Arena {
    a: Mutex<Set<u32>>,
    b: Mutex<Named<u32>>,
}

impl Arena {
    pub fn intern(&self, x: u32) {
        let mut m = self.a.lock().unwrap(); //~ poison_cascade
        m.insert(x); //~ shared_map_mutation
        self.b.lock().unwrap().insert(x); //~ poison_cascade shared_map_mutation
    }

    // ---- not flagged ----

    pub fn reset_hits(&self) {
        // `clear` of the package's own type touches no map
        self.b.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub fn has(&self, x: u32) -> bool {
        self.a.lock().is_ok_and(|s| s.contains(&x))
    }
}
