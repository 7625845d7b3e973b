// UI test: a 2015-edition trait method without parameter names
// (`fn execute(&self, Self::TaskId);`) makes syn reject the file; it is
// read again with `_: ` before such parameters, and linted. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub trait TaskGroup {
    type TaskId: Send;
    fn execute(&self, Self::TaskId);
    fn tasks(&self, u8, Box<Fn(u8) -> u8 + Send>) -> Vec<Self::TaskId>;
}

pub struct Scheduler {
    running: Arc<Mutex<HashMap<u32, u32>>>,
}

impl Scheduler {
    pub fn start(&self, id: u32) {
        self.running.lock().unwrap().insert(id, 0); //~ poison_cascade shared_map_mutation
    }
}
