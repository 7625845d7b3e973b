//! The `serde` feature: snapshots serialise in the shape of the JSON-lines
//! archive ([`crate::export::json`]), so an archive line's `"stats"` member
//! equals `serde_json::to_value(&snapshot)` for a struct that derives
//! `Serialize` without renaming its fields (and without `#[stat(skip)]`
//! fields, which the archive leaves out).
//!
//! | value | serialises as |
//! |---|---|
//! | [`Keyed<K>`], `K: StatKey` | `{"counts":{"card":2,"wallet":0,..},"overflow":0}`: every variant of `K::ALL` in declaration order, zero counts included |
//! | [`Keyed<String>`] | `{"counts":{"eu-west":3},"overflow":1}`: the keys with a count, sorted by their bytes |
//! | [`Histogram`] | `{"bounds":[100,1000],"buckets":[4,1,0],"count":5,"sum":1234}`: per-bucket counts, not cumulative, the last one `+Inf` |
//! | [`Snapshot<S>`] | as `S` |
//! | [`TableSnapshot`] | one archive line: `{"table":..,"timestamp_ms":..,"stale":..,"stats":{..}}` |
//!
//! Both kinds of `Keyed` deserialise from that shape too; a closed key set
//! matches each label against `K::LABELS` and refuses one it does not
//! know. `Histogram` does not deserialise: its bounds are the table's
//! `'static` bounds, and a value with bounds of its own has no constructor
//! yet that takes its counts.

use crate::export::snapshot::TableSnapshot;
use crate::histogram::value::Histogram;
use crate::keyed::key::{StatKey, checked_index};
use crate::keyed::value::Keyed;
use crate::read::snapshot::Snapshot;
use crate::table::contract::{FieldDesc, FieldShape};
use crate::table::reading::Reading;
use crate::table::traits::MetricKind;
use serde::de::{Deserialize, Deserializer, Error as _};
use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};
use std::collections::BTreeMap;
use std::time::UNIX_EPOCH;

/// `{"counts":{"card":2,"wallet":0,"invoice":1},"overflow":0}`: every
/// variant of `K::ALL`, in declaration order and under its label, with its
/// count (zero included, as the JSON-lines archive writes a closed key
/// set), then any key outside `K::ALL` that a hand-written `StatKey` put
/// in a step; and the overflow.
///
/// # Examples
///
/// ```
/// use serde::Serialize;
/// use stats_core::{Keyed, StatKey, StatTable};
///
/// #[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Method { Card, Wallet }
///
/// #[derive(StatTable, Serialize, Debug, Default)]
/// struct Payments {
///     /// Payments by method.
///     by_method: Keyed<Method>,
/// }
///
/// let table = Payments::table();
/// table.by_method().add(Method::Wallet, 2);
/// let json = serde_json::to_string(&table.snapshot())?;
/// assert_eq!(json, r#"{"by_method":{"counts":{"card":0,"wallet":2},"overflow":0}}"#);
///
/// let back: Keyed<Method> = serde_json::from_str(r#"{"counts":{"wallet":2},"overflow":0}"#)?;
/// assert_eq!(back, table.snapshot().by_method);
/// assert!(serde_json::from_str::<Keyed<Method>>(r#"{"counts":{"cash":1}}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
impl<K: StatKey> Serialize for Keyed<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let counts = || {
            let variants = K::ALL
                .iter()
                .map(|key| (key.label(), self.get(key).unwrap_or(0)));
            let outside = self
                .iter()
                .filter(|(key, _)| checked_index(**key).is_none())
                .map(|(key, count)| (key.label(), count));
            variants.chain(outside)
        };
        KeyedShape {
            counts,
            overflow: self.overflow(),
        }
        .serialize(serializer)
    }
}

/// `{"counts":{"eu-west":3,"us-east":1},"overflow":2}`: the keys with a
/// count, sorted by their bytes, and the overflow.
///
/// # Examples
///
/// ```
/// use stats_core::Keyed;
///
/// let mut regions = Keyed::new();
/// regions.add("us-east".to_owned(), 1);
/// regions.add("eu-west".to_owned(), 3);
/// regions.add_overflow(2);
/// let json = serde_json::to_string(&regions)?;
/// assert_eq!(json, r#"{"counts":{"eu-west":3,"us-east":1},"overflow":2}"#);
/// assert_eq!(serde_json::from_str::<Keyed<String>>(&json)?, regions);
/// # Ok::<(), serde_json::Error>(())
/// ```
impl Serialize for Keyed<String> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        KeyedShape {
            counts: || self.iter().map(|(key, count)| (key.as_str(), count)),
            overflow: self.overflow(),
        }
        .serialize(serializer)
    }
}

