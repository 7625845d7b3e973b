//! Shared state, declared in one file and mutated in another.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, RwLock};

/// Orders per region, behind one global lock.
pub static ORDERS_BY_REGION: LazyLock<Mutex<HashMap<String, u64>>> =
    LazyLock::new(Default::default);

/// Logged-in sessions.
pub type Sessions = Arc<RwLock<HashMap<u64, String>>>;

/// What every handler gets.
#[derive(Clone, Default)]
pub struct AppState {
    /// Session id to user name.
    pub sessions: Sessions,
    /// Failures by reason.
    pub failures: Arc<Mutex<HashMap<String, u64>>>,
}
