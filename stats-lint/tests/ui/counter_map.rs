// UI test for `counter_map`. Lines with a `~ NAME` marker comment must be flagged.
// One finding per shared map per function: each case has its own function.
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock};

use indexmap::IndexMap;

static HITS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);
static ATOMICS: LazyLock<HashMap<&'static str, AtomicU64>> = LazyLock::new(Default::default);
static BY_CODE: LazyLock<RwLock<HashMap<u16, AtomicU64>>> = LazyLock::new(Default::default);

fn entry_or_insert_add(k: &str) {
    *HITS.lock().unwrap().entry(k.to_string()).or_insert(0) += 1; //~ counter_map
    *HITS.lock().unwrap().entry(k.to_string()).or_insert(0) += 1; // once per function
}

fn or_insert_zero_then_add(k: &str) {
    let mut g = HITS.lock().unwrap();
    let c = g.entry(k.to_string()).or_insert(0); //~ counter_map
    *c += 1;
}

fn get_mut_unwrap(k: &str) {
    *HITS.lock().unwrap().get_mut(k).unwrap() += 5; //~ counter_map
}

fn get_mut_binding(k: &str) {
    let mut g = HITS.lock().unwrap();
    if let Some(v) = g.get_mut(k) { //~ counter_map
        *v -= 1;
    }
}

fn or_default_binding(k: &str) {
    let mut g = HITS.lock().unwrap();
    let v = g.entry(k.to_string()).or_default(); //~ counter_map
    *v += 2;
}

fn and_modify(k: &str) {
    HITS.lock()
        .unwrap()
        .entry(k.to_string()) //~ counter_map
        .and_modify(|v| *v += 1)
        .or_default();
}

fn index_add(m: Arc<Mutex<IndexMap<String, u64>>>, k: &str) {
    m.lock().unwrap()[k] += 1; //~ counter_map
}

fn atomics_behind_a_read_lock() {
    BY_CODE.read().unwrap().get(&200).unwrap().fetch_add(1, Ordering::Relaxed); //~ counter_map
}

fn atomics_by_index() {
    BY_CODE.read().unwrap()[&500].fetch_sub(1, Ordering::Relaxed); //~ counter_map
}

fn spawned() {
    let by_region: Arc<Mutex<HashMap<String, u64>>> = Default::default();
    let r = by_region.clone();
    std::thread::spawn(move || {
        *r.lock().unwrap().entry("eu".into()).or_default() += 1; //~ counter_map
    });
}

struct Stats {
    by_key: HashMap<String, u64>,
}

static STATS: LazyLock<Mutex<Stats>> = LazyLock::new(|| Mutex::new(Stats { by_key: HashMap::new() }));

fn through_a_shared_struct(k: &str) {
    let mut s = STATS.lock().unwrap();
    *s.by_key.entry(k.to_string()) //~ counter_map
        .or_insert(0) += 1;
}

// The package's own `&mut self` method that counts in its map field,
// called on a shared, locked value: the finding is on the call.
#[derive(Default)]
pub struct Metrics {
    requests: usize,
    by_path: HashMap<String, usize>,
    names: HashMap<String, String>,
}

impl Metrics {
    fn add_path(&mut self, path: String) {
        self.requests += 1;
        *self.by_path.entry(path).or_insert(0) += 1;
    }

    fn name(&mut self, path: String) {
        self.names.insert(path.clone(), path);
    }
}

fn counted_in_a_method(metrics: Arc<Mutex<Metrics>>, path: String) {
    metrics.lock().unwrap().add_path(path.clone()); //~ counter_map
    metrics.lock().unwrap().name(path);
    let mut own = Metrics::default();
    own.add_path(String::new());
}

pub struct Outcomes {
    pub success: AtomicU64,
    pub failure: AtomicU64,
}

fn atomic_fields_of_a_looked_up_struct(registry: &Arc<Mutex<HashMap<String, Arc<Outcomes>>>>) {
    let map = registry.lock().unwrap();
    if let Some(counter) = map.get("checkout") { //~ counter_map
        counter.success.fetch_add(1, Ordering::Relaxed);
    }
}

// ---- not flagged ----

