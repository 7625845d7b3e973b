//! [`Histogram`]: the value of a histogram field in a snapshot, a delta or a
//! step.

use std::borrow::Cow;
use std::fmt;

/// The observations of a histogram field: a count per bucket, and the sum
/// of the observed values.
///
/// Bucket `i` counts the values `v` with `bounds[i - 1] < v <= bounds[i]`
/// (Prometheus' `le`, inclusive), and the last bucket, past the last bound,
/// counts the rest (`+Inf`). The count is the sum of the buckets, always:
/// it is not stored apart, so a snapshot cannot disagree with itself. Sums
/// wrap at `u64::MAX`.
///
/// # Examples
///
/// ```
/// use stats_core::{Histogram, StatTable};
///
/// #[derive(StatTable, Debug, Default)]
/// struct Requests {
///     /// Request latency, in microseconds.
///     #[stat(histogram(buckets = [100, 1_000, 10_000]))]
///     latency_us: Histogram,
/// }
///
/// let table = Requests::table();
/// for latency in [50, 100, 700, 20_000] {
///     table.latency_us().observe(latency);
/// }
/// let latency = table.snapshot().latency_us;
/// assert_eq!((latency.count(), latency.sum()), (4, 20_850));
/// let buckets: Vec<_> = latency.buckets().collect();
/// assert_eq!(buckets, [(Some(100), 2), (Some(1_000), 1), (Some(10_000), 0), (None, 1)]);
/// // The median lies in the first bucket: interpolated within it.
/// assert_eq!(latency.quantile(0.5), Some(100.0));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Histogram {
    bounds: Cow<'static, [u64]>,
    /// One per bound, then the `+Inf` bucket; empty for a default value.
    buckets: Vec<u64>,
    sum: u64,
}

impl Histogram {
    /// An empty histogram of the given bucket bounds (sorted, distinct), for
    /// building a step for `table.add(&step)`.
    #[must_use]
    pub fn new(bounds: impl Into<Cow<'static, [u64]>>) -> Self {
        let bounds = bounds.into();
        let buckets = vec![0; bounds.len() + 1];
        Self {
            bounds,
            buckets,
            sum: 0,
        }
    }

    pub(crate) fn from_parts(bounds: &'static [u64], buckets: &[u64], sum: u64) -> Self {
        Self {
            bounds: Cow::Borrowed(bounds),
            buckets: buckets.to_vec(),
            sum,
        }
    }

    /// The bucket bounds.
    #[must_use]
    pub fn bounds(&self) -> &[u64] {
        &self.bounds
    }

    /// Adds one observation of `value` (for building a step).
    pub fn observe(&mut self, value: u64) {
        if self.buckets.len() != self.bounds.len() + 1 {
            self.buckets = vec![0; self.bounds.len() + 1];
        }
        let bucket = bucket_of(&self.bounds, value);
        self.buckets[bucket] = self.buckets[bucket].wrapping_add(1);
        self.sum = self.sum.wrapping_add(value);
    }

