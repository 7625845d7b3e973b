// UI test: an instance built in one function and never handed on: the
// `Arc<RwLock<..>>` its constructor made has no other owner, although its
// type is shared elsewhere in the package; not when the constructor itself
// starts a thread (gotham's `MemoryBackend::new` spawns a cleanup thread
// holding the `Arc`), also for a clone the impl's `Self::Instance` names.
// Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub struct Dispatcher {
    pub routes: Arc<RwLock<HashMap<String, u32>>>,
}

impl Dispatcher {
    pub fn new() -> Self {
        Dispatcher {
            routes: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    pub fn count(&self) -> usize {
        self.routes.read().unwrap().len() //~ poison_cascade
    }
}

pub static GLOBAL: std::sync::LazyLock<Dispatcher> = std::sync::LazyLock::new(Dispatcher::new);

fn watch(routes: &Arc<RwLock<HashMap<String, u32>>>) -> usize {
    routes.read().map(|r| r.len()).unwrap_or(0)
}

#[test]
fn handed_on() {
    let d = Dispatcher::new();
    let routes = d.routes.clone();
    std::thread::spawn(move || routes.read().map(|r| r.len()));
    d.routes.write().unwrap().insert("a".into(), 1); //~ poison_cascade shared_map_mutation

    let e = Dispatcher::new();
    watch(&e.routes);
    e.routes.write().unwrap().insert("b".into(), 2); //~ poison_cascade shared_map_mutation

    let f = Dispatcher::new();
    let keep = Arc::clone(&f.routes);
    f.routes.write().unwrap().clear(); //~ poison_cascade shared_map_mutation
    drop(keep);
}

pub struct MemoryBackend {
    storage: Arc<RwLock<HashMap<String, u32>>>,
}

impl MemoryBackend {
    pub fn new() -> MemoryBackend {
        let storage = Arc::new(RwLock::new(HashMap::new()));
        let weak = Arc::downgrade(&storage);
        std::thread::spawn(move || weak.upgrade().map(|s| s.read().map(|m| m.len()).ok()));
        MemoryBackend { storage }
    }
}

pub trait NewBackend {
    type Instance;
    fn new_backend(&self) -> Result<Self::Instance, String>;
}

impl NewBackend for MemoryBackend {
    type Instance = MemoryBackend;
    fn new_backend(&self) -> Result<Self::Instance, String> {
        Ok(MemoryBackend {
            storage: self.storage.clone(),
        })
    }
}

#[test]
fn cleaned_by_a_thread() {
    let backend = MemoryBackend::new();
    backend.storage.write().unwrap().insert("a".into(), 1); //~ poison_cascade shared_map_mutation
    let other = backend.new_backend().expect("backend");
    assert!(other.storage.read().unwrap().len() < 2); //~ poison_cascade
}

// ---- not flagged ----

#[test]
fn test_local() {
    let d = Dispatcher::new();
    d.routes.write().unwrap().insert("a".into(), 1);
    assert!(!d.routes.read().unwrap().is_empty());
    assert_eq!(d.count(), 1);
    let e = Dispatcher {
        routes: Arc::new(RwLock::new(HashMap::new())),
    };
    e.routes.write().unwrap().remove("a");
}
