//! Versioned iteration: an iterator that refuses to go on after the table
//! under it was reset.
//!
//! Every table carries a version that destructive changes (a reset, or
//! clearing a keyed field) move: odd while a change runs, even after it (see
//! [`crate::table::raw`]). An iterator remembers the version it was made at and
//! compares before and after every read, so it sees one side of a change or
//! goes stale; one made while a change runs is stale from the start. New data
//! never moves the version, so writers never make an iterator stale.

use crate::table::contract::FieldShape;
use crate::table::reader::{TableReader, check_version};
use crate::table::traits::MetricKind;
use std::borrow::Cow;
use std::error::Error;
use std::fmt;

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
    /// The key of a keyed field's series, or a histogram bucket's `le`;
    /// `None` for a plain field.
    pub label: Option<Label>,
    /// Which series of a histogram this is; `None` for other fields.
    pub histogram: Option<HistogramSeries>,
}

/// One series of a histogram field, as Prometheus exposes them: every
/// bucket's cumulative count (`_bucket{le="..."}`), then the sum and the
/// count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HistogramSeries {
    /// The observations at or below `le` (`None`: `+Inf`, every one).
    Bucket {
        /// The bucket's upper bound; `None` for `+Inf`.
        le: Option<u64>,
    },
    /// The sum of the observed values.
    Sum,
    /// How many observations.
    Count,
}

/// The label of one series of a keyed field: `region="eu-west"`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Label {
    /// The label name: the field name without `by_`, or
    /// `#[stat(keyed(label = "..."))]`.
    pub name: &'static str,
    /// The key, or the field's overflow series.
    pub value: LabelValue,
}

/// Which series of a keyed field a [`Label`] names.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabelValue {
    /// A key's own series. The string is the key as given: exporters
    /// escape it.
    Key(Cow<'static, str>),
    /// The increments that were not counted under their own key: the key
    /// set was full or the key too long. Every open keyed field has one; a
    /// closed keyed field shows one only when a hand-written `StatKey`
    /// gave a key that is not in its `ALL`.
    Overflow,
}

/// The error of [`Iter::try_next`]: the table was reset (or a keyed field
/// cleared) after the iterator was made, or while it was made.
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
    /// The table's version (destructive changes complete) when the
    /// iterator was made.
    pub expected: u64,
    /// The table's version now (destructive changes begun).
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
    position: Position,
}

/// Where an [`Iter`] is: a field, and within a keyed field a variant or an
/// entry of its key store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Position {
    field: usize,
    within: usize,
}

/// `within` of an open keyed field once its keys are done: its overflow
/// series comes next.
const OVERFLOW: usize = usize::MAX;

impl<'a> Iter<'a> {
    pub(crate) fn new(table: &'a dyn TableReader) -> Self {
        Self {
            version: table.state(),
            table,
            position: Position {
                field: 0,
                within: 0,
            },
        }
    }

    /// The next series, or an error if the table was reset or a keyed field
    /// cleared since this iterator was made. An error does not advance the
    /// iterator.
    pub fn try_next(&mut self) -> Result<Option<Series>, StaleIterator> {
        self.check()?;
        let (series, next) = self.read(self.position);
        // If a reset or clear touched anything this read saw, the version
        // says so now.
        self.check()?;
        self.position = next;
        Ok(series)
    }

    fn check(&self) -> Result<(), StaleIterator> {
        check_version(self.table, self.version)
    }

    /// The series at or after `at`, and the position after it.
    fn read(&self, mut at: Position) -> (Option<Series>, Position) {
        let table = self.table;
        while let Some(desc) = table.fields().get(at.field) {
            let series = |value, label| Series {
                name: desc.name,
                help: desc.help,
                kind: desc.kind,
                value,
                label,
                histogram: None,
            };
            let next_field = Position {
                field: at.field + 1,
                within: 0,
            };
            match desc.shape {
                FieldShape::Plain => {
                    let value = match desc.kind {
                        MetricKind::Gauge => Value::Gauge(table.gauge(desc.offset)),
                        MetricKind::Counter | MetricKind::Histogram => {
                            Value::Counter(table.counter(desc.offset))
                        }
                    };
                    return (Some(series(value, None)), next_field);
                }
                FieldShape::Closed { label, labels } => {
                    if let Some(&key) = labels.get(at.within) {
                        let value = Value::Counter(table.counter(desc.offset + at.within));
                        let label = Label {
                            name: label,
                            value: LabelValue::Key(Cow::Borrowed(key)),
                        };
                        let next = Position {
                            within: at.within + 1,
                            ..at
                        };
                        return (Some(series(value, Some(label))), next);
                    }
                    // The overflow of a closed key set counts only keys that a
                    // hand-written `StatKey` left out of `ALL`: shown when not 0.
                    let overflow = table.counter(desc.offset + labels.len());
                    if at.within == labels.len() && overflow != 0 {
                        let label = Label {
                            name: label,
                            value: LabelValue::Overflow,
                        };
                        let value = Value::Counter(overflow);
                        return (Some(series(value, Some(label))), next_field);
                    }
                }
                FieldShape::Histogram { bounds } => {
                    // Buckets (cumulative), then the sum, then the count.
                    if at.within <= bounds.len() + 1 {
                        let next = Position {
                            within: at.within + 1,
                            ..at
                        };
                        let cumulative = |upto: usize| {
                            (0..=upto).fold(0u64, |total, bucket| {
                                total.wrapping_add(table.counter(desc.offset + bucket))
                            })
                        };
                        let (part, value, label) = match at.within {
                            bucket if bucket <= bounds.len() => {
                                let le = bounds.get(bucket).copied();
                                let text =
                                    le.map_or_else(|| "+Inf".to_owned(), |le| le.to_string());
                                let label = Label {
                                    name: "le",
                                    value: LabelValue::Key(Cow::Owned(text)),
                                };
                                (
                                    HistogramSeries::Bucket { le },
                                    cumulative(bucket),
                                    Some(label),
                                )
                            }
                            _ => (
                                HistogramSeries::Sum,
                                table.counter(desc.offset + bounds.len() + 1),
                                None,
                            ),
                        };
                        let mut series = series(Value::Counter(value), label);
                        series.histogram = Some(part);
                        return (Some(series), next);
                    }
                    if at.within == bounds.len() + 2 {
                        let next = Position {
                            within: at.within + 1,
                            ..at
                        };
                        let count = (0..=bounds.len()).fold(0u64, |total, bucket| {
                            total.wrapping_add(table.counter(desc.offset + bucket))
                        });
                        let mut series = series(Value::Counter(count), None);
                        series.histogram = Some(HistogramSeries::Count);
                        return (Some(series), next);
                    }
                }
                FieldShape::Open { label, index, .. } => {
                    if at.within != OVERFLOW {
                        let (next_counted, _) = table
                            .open_field(index)
                            .read(|view| view.next_counted(at.within));
                        let (key, value, next) = match next_counted {
                            Some((entry, key, count)) => {
                                (LabelValue::Key(Cow::Owned(key)), count, entry + 1)
                            }
                            None => (LabelValue::Overflow, table.counter(desc.offset), OVERFLOW),
                        };
                        let label = Label {
                            name: label,
                            value: key,
                        };
                        let next = Position { within: next, ..at };
                        return (Some(series(Value::Counter(value), Some(label))), next);
                    }
                }
            }
            at = next_field;
        }
        (None, at)
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
            .field("position", &self.position)
            .finish()
    }
}
