// UI test: a `&mut self` method that binds a field to a name first
// (`let key_to_pos = &mut self.key_to_pos;`, the borrow split a method
// needs to use two fields at once; `let h = self.live.as_mut().unwrap();`)
// and mutates through that name is a
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

pub struct Live {
    blocks: HashMap<u64, usize>,
}

pub struct Queue {
    heap: Vec<u64>,
    key_to_pos: Mediator,
    names: HashMap<u64, String>,
    sizes: HashMap<u64, usize>,
    live: Option<Live>,
    spare: Option<HashMap<u64, usize>>,
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

    pub fn record(&mut self, k: u64) {
        let h = self.live.as_mut().unwrap();
        h.blocks.insert(k, 1);
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

    pub fn copy(&mut self, k: u64) {
        let mut spare = self.spare.clone().unwrap();
        spare.insert(k, 1);
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
        q.record(k); //~ shared_map_mutation
        // ---- not flagged ----
        q.size(k);
        q.peek(k);
        q.copy(k);
    }
}
