//! The runtime half of a generated table: per-thread rows of counters and
//! gauges, the reset baseline and the version.
//!
//! # The row
//!
//! A table of `WORDS` words keeps its counter slots first (plain counters,
//! then each closed keyed field's variants and its overflow, then each
//! open keyed field's overflow, in field order), then two words per gauge:
//! the gauge's ups and its downs. Every word only grows, so a row is copied
//! consistently by the two-pass protocol of [`crate::rows::row`], and a step
//! (`table.add(&step)`) that moves counters and gauges is one write of the
//! row: a reader sees all of it or none of it. A gauge's level is its base
//! (moved only by `set`) plus the ups minus the downs of every row.
//!
//! # Reset without racing the writers
//!
//! Writers own their rows and store to them without a locked instruction, so
//! nobody else may store to a row: zeroing rows would race an owner's
//! load-then-store and lose increments. A reset therefore never writes a row.
//! It copies the current sums of the counter slots into `baseline`, and every
//! reader reports `sum - baseline`. An increment that races a reset lands
//! either in the baseline or after it: it is counted exactly once. Cursors
//! read the raw sums and ignore the baseline, so a reset never disturbs
//! their deltas. Gauges are levels, not counts: a reset leaves them alone.
//!
//! # The version
//!
//! `state` counts destructive changes (a reset, a clear of a keyed field)
//! twice: it is made odd before the change touches anything and even after
//! the change is complete, under the lock that orders changes. A versioned
//! iterator remembers the state it was made at and checks it before and
//! after every read; the check fails if the state moved or was odd to begin
//! with. An iterator whose read saw any effect of a change therefore sees
//! an odd or a newer state when it checks after that read (every effect is
//! published with release ordering after the state went odd), so it
//! either saw one side of the change or goes stale.
//!
//! # Keyed fields
//!
//! A closed keyed field is a run of counter slots, one per variant plus its
//! overflow, so it is read, reset and cleared like plain counters: clearing
//! one moves the baseline of its slots only. An open keyed field has a key
//! store of its own (see [`crate::keyed::open`]) and one counter index for its
//! overflow; a reset or a clear empties the store and moves the overflow's
//! baseline.

use crate::keyed::handle::{ClosedKeyed, OpenKeyed};
use crate::keyed::key::StatKey;
use crate::keyed::open::OpenField;
use crate::keyed::value::Keyed;
use crate::read::cursor::Cursor;
use crate::read::iter::Iter;
use crate::rows::Rows;
use crate::table::contract::{FieldDesc, FieldShape, RawValues, Schema};
use crate::table::handle::{Counter, Gauge, net_level};
use crate::table::reader::TableReader;
use crate::table::traits::{MetricKind, StatTable};
use arc_swap::ArcSwap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The storage behind a generated `{Struct}Table`: `WORDS` words per row
/// (the counter slots, then two per gauge) and `GAUGES` gauges. Not public
/// API: use the generated table.
#[doc(hidden)]
pub struct RawTable<const WORDS: usize, const GAUGES: usize> {
    name: &'static str,
    fields: &'static [FieldDesc],
    counters: Rows<WORDS>,
    /// The counter slots come first; the gauges' words after them.
    counter_slots: usize,
    /// Each gauge's base: its level is the base plus its rows' net.
    gauge_bases: [AtomicI64; GAUGES],
    /// Orders `set`s of gauges.
    set_order: Mutex<()>,
    /// The open keyed fields, in field order.
    open: Box<[OpenField]>,
    /// The raw counter sums at the last reset; readers subtract them.
    baseline: ArcSwap<[u64; WORDS]>,
    /// Twice the destructive changes, plus one while a change runs: see the
    /// module docs.
    state: AtomicU64,
    /// Serialises resets and clears, so the baseline only moves forward.
    change_order: Mutex<()>,
}

impl<const WORDS: usize, const GAUGES: usize> RawTable<WORDS, GAUGES> {
    /// An empty table for the struct `S`.
    #[must_use]
    pub fn new<S: Schema>() -> Self {
        let counter_slots = S::FIELDS
            .iter()
            .filter(|f| f.kind == MetricKind::Counter)
            .map(|f| f.shape.counter_slots())
            .sum::<usize>();
        debug_assert_eq!(counter_slots + 2 * GAUGES, WORDS);
        debug_assert_eq!(
            S::FIELDS
                .iter()
                .filter(|f| f.kind == MetricKind::Gauge)
                .count(),
            GAUGES
        );
        Self {
            name: S::TABLE_NAME,
            fields: S::FIELDS,
            counters: Rows::new(),
            counter_slots,
            gauge_bases: std::array::from_fn(|_| AtomicI64::new(0)),
            set_order: Mutex::new(()),
            open: S::FIELDS
                .iter()
                .filter_map(|field| match field.shape {
                    FieldShape::Open {
                        capacity,
                        max_key_len,
                        ..
                    } => Some(OpenField::new(capacity, max_key_len)),
                    FieldShape::Plain | FieldShape::Closed { .. } => None,
                })
                .collect(),
            baseline: ArcSwap::from_pointee([0; WORDS]),
            state: AtomicU64::new(0),
            change_order: Mutex::new(()),
        }
    }

