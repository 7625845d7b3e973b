// UI test: the parameter of a closure given to an `Option` combinator
// (`map`, `and_then`, `inspect`, `is_some_and`, `filter`) is what the
// `Option` holds, also after `.and_then(OnceLock::get)`. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

pub struct Cache {
    values: RwLock<HashMap<String, u32>>,
}

pub struct Inner {
    property_cache: Option<OnceLock<(Arc<Cache>, u8)>>,
    plain: Option<Arc<Cache>>,
}

pub struct Proxy {
    inner: Arc<Inner>,
}

impl Proxy {
    pub fn cached(&self, name: &str) -> Option<u32> {
        let values = self
            .inner
            .property_cache
            .as_ref()
            .and_then(OnceLock::get)
            .map(|c| c.0.values.read().expect("poisoned"))?; //~ poison_cascade
        values.get(name).copied()
    }

    pub fn forget(&self, name: &str) {
        self.inner.plain.as_ref().map(|c| {
            c.values.write().unwrap_or_else(|p| p.into_inner()).remove(name) //~ shared_map_mutation
        });
    }

    // Not flagged: a read through the read guard, recovered from poison.
    pub fn peek(&self, name: &str) -> bool {
        self.inner
            .plain
            .as_ref()
            .is_some_and(|c| c.values.read().unwrap_or_else(|p| p.into_inner()).contains_key(name))
    }
}

// Not flagged: an `Option` owned by this function.
pub fn local(name: &str) {
    let mut m: Option<HashMap<String, u32>> = Some(HashMap::new());
    m.as_mut().map(|m| m.insert(name.to_string(), 1));
}
