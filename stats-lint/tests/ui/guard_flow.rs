// UI test: guards reached through `Weak::upgrade()`, through a closure given
// the lock result, and maps taken out with `mem::take`. Every lint runs.
use std::borrow::BorrowMut;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

pub struct PoolInner {
    idle: HashMap<u32, u32>,
}

pub struct Conn {
    pool: Weak<Mutex<PoolInner>>,
    cache: Weak<Mutex<HashMap<u32, u32>>>,
}

pub struct Table {
    m: Mutex<HashMap<u32, u32>>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            if let Ok(mut inner) = pool.lock() {
                inner.idle.insert(3, 3); //~ shared_map_mutation
            }
        }
        if let Some(c) = self.cache.upgrade() {
            c.lock().unwrap().remove(&1); //~ poison_cascade shared_map_mutation
        }
    }
}

impl Table {
    pub fn via_map(&self) {
        let _ = self.m.lock().map(|mut g| g.insert(1, 2)); //~ shared_map_mutation
    }

    pub fn through_borrow_mut(&self) {
        let mut lock = self.m.lock().unwrap(); //~ poison_cascade
        let map = lock.borrow_mut();
        map.insert(4, 4); //~ shared_map_mutation
    }

    pub fn take_all(&self) -> HashMap<u32, u32> {
        std::mem::take(&mut *self.m.lock().unwrap()) //~ shared_map_mutation poison_cascade
    }

    // ---- not flagged ----

    pub fn len(&self) -> usize {
        self.m.lock().map(|g| g.len()).unwrap_or(0)
    }
}

pub fn share(t: Table) -> Arc<Table> {
    Arc::new(t)
}