/// What both kinds of `Keyed` deserialise from. `overflow` may be left
/// out (0).
#[derive(serde::Deserialize)]
#[serde(rename = "Keyed")]
struct KeyedFields {
    counts: BTreeMap<String, u64>,
    #[serde(default)]
    overflow: u64,
}

/// From `{"counts":{..},"overflow":n}`: each label must be one of
/// `K::LABELS`; zero counts are dropped, as [`Keyed`] never holds them.
/// See the example on `Serialize for Keyed<K>`.
impl<'de, K: StatKey> Deserialize<'de> for Keyed<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = KeyedFields::deserialize(deserializer)?;
        let mut counts = Vec::with_capacity(fields.counts.len());
        for (label, count) in fields.counts {
            let key = K::ALL
                .iter()
                .find(|key| key.label() == label)
                .ok_or_else(|| D::Error::unknown_variant(&label, K::LABELS))?;
            counts.push((*key, count));
        }
        Ok(Self::from_counts(counts, fields.overflow))
    }
}

/// From `{"counts":{..},"overflow":n}`; zero counts are dropped, as
/// [`Keyed`] never holds them. See the example on
/// `Serialize for Keyed<String>`.
impl<'de> Deserialize<'de> for Keyed<String> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = KeyedFields::deserialize(deserializer)?;
        Ok(Self::from_counts(fields.counts, fields.overflow))
    }
}

/// `{"bounds":[100,1000],"buckets":[2,1,1],"count":4,"sum":20850}`: the
/// bounds, the count of each bucket (not cumulative; the last is `+Inf`),
/// the count (the sum of the buckets) and the sum of the observed values.
///
/// # Examples
///
/// ```
/// use stats_core::Histogram;
///
/// let mut latency = Histogram::new(vec![100, 1_000]);
/// for value in [50, 100, 700, 20_000] {
///     latency.observe(value);
/// }
/// assert_eq!(
///     serde_json::to_string(&latency)?,
///     r#"{"bounds":[100,1000],"buckets":[2,1,1],"count":4,"sum":20850}"#,
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
impl Serialize for Histogram {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        HistogramShape {
            bounds: self.bounds(),
            buckets: || self.buckets().map(|(_, count)| count),
            sum: self.sum(),
        }
        .serialize(serializer)
    }
}

/// As the user's struct `S`: whether the snapshot is stale, and its age,
/// are not serialised.
///
/// # Examples
///
/// ```
/// use serde::Serialize;
/// use stats_core::{DEFAULT_SNAPSHOT_DEADLINE, StatTable};
///
/// #[derive(StatTable, Serialize, Debug, Default)]
/// #[stat_table(prefix = "jobs")]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
///     /// Jobs running.
///     #[stat(gauge)]
///     running: i64,
/// }
///
/// let table = Jobs::table();
/// table.done().add(3);
/// table.running().set(-1);
/// let snapshot = table.snapshot_within(DEFAULT_SNAPSHOT_DEADLINE);
/// assert_eq!(serde_json::to_string(&snapshot)?, r#"{"done":3,"running":-1}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
impl<T: Serialize> Serialize for Snapshot<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        T::serialize(self, serializer)
    }
}

/// One archive line, as [`TableSnapshot::write_json`] writes it:
/// `{"table":"Jobs","timestamp_ms":..,"stale":false,"stats":{..}}`, the
/// stats under each field's Rust name, in the shapes above.
///
/// # Examples
///
/// ```
/// use serde::Serialize;
/// use stats_core::{DEFAULT_SNAPSHOT_DEADLINE, Histogram, Keyed, StatTable, TableSnapshot};
///
/// #[derive(StatTable, Serialize, Debug, Default)]
/// struct Requests {
///     /// Requests by region.
///     #[stat(keyed(capacity = 8))]
///     by_region: Keyed<String>,
///     /// Request latency, in microseconds.
///     #[stat(histogram(buckets = [100, 1_000]))]
///     latency_us: Histogram,
/// }
///
/// let table = Requests::table();
/// table.by_region().inc("eu-west");
/// table.latency_us().observe(250);
///
/// let snapshot = TableSnapshot::of(&table, DEFAULT_SNAPSHOT_DEADLINE);
/// let mut line = String::new();
/// snapshot.write_json(&mut line);
/// let line: serde_json::Value = serde_json::from_str(&line)?;
/// assert_eq!(serde_json::to_value(&snapshot)?, line);
/// assert_eq!(line["stats"], serde_json::to_value(table.snapshot())?);
/// # Ok::<(), serde_json::Error>(())
/// ```
impl Serialize for TableSnapshot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let millis = self
            .reading
            .taken_at_wall
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        let mut object = serializer.serialize_struct("TableSnapshot", 4)?;
        object.serialize_field("table", self.table_name)?;
        object.serialize_field("timestamp_ms", &u64::try_from(millis).unwrap_or(u64::MAX))?;
        object.serialize_field("stale", &self.stale)?;
        object.serialize_field("stats", &Stats(self))?;
        object.end()
    }
}

