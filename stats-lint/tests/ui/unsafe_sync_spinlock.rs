// UI test: a cell-held map of an `unsafe impl Sync` type mutated through a
// `&self` helper. A hand-written lock (an `Atomic*` field) exempts the type
// from the declaration finding, and so from the mutation findings too.
use std::any::{Any, TypeId};
use std::cell::UnsafeCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

type TypeIdMap = HashMap<TypeId, Box<dyn Any>>;

pub struct Unlocked {
    map: UnsafeCell<Option<TypeIdMap>>,
}

unsafe impl Sync for Unlocked {} //~ unsafe_sync_map

impl Unlocked {
    #[allow(clippy::mut_from_ref)]
    unsafe fn map_mut(&self) -> &mut TypeIdMap {
        unsafe { (*self.map.get()).get_or_insert_with(HashMap::new) } //~ unsafe_sync_map
    }

    pub fn set<T: 'static>(&self, v: T) {
        unsafe {
            self.map_mut().insert(TypeId::of::<T>(), Box::new(v)); //~ unsafe_sync_map
        }
    }
}

// ---- not flagged ----

// The spin lock is trusted: neither the impl nor the mutations made under it.
pub struct SpinLocked {
    map: UnsafeCell<Option<TypeIdMap>>,
    mutex: AtomicUsize,
}

unsafe impl Sync for SpinLocked {}

impl SpinLocked {
    fn lock(&self) {
        while self
            .mutex
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {}
    }

    fn unlock(&self) {
        self.mutex.store(0, Ordering::Release)
    }

    #[allow(clippy::mut_from_ref)]
    unsafe fn map_mut(&self) -> &mut TypeIdMap {
        unsafe { (*self.map.get()).get_or_insert_with(HashMap::new) }
    }

    pub fn set<T: 'static>(&self, v: T) {
        self.lock();
        unsafe {
            self.map_mut().insert(TypeId::of::<T>(), Box::new(v));
        }
        self.unlock();
    }
}

// `get_or_insert_with` on an `Option` that holds no map fills the option, not a map.
pub struct Settings {
    name: String,
}

pub struct Lazy {
    settings: UnsafeCell<Option<Settings>>,
    sizes: UnsafeCell<HashMap<u32, u32>>,
}

unsafe impl Sync for Lazy {} //~ unsafe_sync_map

impl Lazy {
    pub fn name(&self) -> &str {
        let s = unsafe { &mut *self.settings.get() };
        &s.get_or_insert_with(|| Settings { name: String::new() }).name
    }

    pub fn size(&self, k: u32) -> Option<u32> {
        unsafe { (*self.sizes.get()).get(&k).copied() }
    }
}
