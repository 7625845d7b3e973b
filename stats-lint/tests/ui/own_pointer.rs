// UI test: the package's own generic smart pointers. A generic type that
// derefs to its type parameter is seen through: a lazy cell (`Lazy<T, F>`)
// like std's, and one that is also `Clone` and `Send`/`Sync` by hand (a
// hand-written `Arc<T>`) shares what it holds, like std's `Arc`. Every lint runs.
use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Mutex;

mod arc {
    use std::ops::Deref;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Inner<T: ?Sized> {
        rc: AtomicUsize,
        value: T,
    }

    pub struct Arc<T: ?Sized> {
        ptr: *mut Inner<T>,
    }

    unsafe impl<T: Send + Sync + ?Sized> Send for Arc<T> {}
    unsafe impl<T: Send + Sync + ?Sized> Sync for Arc<T> {}

    impl<T> Arc<T> {
        pub fn new(value: T) -> Arc<T> {
            let inner = Box::new(Inner {
                rc: AtomicUsize::new(1),
                value,
            });
            Arc {
                ptr: Box::into_raw(inner),
            }
        }
    }

    impl<T: ?Sized> Clone for Arc<T> {
        fn clone(&self) -> Arc<T> {
            unsafe { (*self.ptr).rc.fetch_add(1, Ordering::Relaxed) };
            Arc { ptr: self.ptr }
        }
    }

    impl<T: ?Sized> Deref for Arc<T> {
        type Target = T;
        fn deref(&self) -> &T {
            unsafe { &(*self.ptr).value }
        }
    }
}

pub struct Lazy<T, F> {
    value: AtomicPtr<T>,
    init: F,
}

impl<T, F: Fn() -> T> Deref for Lazy<T, F> {
    type Target = T;
    fn deref(&self) -> &T {
        let p = self.value.load(Ordering::Acquire);
        if p.is_null() {
            let fresh = Box::into_raw(Box::new((self.init)()));
            self.value.store(fresh, Ordering::Release);
            return unsafe { &*fresh };
        }
        unsafe { &*p }
    }
}

type Points = HashMap<String, u64>;

static ACTIVE: Lazy<Mutex<Points>, fn() -> Mutex<Points>> = Lazy {
    value: AtomicPtr::new(std::ptr::null_mut()),
    init: || Mutex::new(HashMap::new()),
};

pub fn set(name: String) {
    ACTIVE.lock().unwrap().insert(name, 1); //~ poison_cascade shared_map_mutation
}

#[derive(Clone)]
pub struct Cleaner {
    inner: arc::Arc<Mutex<BTreeMap<u64, u64>>>,
}

impl Cleaner {
    pub fn add(&self, segment: u64) {
        let mut segments = self.inner.lock().unwrap(); //~ poison_cascade
        segments.insert(segment, 0); //~ shared_map_mutation
    }
}

pub fn spawn_cleaner() -> Cleaner {
    Cleaner {
        inner: arc::Arc::new(Mutex::new(BTreeMap::new())),
    }
}

// ---- not flagged ----

// The package's own boxed value: it derefs to its parameter but is not
// `Clone`, so a value in it is owned like a plain field.
pub struct Boxed<T> {
    value: Box<T>,
}

impl<T> Deref for Boxed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

pub fn owned(mut b: Boxed<HashMap<String, u64>>, name: String) {
    b.value.insert(name, 1);
}

pub fn count_only(counter: arc::Arc<AtomicUsize>) -> usize {
    counter.fetch_add(1, Ordering::Relaxed)
}
