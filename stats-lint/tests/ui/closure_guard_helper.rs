// UI test: the package's own method that locks a field of `self` and calls
// its closure parameter with the guard (`fn borrow_mut<F: FnOnce(&mut T) ->
// R>(&self, f: F) -> R`) gives the caller's closure that guard. Every lint
// runs.
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, RwLock};

type Properties = HashMap<u64, Vec<&'static str>>;

#[derive(Default)]
pub struct ClassProperties(RwLock<Properties>);

impl ClassProperties {
    pub fn borrow_mut<F, R>(&self, f: F) -> R
    where
        F: FnOnce(&mut Properties) -> R,
    {
        let mut write_lock = self.0.write().unwrap(); //~ poison_cascade
        f(&mut write_lock)
    }
}

#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<u64, String>>,
}

impl Sessions {
    pub fn with<R>(&self, f: impl FnOnce(&mut HashMap<u64, String>) -> R) -> R {
        f(&mut self.by_id.lock().unwrap()) //~ poison_cascade
    }
}

/// A component: its lock in a tuple behind an `Arc`, beside a handle.
#[derive(Clone, Default)]
pub struct Channels(std::sync::Arc<(u32, Mutex<ChannelsInner>)>);

#[derive(Default)]
pub struct ChannelsInner {
    open: HashMap<u16, u32>,
}

impl Channels {
    fn lock<R>(&self, f: impl FnOnce(&mut ChannelsInner) -> R) -> R {
        let mut inner = (self.0).1.lock().expect("poisoned"); //~ poison_cascade
        f(&mut inner)
    }

    pub fn open(&self, id: u16) {
        self.lock(|inner| inner.open.insert(id, 0)); //~ shared_map_mutation
    }
}

static CLASS_PROPERTIES: LazyLock<ClassProperties> = LazyLock::new(Default::default);
static SESSIONS: LazyLock<Sessions> = LazyLock::new(Default::default);

pub fn register(id: u64, name: &'static str) {
    CLASS_PROPERTIES.borrow_mut(|inner| {
        inner.entry(id).or_default().push(name); //~ shared_map_mutation
    });
    SESSIONS.with(|s| s.insert(id, name.to_string())); //~ shared_map_mutation
}

// ---- not flagged ----

pub fn own_sessions(id: u64) -> usize {
    let own = Sessions::default();
    own.with(|s| s.insert(id, String::new()));
    SESSIONS.with(|s| s.len())
}
