// UI test: hashbrown's `raw_entry_mut()` mutates like `entry()`, also inside
// the package's own `&mut self` method called through a shared lock.
// Every lint runs.
use hashbrown::HashMap;
use hashbrown::hash_map::RawEntryMut;
use std::sync::{LazyLock, Mutex};

#[derive(Default)]
struct Pool {
    ids: HashMap<String, u32>,
}

impl Pool {
    fn id_of(&mut self, hash: u64, s: &str) -> u32 {
        let next = self.ids.len() as u32;
        match self.ids.raw_entry_mut().from_hash(hash, |k| k == s) {
            RawEntryMut::Occupied(e) => *e.get(),
            RawEntryMut::Vacant(e) => *e.insert_hashed_nocheck(hash, s.to_string(), next).1,
        }
    }
}

static POOLS: LazyLock<[Mutex<Pool>; 2]> = LazyLock::new(Default::default);

pub fn id_of(hash: u64, s: &str) -> u32 {
    let mut pool = POOLS[(hash % 2) as usize].lock().unwrap(); //~ poison_cascade
    pool.id_of(hash, s) //~ shared_map_mutation
}

pub fn id_direct(hash: u64, s: &str) -> bool {
    let mut pool = POOLS[0].lock().unwrap(); //~ poison_cascade
    let e = pool.ids.raw_entry_mut().from_hash(hash, |k| k == s); //~ shared_map_mutation
    matches!(e, RawEntryMut::Occupied(_))
}

// ---- not flagged ----

// A pool this function owns.
pub fn local(hash: u64, s: &str) -> u32 {
    let mut pool = Pool::default();
    pool.id_of(hash, s)
}

// `raw_entry()` only reads.
pub fn known(hash: u64, s: &str) -> bool {
    let pool = POOLS[1].lock().unwrap(); //~ poison_cascade
    pool.ids.raw_entry().from_hash(hash, |k| k == s).is_some()
}