/// A table snapshot's fields, under their Rust names.
struct Stats<'a>(&'a TableSnapshot);

impl Serialize for Stats<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut stats = serializer.serialize_map(Some(self.0.fields.len()))?;
        for field in self.0.fields {
            let value = FieldValue {
                reading: &self.0.reading,
                field,
            };
            stats.serialize_entry(field.ident, &value)?;
        }
        stats.end()
    }
}

/// One field of a table snapshot, in the shape its value type serialises
/// to.
struct FieldValue<'a> {
    reading: &'a Reading,
    field: &'a FieldDesc,
}

impl Serialize for FieldValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (reading, field) = (self.reading, self.field);
        match (field.kind, field.shape) {
            (MetricKind::Gauge, _) => serializer.serialize_i64(reading.gauge(field.offset)),
            (_, FieldShape::Plain) => serializer.serialize_u64(reading.counter(field.offset)),
            (_, FieldShape::Closed { labels, .. }) => KeyedShape {
                counts: || {
                    labels
                        .iter()
                        .enumerate()
                        .map(|(i, label)| (*label, reading.counter(field.offset + i)))
                },
                overflow: reading.counter(field.offset + labels.len()),
            }
            .serialize(serializer),
            (_, FieldShape::Open { index, .. }) => KeyedShape {
                counts: || reading.open(index).iter().filter(|(_, count)| *count != 0),
                overflow: reading.counter(field.offset),
            }
            .serialize(serializer),
            (_, FieldShape::Histogram { bounds }) => HistogramShape {
                bounds,
                buckets: || (0..=bounds.len()).map(|i| reading.counter(field.offset + i)),
                sum: reading.counter(field.offset + bounds.len() + 1),
            }
            .serialize(serializer),
        }
    }
}

/// The shape of a keyed value: `counts` gives its labels and counts, in
/// order, each time it is called.
struct KeyedShape<F> {
    counts: F,
    overflow: u64,
}

impl<'a, F, I> Serialize for KeyedShape<F>
where
    F: Fn() -> I,
    I: Iterator<Item = (&'a str, u64)>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut keyed = serializer.serialize_struct("Keyed", 2)?;
        keyed.serialize_field("counts", &Counts(&self.counts))?;
        keyed.serialize_field("overflow", &self.overflow)?;
        keyed.end()
    }
}

/// A keyed value's counts, as a map from label to count.
struct Counts<'f, F>(&'f F);

impl<'a, F, I> Serialize for Counts<'_, F>
where
    F: Fn() -> I,
    I: Iterator<Item = (&'a str, u64)>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map((self.0)())
    }
}

/// The shape of a histogram: `buckets` gives the count of each bucket,
/// `+Inf` last, each time it is called.
struct HistogramShape<'b, F> {
    bounds: &'b [u64],
    buckets: F,
    sum: u64,
}

impl<F, I> Serialize for HistogramShape<'_, F>
where
    F: Fn() -> I,
    I: Iterator<Item = u64>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let count = (self.buckets)().fold(0_u64, u64::wrapping_add);
        let mut histogram = serializer.serialize_struct("Histogram", 4)?;
        histogram.serialize_field("bounds", self.bounds)?;
        histogram.serialize_field("buckets", &Buckets(&self.buckets))?;
        histogram.serialize_field("count", &count)?;
        histogram.serialize_field("sum", &self.sum)?;
        histogram.end()
    }
}

/// A histogram's per-bucket counts, as a sequence.
struct Buckets<'f, F>(&'f F);

impl<F, I> Serialize for Buckets<'_, F>
where
    F: Fn() -> I,
    I: Iterator<Item = u64>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}
