// UI test: another crate's one-parameter generic type around one of the
// package's structs (`AtomicDestructor<InnerPool>`) is read through: the
// package reads the struct's fields through it, which only a `Deref`
// allows. Channels, event proxies, handles and std's own types are not
// (winit's `EventLoopProxy<UserEvent>` behind a lock only sends the
// package's event, whose variant holds a map). A name that
// starts with `Atomic` is a numeric atomic only for std's and crossbeam's
// names. Every lint runs.
use std::collections::HashMap;
use std::sync::Arc;

use atomic_destructor::AtomicDestructor;
use tokio::sync::mpsc::Sender;
use tokio::sync::RwLock;
use winit::event_loop::EventLoopProxy;

pub struct Shared {
    relays: RwLock<HashMap<String, u32>>,
}

#[derive(Clone)]
pub struct InnerPool {
    atomic: Arc<Shared>,
}

pub enum UserEvent {
    Settings(HashMap<String, String>),
    Redraw,
}

pub struct Pool {
    inner: AtomicDestructor<InnerPool>,
    events: Sender<InnerPool>,
    proxy: Arc<std::sync::Mutex<EventLoopProxy<UserEvent>>>,
}

impl Pool {
    pub async fn add(&self, url: String) {
        let mut relays = self.inner.atomic.relays.write().await;
        relays.insert(url, 1); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub async fn announce(&self) {
        let _ = self.events.send(self.inner.clone()).await;
    }

    pub fn redraw(&self) {
        let _ = self.proxy.lock().unwrap().send_event(UserEvent::Redraw);
    }
}
