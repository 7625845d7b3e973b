//! A table's snapshot as exporters and archivers see it: the values of one
//! read, with the field descriptions to name them, shared (`Arc`) rather
//! than copied, whatever the table's struct.

use crate::export::text::TableText;
use crate::table::contract::FieldDesc;
use crate::table::reading::Reading;
use crate::table::traits::Table;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// One table's values, without the table's type: what a [`Registry`]
/// encodes, what the [`Archiver`](crate::Archiver) hands to its sinks.
/// Cloning it is cheap (it shares the values).
///
/// [`Registry`]: crate::Registry
///
/// # Examples
///
/// ```
/// use stats_core::{StatTable, TableSnapshot, DEFAULT_SNAPSHOT_DEADLINE};
///
/// #[derive(StatTable, Debug, Default)]
/// #[stat_table(prefix = "jobs")]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
/// }
///
/// let table = Jobs::table();
/// table.done().add(3);
/// let snapshot = TableSnapshot::of(&table, DEFAULT_SNAPSHOT_DEADLINE);
/// assert_eq!(snapshot.table_name(), "Jobs");
/// assert!(!snapshot.is_stale());
/// let mut json = String::new();
/// snapshot.write_json(&mut json);
/// assert!(json.contains(r#""stats":{"done":3}"#), "{json}");
/// ```
#[derive(Clone)]
pub struct TableSnapshot {
    pub(crate) table_name: &'static str,
    pub(crate) fields: &'static [FieldDesc],
    pub(crate) reading: Arc<Reading>,
    pub(crate) stale: bool,
    /// Which table it is (see [`Exported::identity`]).
    pub(crate) table_id: usize,
    /// The table's fixed exposition text.
    pub(crate) text: Arc<TableText>,
}

impl TableSnapshot {
    /// A snapshot of `table` read with a deadline, as a scrape reads it: a
    /// fresh one if the read completes within `within`, else the last one
    /// the table published, marked stale (see [`Snapshot`]). Either way,
    /// what it shows was published, so a later call never shows a counter
    /// lower than this one does, unless the table was reset (or a keyed
    /// field cleared) in between.
    ///
    /// [`Snapshot`]: crate::Snapshot
    #[must_use]
    pub fn of<T: Table + ?Sized>(table: &T, within: Duration) -> Self {
        table.exported().export_within(within)
    }

    /// The name of the table's struct (`OrderStats`).
    #[must_use]
    pub fn table_name(&self) -> &'static str {
        self.table_name
    }

    /// When the read began, by the wall clock.
    #[must_use]
    pub fn taken_at(&self) -> SystemTime {
        self.reading.taken_at_wall
    }

    /// How long ago the read began.
    #[must_use]
    pub fn age(&self) -> Duration {
        self.reading.taken_at.elapsed()
    }

    /// Whether a fresh read missed its deadline and this is an earlier one.
    #[must_use]
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// Appends this snapshot as one JSON object, without a newline (the
    /// JSON-lines sink writes one a line):
    ///
    /// ```text
    /// {"table":"OrderStats","timestamp_ms":1764467400123,"stale":false,
    ///  "stats":{"created":5,"in_flight":2,
    ///           "by_region":{"counts":{"eu-west":3},"overflow":0},
    ///           "latency_us":{"bounds":[100,1000],"buckets":[4,1,0],"count":5,"sum":1234}}}
    /// ```
    ///
    /// * `timestamp_ms`: when the read began, milliseconds since the Unix epoch.
    /// * `stats`: one member per field, under its Rust name: a counter or gauge
    ///   is a number; a keyed field is its keys' counts (only keys with a count,
    ///   sorted; a closed key set lists every variant) and its overflow; a
    ///   histogram is its bounds, its per-bucket counts (not cumulative; the
    ///   last bucket is `+Inf`), the count and the sum.
    ///
    /// This is also the shape that snapshots serialise to with the `serde`
    /// feature, so the last line of an archive compares equal to
    /// `serde_json::to_value(&table.snapshot())` for a struct that derives
    /// `Serialize` without renaming its fields.
    pub fn write_json(&self, out: &mut String) {
        crate::export::json::write_snapshot(self, out);
    }
}

impl std::fmt::Debug for TableSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableSnapshot")
            .field("table", &self.table_name)
            .field("stale", &self.stale)
            .field("age", &self.age())
            .field("counters", &self.reading.counters)
            .field("gauges", &self.reading.gauges)
            .finish_non_exhaustive()
    }
}

/// How exporters read a table whatever its sizes. Not public API: the
/// derive implements [`Table::exported`] with the table's storage.
#[doc(hidden)]
pub trait Exported: Send + Sync {
    /// The name of the table's struct.
    fn table_name(&self) -> &'static str;
    /// The table's fields.
    fn fields(&self) -> &'static [FieldDesc];
    /// What tells this table from every other one alive: its address.
    fn identity(&self) -> usize;
    /// A published snapshot, fresh if the read completes within `within`.
    fn export_within(&self, within: Duration) -> TableSnapshot;
}
