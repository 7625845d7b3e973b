// UI test: a guard awaited by `block_on` (`futures::executor::block_on(lock.write())`,
// `runtime.block_on(lock.lock())`) is the guard `.await` gives, and one
// taken by `try_lock().ok()` is the guard in an `Option`: their map
// mutations are reported as the awaited or unwrapped ones are. Every lint runs.
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};

struct Inner {
    files: HashMap<String, Vec<u8>>,
}

#[derive(Clone)]
pub struct MemFs {
    fs: Arc<RwLock<Inner>>,
    names: Arc<Mutex<HashMap<u32, String>>>,
}

impl MemFs {
    pub fn flush(&self, name: String) {
        futures::executor::block_on(self.fs.write()).files.insert(name, vec![]); //~ shared_map_mutation
    }

    pub fn rename(&self, rt: &tokio::runtime::Runtime, id: u32) {
        let mut names = rt.block_on(self.names.lock());
        names.insert(id, String::new()); //~ shared_map_mutation
    }

    pub fn forget(&self, id: u32) {
        let Some(mut names) = self.names.try_lock().ok() else {
            return;
        };
        names.remove(&id); //~ shared_map_mutation
    }

    pub fn forget_std(&self, ids: &std::sync::Mutex<HashMap<u32, u32>>, id: u32) {
        if let Some(mut g) = ids.try_lock().ok() {
            g.remove(&id); //~ shared_map_mutation
        }
    }

    pub async fn create(&self, name: String) {
        self.fs.write().await.files.insert(name, vec![]); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn size(&self) -> usize {
        futures::executor::block_on(self.fs.read()).files.len()
    }
}

pub fn local() -> usize {
    let own = Mutex::new(HashMap::<u32, u32>::new());
    futures::executor::block_on(own.lock()).insert(1, 2);
    own.try_lock().map(|m| m.len()).unwrap_or(0)
}
