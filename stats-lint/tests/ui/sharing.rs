// UI test for how sharing is followed, with every lint enabled: closures run
// on other threads, fields of shared structs, `&self` of lock-holding types,
// framework extractors, arrays of locks, unlocked mutation, poison recovery.
use std::cell::{RefCell, UnsafeCell};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError, RwLock};

use actix_web::web;
use rayon::prelude::*;

// ---- a server moved into a handler closure of an HTTP framework ----

struct Server {
    jobs: HashMap<u64, String>,
}

fn serve() {
    let state = Mutex::new(Server { jobs: HashMap::new() });
    rouille::start_server("0.0.0.0:80", move |request| {
        state.lock().unwrap().jobs.insert(1, String::new()); //~ poison_cascade shared_map_mutation
        rouille::Response::text("ok")
    });
}

// ---- a map built in a binding, then put in an `Arc<Mutex<_>>` ----

fn built_then_shared() {
    let mut tree = std::collections::BTreeMap::new();
    tree.insert(1, 1);
    let tree = Arc::new(Mutex::new(tree));
    let cl = tree.clone();
    std::thread::spawn(move || {
        cl.lock().unwrap().remove(&1); //~ poison_cascade shared_map_mutation
    });
}

// ---- `&self` of an alias for a lock (a rate limiter's keyed state store) ----

mod limiter {
    use std::collections::HashMap;

    #[cfg(feature = "std")]
    type Mutex<T> = parking_lot::Mutex<T>;
    #[cfg(not(feature = "std"))]
    type Mutex<T> = spinning_top::Spinlock<T>;

    pub type StateStore<K> = Mutex<HashMap<K, u64>>;

    pub trait Shrink {
        fn retain_recent(&self, below: u64);
    }

    impl<K> Shrink for StateStore<K> {
        fn retain_recent(&self, below: u64) {
            let mut map = self.lock();
            map.retain(|_, v| *v >= below); //~ shared_map_mutation
        }
    }
}

// ---- a lock reached through a macro, a `&State` field in `Drop`, a `thread_local!` initialiser ----

mod through {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock, RwLock};

    macro_rules! try_lock {
        ($lock:expr, else $els:expr) => {
            if let Ok(l) = $lock { l } else { $els }
        };
    }

    pub struct Filter {
        by_id: RwLock<HashMap<u64, String>>,
    }

    impl Filter {
        fn on_new_span(&self, id: u64) {
            try_lock!(self.by_id.write(), else return).insert(id, String::new()); //~ shared_map_mutation
        }
    }

    pub struct State {
        map: Mutex<HashMap<u64, u64>>,
    }

    struct Remove<'a> {
        state: &'a State,
        child: u64,
    }

    impl Drop for Remove<'_> {
        fn drop(&mut self) {
            let mut map = self.state.map.lock().unwrap(); //~ poison_cascade
            map.remove(&self.child); //~ shared_map_mutation
        }
    }

    fn indices() -> &'static Mutex<HashMap<u64, usize>> {
        static INDICES: OnceLock<Mutex<HashMap<u64, usize>>> = OnceLock::new();
        INDICES.get_or_init(Default::default)
    }

    std::thread_local! {
        static REGISTRATION: usize = {
            let mut indices = indices().lock().unwrap(); //~ poison_cascade
            indices.insert(1, 1); //~ shared_map_mutation
            1
        };
    }
}

// ---- warp: state injected by a filter, `warp::any().map(move || store.clone())` ----

mod warp_app {
    use std::collections::HashMap;
    use std::sync::Arc;

    use parking_lot::RwLock;
    use warp::Filter;

    #[derive(Clone)]
    pub struct Store {
        grocery_list: Arc<RwLock<HashMap<String, u32>>>,
    }

    pub fn routes(store: Store) {
        let with_store = warp::any().map(move || store.clone());
        let add = warp::post().and(with_store.clone()).and_then(add_item);
    }

    async fn add_item(store: Store) -> Result<(), ()> {
        store.grocery_list.write().insert("milk".into(), 1); //~ shared_map_mutation
        Ok(())
    }
}

// ---- rayon: a parallel iterator's closure borrows the map from every worker ----

fn parallel(items: &[u64]) {
    let seen = Mutex::new(HashMap::new());
    items.par_iter().for_each(|i| {
        seen.lock().unwrap().insert(*i, ()); //~ poison_cascade shared_map_mutation
    });
}

// ---- a borrowed lock captured by `thread::spawn` ----

fn spawn_borrowed(jobs: &'static Mutex<HashMap<u8, u8>>) {
    std::thread::spawn(move || {
        jobs.lock().unwrap().insert(1, 1); //~ poison_cascade shared_map_mutation
    });
}

// ---- fields of shared structs ----

struct Inner {
    by_id: RwLock<HashMap<u64, u64>>,
}

struct App {
    inner: Inner,
}

fn make() -> Arc<App> {
    Arc::new(App { inner: Inner { by_id: RwLock::default() } })
}

