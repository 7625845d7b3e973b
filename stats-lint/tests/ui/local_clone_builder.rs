// UI test: a value a function of the package returns by value is followed;
// it is the caller's alone until it is cloned (the clone shares the `Arc`s
// in its fields), and one built by a builder chain (`Provider::builder()
// .build()`) and kept in its function stays its own. Every lint runs.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct MemoryStore {
    tasks: Arc<Mutex<BTreeMap<u64, String>>>,
}

pub fn memory_store() -> MemoryStore {
    MemoryStore::default()
}

pub fn run_workers(store: MemoryStore) {
    std::thread::spawn(move || store.tasks.lock().map(|mut t| t.clear())); //~ shared_map_mutation
}

pub fn enqueue_and_check() -> Option<String> {
    let store = memory_store();
    run_workers(store.clone());
    store.tasks.lock().unwrap().insert(1, String::new()) //~ poison_cascade shared_map_mutation
}

// Built as the value of an `if let .. else`, then cloned into a shared map.
pub fn built_in_a_branch(
    registry: &Arc<Mutex<HashMap<u64, MemoryStore>>>,
    ids: &[u64],
) -> Option<()> {
    let store = if let Some(id) = ids.first() {
        MemoryStore {
            tasks: Arc::new(Mutex::new(BTreeMap::from([(*id, String::new())]))),
        }
    } else {
        return None;
    };
    registry.lock().unwrap().insert(1, store.clone()); //~ poison_cascade shared_map_mutation
    store.tasks.lock().unwrap().insert(2, String::new()); //~ poison_cascade shared_map_mutation
    Some(())
}

// ---- not flagged ----

struct Inner {
    meters: Mutex<HashMap<String, u32>>,
}

pub struct Provider {
    inner: Arc<Inner>,
}

pub struct Builder;

impl Builder {
    pub fn build(self) -> Provider {
        Provider {
            inner: Arc::new(Inner {
                meters: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl Provider {
    pub fn builder() -> Builder {
        Builder
    }
}

pub fn share(p: Arc<Provider>) -> usize {
    p.inner.meters.lock().map_or(0, |m| m.len())
}

pub fn same_meter_reused() {
    let provider = Provider::builder().build();
    provider.inner.meters.lock().unwrap().insert("test".into(), 1);
    assert_eq!(provider.inner.meters.lock().unwrap().len(), 1);
}

pub fn count_locally() -> usize {
    let store = memory_store();
    store.tasks.lock().unwrap().insert(1, String::new());
    store.tasks.lock().unwrap().len()
}
