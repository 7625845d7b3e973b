// UI test: a lock built as `Arc::new(Mutex::new(Default::default()))`,
// whose content only the struct field it is put in says, is followed: its
// clone moved into a spawned thread is the same shared lock. Every lint runs.
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

    fn send(mut b: MutexGuard<Batch>) {
        b.counts.clear();
    }
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