fn via_field(inner: Inner) {
    inner.by_id.write().unwrap().clear(); //~ poison_cascade shared_map_mutation
}

// ---- actix `web::Data` and axum `Extension` ----

struct Registry {
    names: Mutex<HashMap<u64, String>>,
}

async fn actix_handler(data: web::Data<Registry>) {
    data.names.lock().unwrap().insert(1, String::new()); //~ poison_cascade shared_map_mutation
}

async fn axum_handler(axum::Extension(reg): axum::Extension<Arc<RwLock<HashMap<u8, u8>>>>) {
    reg.write().unwrap().insert(1, 1); //~ poison_cascade shared_map_mutation
}

// ---- arrays and vectors of locks ----

static SHARDS: LazyLock<Vec<Mutex<HashMap<u64, u64>>>> = LazyLock::new(Vec::new);

fn shards(k: u64) {
    SHARDS[k as usize % 16].lock().unwrap().insert(k, k); //~ poison_cascade shared_map_mutation
    for shard in SHARDS.iter() {
        shard.lock().unwrap().clear(); //~ poison_cascade shared_map_mutation
    }
}

// ---- a shared map reached through a function that returns `&'static` ----

fn registry() -> &'static Mutex<HashMap<String, u64>> {
    static R: OnceLock<Mutex<HashMap<String, u64>>> = OnceLock::new();
    R.get_or_init(Default::default)
}

fn through_fn() {
    registry().lock().unwrap().insert("a".into(), 1); //~ poison_cascade shared_map_mutation
}

// ---- mutation through a `&mut self` method called on a guard ----

struct Metrics {
    by_name: HashMap<String, u64>,
}

impl Metrics {
    fn register(&mut self, name: String) {
        self.by_name.insert(name, 0);
    }
}

fn guarded(metrics: Arc<RwLock<Metrics>>) {
    metrics.write().unwrap().register("x".into()); //~ poison_cascade shared_map_mutation
}

// ---- `mem::take` of a guard, maps nested in a shared map's values, locks in `Drop` ----

static NESTED: LazyLock<Mutex<HashMap<u64, HashMap<u64, u64>>>> = LazyLock::new(Default::default);

fn nested(k: u64) {
    let mut g = NESTED.lock().unwrap_or_else(PoisonError::into_inner);
    let _all = std::mem::take(&mut *g); //~ shared_map_mutation
    if let Some(inner) = g.get_mut(&k) { //~ shared_map_mutation
        inner.insert(k, k); //~ shared_map_mutation
    }
}

struct Conn {
    id: u64,
}

impl Drop for Conn {
    fn drop(&mut self) {
        NESTED.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id); //~ shared_map_mutation
    }
}

// ---- poison recovery: followed, not a cascade ----

fn recover() {
    match NESTED.lock() {
        Ok(mut g) => {
            g.clear(); //~ shared_map_mutation
        }
        Err(p) => p.into_inner().clear(), //~ shared_map_mutation
    }
}

// ---- a chain over several lines: each finding on the line of its call ----

fn multi_line(k: u64) {
    NESTED
        .lock()
        .unwrap() //~ poison_cascade
        .remove(&k); //~ shared_map_mutation
}

// ---- unlocked mutation: `static mut` maps and cells in `unsafe impl Sync` types ----

static mut CACHE: Option<HashMap<u64, u64>> = None; //~ static_mut_map

fn unlocked(k: u64) {
    unsafe {
        CACHE.get_or_insert_with(HashMap::new); //~ static_mut_map
        CACHE.as_mut().unwrap().insert(k, k); //~ static_mut_map
    }
}

struct Counts {
    cell: UnsafeCell<HashMap<String, u64>>,
}

unsafe impl Sync for Counts {} //~ unsafe_sync_map

impl Counts {
    fn bump(&self, k: &str) {
        let map = unsafe { &mut *self.cell.get() };
        map.insert(k.to_string(), 1); //~ unsafe_sync_map
    }

    fn reset(&mut self) {
        self.cell.get_mut().clear();
    }
}

// ---- not flagged ----

// A lock moved into one thread belongs to that thread.
fn moved_into_one_thread() {
    let jobs = Mutex::new(HashMap::new());
    std::thread::spawn(move || {
        jobs.lock().unwrap().insert(1, 1);
    });
}

// A sequential iterator's closure runs on this thread.
fn sequential(items: &[u64]) {
    let seen = Mutex::new(HashMap::new());
    items.iter().for_each(|i| {
        seen.lock().unwrap().insert(*i, ());
    });
}

// A `RefCell` in a type that is not `Sync` cannot be reached from two threads.
struct Local {
    cache: RefCell<HashMap<u8, u8>>,
}

impl Local {
    fn put(&self) {
        self.cache.borrow_mut().insert(1, 1);
    }
}

// `&mut self` is exclusive even when the type is shared elsewhere.
impl Registry {
    fn clear_all(&mut self) {
        self.names.get_mut().unwrap().clear();
    }
}
