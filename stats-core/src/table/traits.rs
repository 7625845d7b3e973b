//! The public traits that tie a user's struct to its generated table, and
//! the kind of a series.

use crate::export::snapshot::Exported;
use crate::read::cursor::Cursor;
use crate::read::iter::Iter;
use crate::read::snapshot::Snapshot;
use crate::table::contract::Schema;
use std::time::Duration;

/// Whether a series only goes up or goes up and down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetricKind {
    /// A `u64` that only increases (wrapping at `u64::MAX`). Prometheus type
    /// `counter`.
    Counter,
    /// An `i64` level that goes up and down, or is set. Prometheus type
    /// `gauge`.
    Gauge,
    /// Observations counted in buckets, with their sum. Prometheus type
    /// `histogram`.
    Histogram,
}

impl MetricKind {
    /// The Prometheus type name: `counter`, `gauge` or `histogram`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// A struct that declares a statistics table: implemented by
/// `#[derive(StatTable)]`.
///
/// The struct is both the declaration and the snapshot type; [`Self::Table`]
/// is its concurrent form.
///
/// # Examples
///
/// ```
/// use stats_core::{StatTable, Table};
///
/// #[derive(StatTable, Debug, Default, PartialEq)]
/// struct Hits {
///     /// Pages served.
///     pages: u64,
/// }
///
/// // Generic code goes from a struct to its table through the trait.
/// fn fresh_table<S: StatTable>() -> S::Table {
///     S::new_table()
/// }
///
/// let table = fresh_table::<Hits>();
/// table.pages().inc();
/// assert_eq!(table.snapshot(), Hits { pages: 1 });
/// ```
pub trait StatTable: Schema {
    /// The generated concurrent table, `{Struct}Table`.
    type Table: Table<Stats = Self>;

    /// Builds an empty table. The same as `{Struct}::table()`.
    fn new_table() -> Self::Table;
}

/// The operations every generated table has, for code that is generic over
/// tables (exporters, archivers). Each generated table also has these as
/// inherent methods, so calling them needs no import.
///
/// # Examples
///
/// ```
/// use stats_core::{StatTable, Table, Value};
///
/// #[derive(StatTable, Debug, Default)]
/// #[stat_table(prefix = "jobs")]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
///     /// Jobs waiting.
///     #[stat(gauge)]
///     waiting: i64,
/// }
///
/// // A tiny exporter that works for any table.
/// fn export(table: &impl Table) -> String {
///     table
///         .iter()
///         .map(|series| match series.value {
///             Value::Counter(n) => format!("{} {n}\n", series.name),
///             Value::Gauge(n) => format!("{} {n}\n", series.name),
///         })
///         .collect()
/// }
///
/// let table = Jobs::table();
/// table.done().add(2);
/// table.waiting().set(5);
/// assert_eq!(export(&table), "jobs_done 2\njobs_waiting 5\n");
/// ```
pub trait Table: Send + Sync {
    /// The user's struct, which is also the snapshot type.
    type Stats: StatTable<Table = Self>;

    /// A copy of every field. Each thread's part is copied consistently: a
    /// step made with `add(&step)` is in it whole or not at all, and an
    /// invariant that every writer keeps holds in it if the table was never
    /// reset (a reset's copy can split a writer's separate increments).
    fn snapshot(&self) -> Self::Stats;

    /// A fresh snapshot if it completes within `within`, else the last one
    /// published, marked stale. See [`Snapshot`].
    fn snapshot_within(&self, within: Duration) -> Snapshot<Self::Stats>;

    /// A reader that returns what changed since its previous delta.
    fn cursor(&self) -> Cursor<'_, Self::Stats>;

    /// Every series with its name, help text, kind and current value.
    fn iter(&self) -> Iter<'_>;

    /// Zeroes the table and makes live iterators stale.
    fn reset(&self);

    /// How many destructive changes (resets) the table has seen.
    fn version(&self) -> u64;

    /// What exporters read the table through. Not public API: generated.
    #[doc(hidden)]
    fn exported(&self) -> &dyn Exported;
}
