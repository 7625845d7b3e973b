// UI test: what a `for` loop binds for each element: a sequence's element
// also through `enumerate()` (`(i, o)`), a map's `(key, value)` pair
// (`iter()`, `iter_mut()`, `&map`, `&mut map`) and its values (`values()`,
// `values_mut()`), so a helper called on the element, or a map inside it,
// is followed. Handing out the values by `&mut` is a mutation of the map
// itself, reported at the loop.
// Every lint runs.
use parking_lot::RwLock;
use std::collections::HashMap;

pub struct Overlay {
    map: HashMap<u64, u64>,
}

pub struct ChangeSet {
    items: Vec<u64>,
}

impl ChangeSet {
    fn copy_to(&self, o: &mut Overlay) {
        for i in &self.items {
            o.map.insert(*i, 0);
        }
    }
}

pub struct Commit {
    sets: HashMap<u8, ChangeSet>,
}

pub struct Log {
    overlays: RwLock<Vec<Overlay>>,
    by_name: RwLock<HashMap<String, Overlay>>,
}

impl Log {
    pub fn clear(&self) {
        let mut overlays = self.overlays.write();
        for (_i, o) in overlays.iter_mut().enumerate() {
            o.map.clear(); //~ shared_map_mutation
        }
    }

    pub fn commit(&self, c: &Commit) {
        let mut overlays = self.overlays.write();
        for (col, set) in c.sets.iter() {
            set.copy_to(&mut overlays[*col as usize]); //~ shared_map_mutation
        }
        for set in c.sets.values() {
            set.copy_to(&mut overlays[0]); //~ shared_map_mutation
        }
    }

    pub fn reset(&self) {
        let mut by_name = self.by_name.write();
        for (_, o) in by_name.iter_mut() { //~ shared_map_mutation
            o.map.clear(); //~ shared_map_mutation
        }
        for o in by_name.values_mut() { //~ shared_map_mutation
            o.map.remove(&0); //~ shared_map_mutation
        }
        for (_, o) in &mut *by_name { //~ shared_map_mutation
            o.map.insert(1, 1); //~ shared_map_mutation
        }
    }

    // ---- not flagged ----

    pub fn count(&self) -> usize {
        let by_name = self.by_name.read();
        let mut n = 0;
        for (i, o) in by_name.values().enumerate() {
            n += i + o.map.len();
        }
        n
    }
}

/// Elements of a local map are the function's own.
pub fn local() -> usize {
    let mut own: HashMap<u8, Overlay> = HashMap::new();
    for (_, o) in own.iter_mut() {
        o.map.clear();
    }
    own.len()
}
