// UI test: a field reached through the package's `Deref` to another of its
// structs by value (`impl Deref for Executor { type Target = TaskHandle; }`,
// then `self.nodes`) is that struct's field. Every lint runs.
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

pub struct TaskHandle {
    nodes: Arc<Mutex<HashMap<u32, Vec<u32>>>>,
    count: u32,
}

pub struct Executor {
    handle: TaskHandle,
}

impl Deref for Executor {
    type Target = TaskHandle;

    fn deref(&self) -> &TaskHandle {
        &self.handle
    }
}

impl Executor {
    pub fn pause(&self, id: u32, r: u32) {
        self.nodes.lock().unwrap().entry(id).or_default().push(r); //~ poison_cascade shared_map_mutation
    }

    // ---- not flagged ----

    pub fn count(&self) -> u32 {
        self.count
    }

    pub fn size(&self) -> usize {
        self.nodes.lock().map_or(0, |n| n.len())
    }
}
