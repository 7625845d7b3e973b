// UI test: a lock's result bound to a name, then unwrapped (`let guard =
// m.lock(); guard.as_ref().expect(..)`), is a poison cascade as the one
// chain is; and `self` of a trait impl for a shared reference to a lock
// (`impl Consign for &RwLock<Table>`) is shared, as a `&RwLock` parameter
// is. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

pub struct Table {
    table: HashMap<u32, u32>,
}

impl Table {
    fn put(&mut self, k: u32) {
        self.table.insert(k, k);
    }
}

pub fn bound(shared: &Arc<Mutex<Table>>) -> usize {
    let guard = shared.lock();
    let m = guard.as_ref().expect("poisoned"); //~ poison_cascade
    let n = m.table.len();
    let again = shared.lock();
    let again = again.unwrap(); //~ poison_cascade
    n + again.table.len()
}

pub trait Consign {
    fn mk(self, k: u32);
}

impl Consign for &RwLock<Table> {
    fn mk(self, k: u32) {
        let mut slf = self.write().expect("poisoned"); //~ poison_cascade
        slf.put(k); //~ shared_map_mutation
    }
}

// ---- not flagged ----

pub static SLOT: Mutex<Option<u32>> = Mutex::new(None);

pub fn recovered(shared: &Arc<Mutex<Table>>) -> usize {
    let result = shared.lock();
    match result {
        Ok(g) => g.table.len(),
        Err(p) => p.into_inner().table.len(),
    }
}

pub fn rebound(shared: &Arc<Mutex<Table>>) -> Option<u32> {
    let guard = shared.lock();
    drop(guard);
    let guard = Some(3u32);
    guard.as_ref().copied()
}

pub fn no_map() -> u32 {
    let slot = SLOT.lock();
    *slot.unwrap().as_ref().unwrap_or(&0)
}

pub struct Plain(u32);

impl Consign for &Plain {
    fn mk(self, _k: u32) {}
}
