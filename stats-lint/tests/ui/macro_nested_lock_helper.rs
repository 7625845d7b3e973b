// UI test: a `let` initialised by the package's macro whose rule writes
// another invocation of it (`get!(write on M)` writes `get! { @expect
// M.write() }`, which writes `M.write().expect(..)`) is bound to what the
// last expansion writes: the write guard. Every lint runs.
use std::collections::HashMap;
use std::sync::RwLock;

macro_rules! get {
    { read on $consign:expr } => {
        get! { @expect $consign.read() }
    };
    { write on $consign:expr } => {
        get! { @expect $consign.write() }
    };
    { @expect $e:expr } => {
        $e.expect("poisoned") //~ poison_cascade
    };
}

pub static TABLE: RwLock<Option<HashMap<u32, u32>>> = RwLock::new(None);

pub fn put(k: u32) {
    let mut slf = get!(write on TABLE);
    slf.get_or_insert_with(HashMap::new).insert(k, k); //~ shared_map_mutation
}

// ---- not flagged ----

pub fn len() -> usize {
    let slf = get!(read on TABLE);
    slf.as_ref().map_or(0, HashMap::len)
}
