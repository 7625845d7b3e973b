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

use crate::defend::breaker::Breaker;
use crate::defend::gate;
use crate::export::snapshot::{Exported, TableSnapshot};
use crate::export::text::TableText;
use crate::histogram::handle::HistogramField;
use crate::keyed::handle::{ClosedKeyed, OpenKeyed};
use crate::keyed::key::StatKey;
use crate::keyed::open::OpenField;
use crate::read::cursor::Cursor;
use crate::read::iter::Iter;
use crate::read::snapshot::Snapshot;
use crate::rows::Rows;
use crate::table::contract::{FieldDesc, FieldShape, Schema};
use crate::table::handle::{Counter, Gauge, net_level};
use crate::table::layout::{Layout, RawAccess};
use crate::table::reader::TableReader;
use crate::table::reading::{self, Reading};
use crate::table::traits::{MetricKind, StatTable};
use arc_swap::{ArcSwap, ArcSwapOption};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

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
    /// Ticked at the start and the end of every read that may publish.
    read_ticks: AtomicU64,
    /// The last snapshot published: see [`crate::read::snapshot`].
    published: ArcSwapOption<Reading>,
    /// When the table was built.
    built: Instant,
    /// Its exposition text that no value changes, built by the first
    /// export.
    exposition: OnceLock<Arc<TableText>>,
}

impl<const WORDS: usize, const GAUGES: usize> RawTable<WORDS, GAUGES> {
    /// An empty table for the struct `S`, with a breaker of the default
    /// configuration.
    #[must_use]
    pub fn new<S: Schema>() -> Self {
        Self::with_breaker::<S>(Breaker::new())
    }

    /// An empty table for the struct `S` guarded by `breaker`.
    #[must_use]
    pub fn with_breaker<S: Schema>(breaker: Breaker) -> Self {
        Self::build(S::TABLE_NAME, S::FIELDS, breaker)
    }

    /// The table named `name` of `fields`: not generic over the struct, so
    /// it is compiled once per row shape rather than once per table.
    fn build(name: &'static str, fields: &'static [FieldDesc], breaker: Breaker) -> Self {
        let counter_slots = fields
            .iter()
            .filter(|f| f.kind != MetricKind::Gauge)
            .map(|f| f.shape.counter_slots())
            .sum::<usize>();
        debug_assert_eq!(counter_slots + 2 * GAUGES, WORDS);
        debug_assert_eq!(
            fields
                .iter()
                .filter(|f| f.kind == MetricKind::Gauge)
                .count(),
            GAUGES
        );
        Self {
            name,
            fields,
            counters: Rows::new(breaker),
            counter_slots,
            gauge_bases: std::array::from_fn(|_| AtomicI64::new(0)),
            set_order: Mutex::new(()),
            open: fields
                .iter()
                .filter_map(|field| match field.shape {
                    FieldShape::Open {
                        capacity,
                        max_key_len,
                        ..
                    } => Some(OpenField::new(capacity, max_key_len)),
                    FieldShape::Plain
                    | FieldShape::Closed { .. }
                    | FieldShape::Histogram { .. } => None,
                })
                .collect(),
            baseline: ArcSwap::from_pointee([0; WORDS]),
            state: AtomicU64::new(0),
            change_order: Mutex::new(()),
            read_ticks: AtomicU64::new(0),
            published: ArcSwapOption::empty(),
            built: Instant::now(),
            exposition: OnceLock::new(),
        }
    }

