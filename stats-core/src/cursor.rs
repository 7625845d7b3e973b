//! Lossless deltas: a reader that remembers what it has already reported.

use crate::iter::TableReader;
use crate::keyed::Keyed;
use crate::schema::{FieldShape, MetricKind, RawValues, StatTable};
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
/// Keyed fields are in deltas too, key by key. A closed key set's counters
/// behave like plain counters. An open key set's counts are emptied by a
/// reset or `clear()`: the delta that spans one holds the field's counts
/// since the clear; the increments made between the cursor's previous delta
/// and the clear are cleared with the field. (Its overflow counter behaves
/// like a plain counter and loses nothing.)
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
    /// One per open keyed field, in field order.
    open: Vec<OpenCursor>,
    stats: PhantomData<fn() -> S>,
}

/// What a cursor last reported of one open keyed field.
struct OpenCursor {
    /// The field's index among the open keyed fields.
    index: usize,
    /// The field's overflow slot.
    overflow_slot: usize,
    /// The field's generation the counts below are from.
    generation: u64,
    /// Each entry's count as last reported.
    last: Vec<u64>,
}

impl OpenCursor {
    fn new(table: &dyn TableReader, index: usize, overflow_slot: usize) -> Self {
        let (last, generation) = table
            .open_field(index)
            .read(|view| (0..view.capacity()).map(|e| view.count(e)).collect());
        Self {
            index,
            overflow_slot,
            generation,
            last,
        }
    }

    fn rewind(&mut self) {
        self.last.fill(0);
    }

    /// The counts added since the last call, key by key; `overflow` is the
    /// overflow counter's delta.
    fn delta(&mut self, table: &dyn TableReader, overflow: u64) -> Keyed<String> {
        let last = &self.last;
        let cursor_generation = self.generation;
        // Each entry's count now, and its delta with the key where non-zero.
        // A clear since the last delta emptied the field: counts start at 0.
        let (entries, generation) = table.open_field(self.index).read(|view| {
            let cleared = view.generation != cursor_generation;
            (0..view.capacity())
                .map(|entry| {
                    let now = view.count(entry);
                    let before = if cleared { 0 } else { last[entry] };
                    let delta = now.wrapping_sub(before);
                    (now, (delta != 0).then(|| (view.key(entry), delta)))
                })
                .collect::<Vec<_>>()
        });
        self.generation = generation;
        let mut counts = Vec::new();
        for ((now, changed), last) in entries.into_iter().zip(&mut self.last) {
            *last = now;
            counts.extend(changed);
        }
        Keyed::from_counts(counts, overflow)
    }
}

impl<'a, S: StatTable> Cursor<'a, S> {
    pub(crate) fn new(table: &'a dyn TableReader) -> Self {
        let fields = table.fields();
        let counters = fields
            .iter()
            .filter(|f| f.kind == MetricKind::Counter)
            .map(|f| f.shape.counter_slots())
            .sum();
        let gauges = fields
            .iter()
            .filter(|f| f.kind == MetricKind::Gauge)
            .count();
        let open = fields
            .iter()
            .filter_map(|f| match f.shape {
                FieldShape::Open { index, .. } => Some(OpenCursor::new(table, index, f.slot)),
                FieldShape::Plain | FieldShape::Closed { .. } => None,
            })
            .collect();
        let mut cursor = Self {
            table,
            last_counters: vec![0; counters],
            last_gauges: vec![0; gauges],
            next_counters: vec![0; counters],
            next_gauges: vec![0; gauges],
            open,
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
        self.open.iter_mut().for_each(OpenCursor::rewind);
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
        let table = self.table;
        let counters = &self.next_counters;
        let mut open: Vec<Keyed<String>> = self
            .open
            .iter_mut()
            .map(|field| {
                let overflow = counters.get(field.overflow_slot).copied().unwrap_or(0);
                field.delta(table, overflow)
            })
            .collect();
        S::from_raw(&mut RawValues {
            counters,
            gauges: &self.next_gauges,
            open: &mut open,
        })
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
