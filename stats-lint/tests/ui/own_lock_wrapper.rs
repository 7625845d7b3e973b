// UI test: the package's own generic locks. A generic struct whose `&self`
// lock method hands back a guard of its type parameter is a lock of it: bare
// (the wrapper dealt with poisoning), or in an `Option`/`Result` whose
// unwrap panics once the std lock inside is poisoned. One that keeps its
// lock in an `Arc` shares it with its clones. A hand-written spin lock whose
// guard is its own type that derefs to the parameter counts too (it does
// not poison). Every lint runs.
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, PoisonError};

mod lock {
    use std::sync::Mutex as StdMutex;
    pub use std::sync::MutexGuard;

    /// Like rustls' wrapper: `None` once the lock is poisoned.
    pub struct Mutex<T> {
        inner: StdMutex<T>,
    }

    impl<T> Mutex<T> {
        pub fn new(data: T) -> Self {
            Self {
                inner: StdMutex::new(data),
            }
        }

        pub fn lock(&self) -> Option<MutexGuard<'_, T>> {
            self.inner.lock().ok()
        }
    }
}

mod shared {
    use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

    /// Like lapin's: an `Arc` of a lock whose guards come back bare.
    #[derive(Clone)]
    pub struct SharedRwLock<T>(Arc<RwLock<T>>);

    impl<T> SharedRwLock<T> {
        pub fn new(inner: T) -> Self {
            Self(Arc::new(RwLock::new(inner)))
        }

        pub fn read(&self) -> RwLockReadGuard<'_, T> {
            self.0.read().unwrap_or_else(PoisonError::into_inner)
        }

        pub fn write(&self) -> RwLockWriteGuard<'_, T> {
            self.0.write().unwrap_or_else(PoisonError::into_inner)
        }
    }
}

pub struct SessionCache {
    sessions: lock::Mutex<HashMap<Vec<u8>, Vec<u8>>>,
}

impl SessionCache {
    pub fn put(&self, id: Vec<u8>, value: Vec<u8>) -> bool {
        self.sessions.lock().unwrap().insert(id, value).is_none() //~ poison_cascade shared_map_mutation
    }

    pub fn take(&self, id: &[u8]) -> Option<Vec<u8>> {
        self.sessions.lock().and_then(|mut s| s.remove(id)) //~ shared_map_mutation
    }
}

#[derive(Default)]
struct Registry {
    consumers: HashSet<String>,
}

#[derive(Clone)]
pub struct Consumers {
    registry: shared::SharedRwLock<Registry>,
}

impl Consumers {
    pub fn register(&self, tag: String) {
        self.registry.write().consumers.insert(tag); //~ shared_map_mutation
    }
}

pub fn cancel_all(consumers: Consumers) {
    let mut registry = consumers.registry.write();
    registry.consumers.clear(); //~ shared_map_mutation
}

mod spin {
    use std::cell::UnsafeCell;
    use std::ops::{Deref, DerefMut};
    use std::sync::atomic::{AtomicBool, Ordering};

    pub struct TryMutex<T> {
        locked: AtomicBool,
        value: UnsafeCell<T>,
    }

    unsafe impl<T: Send> Sync for TryMutex<T> {}

    pub struct TryMutexGuard<'a, T> {
        lock: &'a TryMutex<T>,
    }

    impl<T> TryMutex<T> {
        pub fn try_lock(&self) -> Option<TryMutexGuard<'_, T>> {
            (!self.locked.swap(true, Ordering::Acquire)).then_some(TryMutexGuard { lock: self })
        }
    }

    impl<T> Deref for TryMutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            unsafe { &*self.lock.value.get() }
        }
    }

    impl<T> DerefMut for TryMutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            unsafe { &mut *self.lock.value.get() }
        }
    }
}

#[derive(Clone)]
pub struct Advisor {
    shards: Arc<[spin::TryMutex<HashSet<u64>>]>,
}

impl Advisor {
    pub fn accessed(&self, id: u64) {
        let shard = &self.shards[id as usize % self.shards.len()];
        if let Some(mut set) = shard.try_lock() {
            set.insert(id); //~ shared_map_mutation
        }
    }
}

// ---- not flagged ----

impl Consumers {
    pub fn count(&self) -> usize {
        self.registry.read().consumers.len()
    }
}

// A generic cell whose `read` hands back a copy, not a guard: not a lock.
pub struct Snapshot<T> {
    value: T,
}

impl<T: Clone> Snapshot<T> {
    pub fn read(&self) -> T {
        self.value.clone()
    }
}

pub fn copies(s: Arc<Snapshot<HashMap<String, u32>>>) {
    let mut copy = s.read();
    copy.insert(String::new(), 1);
}

pub fn recovered(cache: Arc<SessionCache>) -> usize {
    let _ = PoisonError::new(());
    cache.sessions.lock().map_or(0, |s| s.len())
}
