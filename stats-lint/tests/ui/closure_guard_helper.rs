// UI test: the package's own method that locks a field of `self` and calls
// its closure parameter with the guard (`fn borrow_mut<F: FnOnce(&mut T) ->
// R>(&self, f: F) -> R`) gives the caller's closure that guard; so does one
// that locks what the package's accessor returns (`self.get_or_init().write()`),
// and one that forwards its closure to such a method, handing on a field of
// the guarded value (egui's `data_mut(f)` as `self.write(move |c| f(&mut
// c.data))`), also through a second forward. Every lint runs.
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, OnceLock, RwLock};

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

pub struct Windows {
    inner: OnceLock<RwLock<HashMap<usize, u64>>>,
}

impl Windows {
    pub const fn new() -> Self {
        Self {
            inner: OnceLock::new(),
        }
    }

    fn get_or_init(&self) -> &RwLock<HashMap<usize, u64>> {
        self.inner.get_or_init(|| RwLock::new(HashMap::new()))
    }

    pub fn with_write<R>(&self, f: impl FnOnce(&mut HashMap<usize, u64>) -> R) -> R {
        let mut guard = self.get_or_init().write().unwrap(); //~ poison_cascade
        f(&mut guard)
    }

    pub fn with_read<R>(&self, f: impl FnOnce(&HashMap<usize, u64>) -> R) -> R {
        f(&self.get_or_init().read().unwrap()) //~ poison_cascade
    }
}

pub static WINDOWS: Windows = Windows::new();

pub fn record(index: usize, value: u64) -> usize {
    WINDOWS.with_write(|map| map.insert(index, value)); //~ shared_map_mutation
    WINDOWS.with_read(|map| map.len())
}

// ---- not flagged ----

pub fn own_sessions(id: u64) -> usize {
    let own = Sessions::default();
    own.with(|s| s.insert(id, String::new()));
    SESSIONS.with(|s| s.len())
}

#[derive(Default)]
pub struct IdMap {
    map: HashMap<u64, String>,
}

impl IdMap {
    pub fn insert_temp(&mut self, k: u64, v: String) {
        self.map.insert(k, v);
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }
}

#[derive(Default)]
pub struct Memory {
    data: IdMap,
}

#[derive(Default)]
pub struct ContextImpl {
    memory: Memory,
    frames: u64,
}

#[derive(Clone, Default)]
pub struct Context(std::sync::Arc<RwLock<ContextImpl>>);

impl Context {
    fn write<R>(&self, writer: impl FnOnce(&mut ContextImpl) -> R) -> R {
        writer(&mut self.0.write().unwrap()) //~ poison_cascade
    }

    pub fn memory_mut<R>(&self, writer: impl FnOnce(&mut Memory) -> R) -> R {
        self.write(move |ctx| writer(&mut ctx.memory))
    }

    pub fn data_mut<R>(&self, writer: impl FnOnce(&mut IdMap) -> R) -> R {
        self.memory_mut(move |mem| writer(&mut mem.data))
    }
}

pub fn show_tooltip(ctx: &Context, id: u64) -> usize {
    ctx.data_mut(|d| d.insert_temp(id, "tip".into())); //~ shared_map_mutation
    ctx.memory_mut(|m| m.data.map.clear()); //~ shared_map_mutation
    ctx.write(|c| c.frames += 1);
    ctx.data_mut(|d| d.len())
}
