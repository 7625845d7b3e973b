// UI test: a `&mut self` method that binds a field to a name first
// (`let key_to_pos = &mut self.key_to_pos;`, the borrow split a method
// needs to use two fields at once) and mutates through that name is a
// mutator of the field, directly or through the field's own mutator
// (keyed_priority_queue's `entry`). Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Mediator {
    map: HashMap<u64, usize>,
}

impl Mediator {
    fn entry(&mut self, k: u64) -> &mut usize {
        self.map.entry(k).or_default()
    }
}

pub struct Queue {
    heap: Vec<u64>,
    key_to_pos: Mediator,
    names: HashMap<u64, String>,
    sizes: HashMap<u64, usize>,
}

impl Queue {
    pub fn push(&mut self, k: u64) {
        let key_to_pos = &mut self.key_to_pos;
        let heap = &mut self.heap;
        *key_to_pos.entry(k) = heap.len();
        heap.push(k);
    }

    pub fn name(&mut self, k: u64) {
        let names = &mut self.names;
        names.insert(k, String::new());
    }

    pub fn size(&mut self, k: u64) -> usize {
        let sizes = &mut self.sizes;
        let sizes = sizes.len();
        sizes + k as usize
    }

    pub fn peek(&mut self, k: u64) -> bool {
        let names = &self.names;
        names.contains_key(&k)
    }
}

#[derive(Clone)]
pub struct Pool {
    inner: Arc<Mutex<Queue>>,
}

impl Pool {
    pub fn add(&self, k: u64) {
        let mut q = self.inner.lock().unwrap(); //~ poison_cascade
        q.push(k); //~ shared_map_mutation
        q.name(k); //~ shared_map_mutation
        // ---- not flagged ----
        q.size(k);
        q.peek(k);
    }
}
