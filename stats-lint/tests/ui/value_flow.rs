// UI test: a binding whose initialiser is a `match`, an `if let .. else`, a
// `let .. else` or a block takes the value of the first branch that does not
// diverge, with that branch's pattern bound; of a `match`, the first arm that
// gives the guard of a shared lock, wherever it stands (`Some(g) => g, None =>
// &mut self.pool.write().unwrap()`). Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, RwLockWriteGuard};

pub struct Cache {
    values: RwLock<HashMap<String, u32>>,
}

pub struct Holder {
    cache: Option<Arc<Cache>>,
    names: Arc<Mutex<HashMap<u32, u32>>>,
}

impl Holder {
    fn get_cache(&self) -> Option<&Arc<Cache>> {
        self.cache.as_ref()
    }

    pub fn by_match(&self) -> Option<u32> {
        let c = match self.get_cache() {
            None => return None,
            Some(c) => c.clone(),
        };
        c.values
            .read()
            .expect("poisoned") //~ poison_cascade
            .get("x")
            .copied()
    }

    pub fn by_if_let(&self) {
        let c = if let Some(c) = self.get_cache() {
            c.clone()
        } else {
            panic!("no cache")
        };
        c.values.write().unwrap_or_else(|p| p.into_inner()).clear(); //~ shared_map_mutation
    }

    pub fn by_let_else(&self) {
        let Some(c) = self.get_cache() else { return };
        c.values.write().unwrap_or_else(|p| p.into_inner()).clear(); //~ shared_map_mutation
    }

    pub fn by_block(&self, flag: bool) {
        let n = if flag { { self.names.clone() } } else { unreachable!() };
        n.lock().unwrap_or_else(|p| p.into_inner()).insert(1, 1); //~ shared_map_mutation
    }

    pub fn in_loop(&self, list: Vec<Option<u32>>) {
        for item in list {
            let n = match item {
                Some(_) => Arc::clone(&self.names),
                None => continue,
            };
            n.lock().unwrap_or_else(|p| p.into_inner()).remove(&1); //~ shared_map_mutation
        }
    }

    // Not flagged: a copy taken out of the guard in the arm is not shared.
    pub fn copy_in_arm(&self) {
        let mut copy = match self.names.lock() {
            Ok(g) => g.clone(),
            Err(_) => return,
        };
        copy.insert(2, 2);
    }
}

// Not flagged: the arm builds a store owned by this function.
pub struct Store {
    map: Mutex<HashMap<u32, u32>>,
}

impl Store {
    pub fn new() -> Store {
        Store { map: Mutex::new(HashMap::new()) }
    }
}

pub fn owned_in_arm(flag: Option<u8>) {
    let s = match flag {
        Some(_) => Store::new(),
        None => return,
    };
    s.map.lock().unwrap_or_else(|p| p.into_inner()).insert(1, 1);
}

// `Pin<&mut Self>::get_mut()` is the pinned value itself.
pub struct Stream {
    holder: Holder,
}

impl Stream {
    pub fn poll(self: std::pin::Pin<&mut Self>) -> Option<u32> {
        let m = self.get_mut();
        let c = match m.holder.get_cache() {
            Some(c) => c.clone(),
            None => return None,
        };
        c.values.read().expect("poisoned").get("x").copied() //~ poison_cascade
    }
}

pub struct Pool {
    stores: Arc<RwLock<HashMap<u32, String>>>,
}

impl Pool {
    pub fn close(&self, id: u32, given: Option<&mut RwLockWriteGuard<'_, HashMap<u32, String>>>) {
        let stores = match given {
            Some(g) => g,
            None => &mut self.stores.write().unwrap(), //~ poison_cascade
        };
        stores.remove(&id); //~ shared_map_mutation
    }

    pub fn count(&self, local: Option<&HashMap<u32, String>>) -> usize {
        let fresh = HashMap::new();
        let stores = match local {
            Some(m) => m,
            None => &fresh,
        };
        stores.len()
    }
}
