// UI test: a `static` declared in a function body is named only in that
// body, and one declared in a `#[test]` function that starts no thread or
// task is that test's own. Every lint runs.
use std::collections::HashMap;
use std::sync::Mutex;

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

#[test]
fn emitters_from_threads() {
    static SHARED: Mutex<Option<Emitter>> = Mutex::new(None);
    let t = std::thread::spawn(|| SHARED.lock().unwrap().get_or_insert_with(Emitter::new).on("a")); //~ poison_cascade shared_map_mutation
    t.join().unwrap();
}

// ---- not flagged ----

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
