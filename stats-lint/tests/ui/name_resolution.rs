// UI test for name resolution by scope: every lint is enabled. Each module
// has its own `use` table; full paths are kept; the package's own types win
// over a framework's wrapper names; statics are keyed by module.

// ---- the package's own `State` is not axum's extractor ----

mod jobs {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    pub struct State {
        pub entries: HashMap<u64, String>,
    }

    pub fn add(state: Arc<Mutex<State>>, id: u64) {
        state.lock().unwrap().entries.insert(id, String::new()); //~ poison_cascade shared_map_mutation
    }
}

// ---- axum's `State<T>`, imported from axum, is shared state ----

mod web {
    use std::collections::HashMap;
    use std::sync::RwLock;

    use axum::extract::State;

    pub struct AppState {
        pub sessions: RwLock<HashMap<u64, String>>,
    }

    pub async fn login(State(state): State<std::sync::Arc<AppState>>) {
        state.sessions.write().unwrap().insert(1, String::new()); //~ poison_cascade shared_map_mutation
    }
}

// ---- `reqwest::Client` is not the package's own `Client` ----

mod client {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    pub struct Client {
        pub cache: HashMap<String, String>,
    }

    pub fn fetch(http: Arc<Mutex<reqwest::Client>>) {
        let _c = http.lock().unwrap();
    }

    pub fn own(c: Arc<Mutex<Client>>) {
        let _g = c.lock().unwrap(); //~ poison_cascade
    }
}

// ---- a tokio `Mutex` in one module does not make every `Mutex` async ----

mod async_side {
    use std::collections::HashMap;
    use tokio::sync::Mutex;

    pub static QUEUE: Mutex<Option<HashMap<u8, u8>>> = Mutex::const_new(None);

    pub async fn push() {
        QUEUE.lock().await.as_mut().unwrap().insert(1, 1); //~ shared_map_mutation
    }
}

mod sync_side {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};

    pub static QUEUE: LazyLock<Mutex<HashMap<u8, u8>>> = LazyLock::new(Default::default);

    pub fn push() {
        QUEUE.lock().unwrap().insert(1, 1); //~ poison_cascade shared_map_mutation
    }
}

// ---- statics keyed by module: each finding notes its own declaration ----

mod admin {
    use std::collections::HashSet;
    use std::sync::{LazyLock, Mutex};

    static SESSIONS: LazyLock<Mutex<HashSet<u64>>> = LazyLock::new(Default::default);

    pub fn ban(id: u64) {
        SESSIONS.lock().unwrap().remove(&id); //~ poison_cascade shared_map_mutation
    }
}

mod users {
    use std::collections::BTreeSet;
    use std::sync::LazyLock;

    static SESSIONS: LazyLock<parking_lot::Mutex<BTreeSet<u64>>> = LazyLock::new(Default::default);

    pub fn login(id: u64) {
        SESSIONS.lock().insert(id); //~ shared_map_mutation
    }

    pub fn admin_ban(id: u64) {
        super::admin::ban(id);
        crate::sync_side::QUEUE.lock().unwrap().clear(); //~ poison_cascade shared_map_mutation
    }
}

// ---- parking_lot and tokio locks: mutation findings, never poison ----

mod no_poison {
    use std::collections::HashMap;
    use std::sync::Arc;

    use parking_lot::RwLock as PlRwLock;
    use tokio::sync::RwLock;

    pub async fn both(a: Arc<PlRwLock<HashMap<u8, u8>>>, b: Arc<RwLock<HashMap<u8, u8>>>) {
        a.write().insert(1, 1); //~ shared_map_mutation
        b.write().await.insert(1, 1); //~ shared_map_mutation
        let _n = b.read().await.len();
    }
}

// ---- not flagged ----

mod own_mutex {
    use std::collections::HashMap;
    use std::sync::Arc;

    /// The package's own type named `Mutex` is not a lock.
    pub struct Mutex<T>(pub T);

    impl<T> Mutex<T> {
        pub fn lock(&self) -> Option<&T> {
            Some(&self.0)
        }
    }

    pub fn use_it(m: Arc<Mutex<HashMap<u8, u8>>>) {
        let _ = m.lock().unwrap().len();
    }
}

mod not_axum {
    use std::collections::HashMap;

    /// A local wrapper named like axum's extractor, never shared.
    pub struct Extension<T>(pub T);

    pub fn local(Extension(mut m): Extension<HashMap<u8, u8>>) {
        m.insert(1, 1);
    }
}
