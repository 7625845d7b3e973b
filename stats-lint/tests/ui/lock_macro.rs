// UI test: a local `macro_rules!` lock helper (`lock!(self.map)`) is
// expanded where its value is followed; a poisoning lock taken in its body
// is reported on the body's line. Every lint runs.
use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

macro_rules! lock {
    ($m:expr) => {
        $m.lock().unwrap() //~ poison_cascade
    };
}

macro_rules! wlock {
    ($m:expr) => {{ $m.write().unwrap_or_else(|e| e.into_inner()) }};
}

macro_rules! read {
    ($m:expr) => {
        $m.read().unwrap() //~ poison_cascade
    };
}

// One whose body names the crate's own path through `$crate`.
macro_rules! write_lock {
    ($m:expr) => {
        $m.write().expect($crate::ERR_LOCK) //~ poison_cascade
    };
}

// One that builds a lock: a binding it initialises is that lock.
macro_rules! arc_mut {
    ($val:expr) => {
        std::sync::Arc::new(std::sync::Mutex::new($val))
    };
}

const ERR_LOCK: &str = "poisoned";

pub struct Store {
    map: Mutex<HashMap<u32, u32>>,
    rw: RwLock<HashMap<u32, u32>>,
}

impl Store {
    pub fn put(&self, k: u32, v: u32) {
        lock!(self.map).insert(k, v); //~ shared_map_mutation
    }

    pub fn evict(&self, k: u32) {
        let mut g = lock!(self.map);
        g.remove(&k); //~ shared_map_mutation
    }

    pub fn put_rw(&self, k: u32) {
        wlock!(self.rw).insert(k, k); //~ shared_map_mutation
    }

    pub fn put_crate(&self, k: u32) {
        write_lock!(self.rw).insert(k, k); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn get(&self, k: u32) -> Option<u32> {
        read!(self.rw).get(&k).copied()
    }
}

pub fn cache() {
    let cache = arc_mut!(HashMap::<u32, u32>::new());
    let c2 = cache.clone();
    std::thread::spawn(move || c2.lock().unwrap().insert(1, 1)); //~ poison_cascade shared_map_mutation
    cache.lock().unwrap().insert(2, 2); //~ poison_cascade shared_map_mutation
}

pub fn owned_by_one_function() {
    let local = Mutex::new(HashMap::new());
    lock!(local).insert(1, 2);
}
