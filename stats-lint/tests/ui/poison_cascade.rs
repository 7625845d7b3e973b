// UI test for `poison_cascade`. Lines with a `~ NAME` marker comment must be flagged.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock};

static HITS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);
static NAMES: LazyLock<RwLock<BTreeMap<u32, String>>> = LazyLock::new(Default::default);
static PL: LazyLock<parking_lot::Mutex<HashMap<u32, u32>>> = LazyLock::new(Default::default);
static COUNT: Mutex<u64> = Mutex::new(0);

struct Stats {
    by_route: Arc<Mutex<HashMap<String, u64>>>,
}

fn flagged(stats: &Stats) {
    let g = HITS.lock().unwrap(); //~ poison_cascade
    let g2 = HITS.lock().expect("hits lock poisoned"); //~ poison_cascade
    NAMES.write().unwrap().clear(); //~ poison_cascade
    let shared = Arc::new(Mutex::new(HashSet::new()));
    let s2 = shared.clone();
    std::thread::spawn(move || s2.lock().unwrap().insert(1)); //~ poison_cascade
    let n = stats.by_route.lock().unwrap().len(); //~ poison_cascade
    // a writer's panic poisons readers too
    let r = NAMES.read().unwrap().len(); //~ poison_cascade
}

// ---- not flagged ----

fn not_flagged() {
    let g = HITS.lock().unwrap_or_else(PoisonError::into_inner);
    PL.lock().insert(1, 1);
    let local = Mutex::new(HashMap::<u32, u32>::new());
    local.lock().unwrap().insert(1, 1);
    *COUNT.lock().unwrap() += 1;
    match HITS.lock() {
        Ok(g) => g.len(),
        Err(p) => p.into_inner().len(),
    };
}
