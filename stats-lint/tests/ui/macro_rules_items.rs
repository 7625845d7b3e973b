// UI test: items, methods and statements written by the file's own
// `macro_rules!` are read where the macro is invoked, with its arguments in
// place; a finding inside the macro's body is reported on the body's line.
// Every lint runs.
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Default)]
pub struct Filters {
    list: BTreeMap<u32, String>,
    next: u32,
}

impl Filters {
    pub fn add(&mut self, s: String) -> u32 {
        self.next += 1;
        self.list.insert(self.next, s);
        self.next
    }
}

pub struct SyncConnection {
    filters: Mutex<Filters>,
    replies: Mutex<HashMap<u32, String>>,
}

pub struct LocalConnection {
    filters: RefCell<Filters>,
    replies: RefCell<HashMap<u32, String>>,
}

impl SyncConnection {
    fn filters_mut(&self) -> MutexGuard<'_, Filters> {
        self.filters.lock().unwrap() //~ poison_cascade
    }
}

impl LocalConnection {
    fn filters_mut(&self) -> std::cell::RefMut<'_, Filters> {
        self.filters.borrow_mut()
    }
}

macro_rules! connimpl {
    ($c:ident $(, $bound:tt)*) => {
        impl $c {
            pub fn start_receive(&self, s: String) -> u32 {
                self.filters_mut().add(s) //~ shared_map_mutation
            }
        }
    };
}

connimpl!(SyncConnection, Send, Sync);
connimpl!(LocalConnection);

// Methods written inside an `impl` block.
macro_rules! reply_methods {
    () => {
        pub fn add_reply(&self, id: u32, r: String) {
            self.replies.lock().unwrap().insert(id, r); //~ poison_cascade shared_map_mutation
        }
    };
}

impl SyncConnection {
    reply_methods!();
}

// A `&mut self` mutator written inside an `impl` block counts as the type's.
macro_rules! remover {
    ($name:ident) => {
        pub fn $name(&mut self, id: u32) {
            self.list.remove(&id);
        }
    };
}

impl Filters {
    remover!(remove);
}

impl SyncConnection {
    pub fn stop_receive(&self, id: u32) {
        self.filters_mut().remove(id); //~ shared_map_mutation
    }
}

// Statements written in a function body.
macro_rules! record {
    ($conn:expr, $id:expr) => {
        let mut g = $conn.replies.lock().unwrap(); //~ poison_cascade
        g.insert($id, String::new()); //~ shared_map_mutation
    };
}

impl SyncConnection {
    pub fn note(&self, id: u32) {
        record!(self, id);
    }
}

pub fn serve(c: Arc<SyncConnection>) {
    let c2 = Arc::clone(&c);
    std::thread::spawn(move || c2.start_receive("a".into()));
    c.add_reply(1, "b".into());
}

// ---- not flagged ----

// Only instantiated for a type without a lock.
macro_rules! local_only {
    ($c:ident) => {
        impl $c {
            pub fn add_local_reply(&self, id: u32, r: String) {
                self.replies.borrow_mut().insert(id, r);
            }
        }
    };
}

local_only!(LocalConnection);

// Never invoked: a template, not code.
macro_rules! unused {
    ($c:ident) => {
        impl $c {
            pub fn clear_replies(&self) {
                self.replies.lock().unwrap().clear();
            }
        }
    };
}

// A macro that invokes itself stops after a few expansions.
macro_rules! twice {
    () => {
        twice!();
        twice!();
    };
}

twice!();

impl LocalConnection {
    twice!();

    pub fn twice_in_a_body(&self) {
        twice!();
    }
}
