//! The runtime half of a generated table: sharded counters, gauges, the reset
//! baseline and the version.
//!
//! # Reset without racing the writers
//!
//! Writers own their rows and store to them without a locked instruction, so
//! nobody else may store to a row: zeroing rows would race an owner's
//! load-then-store and lose increments. A reset therefore never writes a row.
//! It copies the current sums into `baseline`, and every reader reports
//! `sum - baseline`. An increment that races a reset lands either in the
//! baseline or after it: it is counted exactly once. Cursors read the raw sums
//! and ignore the baseline, so a reset never disturbs their deltas.
//!
//! Gauges are single atomics; a reset stores zero into them. A gauge update
//! that races a reset may land on either side of it.
//!
//! # Keyed fields
//!
//! A closed keyed field is a run of counter slots, one per variant, so it
//! is read, reset and cleared like plain counters: clearing one moves the
//! baseline of its slots only. An open keyed field has a key store of its
//! own (see [`crate::open_field`]) and one counter slot for its overflow; a
//! reset or a clear empties the store and moves the overflow's baseline.

use crate::handle::{Counter, Gauge};
use crate::iter::Iter;
use crate::keyed::Keyed;
use crate::keyed_handle::{ClosedKeyed, OpenKeyed};
use crate::open_field::OpenField;
use crate::schema::{FieldDesc, FieldShape, MetricKind, RawValues, Schema, StatTable};
use crate::sharded::ShardedCounters;
use crate::{Cursor, StatKey, iter::TableReader};
use arc_swap::ArcSwap;
use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The storage behind a generated `{Struct}Table`: `COUNTERS` counter slots
/// and `GAUGES` gauges. Not public API: use the generated table.
#[doc(hidden)]
pub struct RawTable<const COUNTERS: usize, const GAUGES: usize> {
    name: &'static str,
    fields: &'static [FieldDesc],
    counters: ShardedCounters<COUNTERS>,
    /// Padded: two gauges updated by different threads must not share a line.
    gauges: [CachePadded<AtomicI64>; GAUGES],
    /// The open keyed fields, in field order.
    open: Box<[OpenField]>,
    /// The raw counter sums at the last reset; readers subtract them.
    baseline: ArcSwap<[u64; COUNTERS]>,
    /// Bumped by every destructive change, before the change is made.
    version: AtomicU64,
    /// Serialises resets and clears, so the baseline only moves forward.
    reset_lock: Mutex<()>,
}

