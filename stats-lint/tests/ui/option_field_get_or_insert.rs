// UI test: a map inside an `Option` field of a guarded struct, reached with
// `guard.field.get_or_insert_with(..)` (or `get_or_insert_default()`), is the
// shared map. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Tally {
    per_host: HashMap<String, String>,
    hits: HashMap<String, u64>,
}

#[derive(Default)]
struct Pending {
    tally: Option<Tally>,
}

#[derive(Clone, Default)]
pub struct Reporter {
    pending: Arc<Mutex<Pending>>,
}

impl Reporter {
    pub fn seen(&self, host: String, agent: String) {
        let mut pending = self.pending.lock().unwrap(); //~ poison_cascade
        let tally = pending.tally.get_or_insert_with(Tally::default);
        tally.per_host.insert(host, agent); //~ shared_map_mutation
    }

    pub fn hit(&self, host: String) {
        let mut pending = self.pending.lock().unwrap(); //~ poison_cascade
        let slot = pending.tally.get_or_insert_default().hits.entry(host).or_insert(0); //~ shared_map_mutation counter_map
        *slot += 1;
    }

    // ---- not flagged ----

    pub fn agent(&self, host: &str) -> Option<String> {
        let mut pending = self.pending.lock().unwrap(); //~ poison_cascade
        let tally = pending.tally.get_or_insert_with(Tally::default);
        tally.per_host.get(host).cloned()
    }
}

// A struct this function owns.
pub fn local_tally(host: String) -> usize {
    let mut pending = Pending::default();
    let tally = pending.tally.get_or_insert_with(Tally::default);
    tally.per_host.insert(host, String::new());
    tally.per_host.len()
}
