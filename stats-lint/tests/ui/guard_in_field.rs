// UI test: a lock guard kept in a struct field
// (`guard: MutexGuard<'a, &'static Registry>`): a lock reached through a
// shared reference in it is shared, and so is a struct guarded there that
// is shared elsewhere (a transaction holding the guard of a cloneable
// store's `Arc<Mutex<Inner>>`). Every lint runs.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, RwLock};

pub struct Hooks {
    table: RwLock<HashMap<String, u32>>,
}

static HOOKS: LazyLock<Hooks> = LazyLock::new(|| Hooks {
    table: RwLock::new(HashMap::new()),
});
static SESSION: LazyLock<Mutex<&'static Hooks>> = LazyLock::new(|| Mutex::new(&HOOKS));

pub struct Session<'a> {
    guard: MutexGuard<'a, &'static Hooks>,
}

impl Session<'_> {
    pub fn open() -> Session<'static> {
        let guard = SESSION.lock().unwrap_or_else(|p| p.into_inner());
        Session { guard }
    }

    pub fn reset(&mut self) {
        let mut t = self.guard.table.write().unwrap(); //~ poison_cascade
        t.clear(); //~ shared_map_mutation
    }
}

#[derive(Default)]
struct Inner {
    vertices: BTreeMap<u64, u64>,
}

pub struct Txn<'a> {
    internal: MutexGuard<'a, Inner>,
}

impl Txn<'_> {
    pub fn delete(&mut self, id: u64) {
        self.internal.vertices.remove(&id); //~ shared_map_mutation
    }

    pub fn count(&self) -> usize {
        self.internal.vertices.len()
    }
}

#[derive(Clone, Default)]
pub struct Datastore {
    internal: Arc<Mutex<Inner>>,
}

impl Datastore {
    pub fn transaction(&self) -> Txn<'_> {
        Txn {
            internal: self.internal.lock().unwrap(), //~ poison_cascade
        }
    }
}

// ---- not flagged ----

// A guard of a lock this struct's owner keeps to itself.
pub struct Batch<'a> {
    guard: MutexGuard<'a, HashMap<String, u32>>,
}

impl Batch<'_> {
    pub fn add(&mut self, k: String) {
        self.guard.insert(k, 1);
    }
}

pub fn batch() -> usize {
    let local = Mutex::new(HashMap::new());
    let mut b = Batch {
        guard: local.lock().unwrap(),
    };
    b.add(String::new());
    b.guard.len()
}
