//! What the derive tells the runtime about a user's struct, and the public
//! traits that tie a struct to its generated table.

use crate::key::checked_index;
use crate::keyed::Keyed;
use crate::{Cursor, Iter, StatKey};

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
}

impl MetricKind {
    /// The Prometheus type name: `counter` or `gauge`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
        }
    }
}

/// One field of a table, as the derive describes it. Not public API: the
/// derive builds a `const` array of these.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDesc {
    /// The Rust field name (`in_flight`).
    pub ident: &'static str,
    /// The full metric name, prefix included (`orders_in_flight`).
    pub name: &'static str,
    /// Help text from the field's doc comment; may be empty.
    pub help: &'static str,
    /// Counter or gauge.
    pub kind: MetricKind,
    /// A gauge's index among the gauges; a counter's slot in the shards; a
    /// closed keyed field's first slot; an open keyed field's overflow slot.
    pub slot: usize,
    /// A plain value or a keyed field.
    pub shape: FieldShape,
}

/// Whether a field is one series or one per key. Not public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldShape {
    /// One counter or gauge.
    Plain,
    /// `Keyed<K>` with `K: StatKey`: one counter slot per variant, from
    /// `slot` on, then one for keys outside `K::ALL` (only a hand-written
    /// `StatKey` makes them).
    Closed {
        /// The label name (`method`).
        label: &'static str,
        /// The variants' label values, in index order.
        labels: &'static [&'static str],
    },
    /// `Keyed<String>`: a key store of its own, and an overflow counter at
    /// `slot`.
    Open {
        /// The label name (`region`).
        label: &'static str,
        /// The most keys it holds.
        capacity: usize,
        /// The longest key it stores, in bytes.
        max_key_len: usize,
        /// Its index among the open keyed fields.
        index: usize,
    },
}

impl FieldShape {
    /// How many counter slots a counter field of this shape takes.
    #[must_use]
    pub const fn counter_slots(&self) -> usize {
        match self {
            Self::Plain | Self::Open { .. } => 1,
            Self::Closed { labels, .. } => labels.len() + 1,
        }
    }
}

/// What a snapshot or a delta read, for `Schema::from_raw`. Not public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct RawValues<'a> {
    pub(crate) counters: &'a [u64],
    pub(crate) gauges: &'a [i64],
    /// One per open keyed field, overflow included; taken by `open`.
    pub(crate) open: &'a mut [Keyed<String>],
}

impl RawValues<'_> {
    /// The counter in `slot`.
    #[must_use]
    pub fn counter(&self, slot: usize) -> u64 {
        self.counters.get(slot).copied().unwrap_or_default()
    }

    /// The gauge in `slot`.
    #[must_use]
    pub fn gauge(&self, slot: usize) -> i64 {
        self.gauges.get(slot).copied().unwrap_or_default()
    }

    /// The closed keyed field whose first slot is `slot`.
    #[must_use]
    pub fn closed<K: StatKey>(&self, slot: usize) -> Keyed<K> {
        Keyed::from_counts(
            K::ALL
                .iter()
                .enumerate()
                .map(|(i, key)| (*key, self.counter(slot + i))),
            self.counter(slot + K::ALL.len()),
        )
    }

    /// The open keyed field with index `index`; a second call returns an
    /// empty value.
    pub fn open(&mut self, index: usize) -> Keyed<String> {
        self.open
            .get_mut(index)
            .map(std::mem::take)
            .unwrap_or_default()
    }
}

/// Writes a closed keyed field's counts into a step's counter slots, from
/// `first` on: each key to its variant's slot, its overflow and any key
/// outside `K::ALL` to the field's overflow slot, never to another field's.
/// Not public API: `table.add(&step)` uses it.
#[doc(hidden)]
pub fn fill_closed<K: StatKey>(counters: &mut [u64], first: usize, keyed: &Keyed<K>) {
    let overflow = first + K::ALL.len();
    let mut add = |slot: usize, n: u64| {
        if let Some(count) = counters.get_mut(slot) {
            *count = count.wrapping_add(n);
        }
    };
    for (key, n) in keyed.iter() {
        add(
            checked_index(*key).map_or(overflow, |index| first + index),
            n,
        );
    }
    add(overflow, keyed.overflow());
}

/// The derive's description of a struct. Not public API.
#[doc(hidden)]
pub trait Schema: Sized {
    /// The struct's name, used in messages (`OrderStats`).
    const TABLE_NAME: &'static str;
    /// Every field that is part of the table, in declaration order.
    const FIELDS: &'static [FieldDesc];
    /// Builds the struct from the values a snapshot or delta read.
    fn from_raw(raw: &mut RawValues<'_>) -> Self;
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

    /// A reader that returns what changed since its previous delta.
    fn cursor(&self) -> Cursor<'_, Self::Stats>;

    /// Every series with its name, help text, kind and current value.
    fn iter(&self) -> Iter<'_>;

    /// Zeroes the table and makes live iterators stale.
    fn reset(&self);

    /// How many destructive changes (resets) the table has seen.
    fn version(&self) -> u64;
}
