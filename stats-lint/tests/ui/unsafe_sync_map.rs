// UI test for `unsafe_sync_map`. Lines with a `~ NAME` marker comment must be flagged.
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

struct Registry {
    counts: UnsafeCell<HashMap<String, u64>>,
}
unsafe impl Sync for Registry {} //~ unsafe_sync_map

struct Cache(RefCell<Option<HashMap<u32, u32>>>);
unsafe impl Sync for Cache {} //~ unsafe_sync_map

struct Outer {
    reg: Registry,
}
unsafe impl Sync for Outer {} //~ unsafe_sync_map

struct Swappable {
    current: Cell<Option<Box<BTreeMap<u8, u8>>>>,
}
unsafe impl Sync for Swappable {} //~ unsafe_sync_map

struct SharedOwner {
    seen: Rc<RefCell<HashSet<u64>>>,
}
unsafe impl Send for SharedOwner {} //~ unsafe_sync_map
unsafe impl Sync for SharedOwner {} //~ unsafe_sync_map

type Index = HashMap<u64, u64>;
struct Aliased {
    index: UnsafeCell<Index>,
}
unsafe impl Sync for Aliased {} //~ unsafe_sync_map

// ---- not flagged ----

// A plain map can only be read through `&Plain`, and moving it is sound.
struct Plain {
    by_id: BTreeMap<u64, String>,
    raw: *mut u8,
}
unsafe impl Send for Plain {}
unsafe impl Sync for Plain {}

// Moving a cell to another thread is sound: it is `Sync` that shares it.
unsafe impl Send for Registry {}

struct Guarded {
    map: Mutex<HashMap<u32, u32>>,
    raw: *mut u8,
}
unsafe impl Send for Guarded {}
unsafe impl Sync for Guarded {}

struct NoMap {
    cell: UnsafeCell<u64>,
}
unsafe impl Sync for NoMap {}

// A hand-written lock around the cell.
struct SpinMap {
    locked: AtomicBool,
    map: UnsafeCell<HashMap<u32, u32>>,
}
unsafe impl Sync for SpinMap {}

struct Generic<T> {
    inner: UnsafeCell<T>,
}
unsafe impl<T: Send> Sync for Generic<T> {}

impl Clone for Plain {
    fn clone(&self) -> Self {
        Plain { by_id: self.by_id.clone(), raw: self.raw }
    }
}

// A read view that borrows another type's cell (a left-right map's read
// guard): the cell is judged where it is owned, and a `&Map` is all the
// view hands out.
pub struct ReadGuard<'g> {
    map: &'g UnsafeCell<HashMap<u32, u32>>,
}
unsafe impl Sync for ReadGuard<'_> {}
impl ReadGuard<'_> {
    pub fn with_map<R>(&self, f: impl FnOnce(&HashMap<u32, u32>) -> R) -> R {
        f(unsafe { &*self.map.get() })
    }
}
