// UI test: a value built by a call chain whose value the linter does not
// follow still has the type the chain names: the default's constructor of
// `map_or_else(IndexMap::new, ..)`, the type `collect::<T>()` asks for.
// Every lint runs.
use indexmap::IndexMap;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

pub fn favourites(names: Option<&[String]>) {
    let items = names.map_or_else(IndexMap::new, |n| {
        n.iter().map(|s| (s.clone(), 0u32)).collect::<IndexMap<_, _>>()
    });
    let items = Arc::new(Mutex::new(items));
    let worker = Arc::clone(&items);
    std::thread::spawn(move || {
        worker.lock().unwrap_or_else(PoisonError::into_inner).insert(String::new(), 1); //~ shared_map_mutation
    });
}

pub fn counts(words: &[String]) {
    let counts = words.iter().map(|w| (w.clone(), 0u32)).collect::<HashMap<_, _>>();
    let counts = Arc::new(Mutex::new(counts));
    let worker = Arc::clone(&counts);
    std::thread::spawn(move || {
        worker.lock().unwrap_or_else(PoisonError::into_inner).clear(); //~ shared_map_mutation
    });
}

// ---- not flagged ----

pub fn lines(words: &[String]) {
    let lines = words.iter().cloned().collect::<Vec<String>>();
    let lines = Arc::new(Mutex::new(lines));
    let worker = Arc::clone(&lines);
    std::thread::spawn(move || {
        worker.lock().unwrap_or_else(PoisonError::into_inner).clear();
    });
}
