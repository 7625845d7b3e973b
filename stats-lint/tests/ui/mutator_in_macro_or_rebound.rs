// UI test: a `&mut self` method whose map write sits in a macro's
// arguments (`assert!(self.ids.insert(..).is_none())`, `debug_assert!`),
// or that rebinds `self` first (`let mut node = self;`, `let node = &mut
// *self;`, also twice, `let me = self; let n = me;`), mutates that map; so does a helper whose write to its `&mut`
// parameter is inside `assert!`. A method that only reads in a macro does
// not. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

#[derive(Default)]
pub struct Store {
    ids: HashMap<u32, usize>,
    slab: Vec<u32>,
}

impl Store {
    pub fn insert(&mut self, id: u32) -> usize {
        let index = self.slab.len();
        self.slab.push(id);
        assert!(self.ids.insert(id, index).is_none());
        index
    }

    pub fn forget(&mut self, id: u32) {
        debug_assert!(self.ids.remove(&id).is_some(), "unknown {id}");
    }

    pub fn check(&mut self, id: u32) {
        assert!(self.ids.contains_key(&id));
    }
}

#[derive(Default)]
pub struct Node {
    children: HashMap<String, Node>,
}

impl Node {
    pub fn child_mut(&mut self, path: &[&str]) -> &mut Node {
        let mut node = self;
        for part in path {
            node = node.children.entry(part.to_string()).or_default();
        }
        node
    }

    pub fn prune(&mut self, name: &str) {
        let node = &mut *self;
        node.children.remove(name);
    }

    pub fn clear_twice_bound(&mut self) {
        let me: &mut Node = self;
        let n = me;
        n.children.clear();
    }

    pub fn depth(&mut self) -> usize {
        let node = &mut *self;
        node.children.len()
    }
}

fn register(ids: &mut HashMap<u32, usize>, id: u32) {
    assert!(ids.insert(id, 0).is_none());
}

pub fn serve(store: &Arc<Mutex<Store>>, root: &Arc<RwLock<Node>>, id: u32) {
    let mut s = store.lock().unwrap(); //~ poison_cascade
    s.insert(id); //~ shared_map_mutation
    s.forget(id); //~ shared_map_mutation
    register(&mut s.ids, id); //~ shared_map_mutation
    s.check(id);
    let mut tree = root.write().unwrap(); //~ poison_cascade
    tree.child_mut(&["a", "b"]); //~ shared_map_mutation
    tree.prune("a"); //~ shared_map_mutation
    tree.clear_twice_bound(); //~ shared_map_mutation
    tree.depth();
}
