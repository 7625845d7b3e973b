// UI test: a `&mut self` method that mutates a map through another `&mut
// self` method of its type (`fn remove(&mut self) { self.remove_internal() }`)
// mutates that map, however deep the calls go; so does one whose mutation
// sits in a closure it calls (`self.get().unwrap_or_else(|| self.map.insert(..))`),
// and one that calls a mutator of a field's own type (`self.perms.insert(..)`
// where `PermissionMap::insert` inserts into its map). Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Default)]
pub struct Shard {
    map: HashMap<u64, String>,
    hits: u64,
}

impl Shard {
    fn remove_internal(&mut self, key: u64) -> Option<String> {
        self.map.remove(&key)
    }

    fn evict(&mut self, key: u64) -> Option<String> {
        self.hits += 1;
        self.remove_internal(key)
    }

    pub fn remove(&mut self, key: u64) -> Option<String> {
        self.evict(key)
    }

    fn get_or_create(&mut self, key: u64) -> String {
        self.map.get(&key).cloned().unwrap_or_else(|| {
            self.map.insert(key, String::new());
            String::new()
        })
    }

    fn touch(&mut self) {
        self.hits += 1;
    }

    pub fn hit(&mut self) {
        self.touch();
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }
}

pub struct PermissionMap {
    by_addr: HashMap<String, u32>,
}

impl PermissionMap {
    fn insert(&mut self, addr: String, p: u32) {
        self.by_addr.insert(addr, p);
    }

    fn count(&self) -> usize {
        self.by_addr.len()
    }
}

pub struct RelayConn {
    perms: PermissionMap,
}

impl RelayConn {
    fn allow(&mut self, addr: String) {
        self.perms.insert(addr, 1);
    }

    fn allowed(&mut self) -> usize {
        self.perms.count()
    }
}

pub fn relay(conn: Arc<Mutex<RelayConn>>) {
    conn.lock().unwrap().allow("a".into()); //~ poison_cascade shared_map_mutation
    let _ = conn.lock().unwrap().allowed(); //~ poison_cascade
}

#[derive(Clone, Default)]
pub struct Cache {
    shards: Arc<Vec<Mutex<Shard>>>,
}

impl Cache {
    pub fn remove(&self, key: u64) -> Option<String> {
        let shard = &self.shards[key as usize % self.shards.len()];
        shard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key) //~ shared_map_mutation
    }

    pub fn name(&self, key: u64) -> String {
        let shard = &self.shards[key as usize % self.shards.len()];
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        shard.get_or_create(key) //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn hit(&self, key: u64) {
        let shard = &self.shards[key as usize % self.shards.len()];
        shard.lock().unwrap_or_else(PoisonError::into_inner).hit();
    }

    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

pub fn local(mut shard: Shard) {
    shard.remove(1);
}
