// UI test: the package's own generic wrapper of a `Weak`/`Arc`
// (`struct WeakOpt<T>(Option<Weak<T>>)` with `upgrade() -> Option<Arc<T>>`)
// is followed like `Weak::upgrade`. Every lint runs.
use std::collections::HashMap;
use std::rc;
use std::sync::{Arc, Mutex, Weak};

pub struct WeakOpt<T>(Option<Weak<T>>);

impl<T> WeakOpt<T> {
    pub fn upgrade(&self) -> Option<Arc<T>> {
        self.0.as_ref().and_then(Weak::upgrade)
    }
}

pub struct Shared<U> {
    inner: Arc<U>,
}

impl<U> Shared<U> {
    pub fn handle(&self) -> Arc<U> {
        self.inner.clone()
    }
}

pub struct Child {
    parent: WeakOpt<Mutex<HashMap<u32, u32>>>,
    table: Shared<Mutex<HashMap<u32, u32>>>,
}

impl Child {
    pub fn poke(&self) {
        if let Some(p) = self.parent.upgrade() {
            p.lock().unwrap().insert(1, 1); //~ poison_cascade shared_map_mutation
        }
    }

    pub fn poke_bound(&self) {
        let Some(p) = self.parent.upgrade() else {
            return;
        };
        let mut g = p.lock().unwrap(); //~ poison_cascade
        g.clear(); //~ shared_map_mutation
    }

    pub fn put(&self) {
        self.table.handle().lock().unwrap().remove(&1); //~ poison_cascade shared_map_mutation
    }
}

// ---- not flagged ----

// An `Rc` is never shared between threads.
pub struct WeakRc<T>(Option<rc::Weak<T>>);

impl<T> WeakRc<T> {
    pub fn upgrade(&self) -> Option<rc::Rc<T>> {
        self.0.as_ref().and_then(rc::Weak::upgrade)
    }
}

// Holds no pointer of its parameter: `make` does not give back a shared value.
pub struct Maker<T>(std::marker::PhantomData<T>);

impl<T> Maker<T> {
    pub fn make(&self) -> Option<Arc<T>> {
        None
    }
}

pub struct Local {
    parent: WeakRc<std::cell::RefCell<HashMap<u32, u32>>>,
    maker: Maker<Mutex<HashMap<u32, u32>>>,
}

impl Local {
    pub fn poke(&self) {
        if let Some(p) = self.parent.upgrade() {
            p.borrow_mut().insert(1, 1);
        }
        if let Some(m) = self.maker.make() {
            m.lock().unwrap().insert(1, 1);
        }
    }
}
