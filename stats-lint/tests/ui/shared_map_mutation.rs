// UI test for `shared_map_mutation`. Lines with a `~ NAME` marker comment must be
// flagged; every other line must not be. This file is read, never compiled.
use std::cell::RefCell;
use std::collections::HashMap as Map;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, RwLock};

use axum::extract::State;
use indexmap::IndexMap;
use once_cell::sync::Lazy;
use parking_lot::Mutex as PlMutex;

// ---- owners: statics behind every kind of lazy cell and lock ----

static HITS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);
static NAMES: OnceLock<RwLock<BTreeMap<u32, String>>> = OnceLock::new();
static SEEN: Lazy<Mutex<HashSet<String>>> = Lazy::new(Default::default);
static PL: LazyLock<PlMutex<BTreeSet<u64>>> = LazyLock::new(Default::default);
static ORDERED: LazyLock<tokio::sync::Mutex<IndexMap<String, u64>>> =
    LazyLock::new(Default::default);
static FAST: LazyLock<Mutex<hashbrown::HashMap<u64, u64>>> = LazyLock::new(Default::default);

lazy_static::lazy_static! {
    static ref LEGACY: Mutex<HashMap<u32, u32>> = Mutex::new(HashMap::new());
}

fn statics(k: String) {
    HITS.lock().unwrap().insert(k.clone(), 1); //~ shared_map_mutation
    HITS.lock().unwrap().remove(&k); //~ shared_map_mutation
    NAMES.get().unwrap().write().unwrap().insert(1, k.clone()); //~ shared_map_mutation
    SEEN.lock().unwrap().insert(k.clone()); //~ shared_map_mutation
    PL.lock().insert(1); //~ shared_map_mutation
    LEGACY.lock().unwrap().clear(); //~ shared_map_mutation
    FAST.lock().unwrap().insert(1, 2); //~ shared_map_mutation
    crate::HITS.lock().unwrap().insert(k, 2); //~ shared_map_mutation
}

async fn tokio_static() {
    ORDERED.lock().await.insert("a".into(), 1); //~ shared_map_mutation
}

// ---- every mutation form, through a guard binding ----

fn forms(k: String, other: HashMap<String, u64>) {
    let mut g = HITS.lock().unwrap();
    g.entry(k.clone()).or_insert(0); //~ shared_map_mutation
    if let Some(v) = g.get_mut(&k) { //~ shared_map_mutation
        *v += 1;
    }
    g.extend(other); //~ shared_map_mutation
    g.retain(|_, v| *v > 0); //~ shared_map_mutation
    let _ = g.drain(); //~ shared_map_mutation
    g.clear(); //~ shared_map_mutation
    g.remove(&k); //~ shared_map_mutation
    for v in g.values_mut() { //~ shared_map_mutation
        *v = 0;
    }
    let _old = std::mem::take(&mut *g); //~ shared_map_mutation
    drop(g);
    *HITS.lock().unwrap().entry(k.clone()).or_insert(0) += 1; //~ shared_map_mutation
    if let Ok(mut again) = HITS.lock() {
        again.insert(k, 3); //~ shared_map_mutation
    }
}

fn btree_forms(k: u32) {
    let mut names = NAMES.get().unwrap().write().unwrap();
    names.append(&mut BTreeMap::new()); //~ shared_map_mutation
    names.pop_first(); //~ shared_map_mutation
    names.split_off(&k); //~ shared_map_mutation
}

fn index_assign(k: String, shared: Arc<Mutex<IndexMap<String, u64>>>) {
    shared.lock().unwrap()[&k] = 1; //~ shared_map_mutation
    shared.lock().unwrap()[&k] += 1; //~ shared_map_mutation
}

// ---- owners: Arc bindings, clones moved into thread::spawn and tokio::spawn ----

