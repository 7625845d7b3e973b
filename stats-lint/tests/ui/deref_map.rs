// UI test: the package's own type that derefs to a map
// (`impl DerefMut<Target = HashMap<..>>`), and a newtype mutated through its
// field, held in a shared lock. Every lint runs.
use std::collections::{HashMap, HashSet};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

pub struct Cache {
    inner: HashMap<String, u64>,
}

impl Deref for Cache {
    type Target = HashMap<String, u64>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl DerefMut for Cache {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

pub struct Seen(HashSet<u32>);

impl Deref for Seen {
    type Target = HashSet<u32>;
    fn deref(&self) -> &HashSet<u32> {
        &self.0
    }
}

impl DerefMut for Seen {
    fn deref_mut(&mut self) -> &mut HashSet<u32> {
        &mut self.0
    }
}

pub struct Newtype(HashMap<u32, u32>);

static SEEN: Mutex<Option<Seen>> = Mutex::new(None);

pub struct Server {
    cache: Arc<Mutex<Cache>>,
    ids: Arc<Mutex<Newtype>>,
}

impl Server {
    pub fn put(&self, k: String) {
        self.cache.lock().unwrap().insert(k, 1); //~ poison_cascade shared_map_mutation
    }

    pub fn evict(&self, k: &str) {
        let mut g = self.cache.lock().unwrap(); //~ poison_cascade
        g.remove(k); //~ shared_map_mutation
    }

    pub fn count(&self, k: String) {
        *self.cache.lock().unwrap().entry(k).or_insert(0) += 1; //~ poison_cascade shared_map_mutation counter_map
    }

    pub fn put_id(&self) {
        self.ids.lock().unwrap().0.insert(1, 2); //~ poison_cascade shared_map_mutation
    }

    // ---- not flagged ----

    pub fn read(&self, k: &str) -> Option<u64> {
        self.cache.lock().unwrap().get(k).copied() //~ poison_cascade
    }
}

pub fn mark(id: u32) {
    if let Some(s) = SEEN.lock().unwrap().as_mut() { //~ poison_cascade
        s.insert(id); //~ shared_map_mutation
    }
}

// ---- not flagged: the type's own method wins over the map's ----

pub struct Journal {
    map: HashMap<u32, u32>,
    log: Vec<u32>,
}

impl Deref for Journal {
    type Target = HashMap<u32, u32>;
    fn deref(&self) -> &HashMap<u32, u32> {
        &self.map
    }
}

impl Journal {
    pub fn insert(&mut self, k: u32) {
        self.log.push(k);
    }
}

pub struct Writer {
    journal: Arc<Mutex<Journal>>,
}

impl Writer {
    pub fn write(&self) {
        self.journal.lock().unwrap().insert(1); //~ poison_cascade
    }
}

pub fn owned_by_one_function() {
    let local = Mutex::new(Cache { inner: HashMap::new() });
    local.lock().unwrap().insert(String::new(), 1);
}
