//! Versioned iteration: an iterator that refuses to go on after the table
//! under it was reset.
//!
//! Every table carries a version that destructive changes (reset; later,
//! clearing a keyed field) bump. An iterator remembers the version it was made
//! at and compares before every step. New data never bumps the version, so
//! writers never make an iterator stale.

use crate::schema::{FieldDesc, MetricKind};
use std::error::Error;
use std::fmt;

/// What a cursor or an iterator needs from a table, without its sizes in the
/// type.
pub(crate) trait TableReader: Sync {
    fn table_name(&self) -> &'static str;
    fn fields(&self) -> &'static [FieldDesc];
    fn version(&self) -> u64;
    /// Raw counter sums (reset baseline not subtracted) and gauge levels.
    fn read_raw(&self, counters: &mut [u64], gauges: &mut [i64]);
    /// One field's value as a snapshot would show it.
    fn read_field(&self, desc: &FieldDesc) -> Value;
}

/// The value of one series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// A counter's count since the last reset.
    Counter(u64),
    /// A gauge's level.
    Gauge(i64),
}

/// One series of a table: what [`Iter`] yields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Series {
    /// The metric name, prefix included (`orders_created`).
    pub name: &'static str,
    /// Help text from the field's doc comment; may be empty.
    pub help: &'static str,
    /// Counter or gauge.
    pub kind: MetricKind,
    /// The value when the iterator reached this series.
    pub value: Value,
}

/// The error of [`Iter::try_next`]: the table was reset after the iterator
/// was made.
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
/// let stale = iter.try_next().unwrap_err();
/// assert_eq!((stale.table, stale.expected, stale.found), ("Jobs", 0, 1));
/// assert!(stale.to_string().contains("stale"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleIterator {
    /// The struct name of the table (`OrderStats`).
    pub table: &'static str,
    /// The table's version when the iterator was made.
    pub expected: u64,
    /// The table's version now.
    pub found: u64,
}

impl fmt::Display for StaleIterator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stale iterator: table `{}` was reset or cleared after the iterator was made \
             (version {}, now {})",
            self.table, self.expected, self.found
        )
    }
}

impl Error for StaleIterator {}

/// An iterator over every series of a table, reading each value live.
///
/// Reset makes it stale: [`Iterator::next`] then panics with a message that
/// contains `stale` and names the table, and [`Iter::try_next`] returns
/// [`StaleIterator`]. Increments never make it stale.
///
/// # Examples
///
/// ```
/// use stats_core::{StatTable, Value};
///
/// #[derive(StatTable, Debug, Default)]
/// #[stat_table(prefix = "jobs")]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
/// }
///
/// let table = Jobs::table();
/// table.done().add(2);
/// let series: Vec<_> = table.iter().map(|s| (s.name, s.value)).collect();
/// assert_eq!(series, [("jobs_done", Value::Counter(2))]);
///
/// let mut iter = table.iter();
/// table.reset();
/// assert!(iter.try_next().is_err());
/// ```
pub struct Iter<'a> {
    table: &'a dyn TableReader,
    version: u64,
    next_field: usize,
}

impl<'a> Iter<'a> {
    pub(crate) fn new(table: &'a dyn TableReader) -> Self {
        Self {
            version: table.version(),
            table,
            next_field: 0,
        }
    }

    /// The next series, or an error if the table was reset since this
    /// iterator was made. An error does not advance the iterator.
    pub fn try_next(&mut self) -> Result<Option<Series>, StaleIterator> {
        let found = self.table.version();
        if found != self.version {
            return Err(StaleIterator {
                table: self.table.table_name(),
                expected: self.version,
                found,
            });
        }
        let Some(desc) = self.table.fields().get(self.next_field) else {
            return Ok(None);
        };
        self.next_field += 1;
        Ok(Some(Series {
            name: desc.name,
            help: desc.help,
            kind: desc.kind,
            value: self.table.read_field(desc),
        }))
    }
}

impl Iterator for Iter<'_> {
    type Item = Series;

    /// # Panics
    ///
    /// Panics if the table was reset after this iterator was made; the
    /// message contains `stale` and the table's name. Use
    /// [`Iter::try_next`] to get an error instead.
    fn next(&mut self) -> Option<Series> {
        match self.try_next() {
            Ok(series) => series,
            Err(stale) => panic!("{stale}"),
        }
    }
}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("table", &self.table.table_name())
            .field("version", &self.version)
            .field("next_field", &self.next_field)
            .finish()
    }
}
