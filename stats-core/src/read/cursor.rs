//! Lossless deltas: a reader that remembers what it has already reported.

use crate::keyed::open::{CursorState, OpenField};
use crate::keyed::value::Keyed;
use crate::table::contract::{FieldShape, RawValues};
use crate::table::reader::TableReader;
use crate::table::traits::{MetricKind, StatTable};
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
/// reset still holds exactly the increments made in that time. Gauges keep
/// their levels across a reset.
///
/// Keyed fields are in deltas too, key by key, and lose nothing either. A
/// closed key set's counters behave like plain counters. An open key set is
/// emptied by a reset or `clear()`, and the clear hands what it emptied to
/// every cursor of the table: the delta that spans a clear holds the
/// increments made before the clear and not yet reported, plus those made
/// after it. (If a cursor waits through many clears, what they emptied is
/// kept for it under at most the field's capacity of distinct keys; beyond
/// that, the counts are reported in the field's overflow, so every increment
/// is still counted once.)
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
    core: CursorCore<'a>,
    stats: PhantomData<fn() -> S>,
}

/// Everything a cursor does but build the user's struct: not generic, so it
/// is compiled once, here, rather than once per table in the user's crate.
struct CursorCore<'a> {
    table: &'a dyn TableReader,
    /// Raw counter sums and gauge levels as of the previous delta.
    last_counters: Vec<u64>,
    last_gauges: Vec<i64>,
    /// The latest delta; kept between deltas to avoid allocating per delta.
    next_counters: Vec<u64>,
    next_gauges: Vec<i64>,
    /// One per open keyed field, in field order.
    open: Vec<OpenCursor>,
}

/// What a cursor last reported of one open keyed field.
struct OpenCursor {
    /// The field's index among the open keyed fields.
    index: usize,
    /// The field's overflow index.
    overflow_index: usize,
    /// The field's hold on this cursor: its inbox and last counts.
    state: CursorState,
}

impl OpenCursor {
    fn new(table: &dyn TableReader, index: usize, overflow_index: usize) -> Self {
        Self {
            index,
            overflow_index,
            state: table.open_field(index).cursor(),
        }
    }

    /// The counts added since the last call, key by key; `overflow` is the
    /// overflow counter's delta.
    fn delta(&mut self, table: &dyn TableReader, overflow: u64) -> Keyed<String> {
        let (counts, unfitted) = table.open_field(self.index).delta(&mut self.state);
        Keyed::from_counts(counts, overflow.wrapping_add(unfitted))
    }
}

impl<'a> CursorCore<'a> {
    fn new(table: &'a dyn TableReader) -> Self {
        let fields = table.fields();
        let counters = fields
            .iter()
            .filter(|f| f.kind != MetricKind::Gauge)
            .map(|f| f.shape.counter_slots())
            .sum();
        let gauges = fields
            .iter()
            .filter(|f| f.kind == MetricKind::Gauge)
            .count();
        let open = fields
            .iter()
            .filter_map(|f| match f.shape {
                FieldShape::Open { index, .. } => Some(OpenCursor::new(table, index, f.offset)),
                FieldShape::Plain | FieldShape::Closed { .. } | FieldShape::Histogram { .. } => {
                    None
                }
            })
            .collect();
        let mut core = Self {
            table,
            last_counters: vec![0; counters],
            last_gauges: vec![0; gauges],
            next_counters: vec![0; counters],
            next_gauges: vec![0; gauges],
            open,
        };
        core.table
            .read_raw(&mut core.last_counters, &mut core.last_gauges);
        core
    }

    fn rewind(&mut self) {
        self.last_counters.fill(0);
        self.last_gauges.fill(0);
        for field in &mut self.open {
            OpenField::rewind(&mut field.state);
        }
    }

    /// Reads the table, leaves the counters' and gauges' deltas in
    /// `next_counters` and `next_gauges`, and returns the open keyed
    /// fields' deltas.
    fn advance(&mut self) -> Vec<Keyed<String>> {
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
        let table = self.table;
        let counters = &self.next_counters;
        self.open
            .iter_mut()
            .map(|field| {
                let overflow = counters.get(field.overflow_index).copied().unwrap_or(0);
                field.delta(table, overflow)
            })
            .collect()
    }
}

impl<'a, S: StatTable> Cursor<'a, S> {
    pub(crate) fn new(table: &'a dyn TableReader) -> Self {
        Self {
            core: CursorCore::new(table),
            stats: PhantomData,
        }
    }

    /// Makes the next delta cover everything the table has counted since it
    /// was built, as if this cursor had existed from the start, with one
    /// exception: the keys of an open keyed field that a reset or clear
    /// emptied before this cursor was made are gone (their increments are
    /// not kept anywhere once no cursor is waiting for them). Counters,
    /// gauges, closed keyed fields and every overflow are whole.
    #[must_use]
    pub fn from_start(mut self) -> Self {
        self.core.rewind();
        self
    }

    /// What changed since the previous delta (or since the cursor was made).
    ///
    /// Each thread's part of the table is read consistently, so the sum of
    /// a cursor's deltas since the table was built is a state the writers
    /// really left: an invariant that every writer keeps (such as `failed
    /// <= created`) holds in it. A single delta is the difference of two
    /// such states: it holds whole steps (`table.add(&step)`) whole, but a
    /// writer's separate increments (`created.inc(); failed.inc();`) can
    /// fall on either side of a delta's boundary.
    pub fn delta(&mut self) -> S {
        let mut open = self.core.advance();
        S::from_raw(&mut RawValues {
            counters: &self.core.next_counters,
            gauges: &self.core.next_gauges,
            open: &mut open,
        })
    }
}

impl<S> fmt::Debug for Cursor<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor")
            .field("table", &self.core.table.table_name())
            .field("last_counters", &self.core.last_counters)
            .field("last_gauges", &self.core.last_gauges)
            .finish()
    }
}
