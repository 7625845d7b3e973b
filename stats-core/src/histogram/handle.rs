//! A histogram field's handle: what `table.latency_us()` returns.

use crate::defend::gate;
use crate::histogram::value::{Histogram, bucket_of};
use crate::table::layout::{Layout, RawAccess};
use std::fmt;
use std::time::{Duration, Instant};

/// A histogram field of a table, `#[stat(histogram(buckets = [..]))]
/// latency_us: Histogram`: `table.latency_us()`.
///
/// `observe(v)` adds one to `v`'s bucket and `v` to the sum in the calling
/// thread's own row, in one consistent step of the row (the sequence
/// number that `table.add(&step)` uses), with no lock and no locked
/// instruction. So every snapshot, delta and scrape has a sum that belongs
/// to the same observations as its buckets, and a count that is their sum.
///
/// A reader copies each thread's row consistently: if that thread is
/// observing at the very moment, the copy is retried. A writer that observes
/// in a tight loop with no other work keeps its row busy and makes readers
/// retry for as long as it runs (snapshot deadlines bound the wait:
/// [`crate::Snapshot`]); a service that does any work between observations
/// does not.
///
/// Values are `u64` in the unit the field's name gives (microseconds,
/// bytes). A [`Duration`] is recorded in microseconds with
/// [`observe_duration`](Self::observe_duration) or the guard of
/// [`start_timer`](Self::start_timer); for another unit, observe
/// `duration.as_millis()` (or `as_nanos()`) yourself.
///
/// # Examples
///
/// ```
/// use stats_core::{Histogram, StatTable};
/// use std::time::Duration;
///
/// #[derive(StatTable, Debug, Default)]
/// struct Requests {
///     /// Request latency, in microseconds: 10 µs to about 10 s.
///     #[stat(histogram(buckets = exponential(10, 4, 10)))]
///     latency_us: Histogram,
/// }
///
/// let table = Requests::table();
/// table.latency_us().observe(250);
/// table.latency_us().observe_duration(Duration::from_millis(3));
/// {
///     let _timer = table.latency_us().start_timer(); // records on drop
/// }
/// assert_eq!(table.latency_us().snapshot().count(), 3);
/// ```
pub struct HistogramField<'a, T: Layout> {
    raw: &'a T::Raw,
    /// The row word of the first bucket; the `+Inf` bucket and the sum follow
    /// the others.
    first: usize,
    bounds: &'static [u64],
}

impl<T: Layout> Clone for HistogramField<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Layout> Copy for HistogramField<'_, T> {}

impl<'a, T: Layout> HistogramField<'a, T> {
    pub(crate) fn new(raw: &'a T::Raw, first: usize, bounds: &'static [u64]) -> Self {
        Self { raw, first, bounds }
    }

    /// Records one observation of `value`.
    #[inline]
    pub fn observe(&self, value: u64) {
        let bucket = self.first + bucket_of(self.bounds, value);
        let sum = self.first + self.bounds.len() + 1;
        gate::write!(
            self.raw.table_breaker(),
            self.raw.add_two(bucket, 1, sum, value),
            self.raw.add_two(bucket, 0, sum, 0),
        );
    }

    /// Records `duration` in microseconds (saturating at `u64::MAX`).
    #[inline]
    pub fn observe_duration(&self, duration: Duration) {
        self.observe(u64::try_from(duration.as_micros()).unwrap_or(u64::MAX));
    }

    /// A guard that records the time until it is dropped, in microseconds.
    #[must_use = "the timer records when it is dropped"]
    pub fn start_timer(&self) -> HistogramTimer<'a, T> {
        HistogramTimer {
            field: *self,
            started: Instant::now(),
        }
    }

    /// The field's observations since the last reset, every thread's row
    /// copied consistently. For reports, not for the hot path.
    #[must_use]
    pub fn snapshot(&self) -> Histogram {
        let mut words = vec![0; self.bounds.len() + 2];
        self.raw.read_words(self.first, &mut words);
        let sum = words.pop().unwrap_or(0);
        Histogram::from_parts(self.bounds, &words, sum)
    }
}

impl<T: Layout> fmt::Debug for HistogramField<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HistogramField")
            .field(&self.snapshot())
            .finish()
    }
}

/// Records the time from [`HistogramField::start_timer`] to its drop, in
/// microseconds.
#[must_use = "the timer records when it is dropped"]
pub struct HistogramTimer<'a, T: Layout> {
    field: HistogramField<'a, T>,
    started: Instant,
}

impl<T: Layout> HistogramTimer<'_, T> {
    /// Records now instead of at the drop, and returns what it recorded.
    pub fn stop(self) -> Duration {
        self.started.elapsed()
    }
}

impl<T: Layout> Drop for HistogramTimer<'_, T> {
    fn drop(&mut self) {
        self.field.observe_duration(self.started.elapsed());
    }
}

impl<T: Layout> fmt::Debug for HistogramTimer<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HistogramTimer")
            .field("elapsed", &self.started.elapsed())
            .finish()
    }
}