    /// The handle of counter `index`, for the table `T` this storage is.
    #[inline]
    #[must_use]
    pub fn counter<T: Layout<Raw = Self>>(&self, index: usize) -> Counter<'_, T> {
        debug_assert!(index < WORDS, "counter index {index} out of {WORDS}");
        Counter::new(self, index)
    }

    /// The row word of gauge `gauge`'s ups; its downs follow.
    #[inline]
    fn gauge_word(&self, gauge: usize) -> usize {
        self.counter_slots + 2 * gauge
    }

    /// The handle of gauge `gauge`, for the table `T` this storage is.
    #[inline]
    #[must_use]
    pub fn gauge<T: Layout<Raw = Self>>(&self, gauge: usize) -> Gauge<'_, T> {
        debug_assert!(gauge < GAUGES, "gauge {gauge} out of {GAUGES}");
        Gauge::new(self, gauge)
    }

    /// The handle of the closed keyed field whose first index is `first`,
    /// for the table `T` this storage is.
    #[inline]
    #[must_use]
    pub fn closed_keyed<T: Layout<Raw = Self>, K: StatKey>(
        &self,
        first: usize,
    ) -> ClosedKeyed<'_, K, T> {
        debug_assert!(first + K::ALL.len() < WORDS);
        ClosedKeyed::new(self, self, first)
    }

    /// The handle of the histogram field whose first bucket is `first`, for
    /// the table `T` this storage is.
    #[inline]
    #[must_use]
    pub fn histogram_field<T: Layout<Raw = Self>>(
        &self,
        first: usize,
        bounds: &'static [u64],
    ) -> HistogramField<'_, T> {
        debug_assert!(first + bounds.len() + 1 < WORDS);
        HistogramField::new(self, first, bounds)
    }

    /// Adds `n` (negative to subtract) to gauge `gauge`'s ups or downs, past
    /// the breakers; whether the word crossed a sampling boundary.
    fn gauge_add(&self, gauge: usize, n: i64) -> bool {
        let ups = self.gauge_word(gauge);
        let word = if n >= 0 { ups } else { ups + 1 };
        self.counters.add(word, n.unsigned_abs())
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
        let n = n as i64;
        if n != 0 {
            gate::write!(
                self.counters.breaker(),
                self.gauge_add(gauge, n),
                self.gauge_add(gauge, 0),
            );
        }
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
        gate::write!(
            self.counters.breaker(),
            self.counters.add_all(&words),
            self.counters.add_all(&[0; WORDS]),
        );
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

    /// A snapshot as the user's struct; it is published (see
    /// [`crate::read::snapshot`]).
    #[must_use]
    pub fn snapshot<S: Schema>(&self) -> S {
        let reading = self.read_and_publish();
        reading.to_struct()
    }

    /// A reading without a deadline, published.
    fn read_and_publish(&self) -> Arc<Reading> {
        // Without a deadline a reading always completes.
        let reading = self.read(None).unwrap_or_else(|| self.as_built());
        self.publish(reading)
    }

    /// What is published once a read that completes within `within` has
    /// offered itself, else the last one published, marked stale: see
    /// [`crate::read::snapshot`].
    #[must_use]
    pub fn snapshot_within<S: Schema>(&self, within: Duration) -> Snapshot<S> {
        let (reading, stale) = self.export_reading(within);
        Snapshot::new(reading.to_struct(), reading.taken_at, stale)
    }

    /// A snapshot for an exporter: a fresh read published if it completes
    /// before the deadline, then whatever is published, so what exporters
    /// show only moves forward (resets aside).
    fn export_reading(&self, within: Duration) -> (Arc<Reading>, bool) {
        let deadline = Instant::now().checked_add(within);
        let fresh = self.read(Some(deadline.unwrap_or_else(far_future)));
        let stale = fresh.is_none();
        match fresh {
            Some(reading) => {
                self.publish(reading);
            }
            None => crate::defend::health::count(|health| health.snapshot_timeout().inc()),
        }
        let published = self
            .published
            .load_full()
            .unwrap_or_else(|| Arc::new(self.as_built()));
        (published, stale)
    }

    /// Reads the table: counters since the last reset, gauges, open keyed
    /// fields; `None` if `deadline` passed first.
    fn read(&self, deadline: Option<Instant>) -> Option<Reading> {
        let started = self.read_ticks.fetch_add(1, Ordering::AcqRel);
        let (taken_at, taken_at_wall) = reading::now();
        // Load the baseline first: the sums read after it are at least as new
        // as the ones the reset copied, so the subtraction never goes below 0.
        let baseline = self.baseline.load();
        let mut sums = match deadline {
            None => self.raw_sums(),
            Some(deadline) => self.counters.sum_before(deadline)?,
        };
        let gauges = self.gauge_levels(&sums).to_vec();
        for (value, base) in sums.iter_mut().zip(baseline.iter()) {
            *value = value.wrapping_sub(*base);
        }
        let counters = sums[..self.counter_slots].to_vec();
        let mut open = Vec::with_capacity(self.open.len());
        for field in &self.open {
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return None;
            }
            open.push(field.listing());
        }
        let ended = self.read_ticks.fetch_add(1, Ordering::AcqRel);
        Some(Reading {
            started,
            ended,
            taken_at,
            taken_at_wall,
            counters,
            gauges,
            open,
        })
    }

    /// The table as it was built: what a snapshot that missed its deadline
    /// returns when none was ever published.
    fn as_built(&self) -> Reading {
        Reading::empty(self.counter_slots, GAUGES, self.open.len(), self.built)
    }

    /// Publishes `reading` if it began after the published one ended, so
    /// published snapshots only move forward.
    /// Returns `reading`, shared.
    fn publish(&self, reading: Reading) -> Arc<Reading> {
        let reading = Arc::new(reading);
        self.published.rcu(|current| match current {
            Some(current) if reading.started <= current.ended => Some(Arc::clone(current)),
            _ => Some(Arc::clone(&reading)),
        });
        reading
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

    /// The table's circuit breaker.
    #[must_use]
    pub fn breaker(&self) -> &Breaker {
        self.counters.breaker()
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

impl<const WORDS: usize, const GAUGES: usize> RawAccess for RawTable<WORDS, GAUGES> {
    #[inline(always)]
    fn add_word(&self, index: usize, n: u64) -> bool {
        self.counters.add(index, n)
    }

    #[inline(always)]
    fn add_two(&self, i: usize, a: u64, j: usize, b: u64) -> bool {
        self.counters.add_two(i, a, j, b)
    }

    fn read_words(&self, first: usize, out: &mut [u64]) {
        let baseline = self.baseline.load();
        let sums = self.raw_sums();
        for (offset, word) in out.iter_mut().enumerate() {
            let index = first + offset;
            *word = sums[index].wrapping_sub(baseline[index]);
        }
    }

    #[inline]
    fn table_breaker(&self) -> &Breaker {
        self.counters.breaker()
    }

    fn counter_value(&self, index: usize) -> u64 {
        self.counters
            .sum_of(index)
            .wrapping_sub(self.baseline.load()[index])
    }

    #[inline]
    fn gauge_ups(&self, gauge: usize) -> usize {
        self.gauge_word(gauge)
    }

    fn set_gauge(&self, gauge: usize, value: i64) {
        // The lock guards no data, only the order of sets; a poisoned one
        // is fine to use.
        let _order = self
            .set_order
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let net = net_level(&self.counters.sum(), self.gauge_word(gauge));
        self.gauge_bases[gauge].store(value.wrapping_sub(net), Ordering::Release);
    }

    fn gauge_level(&self, gauge: usize) -> i64 {
        // The base after the rows: see `gauge_levels`.
        let net = net_level(&self.counters.sum(), self.gauge_word(gauge));
        self.gauge_bases[gauge]
            .load(Ordering::Acquire)
            .wrapping_add(net)
    }
}

/// A deadline so far away that it never passes: for a `within` too large
/// to add to now.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(60 * 60 * 24 * 365 * 100)
}

impl<const WORDS: usize, const GAUGES: usize> Exported for RawTable<WORDS, GAUGES> {
    fn table_name(&self) -> &'static str {
        self.name
    }

    fn fields(&self) -> &'static [FieldDesc] {
        self.fields
    }

    fn identity(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    fn export_within(&self, within: Duration) -> TableSnapshot {
        let (reading, stale) = self.export_reading(within);
        TableSnapshot {
            table_name: self.name,
            fields: self.fields,
            reading,
            stale,
            table_id: self.identity(),
            text: Arc::clone(
                self.exposition
                    .get_or_init(|| Arc::new(TableText::new(self.fields))),
            ),
        }
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
        self.counter_value(index)
    }

    fn gauge(&self, gauge: usize) -> i64 {
        self.gauge_level(gauge)
    }

    fn breaker(&self) -> &Breaker {
        self.counters.breaker()
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
