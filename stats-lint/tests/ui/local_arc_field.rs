// UI test: an instance built in one function and never handed on: the
// `Arc<RwLock<..>>` its constructor made has no other owner, although its
// type is shared elsewhere in the package. Every lint runs.
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