fn spawned() {
    let counts = Arc::new(Mutex::new(HashMap::new()));
    for i in 0..4 {
        let counts = Arc::clone(&counts);
        std::thread::spawn(move || {
            counts.lock().unwrap().insert(i, i); //~ shared_map_mutation
        });
    }
    let c2 = counts.clone();
    tokio::spawn(async move {
        c2.lock().unwrap().insert(9, 9); //~ shared_map_mutation
    });
}

// ---- owners: locals borrowed by scoped threads ----

fn scoped(words: &[&str]) {
    let counts = Mutex::new(HashMap::new());
    std::thread::scope(|s| {
        for w in words {
            s.spawn(|| {
                counts.lock().unwrap().insert(*w, 1); //~ shared_map_mutation
                let mine = Mutex::new(HashMap::new());
                mine.lock().unwrap().insert(*w, 1);
            });
        }
    });
    counts.lock().unwrap().clear();
}

// ---- owners: struct fields, parameters, axum State, aliases, renames ----

#[derive(Clone)]
struct AppState {
    hits: Arc<RwLock<HashMap<String, u64>>>,
}

impl AppState {
    fn record(&self, k: String) {
        self.hits.write().unwrap().insert(k, 1); //~ shared_map_mutation
    }
}

struct Registry {
    names: Mutex<BTreeMap<u32, String>>,
}

fn registry(r: Arc<Registry>) {
    r.names.lock().unwrap().insert(1, "a".into()); //~ shared_map_mutation
}

impl Registry {
    fn rename(&self, id: u32) {
        self.names.lock().unwrap().remove(&id); //~ shared_map_mutation
    }
}

fn param(m: Arc<Mutex<HashMap<String, u64>>>) {
    m.lock().unwrap().insert("x".into(), 1); //~ shared_map_mutation
}

async fn handler(State(state): State<AppState>) {
    state.hits.write().unwrap().insert("k".into(), 1); //~ shared_map_mutation
}

type Shared = Arc<Mutex<HashMap<u64, String>>>;

fn alias(s: Shared) {
    s.lock().unwrap().insert(1, "a".into()); //~ shared_map_mutation
}

fn renamed(s: Arc<Mutex<Map<u64, u64>>>) {
    s.lock().unwrap().insert(1, 1); //~ shared_map_mutation
}

// A type that holds a lock is built to be shared: its `&self` methods run on many threads.
struct Owned {
    m: Mutex<HashMap<u32, u32>>,
}

impl Owned {
    fn put(&self) {
        self.m.lock().unwrap().insert(1, 1); //~ shared_map_mutation
    }

    fn reset(&mut self) {
        self.m.get_mut().unwrap().clear();
    }
}

// ---- not flagged ----

thread_local! {
    static LOCAL: RefCell<HashMap<u32, u32>> = RefCell::new(HashMap::new());
}

fn neg_thread_local() {
    LOCAL.with(|m| m.borrow_mut().insert(1, 1));
}

fn neg_owned_by_one_function() {
    let mut m = HashMap::new();
    m.insert(1, 2);
    let mx = Mutex::new(HashMap::new());
    mx.lock().unwrap().insert(1, 1);
}


fn neg_mut_param(m: &mut HashMap<u32, u32>) {
    m.insert(1, 1);
}

fn neg_read_only(k: &str) -> Option<u64> {
    let n = NAMES.get().unwrap().read().unwrap().len();
    HITS.lock().unwrap().get(k).copied().map(|v| v + n as u64)
}

static TABLE: LazyLock<HashMap<&'static str, u32>> = LazyLock::new(|| {
    let mut m = HashMap::new();
    m.insert("a", 1);
    m
});

fn neg_built_once_then_read() -> u32 {
    TABLE["a"] + TABLE.get("b").copied().unwrap_or(0)
}

fn neg_copy_out_of_the_guard() {
    let mut copy = HITS.lock().unwrap().clone();
    copy.insert("x".into(), 1);
}

fn neg_shadowed() {
    let HITS = HashMap::<String, u64>::new();
    let mut h = HITS;
    h.insert("x".into(), 1);
}
