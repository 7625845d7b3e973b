// UI test: a helper that hands its `&mut` parameter (or a field of it) on to
// another helper that mutates it is a mutator too, to any depth: by path
// (`record(store, ..)`, `Self::fill(m)`), as a method on `self`
// (`self.fill_into(m)`) and through a field (`put(&mut store.entries, ..)`).
// The finding is where the shared map is handed to the first helper.
// Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Store {
    entries: HashMap<u64, String>,
    hits: u64,
}

fn put(map: &mut HashMap<u64, String>, k: u64) {
    map.insert(k, String::new());
}

fn record(store: &mut Store, k: u64) {
    put(&mut store.entries, k);
}

fn record_twice(store: &mut Store, k: u64) {
    record(store, k);
    record(&mut *store, k + 1);
}

fn count(store: &mut Store) {
    store.hits += 1;
}

fn touch(store: &mut Store) {
    count(store);
}

pub struct Filler;

impl Filler {
    fn fill(m: &mut HashMap<u64, String>) {
        m.clear();
    }

    fn refill(m: &mut HashMap<u64, String>) {
        Self::fill(m);
    }

    fn fill_into(&self, m: &mut HashMap<u64, String>) {
        Self::refill(m);
    }

    fn apply(&self, m: &mut HashMap<u64, String>) {
        self.fill_into(m);
    }

    fn look(&self, m: &mut HashMap<u64, String>) -> usize {
        m.len()
    }

    fn peek(&self, m: &mut HashMap<u64, String>) -> usize {
        self.look(m)
    }
}

pub fn serve(shared: Arc<Mutex<Store>>, maps: Arc<Mutex<HashMap<u64, String>>>, f: &Filler) {
    let mut g = shared.lock().unwrap(); //~ poison_cascade
    record_twice(&mut g, 1); //~ shared_map_mutation
    let mut m = maps.lock().unwrap(); //~ poison_cascade
    f.apply(&mut m); //~ shared_map_mutation
    Filler::refill(&mut m); //~ shared_map_mutation

    // ---- not flagged ----
    touch(&mut g);
    f.peek(&mut m);
    let mut own = Store::default();
    record_twice(&mut own, 2);
}
