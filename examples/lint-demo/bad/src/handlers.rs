//! Request handlers.

use std::thread::JoinHandle;

use crate::state::{AppState, ORDERS_BY_REGION};

/// Counts an order: one global lock per request, and a panic while it is
/// held poisons it for every later request.
pub fn create_order(region: &str) {
    *ORDERS_BY_REGION
        .lock()
        .unwrap()
        .entry(region.to_string())
        .or_insert(0) += 1;
}

impl AppState {
    /// Records a login.
    pub fn login(&self, id: u64, user: String) {
        self.sessions.write().unwrap().insert(id, user);
    }

    /// Counts a failure.
    pub fn fail(&self, reason: &str) {
        let mut failures = self.failures.lock().expect("failures lock");
        *failures.entry(reason.to_string()).or_insert(0) += 1;
    }
}

/// Background workers that expire sessions.
pub fn spawn_workers(state: &AppState) -> Vec<JoinHandle<()>> {
    (0..4)
        .map(|i| {
            let sessions = state.sessions.clone();
            std::thread::spawn(move || {
                sessions.write().unwrap().remove(&i);
            })
        })
        .collect()
}