// A struct value's atomic bumped through a map owned by this function.
fn atomic_fields_of_an_own_map(outcomes: Arc<Outcomes>) {
    let mut own: HashMap<&str, Arc<Outcomes>> = HashMap::new();
    own.insert("a", outcomes);
    if let Some(o) = own.get("a") {
        o.failure.fetch_add(1, Ordering::Relaxed);
    }
}

// A registry entry with a restart count among its other state is no
// counter table.
pub struct Monitor {
    pub restarts: AtomicU64,
    pub name: Mutex<String>,
}

fn registry_entry_with_a_count(registry: &Arc<Mutex<HashMap<u64, Arc<Monitor>>>>) {
    let map = registry.lock().unwrap();
    if let Some(m) = map.get(&7) {
        m.restarts.fetch_add(1, Ordering::Relaxed);
    }
}

// `&mut self` wins: the struct is shared elsewhere, but this method has it to itself.
impl Stats {
    fn add_assign(&mut self, k: &str) {
        *self.by_key.entry(k.to_string()).or_insert(0) += 1;
    }
}

// A fixed key set of atomics read without a lock is already lock-free.
fn atomics_in_a_static_map() {
    ATOMICS.get("ok").unwrap().fetch_add(1, Ordering::Relaxed);
}

thread_local! {
    static TL: RefCell<HashMap<u32, u64>> = RefCell::new(HashMap::new());
}

fn not_flagged(k: &str, names: Arc<Mutex<HashMap<String, String>>>) {
    let mut m: HashMap<String, u64> = HashMap::new();
    *m.entry(k.into()).or_insert(0) += 1;
    HITS.lock().unwrap().insert(k.to_string(), 7);
    TL.with(|t| *t.borrow_mut().entry(1).or_insert(0) += 1);
    names.lock().unwrap().entry("a".into()).or_default().push_str("x");
    let total: u64 = HITS.lock().unwrap().values().sum();
    let mut copy = HITS.lock().unwrap().clone();
    *copy.entry(k.into()).or_insert(0) += 1;
}

// ---- counters incremented through an occupied entry ----

static PAIRS: LazyLock<Mutex<HashMap<String, (u64, String)>>> = LazyLock::new(Default::default);

fn occupied_get_mut(k: String) {
    let mut m = HITS.lock().unwrap();
    match m.entry(k) { //~ counter_map
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(1);
        }
        std::collections::hash_map::Entry::Occupied(mut e) => {
            let n = e.get_mut();
            *n += 1;
        }
    }
}

fn occupied_deref(k: String) {
    let mut m = HITS.lock().unwrap();
    if let std::collections::hash_map::Entry::Occupied(mut e) = m.entry(k) { //~ counter_map
        *e.get_mut() += 1;
    }
}

fn occupied_tuple(k: String) {
    let mut m = PAIRS.lock().unwrap();
    if let std::collections::hash_map::Entry::Occupied(mut e) = m.entry(k) { //~ counter_map
        let (n, _) = e.get_mut();
        *n += 1;
    }
}

fn occupied_not_counted(k: String) {
    let mut m = PAIRS.lock().unwrap();
    if let std::collections::hash_map::Entry::Occupied(mut e) = m.entry(k) {
        let (_, s) = e.get_mut();
        s.push('x');
    }
    let mut local: HashMap<String, u64> = HashMap::new();
    if let std::collections::hash_map::Entry::Occupied(mut e) = local.entry(String::new()) {
        *e.get_mut() += 1;
    }
}

// `and_modify` on a map whose values are structs: a field is bumped, the map
// is not a counter table (nats' `sub.dropped_messages += 1`).
struct Subscriber {
    name: String,
    dropped: usize,
}

static SUBSCRIBERS: LazyLock<Mutex<HashMap<u64, Subscriber>>> = LazyLock::new(Default::default);
static UNTYPED: LazyLock<Mutex<HashMap<u64, Counted>>> = LazyLock::new(Default::default);
type Counted = u32;

fn and_modify_struct_field(sid: u64) {
    SUBSCRIBERS
        .lock()
        .unwrap()
        .entry(sid)
        .and_modify(|sub| sub.dropped += 1);
    let _ = SUBSCRIBERS.lock().unwrap().get(&sid).map(|s| s.name.len());
}

fn and_modify_aliased_int(sid: u64) {
    UNTYPED.lock().unwrap().entry(sid).and_modify(|n| *n += 1); //~ counter_map
}
