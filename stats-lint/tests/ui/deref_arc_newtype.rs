// UI test: the package's newtype over an `Arc` that derefs to the struct the
// `Arc` holds: fields and methods reached through it are shared like through
// the `Arc`. Every lint runs.
use std::collections::{HashMap, HashSet};
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};

pub struct Tracker {
    subs: HashSet<Vec<u8>>,
}

pub struct InnerCore {
    conns: Mutex<HashMap<String, u32>>,
    tracker: Option<Arc<Mutex<Tracker>>>,
}

impl InnerCore {
    fn conns(&self) -> MutexGuard<'_, HashMap<String, u32>> {
        self.conns.lock().unwrap() //~ poison_cascade
    }
}

#[derive(Clone)]
pub struct Core(Arc<InnerCore>);

impl Deref for Core {
    type Target = InnerCore;
    fn deref(&self) -> &InnerCore {
        &self.0
    }
}

impl Core {
    fn resubscribe_all(&self) -> usize {
        let Some(tracker) = self.tracker.as_ref() else {
            return 0;
        };
        let tracker = tracker.lock().unwrap(); //~ poison_cascade
        tracker.subs.len()
    }
}

pub fn reconnect(core: Core, addr: String) {
    core.conns.lock().unwrap().remove(&addr); //~ poison_cascade shared_map_mutation
    core.conns().insert(addr, 1); //~ shared_map_mutation
}

// ---- not flagged ----

// A newtype that derefs to what it holds by value: owned, like a plain field.
pub struct Owned(InnerCore);

impl Deref for Owned {
    type Target = InnerCore;
    fn deref(&self) -> &InnerCore {
        &self.0
    }
}

pub fn local(mut o: Owned, addr: String) {
    o.0.conns.get_mut().unwrap().remove(&addr);
}
