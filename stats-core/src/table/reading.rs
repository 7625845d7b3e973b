//! What one read of a table saw, in the form every reader shares: the
//! snapshot builds the user's struct from it, the exporters and the
//! archiver encode it as it is, without a copy per series.

use crate::keyed::value::Keyed;
use crate::table::contract::{FieldShape, RawValues, Schema};
use std::ops::Range;
use std::time::{Instant, SystemTime};

/// The values of one read of a table, and the read ticks that order it
/// against other reads (see [`crate::read::snapshot`]).
#[derive(Clone, Debug)]
pub(crate) struct Reading {
    /// The table's read counter when the read began and when it ended.
    pub(crate) started: u64,
    pub(crate) ended: u64,
    /// When the read began, on the monotonic clock and on the wall clock.
    pub(crate) taken_at: Instant,
    pub(crate) taken_at_wall: SystemTime,
    /// The counter slots, since the last reset.
    pub(crate) counters: Vec<u64>,
    /// The gauges' levels.
    pub(crate) gauges: Vec<i64>,
    /// One per open keyed field, in field order; each field's overflow is
    /// its counter slot.
    pub(crate) open: Vec<OpenCounts>,
}

impl Reading {
    /// A reading of nothing: every counter and gauge 0, no keys.
    pub(crate) fn empty(counters: usize, gauges: usize, open: usize, taken_at: Instant) -> Self {
        Self {
            started: 0,
            ended: 0,
            taken_at,
            taken_at_wall: wall_clock_at(taken_at),
            counters: vec![0; counters],
            gauges: vec![0; gauges],
            open: vec![OpenCounts::default(); open],
        }
    }

    /// The user's struct with these values.
    pub(crate) fn to_struct<S: Schema>(&self) -> S {
        let mut open: Vec<Keyed<String>> = S::FIELDS
            .iter()
            .filter_map(|desc| match desc.shape {
                FieldShape::Open { index, .. } => Some(Keyed::from_counts(
                    self.open(index).iter().map(|(k, n)| (k.to_owned(), n)),
                    self.counter(desc.offset),
                )),
                _ => None,
            })
            .collect();
        S::from_raw(&mut RawValues {
            counters: &self.counters,
            gauges: &self.gauges,
            open: &mut open,
        })
    }

    /// The counter in slot `index`; 0 outside the reading.
    pub(crate) fn counter(&self, index: usize) -> u64 {
        self.counters.get(index).copied().unwrap_or_default()
    }

    /// The level of gauge `index`; 0 outside the reading.
    pub(crate) fn gauge(&self, index: usize) -> i64 {
        self.gauges.get(index).copied().unwrap_or_default()
    }

    /// The keys of open keyed field `index`; empty outside the reading.
    pub(crate) fn open(&self, index: usize) -> &OpenCounts {
        static EMPTY: OpenCounts = OpenCounts {
            text: String::new(),
            entries: Vec::new(),
        };
        self.open.get(index).unwrap_or(&EMPTY)
    }
}

/// The wall-clock time of a monotonic instant in the past.
fn wall_clock_at(instant: Instant) -> SystemTime {
    SystemTime::now()
        .checked_sub(instant.elapsed())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The wall-clock time now, paired with the monotonic one.
pub(crate) fn now() -> (Instant, SystemTime) {
    (Instant::now(), SystemTime::now())
}

/// The keys of one open keyed field and their counts, sorted by key, in
/// two allocations whatever the number of keys: every key's text in one
/// string, and a list of ranges into it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct OpenCounts {
    text: String,
    entries: Vec<(Range<usize>, u64)>,
}

impl OpenCounts {
    /// An empty list with room for `keys` keys.
    pub(crate) fn with_capacity(keys: usize) -> Self {
        Self {
            text: String::new(),
            entries: Vec::with_capacity(keys),
        }
    }

    /// Adds a key whose text `write` appends to the string it is given.
    pub(crate) fn push(&mut self, write: impl FnOnce(&mut String), count: u64) {
        let start = self.text.len();
        write(&mut self.text);
        self.entries.push((start..self.text.len(), count));
    }

    /// Forgets every key, keeping the memory.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.entries.clear();
    }

    /// Sorts the keys (a store never holds one key twice).
    pub(crate) fn sort(&mut self) {
        let text = &self.text;
        self.entries
            .sort_unstable_by(|(a, _), (b, _)| text[a.clone()].cmp(&text[b.clone()]));
    }

    /// Every key and its count, in order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&str, u64)> + '_ {
        self.entries
            .iter()
            .map(|(range, count)| (&self.text[range.clone()], *count))
    }
}
