// UI test: guards taken together by `tokio::join!` / `futures::join!` and
// bound by a tuple pattern: each name is the guard of its lock, as if each
// future were awaited on its own.
// Every lint runs.
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};

#[derive(Clone)]
pub struct Backend {
    config: Arc<RwLock<u32>>,
    docs: Arc<Mutex<HashMap<String, Vec<u32>>>>,
    names: Arc<RwLock<HashMap<u32, String>>>,
}

impl Backend {
    pub async fn edit(&self, uri: &str) -> usize {
        let (config, mut docs) = tokio::join!(self.config.read(), self.docs.lock());
        let Some(doc) = docs.get_mut(uri) else { //~ shared_map_mutation
            return 0;
        };
        doc.push(*config);
        doc.len()
    }

    pub async fn rename(&self, id: u32) {
        let (mut names, _) = futures::join!(self.names.write(), self.config.read());
        names.insert(id, String::new()); //~ shared_map_mutation
    }

    // ---- not flagged ----

    /// Read guards only.
    pub async fn peek(&self, id: u32) -> Option<String> {
        let (names, config) = tokio::join!(self.names.read(), self.config.read());
        names.get(&(id + *config)).cloned()
    }

    /// A local map next to a guard.
    pub async fn local(&self) -> usize {
        let (mut local, config) = tokio::join!(async { HashMap::<u32, u32>::new() }, self.config.read());
        local.insert(*config, 1);
        local.len()
    }
}
