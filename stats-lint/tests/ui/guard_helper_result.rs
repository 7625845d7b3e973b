// UI test: an async `&self` helper that returns a guard of a shared lock
// wrapped in a `Result` or `Option`, taken out with `.await?`. Every lint runs.
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

pub struct Record {
    pub data: HashMap<String, String>,
}

struct Inner {
    record: Mutex<Option<Record>>,
}

#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub struct Error;

impl Session {
    async fn get_record(&self) -> Result<MappedMutexGuard<'_, Record>, Error> {
        let g = self.inner.record.lock().await;
        Ok(MutexGuard::map(g, |r| {
            r.get_or_insert_with(|| Record {
                data: HashMap::new(),
            })
        }))
    }

    async fn try_record(&self) -> Option<MappedMutexGuard<'_, Record>> {
        let g = self.inner.record.lock().await;
        MutexGuard::try_map(g, |r| r.as_mut()).ok()
    }

    pub async fn insert(&self, k: String, v: String) -> Result<(), Error> {
        let mut record_guard = self.get_record().await?;
        record_guard.data.insert(k, v); //~ shared_map_mutation
        Ok(())
    }

    pub async fn remove(&self, k: &str) {
        if let Some(mut g) = self.try_record().await {
            g.data.remove(k); //~ shared_map_mutation
        }
    }

    // ---- not flagged ----

    pub async fn get(&self, k: &str) -> Result<Option<String>, Error> {
        Ok(self.get_record().await?.data.get(k).cloned())
    }
}

// A lock the caller owns alone: its helper's guard is not shared.
pub struct Local {
    record: Record,
}

impl Local {
    fn record(&mut self) -> Result<&mut Record, Error> {
        Ok(&mut self.record)
    }

    pub fn insert(&mut self, k: String) -> Result<(), Error> {
        self.record()?.data.insert(k, String::new());
        Ok(())
    }
}