impl<const COUNTERS: usize, const GAUGES: usize> RawTable<COUNTERS, GAUGES> {
    /// An empty table for the struct `S`.
    #[must_use]
    pub fn new<S: Schema>() -> Self {
        debug_assert_eq!(
            S::FIELDS
                .iter()
                .filter(|f| f.kind == MetricKind::Counter)
                .map(|f| f.shape.counter_slots())
                .sum::<usize>(),
            COUNTERS
        );
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
            counters: ShardedCounters::new(),
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
            gauges: std::array::from_fn(|_| CachePadded::new(AtomicI64::new(0))),
            baseline: ArcSwap::from_pointee([0; COUNTERS]),
            version: AtomicU64::new(0),
            reset_lock: Mutex::new(()),
        }
    }

    /// The handle of counter `slot`.
    #[inline]
    #[must_use]
    pub fn counter(&self, slot: usize) -> Counter<'_, COUNTERS> {
        Counter::new(&self.counters, slot, &self.baseline)
    }

    /// The handle of gauge `slot`.
    #[inline]
    #[must_use]
    pub fn gauge(&self, slot: usize) -> Gauge<'_> {
        Gauge::new(&self.gauges[slot])
    }

    /// The handle of the closed keyed field whose first slot is `first`.
    #[inline]
    #[must_use]
    pub fn closed_keyed<K: StatKey>(&self, first: usize) -> ClosedKeyed<'_, K, COUNTERS> {
        ClosedKeyed::new(&self.counters, self, first)
    }

    /// The handle of open keyed field `index`, whose overflow counter is
    /// `overflow_slot`.
    #[inline]
    #[must_use]
    pub fn open_keyed(&self, index: usize, overflow_slot: usize) -> OpenKeyed<'_> {
        OpenKeyed::new(&self.open[index], self, index, overflow_slot)
    }

    /// Adds `n` to gauge `slot`, for `add_to(field, n)` on a gauge: values
    /// above `i64::MAX` wrap, as documented there.
    #[inline]
    pub fn add_to_gauge(&self, slot: usize, n: u64) {
        #[allow(clippy::cast_possible_wrap)] // the documented wrap
        self.gauge(slot).add(n as i64);
    }

    /// Adds every counter delta in one consistent write to this thread's
    /// row, then adds the gauge deltas.
    #[inline]
    pub fn add(&self, counters: &[u64; COUNTERS], gauges: &[i64; GAUGES]) {
        self.counters.add_all(counters);
        for (gauge, &n) in self.gauges.iter().zip(gauges) {
            if n != 0 {
                gauge.fetch_add(n, Ordering::Relaxed);
            }
        }
    }

    /// The counters since the last reset.
    fn counters_since_reset(&self) -> [u64; COUNTERS] {
        // Load the baseline first: the sums read after it are at least as new
        // as the ones the reset copied, so the subtraction never goes below 0.
        let baseline = self.baseline.load();
        let mut counters = self.counters.sum();
        for (value, base) in counters.iter_mut().zip(baseline.iter()) {
            *value = value.wrapping_sub(*base);
        }
        counters
    }

    fn gauge_values(&self) -> [i64; GAUGES] {
        std::array::from_fn(|i| self.gauges[i].load(Ordering::Relaxed))
    }

    /// A snapshot as the user's struct.
    #[must_use]
    pub fn snapshot<S: Schema>(&self) -> S {
        let counters = self.counters_since_reset();
        let gauges = self.gauge_values();
        let mut open = self.open_snapshots(&counters);
        S::from_raw(&mut RawValues {
            counters: &counters,
            gauges: &gauges,
            open: &mut open,
        })
    }

    /// Each open keyed field's counts, with its overflow from `counters`.
    fn open_snapshots(&self, counters: &[u64; COUNTERS]) -> Vec<Keyed<String>> {
        self.fields
            .iter()
            .filter_map(|desc| match desc.shape {
                FieldShape::Open { index, .. } => Some(Keyed::from_counts(
                    self.open[index]
                        .read(|view| view.counts().collect::<Vec<_>>())
                        .0,
                    counters[desc.slot],
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

    /// Zeroes every counter and gauge and bumps the version, so iterators
    /// made before the reset panic on their next step. Cursors are not
    /// affected: see the module docs.
    pub fn reset(&self) {
        // The lock guards no data, only the order of resets; a panic while it
        // was held leaves nothing half-done, so a poisoned lock is fine to use.
        let _order = self
            .reset_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.version.fetch_add(1, Ordering::AcqRel);
        self.baseline.store(Arc::new(self.counters.sum()));
        for gauge in &self.gauges {
            gauge.store(0, Ordering::Relaxed);
        }
        for field in &self.open {
            field.clear();
        }
    }

    /// Moves the baseline of `len` counter slots from `first` to their
    /// current sums, so they read as zero, after moving the version on; then
    /// runs `and_then`, all under the lock that orders resets and clears.
    fn clear_counters(&self, first: usize, len: usize, and_then: impl FnOnce()) {
        let _order = self
            .reset_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.version.fetch_add(1, Ordering::AcqRel);
        let mut baseline = **self.baseline.load();
        for (slot, base) in baseline.iter_mut().enumerate().skip(first).take(len) {
            *base = self.counters.sum_slot(slot);
        }
        self.baseline.store(Arc::new(baseline));
        and_then();
    }

    /// How many destructive changes the table has seen.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// How many per-thread rows the table has allocated. Threads that wrote
    /// to any table hold a slot until they exit, and rows come in buckets of
    /// doubling size, so this stays below twice the largest number of such
    /// threads alive at once.
    #[must_use]
    pub fn shard_count(&self) -> usize {
        self.counters.shard_count()
    }
}

impl<const COUNTERS: usize, const GAUGES: usize> TableReader for RawTable<COUNTERS, GAUGES> {
    fn table_name(&self) -> &'static str {
        self.name
    }

    fn fields(&self) -> &'static [FieldDesc] {
        self.fields
    }

    fn version(&self) -> u64 {
        RawTable::version(self)
    }

    fn read_raw(&self, counters: &mut [u64], gauges: &mut [i64]) {
        counters.copy_from_slice(&self.counters.sum());
        gauges.copy_from_slice(&self.gauge_values());
    }

    fn counter(&self, slot: usize) -> u64 {
        RawTable::counter(self, slot).get()
    }

    fn gauge(&self, slot: usize) -> i64 {
        RawTable::gauge(self, slot).get()
    }

    fn add_counter(&self, slot: usize, n: u64) {
        self.counters.add(slot, n);
    }

    fn open_field(&self, index: usize) -> &OpenField {
        &self.open[index]
    }

    fn clear_slots(&self, first: usize, len: usize) {
        self.clear_counters(first, len, || {});
    }

    fn clear_open(&self, index: usize) {
        let Some((field, desc)) =
            self.open.get(index).zip(self.fields.iter().find(
                |desc| matches!(desc.shape, FieldShape::Open { index: i, .. } if i == index),
            ))
        else {
            return;
        };
        // The version moves before the field is emptied, so an iterator that
        // read the emptied field sees a new version when it checks after;
        // and the lock keeps two clears of one field apart.
        self.clear_counters(desc.slot, 1, || field.clear());
    }
}

impl<const COUNTERS: usize, const GAUGES: usize> std::fmt::Debug for RawTable<COUNTERS, GAUGES> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawTable")
            .field("name", &self.name)
            .field("counters", &self.counters_since_reset())
            .field("gauges", &self.gauge_values())
            .field("version", &self.version())
            .field("shards", &self.shard_count())
            .finish()
    }
}
