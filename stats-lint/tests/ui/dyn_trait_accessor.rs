// UI test: a `&self` accessor that the package's trait declares with a
// written return type (`fn out_inflight(&self) -> &Inflight;`) is followed
// on a `dyn` of the trait, also reached through the package's `Deref`s
// (rmqtt's `SessionState -> Session -> dyn SessionLike`). Every lint runs.
use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::{Arc, RwLock};

pub type Inflight = Arc<RwLock<BTreeMap<u16, String>>>;

pub trait SessionLike: Send + Sync {
    fn out_inflight(&self) -> &Inflight;
    fn id(&self) -> u64;
}

pub struct DefaultSession {
    inflight: Inflight,
}

impl SessionLike for DefaultSession {
    fn out_inflight(&self) -> &Inflight {
        &self.inflight
    }

    fn id(&self) -> u64 {
        1
    }
}

pub struct Session(Arc<dyn SessionLike>);

impl Deref for Session {
    type Target = dyn SessionLike;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

pub struct SessionState {
    session: Session,
}

impl Deref for SessionState {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

impl SessionState {
    pub fn ack(&self, packet: u16) -> Option<String> {
        self.out_inflight().write().unwrap().remove(&packet) //~ poison_cascade shared_map_mutation
    }

    // ---- not flagged ----

    pub fn pending(&self) -> usize {
        self.out_inflight().read().map(|m| m.len()).unwrap_or(0)
    }

    pub fn session_id(&self) -> u64 {
        self.id()
    }
}
