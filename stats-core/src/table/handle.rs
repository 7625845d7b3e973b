//! Handles to one field of a table: what `table.created()` returns.

use crate::defend::gate;
use crate::table::layout::{Layout, RawAccess};
use std::fmt;

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
pub struct Counter<'a, T: Layout> {
    raw: &'a T::Raw,
    index: usize,
}

impl<T: Layout> Clone for Counter<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Layout> Copy for Counter<'_, T> {}

impl<'a, T: Layout> Counter<'a, T> {
    pub(crate) fn new(raw: &'a T::Raw, index: usize) -> Self {
        Self { raw, index }
    }

    /// Adds one.
    #[inline(always)]
    pub fn inc(&self) {
        gate::write!(
            self.raw.table_breaker(),
            self.raw.add_word(self.index, 1),
            self.raw.add_word(self.index, 0),
        );
    }

    /// Adds `n`, wrapping at `u64::MAX`.
    #[inline(always)]
    pub fn add(&self, n: u64) {
        gate::write!(
            self.raw.table_breaker(),
            self.raw.add_word(self.index, n),
            self.raw.add_word(self.index, 0),
        );
    }

    /// The current value since the last reset: the sum over all threads.
    /// This reads every thread's row; it is for reports, not for the hot path.
    #[must_use]
    pub fn get(&self) -> u64 {
        self.raw.counter_value(self.index)
    }
}

impl<T: Layout> fmt::Debug for Counter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter")
            .field("value", &self.get())
            .finish()
    }
}

/// A gauge field of a table: `table.in_flight()`.
///
/// A gauge is a level that goes up and down or is set. It lives in the
/// per-thread rows like a counter, as two words that only grow: the
/// thread's ups and its downs. `inc`, `dec` and `add` are a load and a
/// release store in the calling thread's own row, with no locked
/// instruction; readers sum the rows and add a shared base that only
/// [`set`](Self::set) moves. Arithmetic wraps at the `i64` bounds instead
/// of overflowing.
///
/// # A `set` racing an `add`
///
/// `set(v)` copies every thread's row consistently and moves the base so
/// that the level reads `v`. Each thread's updates are split by the set
/// into those before it, which the set overrides, and those after it,
/// which apply on top of `v`: an `add` that races a `set` lands wholly
/// before or wholly after it, as with one shared atomic. Two `set`s are
/// ordered by a lock (sets are rare; the hot path never takes it), and a
/// reset leaves gauges alone, since a level is not a count.
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
/// table.reset(); // a level survives a reset
/// assert_eq!(table.in_use().get(), -2);
/// ```
pub struct Gauge<'a, T: Layout> {
    raw: &'a T::Raw,
    gauge: usize,
    /// The row word of the ups; the downs are the next word.
    ups: usize,
}

impl<T: Layout> Clone for Gauge<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Layout> Copy for Gauge<'_, T> {}

impl<'a, T: Layout> Gauge<'a, T> {
    pub(crate) fn new(raw: &'a T::Raw, gauge: usize) -> Self {
        Self {
            raw,
            gauge,
            ups: raw.gauge_ups(gauge),
        }
    }

    /// Adds one.
    #[inline(always)]
    pub fn inc(&self) {
        self.add_to_word(self.ups, 1);
    }

    /// Subtracts one.
    #[inline(always)]
    pub fn dec(&self) {
        self.add_to_word(self.ups + 1, 1);
    }

    /// Adds `n` (negative to subtract), wrapping at the `i64` bounds.
    #[inline(always)]
    pub fn add(&self, n: i64) {
        let word = if n >= 0 { self.ups } else { self.ups + 1 };
        if n != 0 {
            self.add_to_word(word, n.unsigned_abs());
        }
    }

    /// Adds `n` to the ups or downs word `word`, through the breakers.
    #[inline(always)]
    fn add_to_word(&self, word: usize, n: u64) {
        gate::write!(
            self.raw.table_breaker(),
            self.raw.add_word(word, n),
            self.raw.add_word(word, 0),
        );
    }

    /// Sets the level: see [the type's docs](Self#a-set-racing-an-add) for
    /// what a set racing an update means.
    pub fn set(&self, value: i64) {
        gate::write!(
            self.raw.table_breaker(),
            {
                self.raw.set_gauge(self.gauge, value);
                false
            },
            (),
        );
    }

    /// The current level. This copies every thread's row consistently (the
    /// ups and downs of one row from one moment, so a level the gauge never
    /// had is never shown); it is for reports, not for the hot path.
    #[must_use]
    pub fn get(&self) -> i64 {
        self.raw.gauge_level(self.gauge)
    }
}

/// The level a gauge's rows add up to, before its base: ups minus downs,
/// from the words at `ups` and `ups + 1` of row sums.
#[allow(clippy::cast_possible_wrap)] // two's complement, on purpose
pub(crate) fn net_level(sums: &[u64], ups: usize) -> i64 {
    sums[ups].wrapping_sub(sums[ups + 1]) as i64
}

impl<T: Layout> fmt::Debug for Gauge<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gauge").field("value", &self.get()).finish()
    }
}