    /// The handle of counter `index`.
    #[inline]
    #[must_use]
    pub fn counter(&self, index: usize) -> Counter<'_, WORDS> {
        Counter::new(&self.counters, index, &self.baseline)
    }

    /// The row word of gauge `gauge`'s ups; its downs follow.
    #[inline]
    fn gauge_word(&self, gauge: usize) -> usize {
        self.counter_slots + 2 * gauge
    }

    /// The handle of gauge `gauge`.
    #[inline]
    #[must_use]
    pub fn gauge(&self, gauge: usize) -> Gauge<'_, WORDS> {
        Gauge::new(
            &self.counters,
            self.gauge_word(gauge),
            &self.gauge_bases[gauge],
            &self.set_order,
        )
    }

    /// The handle of the closed keyed field whose first index is `first`.
    #[inline]
    #[must_use]
    pub fn closed_keyed<K: StatKey>(&self, first: usize) -> ClosedKeyed<'_, K, WORDS> {
        ClosedKeyed::new(&self.counters, self, first)
    }

    /// The handle of open keyed field `index`, whose overflow counter is
    /// `overflow_index`.
    #[inline]
    #[must_use]
    pub fn open_keyed(&self, index: usize, overflow_index: usize) -> OpenKeyed<'_> {
        OpenKeyed::new(&self.open[index], self, index, overflow_index)
    }

    /// Adds `n` to gauge `gauge`, for `add_to(field, n)` on a gauge: values
    /// above `i64::MAX` wrap, as documented there.
    #[inline]
    pub fn add_to_gauge(&self, gauge: usize, n: u64) {
        #[allow(clippy::cast_possible_wrap)] // the documented wrap
        self.gauge(gauge).add(n as i64);
    }

    /// Adds a step: every counter delta (the counter slots, in order) and
    /// every gauge delta, in one consistent write to this thread's row.
    #[inline]
    pub fn add(&self, counters: &[u64], gauges: &[i64; GAUGES]) {
        let mut words = [0u64; WORDS];
        for (word, &n) in words.iter_mut().zip(counters) {
            *word = n;
        }
        for (gauge, &n) in gauges.iter().enumerate() {
            let ups = self.gauge_word(gauge);
            if n >= 0 {
                words[ups] = n.unsigned_abs();
            } else {
                words[ups + 1] = n.unsigned_abs();
            }
        }
        self.counters.add_all(&words);
    }

    /// The raw sums of every row, each row copied consistently.
    fn raw_sums(&self) -> [u64; WORDS] {
        self.counters.sum()
    }

    /// The gauges' levels from raw sums. The bases are loaded after the
    /// sums, so a `set` that completed before the rows were read is seen.
    fn gauge_levels(&self, sums: &[u64; WORDS]) -> [i64; GAUGES] {
        std::array::from_fn(|gauge| {
            self.gauge_bases[gauge]
                .load(Ordering::Acquire)
                .wrapping_add(net_level(sums, self.gauge_word(gauge)))
        })
    }

    /// The counters since the last reset, and the gauges' levels.
    fn read_since_reset(&self) -> ([u64; WORDS], [i64; GAUGES]) {
        // Load the baseline first: the sums read after it are at least as new
        // as the ones the reset copied, so the subtraction never goes below 0.
        let baseline = self.baseline.load();
        let mut sums = self.raw_sums();
        let gauges = self.gauge_levels(&sums);
        for (value, base) in sums.iter_mut().zip(baseline.iter()) {
            *value = value.wrapping_sub(*base);
        }
        (sums, gauges)
    }

    /// A snapshot as the user's struct.
    #[must_use]
    pub fn snapshot<S: Schema>(&self) -> S {
        let (sums, gauges) = self.read_since_reset();
        let counters = &sums[..self.counter_slots];
        let mut open = self.open_snapshots(counters);
        S::from_raw(&mut RawValues {
            counters,
            gauges: &gauges,
            open: &mut open,
        })
    }

    /// Each open keyed field's counts, with its overflow from `counters`.
    fn open_snapshots(&self, counters: &[u64]) -> Vec<Keyed<String>> {
        self.fields
            .iter()
            .filter_map(|desc| match desc.shape {
                FieldShape::Open { index, .. } => Some(Keyed::from_counts(
                    self.open[index].read(|view| view.counts()).0,
                    counters[desc.offset],
                )),
                FieldShape::Plain | FieldShape::Closed { .. } => None,
            })
            .collect()
    }

    /// A cursor whose first delta covers what happens after this call.
    #[must_use]
    pub fn cursor<S: StatTable>(&self) -> Cursor<'_, S> {
        Cursor::new(self)
    }

    /// A versioned iterator over every series.
    #[must_use]
    pub fn iter(&self) -> Iter<'_> {
        Iter::new(self)
    }

    /// Zeroes every counter, empties every keyed field and bumps the
    /// version, so iterators made before the reset, or during it, are
    /// stale. Gauges are levels and keep them. Cursors are not affected:
    /// see the module docs.
    pub fn reset(&self) {
        self.change(|| {
            let sums = self.raw_sums();
            let mut baseline = **self.baseline.load();
            baseline[..self.counter_slots].copy_from_slice(&sums[..self.counter_slots]);
            self.baseline.store(Arc::new(baseline));
            for field in &self.open {
                field.clear();
            }
        });
    }

    /// Runs a destructive change: under the lock that orders changes, with
    /// the state odd while it runs (see the module docs).
    fn change(&self, change: impl FnOnce()) {
        // The lock guards no data, only the order of changes; a panic while
        // it was held leaves the state odd and the iterators made since then
        // stale, which is safe, so a poisoned lock is fine to use.
        let _order = self
            .change_order
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let before = self.state.fetch_add(1, Ordering::AcqRel);
        change();
        // Even again: `before` is even unless a change panicked half-way.
        self.state
            .store((before | 1).wrapping_add(1), Ordering::Release);
    }

    /// Moves the baseline of `len` counter slots from `first` to their
    /// current sums, so they read as zero.
    fn move_baseline(&self, first: usize, len: usize) {
        let mut baseline = **self.baseline.load();
        for (index, base) in baseline.iter_mut().enumerate().skip(first).take(len) {
            *base = self.counters.sum_of(index);
        }
        self.baseline.store(Arc::new(baseline));
    }

    /// How many destructive changes (resets and clears) have begun.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.state.load(Ordering::Acquire).div_ceil(2)
    }

    /// How many per-thread rows the table has allocated. Threads that wrote
    /// to any table hold a slot until they exit, and rows come in buckets of
    /// doubling size, so this stays below twice the largest number of such
    /// threads alive at once.
    #[must_use]
    pub fn shard_count(&self) -> usize {
        self.counters.shard_count()
    }

    /// Every byte the table holds on the heap and in itself: the rows, the
    /// open keyed fields' keys, index and counts, and the baseline. Cursors
    /// hold their own memory, not counted here.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.counters.memory_bytes()
            + size_of::<[u64; WORDS]>()
            + self.open.iter().map(OpenField::memory_bytes).sum::<usize>()
    }
}

