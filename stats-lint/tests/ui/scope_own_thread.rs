// UI test: inside `thread::scope`, the scope's own thread runs beside the
// threads it spawns, so a local that a scoped spawn captures is shared in
// the whole scope body, not only inside the spawned closure. A thread
// `Builder`'s `spawn_scoped(s, || ..)` is a scoped spawn too.
// Every lint runs.
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

pub fn drain() -> usize {
    let set = Mutex::new(HashSet::new());
    let mut seen = 0;
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..100 {
                set.lock().unwrap_or_else(PoisonError::into_inner).insert(i); //~ shared_map_mutation
            }
        });
        for _ in 0..100 {
            let taken = std::mem::take(&mut *set.lock().unwrap_or_else(PoisonError::into_inner)); //~ shared_map_mutation
            seen += taken.len();
            set.lock().unwrap().insert(1000); //~ shared_map_mutation poison_cascade
        }
    });
    seen
}

pub fn crossbeam_scope() {
    let totals = Mutex::new(HashMap::new());
    crossbeam_utils::thread::scope(|s| {
        s.spawn(|_| totals.lock().unwrap_or_else(PoisonError::into_inner).insert(1, 1)); //~ shared_map_mutation
        totals.lock().unwrap_or_else(PoisonError::into_inner).insert(2, 2); //~ shared_map_mutation
    })
    .unwrap();
}

// ---- not flagged ----

/// A map of the scope's own thread that no spawned thread captures.
pub fn results() -> usize {
    let mut results = HashMap::new();
    let counts = Mutex::new(HashMap::<u32, u32>::new());
    std::thread::scope(|s| {
        let h = s.spawn(|| 1 + 1);
        results.insert(1, h.join().unwrap_or(0));
        counts.lock().unwrap().insert(1, 1);
    });
    counts.lock().unwrap().insert(2, 2);
    results.len()
}

/// After the scope has joined its threads, the local is the function's own again.
pub fn after() -> usize {
    let set = Mutex::new(HashSet::new());
    std::thread::scope(|s| {
        s.spawn(|| set.lock().unwrap_or_else(PoisonError::into_inner).insert(1)); //~ shared_map_mutation
    });
    set.lock().unwrap().insert(2);
    set.into_inner().map_or(0, |s| s.len())
}

pub fn named_workers() {
    let local: Mutex<HashMap<u32, u32>> = Mutex::new(HashMap::new());
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("worker".into())
            .spawn_scoped(s, || {
                local.lock().unwrap_or_else(PoisonError::into_inner).insert(3, 3); //~ shared_map_mutation
            })
            .unwrap();
    });
}
