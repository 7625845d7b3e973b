// UI test: a test's own `Arc` of a package type. The value is the test's
// alone when the test, with every function of the package it may call (by
// path, or every method of the name it calls), starts no thread, names no
// `static` and installs no global. `tokio::spawn` under `#[tokio::test]`
// runs on the test's own thread (a current-thread runtime); under
// `flavor = "multi_thread"` or in a plain `#[test]` it may not. A `static`
// that cannot be changed after it is set (an id counter, a `OnceLock` of
// settings) carries nothing from one test to another; one with a lock does.
// Every lint runs.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, RwLock};

pub struct Engine {
    sockets: RwLock<HashMap<u64, String>>,
}

static GLOBAL: LazyLock<Arc<Engine>> = LazyLock::new(|| Arc::new(Engine::new()));
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
static LIVE: Mutex<Vec<Arc<Engine>>> = Mutex::new(Vec::new());

pub struct Settings {
    pub name: String,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

fn settings() -> &'static Settings {
    SETTINGS.get_or_init(|| Settings { name: "test".into() })
}

impl Engine {
    pub fn new() -> Self {
        Engine {
            sockets: RwLock::new(HashMap::new()),
        }
    }

    pub fn next_id() -> u64 {
        NEXT_ID.fetch_add(1, Ordering::Relaxed)
    }

    /// Keeps the engine where every test finds it.
    pub fn register(self: &Arc<Self>) {
        LIVE.lock().unwrap().push(self.clone());
    }

    pub fn create_session(self: &Arc<Self>, id: u64) {
        self.sockets.write().unwrap().insert(id, "open".into()); //~ poison_cascade shared_map_mutation
    }

    /// Spawns a task: on the test's thread under `#[tokio::test]`.
    pub fn close_session(self: &Arc<Self>, id: u64) {
        let engine = self.clone();
        tokio::spawn(async move {
            engine.sockets.write().unwrap().remove(&id); //~ poison_cascade shared_map_mutation
        });
    }

    /// Starts a thread two calls down.
    pub fn warm(self: &Arc<Self>) {
        self.start_reaper();
    }

    fn start_reaper(self: &Arc<Self>) {
        let engine = self.clone();
        std::thread::spawn(move || engine.sockets.write().unwrap().clear()); //~ poison_cascade shared_map_mutation
    }
}

pub fn global() -> Arc<Engine> {
    GLOBAL.clone()
}

fn engine() -> Arc<Engine> {
    Arc::new(Engine::new())
}

#[test]
fn reaper_started_below() {
    let engine = engine();
    engine.warm();
    engine.sockets.write().unwrap().insert(1, "a".into()); //~ poison_cascade shared_map_mutation
}

#[test]
fn the_global_engine() {
    let engine = global();
    engine.sockets.write().unwrap().insert(1, "a".into()); //~ poison_cascade shared_map_mutation
}

#[test]
fn a_task_without_a_current_thread_runtime() {
    let engine = engine();
    engine.close_session(1);
    assert!(engine.sockets.read().unwrap().is_empty()); //~ poison_cascade
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_on_a_multi_thread_runtime() {
    let engine = engine();
    engine.close_session(1);
    assert!(engine.sockets.read().unwrap().is_empty()); //~ poison_cascade
}

#[test]
fn registered_where_other_tests_find_it() {
    let engine = engine();
    engine.register();
    engine.sockets.write().unwrap().insert(1, "a".into()); //~ poison_cascade shared_map_mutation
}

/// Another type with a method named like `Engine::warm`, which starts a
/// thread: a call on a binding made by `Quiet::new()` is `Quiet::warm`.
pub struct Quiet;

impl Quiet {
    pub fn new() -> Self {
        Quiet
    }

    pub fn warm(&self) {}

    pub fn serve(&self) {
        std::thread::spawn(|| ());
    }
}

/// A function of the package that returns a `Quiet`: a call on the
/// binding it makes is `Quiet`'s method too.
pub fn make_quiet() -> Quiet {
    Quiet
}

#[tokio::test]
async fn a_returned_quiet_that_serves() {
    let engine = engine();
    let quiet = crate::make_quiet();
    quiet.serve();
    engine.sockets.write().unwrap().insert(6, "f".into()); //~ poison_cascade shared_map_mutation
}

#[tokio::test]
async fn a_quiet_type_that_serves() {
    let engine = engine();
    let quiet = Quiet::new();
    quiet.serve();
    engine.sockets.write().unwrap().insert(4, "d".into()); //~ poison_cascade shared_map_mutation
}

// ---- not flagged ----

#[tokio::test]
async fn a_quiet_types_own_method() {
    let engine = engine();
    let quiet = Quiet::new();
    quiet.warm();
    engine.sockets.write().unwrap().insert(5, "e".into());
}

#[tokio::test]
async fn a_returned_quiet_types_own_method() {
    let engine = engine();
    let quiet = make_quiet();
    quiet.warm();
    engine.sockets.write().unwrap().insert(7, "g".into());
}

/// A type whose `warm` is named like `Engine::warm`, which starts a thread.
pub struct Shelf {
    items: RwLock<HashMap<u64, String>>,
}

impl Shelf {
    pub fn new() -> Self {
        Shelf {
            items: RwLock::new(HashMap::new()),
        }
    }

    pub fn warm(&self) {}
}

/// A static of the test itself, called through a reference to it: its
/// type's own `warm`.
#[tokio::test]
async fn a_static_of_the_test_through_a_reference() {
    static SHELF: LazyLock<Shelf> = LazyLock::new(Shelf::new);
    let shelf = &SHELF;
    shelf.warm();
    shelf.items.write().unwrap().insert(8, "h".into());
}

#[test]
fn ids_and_settings_carry_nothing() {
    let engine = engine();
    let id = Engine::next_id();
    engine.sockets.write().unwrap().insert(id, settings().name.clone());
}

#[test]
fn own_engine() {
    let engine = engine();
    engine.create_session(1);
    engine.sockets.write().unwrap().insert(2, "b".into());
    assert_eq!(engine.sockets.read().unwrap().len(), 2);
}

#[tokio::test]
async fn own_engine_with_its_tasks() {
    let engine = engine();
    engine.create_session(1);
    engine.close_session(1);
    assert_eq!(engine.sockets.read().unwrap().len(), 1);
}

// A closure of the test named like a method that starts a thread
// (`warm`), called inside a macro: the test's own, not the method.
#[tokio::test]
async fn own_closure_named_like_a_method() {
    let engine = engine();
    let warm = |n: u64| n + 1;
    assert!(warm(1) > 1);
    engine.sockets.write().unwrap().insert(3, "c".into());
}
