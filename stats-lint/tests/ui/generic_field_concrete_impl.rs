// UI test: a field whose type is the struct's type parameter (`cfs: T`) has
// the shape of the argument a concrete impl gives it
// (`impl<I> DbCommon<MultiThreaded, I>`); in a generic impl it stays unknown.
// Every lint runs.
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::RwLock;

pub trait ThreadMode {}

pub struct SingleThreaded {
    cfs: BTreeMap<String, u32>,
}

pub struct MultiThreaded {
    cfs: RwLock<BTreeMap<String, u32>>,
}

impl ThreadMode for SingleThreaded {}
impl ThreadMode for MultiThreaded {}

pub struct DbCommon<T: ThreadMode, I> {
    cfs: T,
    inner: PhantomData<I>,
}

pub type Db = DbCommon<MultiThreaded, ()>;

impl<I> DbCommon<MultiThreaded, I> {
    pub fn create_cf(&self, name: &str) {
        self.cfs.cfs.write().unwrap().insert(name.to_string(), 0); //~ poison_cascade shared_map_mutation
    }

    pub fn drop_cf(&self, name: &str) {
        let mut cfs = self.cfs.cfs.write().unwrap(); //~ poison_cascade
        cfs.remove(name); //~ shared_map_mutation
    }
}

// Shared between threads by design.
unsafe impl<T: ThreadMode, I> Sync for DbCommon<T, I> {}

// ---- not flagged ----

impl<I> DbCommon<SingleThreaded, I> {
    pub fn create_cf_single(&mut self, name: &str) {
        self.cfs.cfs.insert(name.to_string(), 0);
    }
}

impl<T: ThreadMode, I> DbCommon<T, I> {
    pub fn mode(&self) -> &T {
        &self.cfs
    }
}
