// UI test: the arguments of `tracing`'s macros are read as expressions also
// when a field value carries a `?`/`%` sigil or the call names a `target:`.
// Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub struct Engine {
    sockets: RwLock<HashMap<u32, u32>>,
}

impl Engine {
    pub fn close(&self, sid: u32) {
        tracing::debug!(?sid, left = self.sockets.read().unwrap().len(), "closed"); //~ poison_cascade
    }

    pub fn open(&self, sid: u32) {
        tracing::info!(target: "engine", %sid, n = %self.sockets.write().unwrap().len()); //~ poison_cascade
    }
}

pub fn share(e: Engine) -> Arc<Engine> {
    Arc::new(e)
}

// ---- not flagged ----

pub fn local(sid: u32) {
    let mut seen = HashMap::new();
    seen.insert(sid, 1);
    tracing::debug!(?sid, n = seen.len(), "local");
}
