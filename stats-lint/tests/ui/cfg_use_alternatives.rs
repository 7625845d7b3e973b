// UI test: of two `cfg` alternatives of a `use` (a feature's and the
// default build's), the default build's names the type, whichever comes
// first. Every lint runs.
use std::collections::HashMap;

mod default_first {
    use super::HashMap;
    #[cfg(not(feature = "parking_lot"))]
    use std::sync::RwLock;
    #[cfg(feature = "parking_lot")]
    use parking_lot::RwLock;

    pub struct Interner {
        arena: RwLock<HashMap<String, u32>>,
    }

    impl Interner {
        pub fn intern(&self, s: String) {
            let mut arena = self.arena.write().expect("poisoned"); //~ poison_cascade
            arena.insert(s, 0); //~ shared_map_mutation
        }
    }
}

mod feature_first {
    use super::HashMap;
    #[cfg(feature = "parking_lot")]
    use parking_lot::Mutex;
    #[cfg(not(feature = "parking_lot"))]
    use std::sync::Mutex;

    pub struct Cache {
        map: Mutex<HashMap<String, u32>>,
    }

    impl Cache {
        pub fn put(&self, s: String) {
            self.map.lock().unwrap().insert(s, 0); //~ poison_cascade shared_map_mutation
        }
    }
}

// ---- not flagged ----

mod only_parking_lot {
    use super::HashMap;
    #[cfg(feature = "fast")]
    use parking_lot::Mutex;

    pub struct Cache {
        map: Mutex<HashMap<String, u32>>,
    }

    impl Cache {
        pub fn len(&self) -> usize {
            self.map.lock().len()
        }
    }
}
