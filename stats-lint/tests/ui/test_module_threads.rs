// UI test: `#[cfg(test)]` code. Tests run on parallel threads, so a
// `static` two tests reach is shared; a value one test builds for itself
// (an `Arc` of a test double declared in the test module) is shared only
// when the test module starts a thread or a task, or is `pub` (its fixtures
// may serve tests elsewhere that do). A value of a type declared outside
// the module may be handed to code of the package that starts threads, and
// is judged as anywhere else. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

pub struct Registry {
    names: Arc<Mutex<HashMap<String, u32>>>,
}

#[derive(Clone, Default)]
pub struct Store {
    tasks: Arc<Mutex<HashMap<u64, String>>>,
}

pub fn start_workers(store: Store) {
    std::thread::spawn(move || store.tasks.lock().map(|mut t| t.clear())); //~ shared_map_mutation
}

#[cfg(test)]
mod single_threaded {
    use super::*;

    static SEEN: LazyLock<Mutex<HashMap<String, u32>>> = LazyLock::new(Default::default);

    #[derive(Default)]
    struct FakeState {
        failures: HashMap<String, usize>,
    }

    struct Fake(Arc<Mutex<FakeState>>);

    impl Fake {
        fn watch(&mut self, path: &str) -> bool {
            let mut state = self.0.lock().unwrap();
            state.failures.remove(path).is_none()
        }
    }

    #[test]
    fn fake_counts_failures() {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let mut fake = Fake(state.clone());
        state.lock().unwrap().failures.insert("a".into(), 1);
        assert!(!fake.watch("a"));
        let registry = Registry {
            names: Arc::new(Mutex::new(HashMap::new())),
        };
        registry.names.lock().unwrap().insert("b".into(), 2);
        SEEN.lock().unwrap().insert("t".into(), 1); //~ poison_cascade shared_map_mutation
    }

    #[test]
    fn workers_see_tasks() {
        let store = Store::default();
        start_workers(store.clone());
        store.tasks.lock().unwrap().insert(1, "a".into()); //~ poison_cascade shared_map_mutation
    }
}

#[cfg(test)]
mod with_threads {
    use super::*;

    #[test]
    fn writers() {
        let names = Arc::new(Mutex::new(HashMap::<String, u32>::new()));
        let writer = names.clone();
        std::thread::spawn(move || {
            writer.lock().unwrap().insert("w".into(), 1); //~ poison_cascade shared_map_mutation
        })
        .join()
        .unwrap();
        names.lock().unwrap().remove("w"); //~ poison_cascade shared_map_mutation
    }
}

#[cfg(test)]
pub mod fixtures {
    use super::*;

    #[derive(Clone, Default)]
    pub struct MemoryStore {
        pub tasks: Arc<Mutex<HashMap<u64, String>>>,
    }

    impl MemoryStore {
        pub fn push(&self, id: u64, task: String) {
            self.tasks.lock().unwrap().insert(id, task); //~ poison_cascade shared_map_mutation
        }
    }
}
