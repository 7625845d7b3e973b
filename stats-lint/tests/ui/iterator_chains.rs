// UI test: locks reached through iterator chains and `Option` combinators
// over the package's shared values: a `for` loop over `values().filter_map(|d|
// d.main.clone())` binds what the `Option` holds, over the package's method
// returning `impl Iterator<Item = Arc<RwLock<T>>>` its items; a map lookup's
// `and_then(|d| d.main.clone())`, an `or_else` after it, and `Some(f.clone())`
// matched out of a variant give the lock too, as does a `vec![]` the locks
// are pushed into; also through a lock guard (`docs.read().unwrap().values()
// .filter_map(|d| d.main.clone())`: a clone of an `Option<Arc<..>>` is
// another owner of the `Arc`). Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub struct FunctionItem {
    pub references: HashMap<u32, u32>,
    pub calls: u64,
}

pub enum SpItem {
    Function(Arc<RwLock<FunctionItem>>),
    Other,
}

pub struct Document {
    pub main: Option<Arc<RwLock<FunctionItem>>>,
    pub size: usize,
}

pub struct Store {
    documents: HashMap<u32, Document>,
    all: Vec<Arc<RwLock<FunctionItem>>>,
}

impl Store {
    pub fn functions(&self) -> impl Iterator<Item = Arc<RwLock<FunctionItem>>> + '_ {
        self.all.iter().cloned()
    }

    pub fn link_mains(&self) {
        for f in self.documents.values().filter_map(|d| d.main.clone()) {
            f.write().unwrap().references.insert(1, 1); //~ poison_cascade shared_map_mutation
        }
    }

    pub fn link_all(&self) {
        for f in self.functions() {
            f.write().unwrap().references.insert(2, 2); //~ poison_cascade shared_map_mutation
        }
    }

    pub fn link_one(&self, k: u32) {
        let found = self.documents.get(&k).and_then(|d| d.main.clone());
        if let Some(f) = found.or_else(|| self.all.first().cloned()) {
            f.write().unwrap().references.insert(3, 3); //~ poison_cascade shared_map_mutation
        }
    }

    pub fn link_collected(&self) {
        let mut found = vec![];
        for f in self.all.iter() {
            found.push(f.clone());
        }
        for f in found {
            f.write().unwrap().references.insert(5, 5); //~ poison_cascade shared_map_mutation
        }
    }

    // ---- not flagged ----

    pub fn collected_sizes(&self) -> usize {
        let mut sizes = vec![];
        for d in self.documents.values() {
            sizes.push(d.size);
        }
        sizes.into_iter().sum()
    }

    pub fn sizes(&self) -> usize {
        self.documents.values().map(|d| d.size).sum()
    }

    pub fn calls(&self) -> u64 {
        let mut total = 0;
        for f in self.functions() {
            if let Ok(f) = f.try_read() {
                total += f.calls;
            }
        }
        total
    }
}

pub struct Server {
    docs: RwLock<HashMap<u32, Document>>,
}

impl Server {
    pub fn link_locked(&self) {
        let docs = self.docs.read().unwrap(); //~ poison_cascade
        for f in docs.values().filter_map(|d| d.main.clone()) {
            f.write().unwrap().references.insert(6, 6); //~ poison_cascade shared_map_mutation
        }
        for d in docs.values() {
            if let Some(f) = d.main.clone() {
                f.write().unwrap().references.insert(7, 7); //~ poison_cascade shared_map_mutation
            }
        }
    }
}

pub fn link_item(item: &Arc<RwLock<SpItem>>) {
    let guard = item.read().unwrap();
    let function = match &*guard {
        SpItem::Function(f) => Some(f.clone()),
        SpItem::Other => None,
    };
    drop(guard);
    if let Some(f) = function {
        f.write().unwrap().references.insert(4, 4); //~ poison_cascade shared_map_mutation
    }
}
