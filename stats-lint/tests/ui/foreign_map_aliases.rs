// UI test: the map aliases of hasher crates (hash_hasher's `HashedMap`,
// nohash-hasher's `IntMap` and `IntSet`, hashlink's `LinkedHashMap`) are
// maps; so are another crate's own aliases named `..HashMap`/`..HashSet`
// (bevy_utils' `TypeIdHashMap<V>`), unless the name says concurrent
// (`SyncHashMap`). A package's own type of one of those names is its own.
// The linked maps' `get_refresh`, `to_back`, `pop_front`.. mutate them.
// hashlink's `LruCache` is its `LinkedHashMap` with a bound; its `get`
// moves the entry to the back, so a `&mut self` method calling it on a
// field mutates the cache, as does `get` called on it under a lock
// (another crate's `LruCache` is read as its own code says; `peek` does
// not reorder). serde_json's `Map` is a map. Every lint runs.
use bevy_utils::{EntityHashSet, PreHashMap, TypeIdHashMap};
use hash_hasher::HashedMap;
use hashlink::{LinkedHashMap, LruCache};
use nohash_hasher::{IntMap, IntSet};
use parking_lot::RwLock;
use std::sync::{Arc, Mutex};

pub struct Router {
    producers: Arc<RwLock<HashedMap<u64, String>>>,
    consumers: Arc<RwLock<IntMap<u32, IntSet<u64>>>>,
    order: Arc<Mutex<LinkedHashMap<String, u32>>>,
    senders: Arc<Mutex<TypeIdHashMap<Vec<u32>>>>,
    seen: Arc<RwLock<EntityHashSet>>,
    hashed: RwLock<PreHashMap<u64, u32>>,
    concurrent: RwLock<rbatis_core::SyncHashMap<u64, u32>>,
}

impl Router {
    pub fn add(&self, id: u64, name: String) {
        self.producers.write().insert(id, name); //~ shared_map_mutation
        self.consumers.write().entry(1).or_default().insert(id); //~ shared_map_mutation
        self.order.lock().unwrap().insert(String::new(), 1); //~ poison_cascade shared_map_mutation
    }

    /// The linked maps' own mutators: `get_refresh` relinks the entry it returns.
    pub fn touch(&self, name: &str) -> Option<u32> {
        let mut order = self.order.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        order.to_back(name); //~ shared_map_mutation
        order.pop_front(); //~ shared_map_mutation
        order.get_refresh(name).copied() //~ shared_map_mutation
    }

    pub fn send(&self, id: u64) {
        if let Ok(mut s) = self.senders.lock() {
            s.entry(std::any::TypeId::of::<u8>()).or_default().push(1); //~ shared_map_mutation
            if let Some(v) = s.get_mut(&std::any::TypeId::of::<u8>()) { //~ shared_map_mutation
                v.clear();
            }
        }
        self.seen.write().insert(id); //~ shared_map_mutation
        self.hashed.write().remove(&id); //~ shared_map_mutation
    }
}

// ---- not flagged ----

mod own {
    use std::sync::{Arc, Mutex};

    /// The package's own `IntMap`: not a map.
    pub struct IntMap {
        pub slots: Vec<u32>,
    }

    impl IntMap {
        pub fn insert(&mut self, v: u32) {
            self.slots.push(v);
        }
    }

    pub struct Holder {
        pub map: Arc<Mutex<IntMap>>,
    }

    impl Holder {
        pub fn add(&self, v: u32) {
            if let Ok(mut m) = self.map.lock() {
                m.insert(v);
            }
        }
    }
}

/// intmap's `IntMap`, a hash table of its own, is not nohash-hasher's alias.
pub struct Pages {
    pages: Arc<RwLock<intmap::IntMap<u64, u8>>>,
}

impl Pages {
    pub fn set(&self, k: u64) {
        self.pages.write().insert(k, 1);
    }
}

pub fn concurrent(r: &Router) {
    // Not a std map: its name says it synchronises itself.
    r.concurrent.write().insert(1, 2);
}

pub fn read(r: &Router) -> usize {
    r.producers.read().len()
}

pub struct VirtualDns {
    names: LruCache<u32, String>,
}

impl VirtualDns {
    pub fn touch(&mut self, addr: u32) {
        if let Some(name) = self.names.get_mut(&addr) {
            name.clear();
        }
    }

    pub fn resolve(&mut self, addr: u32) -> Option<&String> {
        self.names.get(&addr)
    }

    pub fn peek(&self, addr: u32) -> Option<&String> {
        self.names.peek(&addr)
    }
}

pub async fn lookup(dns: Arc<tokio::sync::Mutex<VirtualDns>>, addr: u32) -> bool {
    let mut dns = dns.lock().await;
    dns.touch(addr); //~ shared_map_mutation
    let found = dns.resolve(addr).is_some(); //~ shared_map_mutation
    found && dns.peek(addr).is_some()
}

pub fn cached(cache: &Arc<Mutex<LruCache<u32, String>>>, addr: u32) -> bool {
    let hit = cache.lock().unwrap().get(&addr).is_some(); //~ poison_cascade shared_map_mutation
    hit && cache.lock().unwrap().peek(&addr).is_some() //~ poison_cascade
}

pub fn remember(doc: &Arc<Mutex<serde_json::Map<String, serde_json::Value>>>, k: String) {
    doc.lock().unwrap().insert(k, serde_json::Value::Null); //~ poison_cascade shared_map_mutation
}
