// UI test: `#[cfg(test)]` code. Tests run on parallel threads, so a
// `static` two tests reach is shared; a value one test builds for itself
// (an `Arc` of a test double declared in the test module) is shared only
// when the test module starts a thread or a task (but for tasks started on
// its tests' current-thread runtimes, `tokio::spawn` under `#[tokio::test]`),
// or is `pub` (its fixtures may serve tests elsewhere that do). A value of a type declared outside
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

pub trait Handler: Send + 'static {
    fn open(self, id: usize) -> Self;
}

pub async fn run_stream<H: Handler>(h: H) {
    let _ = h.open(1);
}

#[cfg(test)]
mod current_thread_tasks {
    use super::*;

    #[derive(Clone)]
    struct Server {
        clients: Arc<Mutex<HashMap<usize, usize>>>,
    }

    impl Handler for Server {
        fn open(self, id: usize) -> Self {
            self.clients.lock().unwrap().insert(id, id);
            self
        }
    }

    #[tokio::test]
    async fn open_on_one_thread() {
        let server = Server {
            clients: Arc::new(Mutex::new(HashMap::new())),
        };
        let task = tokio::spawn(run_stream(server.clone()));
        task.await.unwrap();
        server.clients.lock().unwrap().remove(&1);
    }
}

#[cfg(test)]
mod blocking_pool {
    use super::*;

    #[tokio::test]
    async fn open_on_the_pool() {
        let clients = Arc::new(Mutex::new(HashMap::<usize, usize>::new()));
        let writer = clients.clone();
        tokio::spawn(async move {
            tokio::task::spawn_blocking(move || {
                writer.lock().unwrap().insert(1, 1); //~ poison_cascade shared_map_mutation
            })
            .await
        });
        clients.lock().unwrap().clear(); //~ poison_cascade shared_map_mutation
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
