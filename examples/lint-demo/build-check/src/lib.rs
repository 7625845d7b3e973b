//! A crate whose build script runs stats-lint. It has warning-level findings
//! only, so `cargo build` prints them as warnings and succeeds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Hits per path, shared between worker threads.
pub fn count_hits(paths: &[&str]) -> HashMap<String, u64> {
    let hits: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    std::thread::scope(|s| {
        for p in paths {
            let hits = Arc::clone(&hits);
            s.spawn(move || {
                let mut map = hits.lock().unwrap_or_else(PoisonError::into_inner);
                map.insert(p.to_string(), 1);
            });
        }
    });
    let map = hits.lock().unwrap_or_else(PoisonError::into_inner);
    map.clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts() {
        assert_eq!(super::count_hits(&["/a", "/b"]).len(), 2);
    }
}
