// UI test: values taken out of a tuple a function or method returns
// (`let (shard, hash) = self.shard_for(key);`) keep what they are: a shared
// lock in it is still shared. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

pub struct Cache {
    shards: Box<[RwLock<HashMap<u64, String>>]>,
}

impl Cache {
    fn shard_for(&self, key: u64) -> Option<(&RwLock<HashMap<u64, String>>, u64)> {
        let hash = key.wrapping_mul(31);
        self.shards
            .get(hash as usize % self.shards.len())
            .map(|s| (s, hash))
    }

    pub fn remove(&self, key: u64) -> Option<String> {
        let (shard, hash) = self.shard_for(key).unwrap();
        shard.write().unwrap().remove(&hash) //~ poison_cascade shared_map_mutation
    }
}

pub fn share(cache: Arc<Cache>) {
    std::thread::spawn(move || cache.remove(1));
}

fn make_seen() -> (Arc<Mutex<HashMap<String, u32>>>, u32) {
    (Arc::new(Mutex::new(HashMap::new())), 0)
}

pub fn watch() {
    let (seen, _) = make_seen();
    let writer = seen.clone();
    std::thread::spawn(move || {
        writer.lock().unwrap().insert(String::new(), 1); //~ poison_cascade shared_map_mutation
    });
    let _ = seen.lock().unwrap().len(); //~ poison_cascade
}

// ---- not flagged ----

fn split() -> (HashMap<String, u32>, u32) {
    (HashMap::new(), 0)
}

pub fn local() {
    let (mut counts, _) = split();
    counts.insert(String::new(), 1);
}
