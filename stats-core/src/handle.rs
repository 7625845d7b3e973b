//! Handles to one field of a table: what `table.created()` returns.

use crate::sharded::ShardedCounters;
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

/// A counter field of a table: `table.created()`.
///
/// Increments go to the calling thread's own row of the table: no lock, no
/// locked instruction, no allocation after the thread's first write.
/// Counters wrap at `u64::MAX` instead of overflowing.
///
/// # Examples
///
/// ```
/// use stats_core::StatTable;
///
/// #[derive(StatTable, Debug, Default)]
/// struct Requests {
///     /// Requests served.
///     served: u64,
/// }
///
/// let table = Requests::table();
/// table.served().inc();
/// table.served().add(41);
/// assert_eq!(table.served().get(), 42);
/// ```
#[derive(Clone, Copy)]
pub struct Counter<'a, const SLOTS: usize> {
    counters: &'a ShardedCounters<SLOTS>,
    slot: usize,
    baseline: &'a arc_swap::ArcSwap<[u64; SLOTS]>,
}

impl<'a, const SLOTS: usize> Counter<'a, SLOTS> {
    pub(crate) fn new(
        counters: &'a ShardedCounters<SLOTS>,
        slot: usize,
        baseline: &'a arc_swap::ArcSwap<[u64; SLOTS]>,
    ) -> Self {
        debug_assert!(slot < SLOTS, "counter slot {slot} out of {SLOTS}");
        Self {
            counters,
            slot,
            baseline,
        }
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.counters.add(self.slot, 1);
    }

    /// Adds `n`, wrapping at `u64::MAX`.
    #[inline]
    pub fn add(&self, n: u64) {
        self.counters.add(self.slot, n);
    }

    /// The current value since the last reset: the sum over all threads.
    /// This reads every thread's row; it is for reports, not for the hot path.
    #[must_use]
    pub fn get(&self) -> u64 {
        self.counters
            .sum_slot(self.slot)
            .wrapping_sub(self.baseline.load()[self.slot])
    }
}

impl<const SLOTS: usize> fmt::Debug for Counter<'_, SLOTS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter")
            .field("value", &self.get())
            .finish()
    }
}

/// A gauge field of a table: `table.in_flight()`.
///
/// A gauge is a level that goes up and down or is set, so it cannot be split
/// into per-thread rows and summed; it is one atomic integer of its own cache
/// line. Arithmetic wraps at the `i64` bounds instead of overflowing.
///
/// # Examples
///
/// ```
/// use stats_core::StatTable;
///
/// #[derive(StatTable, Debug, Default)]
/// struct Pool {
///     /// Connections in use.
///     #[stat(gauge)]
///     in_use: i64,
/// }
///
/// let table = Pool::table();
/// table.in_use().inc();
/// table.in_use().add(5);
/// table.in_use().dec();
/// assert_eq!(table.in_use().get(), 5);
/// table.in_use().set(-2);
/// assert_eq!(table.snapshot().in_use, -2);
/// ```
#[derive(Clone, Copy)]
pub struct Gauge<'a> {
    cell: &'a AtomicI64,
}

impl<'a> Gauge<'a> {
    pub(crate) fn new(cell: &'a AtomicI64) -> Self {
        Self { cell }
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1);
    }

    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.add(-1);
    }

    /// Adds `n` (negative to subtract), wrapping at the `i64` bounds.
    #[inline]
    pub fn add(&self, n: i64) {
        // `fetch_add` on atomics wraps on overflow; it never panics.
        self.cell.fetch_add(n, Ordering::Relaxed);
    }

    /// Sets the level.
    #[inline]
    pub fn set(&self, value: i64) {
        self.cell.store(value, Ordering::Relaxed);
    }

    /// The current level.
    #[must_use]
    pub fn get(&self) -> i64 {
        self.cell.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for Gauge<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gauge").field("value", &self.get()).finish()
    }
}
