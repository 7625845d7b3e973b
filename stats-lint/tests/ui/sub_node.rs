// UI test: a `&mut self` method of the package's own type called on a node
// that another method of the guarded value returns in a tuple
// (`root.get_child_mut(p).0.unwrap().remove_node(n)`). Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub struct Node {
    children: HashMap<String, Node>,
    interfaces: HashMap<String, u32>,
}

impl Node {
    fn child_mut(&mut self, path: &str) -> (Option<&mut Node>, bool) {
        (self.children.values_mut().find(|_| path.is_empty()), false)
    }
    fn add_interface(&mut self, name: String) -> bool {
        self.interfaces.insert(name, 1).is_none()
    }
    fn remove_node(&mut self, name: &str) -> bool {
        self.children.remove(name).is_some()
    }
}

pub struct Server {
    root: RwLock<Node>,
}

impl Server {
    pub fn at(&self, path: &str, name: String) -> bool {
        let mut root = self.root.write().unwrap_or_else(|p| p.into_inner());
        let (node, _) = root.child_mut(path); //~ shared_map_mutation
        node.unwrap().add_interface(name) //~ shared_map_mutation
    }

    pub fn remove(&self, name: &str) -> bool {
        let mut root = self.root.write().unwrap_or_else(|p| p.into_inner());
        root.child_mut("/") //~ shared_map_mutation
            .0
            .unwrap()
            .remove_node(name) //~ shared_map_mutation
    }
}

pub fn share(s: Arc<Server>) {
    std::thread::spawn(move || s.at("/a", "b".into()));
}

// Not flagged: a tree owned by one function.
pub fn local(mut root: Node) -> bool {
    let (node, _) = root.child_mut("/");
    node.is_some_and(|n| n.remove_node("x"))
}
