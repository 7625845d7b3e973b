// UI test: a closure bound to a name (`let make = |..| { ..; (layer, seen) }`)
// returns what its body ends with; the values a call of it gives keep their
// shapes, so a shared map made inside it is still shared. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub fn filters_are_cached() {
    let mk_filtered = |level: u8| {
        let seen = Arc::new(Mutex::new(HashMap::new()));
        let filter = {
            let seen = seen.clone();
            move |at: u8| {
                *seen.lock().unwrap().entry(at).or_insert(0usize) += 1; //~ poison_cascade shared_map_mutation counter_map
                at <= level
            }
        };
        (filter, seen)
    };

    let (info, seen_info) = mk_filtered(3);
    std::thread::spawn(move || info(2));
    let lock = seen_info.lock().unwrap(); //~ poison_cascade
    assert_eq!(lock.len(), 1);

    let registry = || Arc::new(Mutex::new(HashMap::<String, u32>::new()));
    let names = registry();
    let writer = names.clone();
    std::thread::spawn(move || writer.lock().unwrap().insert(String::new(), 1)); //~ poison_cascade shared_map_mutation
}

// ---- not flagged ----

pub fn owned_maps() {
    let make = |n: usize| {
        let mut m = HashMap::new();
        m.insert(n, n);
        (m, n)
    };
    let (mut m, _) = make(1);
    m.insert(2, 2);

    // A closure whose body ends with `;` returns nothing.
    let fill = |m: &mut HashMap<usize, usize>| {
        m.insert(0, 0);
    };
    let mut local = HashMap::new();
    fill(&mut local);
}
