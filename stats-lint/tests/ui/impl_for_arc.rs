// UI test: methods of a trait implemented for `Arc<Store>` take `self` as
// an `Arc`: every clone shares the store, also through `&mut self`.
// Every lint runs.
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

#[derive(Default)]
pub struct MemStore {
    log: RwLock<BTreeMap<u64, String>>,
}

pub trait Storage {
    fn append(&mut self, index: u64, entry: String);
    fn purge(&self, upto: u64);
}

impl Storage for Arc<MemStore> {
    fn append(&mut self, index: u64, entry: String) {
        let mut log = self.log.write().unwrap(); //~ poison_cascade
        log.insert(index, entry); //~ shared_map_mutation
    }

    fn purge(&self, upto: u64) {
        self.log.write().unwrap().retain(|k, _| *k > upto); //~ poison_cascade shared_map_mutation
    }
}

// ---- not flagged ----

pub struct Local {
    log: BTreeMap<u64, String>,
}

impl Storage for Local {
    fn append(&mut self, index: u64, entry: String) {
        self.log.insert(index, entry);
    }

    fn purge(&self, _upto: u64) {}
}
