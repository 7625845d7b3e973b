// UI test: a `&mut self` method that takes, replaces or swaps out a map
// field (`std::mem::take(&mut self.current)`), or a field that holds a
// struct of the package with a map (`mem::take(&mut self.ban_list)`, not
// one with no map), mutates it, like one that
// calls a map method on it; so does one that mutates a map in a field of
// a field (`self.0.by_name.insert(..)` in a newtype), or through
// `BorrowMut::borrow_mut()` on the field
// (`self.terms.borrow_mut().values_mut()`). Every lint runs.
use parking_lot::{Mutex, MutexGuard};
use std::borrow::BorrowMut;
use std::collections::{BTreeMap, HashMap};
use std::mem;
use std::sync::LazyLock;

#[derive(Default)]
pub struct Profiler {
    current: BTreeMap<u32, u32>,
    previous: BTreeMap<u32, u32>,
    frames: u64,
}

impl Profiler {
    pub fn lock() -> MutexGuard<'static, Self> {
        static GLOBAL: LazyLock<Mutex<Profiler>> = LazyLock::new(Default::default);
        GLOBAL.lock()
    }

    pub fn new_frame(&mut self) -> BTreeMap<u32, u32> {
        self.frames += 1;
        std::mem::take(&mut self.current)
    }

    pub fn rotate(&mut self) {
        mem::swap(&mut self.current, &mut self.previous);
    }

    pub fn frames(&mut self) -> u64 {
        let frames = mem::replace(&mut self.frames, 0);
        frames + 1
    }
}

pub fn end_frame() {
    Profiler::lock().new_frame(); //~ shared_map_mutation
    Profiler::lock().rotate(); //~ shared_map_mutation
}

#[derive(Default)]
pub struct BanList {
    banned: HashMap<u32, u64>,
}

#[derive(Default)]
pub struct Stats {
    bans: u64,
}

#[derive(Default)]
pub struct PeerStore {
    ban_list: BanList,
    stats: Stats,
}

impl PeerStore {
    pub fn clear_bans(&mut self) -> BanList {
        mem::take(&mut self.ban_list)
    }

    pub fn reset_stats(&mut self) -> Stats {
        mem::take(&mut self.stats)
    }
}

pub static PEERS: LazyLock<Mutex<PeerStore>> = LazyLock::new(Default::default);

pub fn unban_all() -> u64 {
    let _ = PEERS.lock().clear_bans(); //~ shared_map_mutation
    PEERS.lock().reset_stats().bans
}

#[derive(Default)]
pub struct Names {
    by_name: std::collections::HashMap<String, u32>,
}

#[derive(Default)]
pub struct ScopeCollection(Names);

impl ScopeCollection {
    pub fn insert(&mut self, name: String) {
        self.0.by_name.insert(name, 1);
    }

    pub fn len(&self) -> usize {
        self.0.by_name.len()
    }
}

pub fn scopes() -> MutexGuard<'static, ScopeCollection> {
    static SCOPES: LazyLock<Mutex<ScopeCollection>> = LazyLock::new(Default::default);
    SCOPES.lock()
}

pub fn add_scope(name: String) {
    scopes().insert(name); //~ shared_map_mutation
}

// ---- not flagged ----

pub fn scope_count() -> usize {
    scopes().len()
}


pub fn count() -> u64 {
    Profiler::lock().frames()
}

pub struct TfIdf {
    terms: HashMap<String, f32>,
}

impl TfIdf {
    pub fn scale(&mut self) {
        for v in self.terms.borrow_mut().values_mut() {
            *v *= 2.0;
        }
    }

    pub fn total(&mut self) -> f32 {
        self.terms.borrow_mut().values().sum()
    }
}

pub static TF_IDF: LazyLock<Mutex<TfIdf>> = LazyLock::new(|| {
    Mutex::new(TfIdf {
        terms: HashMap::new(),
    })
});

pub fn rescale() -> f32 {
    TF_IDF.lock().scale(); //~ shared_map_mutation
    TF_IDF.lock().total()
}
