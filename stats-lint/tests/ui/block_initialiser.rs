// UI test: a binding initialised by a block with statements before its
// value (`let g = { drop(old); m.write().unwrap() };`) takes that value,
// with the block's own `let`s bound. Every lint runs.
use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};

#[derive(Clone, Default)]
pub struct Interner {
    set: Arc<RwLock<HashSet<String>>>,
}

impl Interner {
    pub fn intern(&self, s: &str) {
        let read = self.set.read().unwrap_or_else(PoisonError::into_inner);
        let mut set = {
            drop(read);
            let lock = &self.set;
            lock.write().unwrap_or_else(PoisonError::into_inner)
        };
        set.insert(s.to_string()); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn copy(&self) -> HashSet<String> {
        let mut own = {
            let g = self.set.read().unwrap_or_else(PoisonError::into_inner);
            g.clone()
        };
        own.insert(String::new());
        own
    }
}