    /// Every bucket: its upper bound (`None` for `+Inf`) and how many
    /// observations fell in it (not cumulative).
    pub fn buckets(&self) -> impl ExactSizeIterator<Item = (Option<u64>, u64)> + '_ {
        let bounds = self.bounds.iter().copied().map(Some).chain([None]);
        bounds
            .zip(self.buckets.iter().copied().chain(std::iter::repeat(0)))
            .take(self.bounds.len() + 1)
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// Every bucket with its cumulative count, as Prometheus exposes them:
    /// the observations at or below the bound; the last, `+Inf`, is the
    /// count.
    pub fn cumulative(&self) -> impl Iterator<Item = (Option<u64>, u64)> + '_ {
        self.buckets().scan(0u64, |total, (bound, count)| {
            *total = total.wrapping_add(count);
            Some((bound, *total))
        })
    }

    /// How many observations: the sum of the buckets.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.buckets
            .iter()
            .fold(0u64, |total, count| total.wrapping_add(*count))
    }

    /// The sum of the observed values (wrapping).
    #[must_use]
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// An estimate of the `q`-quantile (`0.0 ..= 1.0`), as Prometheus'
    /// `histogram_quantile` makes it: find the bucket that holds the rank
    /// `q * count`, and interpolate linearly between its lower bound (the
    /// previous bound, or 0) and its upper bound. A rank in the `+Inf`
    /// bucket gives the last finite bound. `None` for no observations or a
    /// `q` outside `0.0 ..= 1.0`.
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // an estimate, in f64 on purpose
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let count = self.count();
        if count == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = q * count as f64;
        let mut below = 0u64;
        for (bucket, (bound, in_bucket)) in self.buckets().enumerate() {
            let upto = below.wrapping_add(in_bucket);
            if (upto as f64) >= rank && in_bucket > 0 {
                let Some(upper) = bound else {
                    return Some(self.bounds.last().map_or(0.0, |last| *last as f64));
                };
                let lower = if bucket == 0 {
                    0.0
                } else {
                    self.bounds[bucket - 1] as f64
                };
                let within = (rank - below as f64) / in_bucket as f64;
                return Some(lower + (upper as f64 - lower) * within);
            }
            below = upto;
        }
        self.bounds.last().map(|last| *last as f64)
    }

    /// Adds `other`'s observations: summing deltas gives the snapshot. With
    /// other bounds, each of `other`'s buckets goes where its upper bound
    /// would.
    pub fn merge(&mut self, other: &Self) {
        if self.bounds.is_empty() && self.buckets.is_empty() {
            *self = other.clone();
            return;
        }
        if self.buckets.len() != self.bounds.len() + 1 {
            self.buckets = vec![0; self.bounds.len() + 1];
        }
        for (bound, count) in other.buckets() {
            // With the same bounds, bucket `i`'s bound falls in bucket `i`.
            let bucket = bound.map_or(self.bounds.len(), |bound| bucket_of(&self.bounds, bound));
            self.buckets[bucket] = self.buckets[bucket].wrapping_add(count);
        }
        self.sum = self.sum.wrapping_add(other.sum);
    }
}

/// The bucket `value` falls in: the first whose bound is at least `value`
/// (`le` is inclusive), or `bounds.len()` for `+Inf`.
#[inline]
pub(crate) fn bucket_of(bounds: &[u64], value: u64) -> usize {
    bounds.partition_point(|bound| *bound < value)
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("buckets", &self.buckets().collect::<Vec<_>>())
            .field("count", &self.count())
            .field("sum", &self.sum)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{Histogram, bucket_of};

    #[test]
    fn le_is_inclusive_and_the_rest_is_inf() {
        let bounds = [0, 10, 100];
        assert_eq!(bucket_of(&bounds, 0), 0);
        assert_eq!(bucket_of(&bounds, 1), 1);
        assert_eq!(bucket_of(&bounds, 10), 1);
        assert_eq!(bucket_of(&bounds, 11), 2);
        assert_eq!(bucket_of(&bounds, 100), 2);
        assert_eq!(bucket_of(&bounds, 101), 3);
        assert_eq!(bucket_of(&bounds, u64::MAX), 3);
    }

    #[test]
    fn quantiles_interpolate_within_a_bucket() {
        let mut histogram = Histogram::new(vec![10, 20]);
        for value in [1, 2, 3, 4, 15, 15, 15, 15, 25, 25] {
            histogram.observe(value);
        }
        assert_eq!(histogram.count(), 10);
        // Rank 2 of 4 in (0, 10]: halfway.
        assert_eq!(histogram.quantile(0.2), Some(5.0));
        // Rank 6 is the second of 4 in (10, 20].
        assert_eq!(histogram.quantile(0.6), Some(15.0));
        // In +Inf: the last finite bound.
        assert_eq!(histogram.quantile(0.95), Some(20.0));
        assert_eq!(histogram.quantile(1.5), None);
        assert_eq!(Histogram::new(vec![1]).quantile(0.5), None);
        let cumulative: Vec<_> = histogram.cumulative().collect();
        assert_eq!(cumulative, [(Some(10), 4), (Some(20), 8), (None, 10)]);
    }

    #[test]
    fn merging_other_bounds_moves_each_bucket_by_its_bound() {
        let mut coarse = Histogram::new(vec![100]);
        let mut fine = Histogram::new(vec![10, 50, 200]);
        for value in [5, 40, 150, 1000] {
            fine.observe(value);
        }
        coarse.merge(&fine);
        let buckets: Vec<_> = coarse.buckets().collect();
        assert_eq!(buckets, [(Some(100), 2), (None, 2)]);
        assert_eq!((coarse.count(), coarse.sum()), (4, 1195));
    }
}
