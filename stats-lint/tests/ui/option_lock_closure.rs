// UI test: an `Option` of a shared lock locked inside `map`
// (`if let Some(Ok(mut g)) = opt.as_ref().map(|m| m.lock())`), and an
// `Option<Weak<..>>` upgraded with `.as_ref().and_then(Weak::upgrade)` or
// `.and_then(|w| w.upgrade())`, and a lock taken through the parameter of
// the closure itself (`weak.upgrade().map(|b| b.lock().unwrap().lines.remove(..))`).
// Every lint runs.
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc;
use std::sync::{Arc, Mutex, Weak};

struct Book {
    lines: HashMap<u32, String>,
}

impl Book {
    fn forget(&mut self, id: u32) {
        self.lines.remove(&id);
    }
}

#[derive(Clone)]
pub struct Client {
    book: Option<Arc<Mutex<Book>>>,
}

impl Client {
    pub fn drop_line(&self, id: u32) {
        if let Some(Ok(mut book)) = self.book.as_ref().map(|b| b.lock()) {
            book.forget(id); //~ shared_map_mutation
            book.lines.insert(id, String::new()); //~ shared_map_mutation
        }
    }
}

pub struct Handle {
    back: Option<Weak<Mutex<Book>>>,
}

impl Handle {
    pub fn release(&self, id: u32) {
        if let Some(book) = self.back.as_ref().and_then(Weak::upgrade) {
            book.lock().unwrap().lines.remove(&id); //~ poison_cascade shared_map_mutation
        }
    }

    pub fn release_closure(&self, id: u32) {
        if let Some(book) = self.back.as_ref().and_then(|w| w.upgrade()) {
            if let Ok(mut book) = book.lock() {
                book.forget(id); //~ shared_map_mutation
            }
        }
    }

    pub fn release_inside(&self, id: u32) {
        let upgraded = self.back.as_ref().and_then(Weak::upgrade);
        upgraded.map(|b| b.lock().unwrap().lines.remove(&id)); //~ poison_cascade shared_map_mutation
    }
}

// ---- not flagged ----

impl Client {
    // Read only.
    pub fn line(&self, id: u32) -> Option<String> {
        let got = self.book.as_ref().map(|b| b.lock());
        if let Some(Ok(book)) = got {
            return book.lines.get(&id).cloned();
        }
        None
    }
}

// An `Rc` is never shared between threads.
pub struct Local {
    back: Option<rc::Weak<RefCell<HashMap<u32, u32>>>>,
}

impl Local {
    pub fn poke(&self) {
        if let Some(m) = self.back.as_ref().and_then(rc::Weak::upgrade) {
            m.borrow_mut().insert(1, 1);
        }
    }
}

// A lock this function owns.
pub fn owned(id: u32) {
    let book = Some(Mutex::new(HashMap::<u32, u32>::new()));
    if let Some(Ok(mut g)) = book.as_ref().map(|b| b.lock()) {
        g.insert(id, 0);
    }
}
