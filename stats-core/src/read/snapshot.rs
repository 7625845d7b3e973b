//! Snapshots with a deadline (layer 3 of the incident write-up): a fresh
//! copy if it completes in time, else the last one published, marked
//! stale.
//!
//! # Publishing, and why a published snapshot never goes backwards
//!
//! Every completed snapshot of a table (from `snapshot()` or
//! `snapshot_within`) offers itself for publication in an
//! `arc_swap::ArcSwapOption`. Each read takes a tick from the table's read
//! counter when it begins and another when it ends (acq-rel
//! read-modify-writes of one atomic), and a snapshot is published only if
//! it began after the published one ended. So the published one's reads of
//! every row happened before the new one's, and since each row's counters
//! only grow, every counter of the new one is at least what the published
//! one showed: published snapshots only move forward, except across a
//! `reset()` or a keyed field's `clear()`, which restart counters. A
//! snapshot that overlaps the published one is not published.
//!
//! `snapshot_within` returns what is published once its own read has
//! offered itself: its own read when that was published, else the
//! published one, which a concurrent reader took and which ended after
//! this read began (not stale: it is as fresh as the deadline asked). So
//! successive calls of `snapshot_within`, from any threads, never show a
//! counter lower than an earlier call showed, reset and clear aside.
//! `snapshot()` returns its own read, always: it may be newer than what is
//! published.
//!
//! # The deadline
//!
//! The deadline is checked as the reader goes: before each thread's row,
//! between the copy attempts of a row whose owner keeps writing, and before
//! each open keyed field. A reader never waits for a writer, so a snapshot
//! that misses its deadline gives up at the next check, and returns the
//! last published snapshot, or, if none was ever published, the table as
//! it was built (every counter 0, every gauge 0, every keyed field empty),
//! marked stale, with its age since the table was built. Either way an
//! exporter that shows what `snapshot_within` returns never shows a counter
//! lower than it showed before, reset and clear aside. Each missed deadline counts in
//! the library's health table (`stats_snapshot_timeout`).

use std::fmt;
use std::ops::Deref;
use std::time::{Duration, Instant};

/// The deadline of the incident write-up: 50 ms.
pub const DEFAULT_SNAPSHOT_DEADLINE: Duration = Duration::from_millis(50);

/// A snapshot that may be stale: what `table.snapshot_within(deadline)`
/// returns. Derefs to the user's struct.
///
/// # Examples
///
/// ```
/// use stats_core::{DEFAULT_SNAPSHOT_DEADLINE, StatTable};
/// use std::time::Duration;
///
/// #[derive(StatTable, Debug, Default, PartialEq)]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
/// }
///
/// let table = Jobs::table();
/// table.done().add(2);
/// let fresh = table.snapshot_within(DEFAULT_SNAPSHOT_DEADLINE);
/// assert!(!fresh.is_stale());
/// assert_eq!(fresh.done, 2); // derefs to `Jobs`
///
/// // A deadline already past: the last published snapshot, marked stale.
/// table.done().inc();
/// let stale = table.snapshot_within(Duration::ZERO);
/// assert!(stale.is_stale());
/// assert_eq!(stale.done, 2);
/// ```
#[derive(Clone)]
pub struct Snapshot<S> {
    value: S,
    taken_at: Instant,
    stale: bool,
}

impl<S> Snapshot<S> {
    pub(crate) fn new(value: S, taken_at: Instant, stale: bool) -> Self {
        Self {
            value,
            taken_at,
            stale,
        }
    }

    /// Whether this is an earlier snapshot served because a fresh one
    /// missed its deadline.
    #[must_use]
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// How long ago the snapshot began to be taken (for a table never
    /// snapshotted, how long ago it was built).
    #[must_use]
    pub fn age(&self) -> Duration {
        self.taken_at.elapsed()
    }

    /// When the snapshot began to be taken.
    #[must_use]
    pub fn taken_at(&self) -> Instant {
        self.taken_at
    }

    /// The user's struct.
    #[must_use]
    pub fn into_inner(self) -> S {
        self.value
    }
}

impl<S> Deref for Snapshot<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.value
    }
}

impl<S: fmt::Debug> fmt::Debug for Snapshot<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("value", &self.value)
            .field("stale", &self.stale)
            .field("age", &self.age())
            .finish()
    }
}
