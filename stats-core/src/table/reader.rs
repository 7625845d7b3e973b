//! What cursors, iterators and keyed handles read a table through, without
//! the table's sizes in their types, and the staleness check of every
//! versioned iterator.

use crate::defend::breaker::Breaker;
use crate::keyed::open::OpenField;
use crate::read::iter::StaleIterator;
use crate::table::contract::FieldDesc;

/// What cursors, iterators and keyed handles need from a table, without its
/// sizes in the type.
pub(crate) trait TableReader: Sync {
    fn table_name(&self) -> &'static str;
    fn fields(&self) -> &'static [FieldDesc];
    /// Twice the destructive changes, plus one while a change runs.
    fn state(&self) -> u64;
    /// Raw counter sums (reset baseline not subtracted) and gauge levels.
    fn read_raw(&self, counters: &mut [u64], gauges: &mut [i64]);
    /// One counter since the last reset or clear.
    fn counter(&self, index: usize) -> u64;
    /// One gauge's level.
    fn gauge(&self, gauge: usize) -> i64;
    /// Adds to a counter in the calling thread's row.
    fn add_counter(&self, index: usize, n: u64);
    /// The table's circuit breaker.
    fn breaker(&self) -> &Breaker;
    /// The open keyed field with this index.
    fn open_field(&self, index: usize) -> &OpenField;
    /// Zeroes `len` counters from `first` (a closed keyed field) and bumps
    /// the version.
    fn clear_slots(&self, first: usize, len: usize);
    /// Empties an open keyed field and its overflow, and bumps the version.
    fn clear_open(&self, index: usize);
}

/// `Err` if a destructive change ran since the table was in state
/// `made_at`, or was running then: what every versioned iterator checks
/// before and after it reads.
pub(crate) fn check_version(table: &dyn TableReader, made_at: u64) -> Result<(), StaleIterator> {
    let now = table.state();
    if now == made_at && made_at & 1 == 0 {
        Ok(())
    } else {
        crate::defend::health::count(|health| health.stale_iterator().inc());
        Err(StaleIterator {
            table: table.table_name(),
            expected: made_at / 2,
            found: now.div_ceil(2),
        })
    }
}