impl<const WORDS: usize, const GAUGES: usize> TableReader for RawTable<WORDS, GAUGES> {
    fn table_name(&self) -> &'static str {
        self.name
    }

    fn fields(&self) -> &'static [FieldDesc] {
        self.fields
    }

    fn state(&self) -> u64 {
        self.state.load(Ordering::Acquire)
    }

    fn read_raw(&self, counters: &mut [u64], gauges: &mut [i64]) {
        let sums = self.raw_sums();
        counters.copy_from_slice(&sums[..self.counter_slots]);
        gauges.copy_from_slice(&self.gauge_levels(&sums));
    }

    fn counter(&self, index: usize) -> u64 {
        RawTable::counter(self, index).get()
    }

    fn gauge(&self, gauge: usize) -> i64 {
        RawTable::gauge(self, gauge).get()
    }

    fn add_counter(&self, index: usize, n: u64) {
        self.counters.add(index, n);
    }

    fn open_field(&self, index: usize) -> &OpenField {
        &self.open[index]
    }

    fn clear_slots(&self, first: usize, len: usize) {
        self.change(|| self.move_baseline(first, len));
    }

    fn clear_open(&self, index: usize) {
        let Some((field, desc)) =
            self.open.get(index).zip(self.fields.iter().find(
                |desc| matches!(desc.shape, FieldShape::Open { index: i, .. } if i == index),
            ))
        else {
            return;
        };
        self.change(|| {
            self.move_baseline(desc.offset, 1);
            field.clear();
        });
    }
}

impl<const WORDS: usize, const GAUGES: usize> std::fmt::Debug for RawTable<WORDS, GAUGES> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (sums, gauges) = self.read_since_reset();
        f.debug_struct("RawTable")
            .field("name", &self.name)
            .field("counters", &&sums[..self.counter_slots])
            .field("gauges", &gauges)
            .field("version", &self.version())
            .field("shards", &self.shard_count())
            .finish()
    }
}
