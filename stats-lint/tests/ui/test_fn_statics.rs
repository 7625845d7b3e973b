// UI test: a `static` declared in a function body is named only in that
// body, and one declared in a `#[test]` function that starts no thread or
// task is that test's own. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Emitter {
    listeners: HashMap<String, u32>,
}

impl Emitter {
    pub fn new() -> Self {
        Emitter {
            listeners: HashMap::new(),
        }
    }

    pub fn on(&mut self, event: &str) {
        self.listeners.insert(event.to_string(), 1);
    }
}

pub fn registry() {
    static EMITTERS: Mutex<Option<Emitter>> = Mutex::new(None);
    EMITTERS.lock().unwrap().get_or_insert_with(Emitter::new).on("start"); //~ poison_cascade shared_map_mutation
}

// Each function's own `static` of the same name.
pub fn other_registry() {
    static EMITTERS: Mutex<Option<Emitter>> = Mutex::new(None);
    EMITTERS.lock().unwrap().get_or_insert_with(Emitter::new).on("stop"); //~ poison_cascade shared_map_mutation
}

#[test]
fn emitters_from_threads() {
    static SHARED: Mutex<Option<Emitter>> = Mutex::new(None);
    let t = std::thread::spawn(|| SHARED.lock().unwrap().get_or_insert_with(Emitter::new).on("a")); //~ poison_cascade shared_map_mutation
    t.join().unwrap();
}

#[test]
fn handlers_run_on_threads() {
    fn repository() -> &'static Mutex<HashMap<usize, String>> {
        static REPOSITORY: std::sync::OnceLock<Mutex<HashMap<usize, String>>> =
            std::sync::OnceLock::new();
        REPOSITORY.get_or_init(|| Mutex::new(HashMap::new()))
    }
    fn signin() {
        let r = &mut *repository().lock().unwrap(); //~ poison_cascade
        r.insert(1, "a".into()); //~ shared_map_mutation
    }
    std::thread::spawn(signin).join().unwrap();
}

#[test]
fn nested_helper_of_a_test_with_threads() {
    fn add(m: &Arc<Mutex<HashMap<u32, u32>>>) {
        m.lock().unwrap().insert(1, 1); //~ poison_cascade shared_map_mutation
    }
    let m = Arc::new(Mutex::new(HashMap::new()));
    let m2 = Arc::clone(&m);
    std::thread::spawn(move || add(&m2)).join().unwrap();
    add(&m);
}

// ---- not flagged ----

// Route handlers nested in a test that starts no thread, reaching a static
// declared in a function nested in it; the test also calls package code
// that names a static, so the call graph alone does not clear it.
#[test]
fn handlers_nested_in_the_test() {
    async fn repository() -> &'static Mutex<HashMap<usize, String>> {
        static REPOSITORY: std::sync::OnceLock<Mutex<HashMap<usize, String>>> =
            std::sync::OnceLock::new();
        REPOSITORY.get_or_init(|| Mutex::new(HashMap::new()))
    }
    async fn signin() {
        let r = &mut *repository().await.lock().unwrap();
        r.insert(1, "a".into());
    }
    registry();
    let _ = signin;
}

// A function nested in a test that, with all it calls, stays on one thread
// is part of that test.
#[test]
fn nested_helper_of_a_quiet_test() {
    fn add(m: &Arc<Mutex<HashMap<u32, u32>>>) {
        m.lock().unwrap().insert(1, 1);
    }
    let m = Arc::new(Mutex::new(HashMap::new()));
    add(&m);
}

#[test]
fn only_user() {
    static EM: Mutex<Option<Emitter>> = Mutex::new(None);
    EM.lock().unwrap().get_or_insert_with(Emitter::new).on("x");
}

#[test]
fn only_user_through_a_nested_fn() {
    fn repository() -> &'static Mutex<HashMap<usize, String>> {
        static REPOSITORY: std::sync::OnceLock<Mutex<HashMap<usize, String>>> =
            std::sync::OnceLock::new();
        REPOSITORY.get_or_init(|| Mutex::new(HashMap::new()))
    }
    repository().lock().unwrap().insert(1, "a".into());
}

#[test]
fn names_another_functions_static() {
    use missing_module::EM;
    EM.lock().unwrap().as_mut().unwrap().on("Hello");
}
