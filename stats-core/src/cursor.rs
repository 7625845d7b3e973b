//! Lossless deltas: a reader that remembers what it has already reported.

use crate::iter::TableReader;
use crate::schema::{MetricKind, StatTable};
use std::fmt;
use std::marker::PhantomData;

/// A reader that returns what changed in a table since its previous
/// [`delta`](Cursor::delta).
///
/// The cursor keeps its own baseline (the raw sums it last reported) and
/// never writes to the table, so any number of cursors can read one table
/// and each sees every increment exactly once: the deltas of a cursor add up
/// to the table's totals. A counter's delta is the increments since the
/// previous delta; a gauge's delta is the change of its level, so gauge
/// deltas also add up to the current level.
///
/// [`reset`](crate::Table::reset) does not disturb cursors: counters are read
/// raw, before the reset baseline is subtracted, so the delta that spans a
/// reset still holds exactly the increments made in that time. A gauge that a
/// reset set to zero shows that change in its delta.
///
/// # Examples
///
/// ```
/// use stats_core::StatTable;
///
/// #[derive(StatTable, Debug, Default, PartialEq)]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
/// }
///
/// let table = Jobs::table();
/// table.done().add(3);
/// let mut cursor = table.cursor(); // starts now
/// table.done().add(2);
/// assert_eq!(cursor.delta(), Jobs { done: 2 });
/// assert_eq!(cursor.delta(), Jobs { done: 0 });
/// table.reset();
/// table.done().inc();
/// assert_eq!(cursor.delta(), Jobs { done: 1 });
/// ```
pub struct Cursor<'a, S> {
    table: &'a dyn TableReader,
    /// Raw counter sums and gauge levels as of the previous delta.
    last_counters: Vec<u64>,
    last_gauges: Vec<i64>,
    /// Scratch space for the next reading, kept to avoid allocating per delta.
    next_counters: Vec<u64>,
    next_gauges: Vec<i64>,
    stats: PhantomData<fn() -> S>,
}

impl<'a, S: StatTable> Cursor<'a, S> {
    pub(crate) fn new(table: &'a dyn TableReader) -> Self {
        let fields = table.fields();
        let counters = fields
            .iter()
            .filter(|f| f.kind == MetricKind::Counter)
            .count();
        let gauges = fields.len() - counters;
        let mut cursor = Self {
            table,
            last_counters: vec![0; counters],
            last_gauges: vec![0; gauges],
            next_counters: vec![0; counters],
            next_gauges: vec![0; gauges],
            stats: PhantomData,
        };
        cursor
            .table
            .read_raw(&mut cursor.last_counters, &mut cursor.last_gauges);
        cursor
    }

    /// Makes the next delta cover everything the table has counted since it
    /// was built, as if this cursor had existed from the start.
    #[must_use]
    pub fn from_start(mut self) -> Self {
        self.last_counters.fill(0);
        self.last_gauges.fill(0);
        self
    }

    /// What changed since the previous delta (or since the cursor was made).
    /// Each thread's part of the table is read consistently, so an invariant
    /// that every writer keeps for each step (such as `failed <= created`)
    /// holds in every delta too.
    pub fn delta(&mut self) -> S {
        self.table
            .read_raw(&mut self.next_counters, &mut self.next_gauges);
        for (next, last) in self.next_counters.iter_mut().zip(&mut self.last_counters) {
            let now = *next;
            *next = now.wrapping_sub(*last);
            *last = now;
        }
        for (next, last) in self.next_gauges.iter_mut().zip(&mut self.last_gauges) {
            let now = *next;
            *next = now.wrapping_sub(*last);
            *last = now;
        }
        S::from_raw(&self.next_counters, &self.next_gauges)
    }
}

impl<S> fmt::Debug for Cursor<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor")
            .field("table", &self.table.table_name())
            .field("last_counters", &self.last_counters)
            .field("last_gauges", &self.last_gauges)
            .finish()
    }
}
