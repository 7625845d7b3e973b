// UI test: in a `#[test]` that starts no thread, each binding of a tuple
// returned by a helper (`let (p, tx) = make_pair();`) is the test's own, as
// `let p = make();` is, the `Arc`s its constructor put in its fields
// included. Outside tests a function returning a pair may have handed a
// clone to a thread it started. Every lint runs.
use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

pub struct Processor {
    pub registry: Arc<Mutex<HashMap<String, u32>>>,
    pub rx: mpsc::Receiver<u32>,
}

impl Processor {
    pub fn new(rx: mpsc::Receiver<u32>) -> Self {
        Processor {
            registry: Arc::new(Mutex::new(HashMap::new())),
            rx,
        }
    }

    pub fn handle(&mut self) {
        while self.rx.try_recv().is_ok() {}
    }
}

/// A method of the same name that starts a thread: a test calling
/// `p.handle()` is not judged whole by what it calls.
pub struct Server;

impl Server {
    pub fn handle(&self) {
        std::thread::spawn(|| ());
    }
}

pub fn start() -> (Processor, mpsc::Sender<u32>) {
    let (tx, rx) = mpsc::channel();
    let p = Processor::new(rx);
    let registry = Arc::clone(&p.registry);
    std::thread::spawn(move || registry.lock().unwrap().insert("w".into(), 1)); //~ poison_cascade shared_map_mutation
    (p, tx)
}

pub fn run() {
    let (p, _tx) = start();
    p.registry.lock().unwrap().insert("a".into(), 1); //~ poison_cascade shared_map_mutation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_pair() -> (Processor, mpsc::Sender<u32>) {
        let (tx, rx) = mpsc::channel();
        (Processor::new(rx), tx)
    }

    #[test]
    fn shared_with_a_thread() {
        let (p, _tx) = make_pair();
        let registry = Arc::clone(&p.registry);
        std::thread::spawn(move || registry.lock().unwrap().insert("b".into(), 2)); //~ poison_cascade shared_map_mutation
    }

    // ---- not flagged ----

    #[test]
    fn tuple_binding() {
        let (mut p, _tx) = make_pair();
        p.registry.lock().unwrap().insert("a".into(), 1);
        p.handle();
    }

    #[test]
    fn typed_tuple_binding() {
        let (mut p, _tx): (Processor, mpsc::Sender<u32>) = make_pair();
        p.registry.lock().unwrap().insert("a".into(), 1);
        p.handle();
    }
}
