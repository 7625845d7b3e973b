//! The library's own health table: what the runtime's defences did, counted
//! in a table of its own kind (the incident write-up's injected metrics,
//! `map_concurrent_write_total` and `slice_stat_mismatch_count`, are here as
//! what can happen in Rust: a row copy that caught a writer and copied again
//! is the detected and repaired mismatch; a concurrent map write cannot
//! happen in safe Rust, and `stats-lint` finds the code that would have
//! done it).

use crate::StatTable;
use std::cell::Cell;

/// The library's own statistics: one process-wide table, read with
/// [`health`](crate::health), exported with every registry.
///
/// # Examples
///
/// ```
/// use stats_core::StatTable;
///
/// #[derive(StatTable, Debug, Default)]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
/// }
///
/// let table = Jobs::table();
/// let mut iter = table.iter();
/// table.reset();
/// let before = stats_core::health().stale_iterator;
/// assert!(iter.try_next().is_err());
/// assert!(stats_core::health().stale_iterator > before);
/// ```
#[derive(StatTable, Debug, Default, Clone, PartialEq, Eq)]
#[stat_table(prefix = "stats")]
pub struct Health {
    /// Writes dropped because a circuit breaker (a table's or the global one) was open.
    pub write_blocked: u64,
    /// Times a circuit breaker opened by itself: slow writes, or a slow probe while half-open.
    pub breaker_trips: u64,
    /// The global circuit breaker's state: 0 closed, 1 open, 2 half-open.
    #[stat(gauge)]
    pub breaker_state: i64,
    /// Snapshots that missed their deadline and returned the last published snapshot.
    pub snapshot_timeout: u64,
    /// Row copies that caught a writer mid-write and copied again: detected and repaired mismatches.
    pub snapshot_retries: u64,
    /// Versioned iterators found stale, counted before the panic and by `try_next`.
    pub stale_iterator: u64,
    /// Increments that went to a keyed field's overflow: the key set was full, the key too long, or a closed key outside its `ALL`.
    pub keyed_overflow: u64,
    /// Snapshots an archiver dropped from a full sink queue to make room for newer ones.
    pub archive_dropped: u64,
    /// Archive sink calls that returned an error, panicked or ran past the archiver's sink timeout, and sink flushes that failed.
    pub sink_errors: u64,
}

/// The process-wide health table.
#[cfg(not(stats_loom))]
pub(crate) fn table() -> &'static HealthTable {
    static HEALTH: std::sync::LazyLock<HealthTable> = std::sync::LazyLock::new(Health::table);
    &HEALTH
}

thread_local! {
    /// Whether this thread is counting in the health table: its writes then
    /// pass every breaker, or counting a blocked write would be blocked in
    /// turn. `const`, no destructor.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `count` on the health table, whose writes no breaker blocks;
/// under loom, whose atomics cannot outlive one model, nothing.
#[cold]
pub(crate) fn count(count: impl FnOnce(&HealthTable)) {
    #[cfg(not(stats_loom))]
    {
        let was = COUNTING.with(|counting| counting.replace(true));
        count(table());
        COUNTING.with(|counting| counting.set(was));
    }
    #[cfg(stats_loom)]
    let _ = count;
}

/// Whether the calling thread is counting in the health table.
pub(crate) fn counting() -> bool {
    COUNTING.with(Cell::get)
}

/// A snapshot of the library's own health table: what its defences did
/// (writes a breaker dropped, snapshots that missed their deadline, row
/// copies retried, stale iterators, keyed overflow). See [`Health`].
#[cfg(not(stats_loom))]
#[must_use]
pub fn health() -> Health {
    // The gauge of the global breaker's state is read when the table is,
    // and written past the breakers, as every health count is.
    count(|table| {
        table
            .breaker_state()
            .set(crate::defend::breaker::Breaker::global().state() as i64);
    });
    table().snapshot()
}

/// Under loom, whose atomics cannot outlive one model, there is no health
/// table to read.
#[cfg(stats_loom)]
#[must_use]
pub fn health() -> Health {
    Health::default()
}
