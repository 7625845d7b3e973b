//! The atomics the lock-free algorithms use, swapped for loom's under
//! `--cfg stats_loom` so the model checker can explore every interleaving
//! (the approach crossbeam takes with its `crossbeam_loom` cfg).

#[cfg(stats_loom)]
pub(crate) use loom::sync::Mutex;
#[cfg(stats_loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering, fence};
#[cfg(not(stats_loom))]
pub(crate) use std::sync::Mutex;
#[cfg(not(stats_loom))]
pub(crate) use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering, fence};

/// Waits a little before a row copy is retried. Under loom the wait must
/// be loom's own yield, or the model checker explores the spin forever.
#[cfg(stats_loom)]
pub(crate) fn snooze(_backoff: &crossbeam_utils::Backoff) {
    loom::thread::yield_now();
}

/// Waits a little before a row copy is retried: spins briefly, then
/// yields the core to the writer it is waiting for.
#[cfg(not(stats_loom))]
pub(crate) fn snooze(backoff: &crossbeam_utils::Backoff) {
    backoff.snooze();
}
