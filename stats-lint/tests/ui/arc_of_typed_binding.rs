// UI test: a value of the package's type put in an `Arc` by name
// (`Arc::new(db)` with `db: Db` on a parameter or a typed `let`) makes the
// type shared, as `Arc::new(Db { .. })` does. The lock sits one struct
// down, so the type holds no lock of its own. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread;

pub struct Tables {
    map: Mutex<HashMap<String, u32>>,
}

pub struct Db {
    tables: Tables,
}

impl Db {
    pub fn create(&self, name: &str) {
        self.tables.map.lock().unwrap().insert(name.to_string(), 0); //~ poison_cascade shared_map_mutation
    }
}

pub fn serve(db: Db) {
    let db = Arc::new(db);
    let worker = Arc::clone(&db);
    thread::spawn(move || worker.create("a"));
}

pub struct Journal {
    tables: Tables,
}

impl Journal {
    pub fn append(&self, n: u64) {
        self.tables.map.lock().unwrap().insert(n.to_string(), 0); //~ poison_cascade shared_map_mutation
    }
}

pub fn open() {
    let journal: Journal = Journal {
        tables: Tables {
            map: Mutex::new(HashMap::new()),
        },
    };
    let journal = Arc::new(journal);
    thread::spawn(move || journal.append(1));
}

// ---- not flagged ----

pub struct Notes {
    map: Mutex<HashMap<String, u32>>,
}

pub struct Scratch {
    notes: Notes,
}

impl Scratch {
    pub fn note(&self, n: u64) {
        self.notes.map.lock().unwrap().insert(n.to_string(), 0);
    }
}

/// `Arc::new` of another binding than the typed one.
pub fn unrelated(scratch: Scratch) -> Arc<u8> {
    let counter = 0u8;
    scratch.note(1);
    Arc::new(counter)
}
