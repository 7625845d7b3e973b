//! Code that switched the compiler off.

use std::cell::UnsafeCell;
use std::collections::HashMap;

/// A cache any thread can write without a lock.
pub static mut CACHE: Option<HashMap<String, String>> = None;

/// Counters in a cell, declared safe to share.
pub struct Registry {
    entries: UnsafeCell<HashMap<String, u64>>,
}

unsafe impl Sync for Registry {}

impl Registry {
    /// Number of keys (a data race when another thread inserts).
    pub fn len(&self) -> usize {
        // SAFETY: none; this is the bug the linter reports.
        unsafe { (*self.entries.get()).len() }
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
