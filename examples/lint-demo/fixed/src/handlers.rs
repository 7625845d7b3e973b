//! Request handlers.

use std::sync::PoisonError;
use std::thread::JoinHandle;

use crate::state::{AppState, ORDER_STATS};

/// Counts an order: a lock-free increment.
pub fn create_order(region: &str) {
    ORDER_STATS.by_region().inc(region);
}

impl AppState {
    /// Records a login. Sessions are few and written once per login; the
    /// lock is kept on purpose and a poisoned lock is recovered, not unwrapped.
    pub fn login(&self, id: u64, user: String) {
        let mut sessions = self
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // stats-lint: allow(shared_map_mutation) one write per login, measured cheap
        sessions.insert(id, user);
    }

    /// Counts a failure.
    pub fn fail(&self, reason: &str) {
        ORDER_STATS.failures().inc(reason);
    }
}

/// Background workers that expire sessions.
pub fn spawn_workers(state: &AppState) -> Vec<JoinHandle<()>> {
    (0..4)
        .map(|i| {
            let sessions = state.sessions.clone();
            std::thread::spawn(move || {
                #[cfg_attr(stats_lint, allow(stats_lint::shared_map_mutation))]
                sessions
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&i);
            })
        })
        .collect()
}
