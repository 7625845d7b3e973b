// UI test: the package's own ways to lock. A helper named like a lock
// method (`fn write(&self) -> ShardWriter<'_>`, a guard alias) gives what
// its return type says, also on a shard taken out of a tuple; a trait of
// the package implemented for a lock type whose method returns its guard
// (`SafeLock::safe_lock`, through an associated type or written out) is a
// lock method; and a `&self` method that hands one of its locks to its
// closure parameter (`f(&self.config)`) gives the closure that lock.
// Every lint runs.
use parking_lot::{Mutex, MutexGuard};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, RwLock, RwLockWriteGuard};

pub type Table = HashMap<u64, u64>;
pub type ShardWriter<'a> = RwLockWriteGuard<'a, Table>;

pub struct Shard {
    data: RwLock<Table>,
}

impl Shard {
    pub fn write(&self) -> ShardWriter<'_> {
        self.data.write().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct Inner {
    shards: Box<[Shard]>,
}

pub struct ShardMap {
    inner: Arc<Inner>,
}

impl ShardMap {
    fn shard(&self, k: u64) -> (&Shard, u64) {
        (&self.inner.shards[k as usize % 4], k)
    }

    pub fn insert(&self, k: u64) {
        let (shard, hash) = self.shard(k);
        let mut w = shard.write();
        w.insert(hash, k); //~ shared_map_mutation
    }

    pub fn insert_first(&self, k: u64) {
        self.inner.shards[0].write().insert(k, k); //~ shared_map_mutation
    }
}

/// A shard picked without a bounds check, or at either end.
pub struct Submaps {
    submaps: Box<[RwLock<Table>]>,
}

impl Submaps {
    pub fn insert(&self, i: usize, k: u64) {
        let mut submap = unsafe { self.submaps.get_unchecked(i).write().unwrap() }; //~ poison_cascade
        submap.insert(k, k); //~ shared_map_mutation
    }

    pub fn clear_last(&self) {
        if let Some(last) = self.submaps.last() {
            last.write().unwrap().clear(); //~ poison_cascade shared_map_mutation
        }
    }
}

pub fn share_submaps(s: Submaps) {
    let s = Arc::new(s);
    let other = Arc::clone(&s);
    std::thread::spawn(move || other.clear_last());
    s.insert(0, 1);
}

pub trait SafeLock {
    type Output<'a>
    where
        Self: 'a;
    fn safe_lock(&self) -> Self::Output<'_>;
}

impl<T> SafeLock for Mutex<T> {
    type Output<'a>
        = MutexGuard<'a, T>
    where
        T: 'a;
    fn safe_lock(&self) -> Self::Output<'_> {
        self.lock()
    }
}

pub trait LockWritten<T> {
    fn lock_written(&self) -> MutexGuard<'_, T>;
}

impl<T> LockWritten<T> for Mutex<T> {
    fn lock_written(&self) -> MutexGuard<'_, T> {
        self.lock()
    }
}

static STORE: LazyLock<Mutex<HashMap<u64, String>>> = LazyLock::new(Default::default);

pub fn intern(k: u64) {
    STORE.safe_lock().insert(k, String::new()); //~ shared_map_mutation
    STORE.lock_written().remove(&k); //~ shared_map_mutation
}

pub struct Config {
    services: BTreeSet<u32>,
}

pub struct Handle {
    config: Arc<RwLock<Config>>,
}

impl Handle {
    pub fn start() -> Handle {
        let config = Arc::new(RwLock::new(Config {
            services: BTreeSet::new(),
        }));
        let seen = Arc::clone(&config);
        std::thread::spawn(move || seen.read().map(|c| c.services.len()));
        Handle { config }
    }

    fn with_config<F, R>(&self, f: F) -> R
    where
        F: FnOnce(&RwLock<Config>) -> R,
    {
        f(&self.config)
    }

    pub fn add(&self, s: u32) -> bool {
        self.with_config(|c| c.write().unwrap().services.insert(s)) //~ poison_cascade shared_map_mutation
    }

    // ---- not flagged ----

    pub fn count(&self) -> usize {
        self.with_config(|c| c.read().map(|c| c.services.len()).unwrap_or(0))
    }
}

/// A trait method on a lock that returns no guard.
pub trait Peek {
    fn peek_len(&self) -> usize;
}

impl Peek for Mutex<HashMap<u64, String>> {
    fn peek_len(&self) -> usize {
        self.lock().len()
    }
}

pub fn peek() -> usize {
    STORE.peek_len()
}

/// A shard of a map no one shares.
pub fn local() -> u64 {
    let shard = Shard {
        data: RwLock::new(HashMap::new()),
    };
    shard.write().insert(1, 1);
    1
}
