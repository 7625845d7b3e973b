//! How a field handle reaches its table's storage without the table's sizes
//! in its type: the handle is generic over the generated table
//! (`Counter<'_, OrderStatsTable>`), and the table names its storage
//! through [`Layout`]. Not public API: the derive implements `Layout`, and
//! the handles call [`RawAccess`], statically, so every call inlines as if
//! the sizes were written out.

use crate::defend::breaker::Breaker;

/// A generated table's storage type. Not public API.
#[doc(hidden)]
pub trait Layout: 'static {
    /// The table's storage: a `RawTable` of the table's sizes.
    type Raw: RawAccess;
}

/// What field handles do with a table's storage. Not public API.
#[doc(hidden)]
pub trait RawAccess: Sync + 'static {
    /// Adds `n` to word `index` of this thread's row; whether the word
    /// crossed a sampling boundary. Past the breakers: the caller checks.
    fn add_word(&self, index: usize, n: u64) -> bool;
    /// The table's circuit breaker.
    fn table_breaker(&self) -> &Breaker;
    /// Adds `a` to word `i` and `b` to word `j` in one consistent write.
    /// Past the breakers.
    fn add_two(&self, i: usize, a: u64, j: usize, b: u64) -> bool;
    /// Counter `index` since the last reset or clear.
    fn counter_value(&self, index: usize) -> u64;
    /// Counters `first..first + out.len()` since the last reset, every
    /// thread's row copied consistently.
    fn read_words(&self, first: usize, out: &mut [u64]);
    /// The row word of gauge `gauge`'s ups; its downs follow.
    fn gauge_ups(&self, gauge: usize) -> usize;
    /// Sets gauge `gauge`'s level. Past the breakers.
    fn set_gauge(&self, gauge: usize, value: i64);
    /// Gauge `gauge`'s level.
    fn gauge_level(&self, gauge: usize) -> i64;
}
