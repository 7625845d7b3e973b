// UI test: a lock built as `Arc::new(Mutex::new(Default::default()))`,
// whose content only the struct field it (or its clone) is put in says, is
// followed: its clone moved into a spawned thread is the same shared lock.
// Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

#[derive(Default)]
struct Batch {
    counts: HashMap<String, u64>,
}

pub struct Sender {
    batch: Arc<Mutex<Batch>>,
}

impl Sender {
    pub fn start() -> Sender {
        let batch = Arc::new(Mutex::new(Default::default()));
        let for_worker = Arc::clone(&batch);
        thread::Builder::new()
            .spawn(move || loop {
                Sender::send(for_worker.lock().unwrap()); //~ poison_cascade shared_map_mutation
            })
            .unwrap();
        Sender { batch }
    }

    pub fn start_renamed() -> Sender {
        let shared = Arc::new(Mutex::new(Default::default()));
        let for_worker = shared.clone();
        thread::spawn(move || {
            let mut b: MutexGuard<Batch> = for_worker.lock().unwrap(); //~ poison_cascade
            b.counts.clear(); //~ shared_map_mutation
        });
        Sender { batch: shared }
    }

    /// The struct field takes a clone, the thread the binding itself.
    pub fn start_cloned() -> Sender {
        let batch = Arc::new(Mutex::new(Default::default()));
        let sender = Sender { batch: batch.clone() };
        thread::spawn(move || batch.lock().unwrap().counts.clear()); //~ poison_cascade shared_map_mutation
        sender
    }

    fn send(mut b: MutexGuard<Batch>) {
        b.counts.clear();
    }
}

pub struct LruCache {
    map: HashMap<u32, u32>,
}

impl LruCache {
    pub fn put(&mut self, k: u32, v: u32) {
        self.map.insert(k, v);
    }
}

pub fn make_cache() -> LruCache {
    LruCache { map: HashMap::new() }
}

// What a function of the package returns, put in a lock.
pub fn shared_cache() {
    let cache = Arc::new(Mutex::new(make_cache()));
    let c2 = Arc::clone(&cache);
    thread::spawn(move || c2.lock().unwrap().put(1, 1)); //~ poison_cascade shared_map_mutation
}

// ---- not flagged ----

pub struct Log {
    lines: Arc<Mutex<Vec<String>>>,
}

// The field says the lock holds no map.
pub fn log() -> Log {
    let lines = Arc::new(Mutex::new(Default::default()));
    let for_worker = lines.clone();
    thread::spawn(move || for_worker.lock().unwrap().push(String::new()));
    Log { lines }
}
