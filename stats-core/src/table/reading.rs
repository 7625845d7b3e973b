//! What one read of a table saw, in the form every reader shares: the
//! snapshot builds the user's struct from it, the exporters and the
//! archiver encode it as it is, without a copy per series.

use crate::keyed::listing::OpenCounts;
use crate::keyed::value::Keyed;
use crate::table::contract::{FieldDesc, FieldShape, RawValues, Schema};
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

    /// The user's struct with these values. Only `S::from_raw` is generic:
    /// the rest is compiled once, here, not once per table in the user's
    /// crate.
    pub(crate) fn to_struct<S: Schema>(&self) -> S {
        let mut open = self.open_values(S::FIELDS);
        S::from_raw(&mut RawValues {
            counters: &self.counters,
            gauges: &self.gauges,
            open: &mut open,
        })
    }

    /// The open keyed fields of `fields` as values, in field order.
    fn open_values(&self, fields: &[FieldDesc]) -> Vec<Keyed<String>> {
        fields
            .iter()
            .filter_map(|desc| match desc.shape {
                FieldShape::Open { index, .. } => Some(Keyed::from_counts(
                    self.open(index).iter().map(|(k, n)| (k.to_owned(), n)),
                    self.counter(desc.offset),
                )),
                _ => None,
            })
            .collect()
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
        static EMPTY: std::sync::OnceLock<OpenCounts> = std::sync::OnceLock::new();
        self.open
            .get(index)
            .unwrap_or_else(|| EMPTY.get_or_init(OpenCounts::default))
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
