// UI test: hashbrown's `HashTable` is a map: `insert_unique`, `find_entry`,
// `find_mut` and `entry` mutate it. Every lint runs.
use hashbrown::HashTable;
use parking_lot::RwLock;

pub struct Sharded {
    shards: Box<[RwLock<HashTable<(u64, u64)>>]>,
}

impl Sharded {
    pub fn add(&self, h: u64) {
        let mut shard = self.shards[(h as usize) & 7].write();
        if shard.find(h, |(k, _)| *k == h).is_none() {
            shard.insert_unique(h, (h, 0), |(k, _)| *k); //~ shared_map_mutation
        }
    }

    pub fn bump(&self, h: u64) {
        let mut shard = self.shards[(h as usize) & 7].write();
        if let Some(e) = shard.find_mut(h, |(k, _)| *k == h) { //~ shared_map_mutation
            e.1 = 7;
        }
    }

    pub fn drop_one(&self, h: u64) {
        let mut shard = self.shards[(h as usize) & 7].write();
        if let Ok(e) = shard.find_entry(h, |(k, _)| *k == h) { //~ shared_map_mutation
            e.remove();
        }
    }

    // Not flagged: a read through the read guard.
    pub fn has(&self, h: u64) -> bool {
        self.shards[(h as usize) & 7].read().find(h, |(k, _)| *k == h).is_some()
    }
}

pub static GLOBAL: std::sync::LazyLock<Sharded> =
    std::sync::LazyLock::new(|| Sharded { shards: Box::new([]) });

// Not flagged: a table owned by one function.
pub fn local() -> usize {
    let mut t: HashTable<u64> = HashTable::new();
    t.insert_unique(1, 1, |v| *v);
    t.len()
}
