// UI test: crossbeam's `ShardedLock` is a `RwLock` that poisons as std's
// does: its write guard's map mutations and its `.write().unwrap()` are
// reported as a std lock's are. Every lint runs.
use crossbeam_utils::sync::ShardedLock;
use std::collections::HashMap;
use std::sync::Arc;

pub struct Global {
    stealers: ShardedLock<HashMap<u64, u64>>,
}

impl Global {
    pub fn add(&self, id: u64) {
        self.stealers.write().unwrap().insert(id, id); //~ poison_cascade shared_map_mutation
    }

    // ---- not flagged ----

    pub fn count(&self) -> usize {
        self.stealers.read().map(|m| m.len()).unwrap_or(0)
    }
}

pub fn start(g: Arc<Global>) {
    let worker = g.clone();
    std::thread::spawn(move || worker.add(1));
    let own = ShardedLock::new(HashMap::<u64, u64>::new());
    own.write().map(|mut m| m.insert(1, 1)).ok();
}
