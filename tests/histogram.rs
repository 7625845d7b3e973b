//! Histograms whose count always equals the sum of their buckets, and whose
//! sum belongs to the same observations.

use stats_core::{Histogram, HistogramSeries, StatTable, Value};
use std::sync::atomic::{AtomicBool, Ordering};

/// One histogram with a value of a known set in each bucket, and a counter.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
struct Requests {
    /// Requests.
    requests: u64,
    /// Request latency, in microseconds.
    #[stat(histogram(buckets = [10, 100, 1_000, 10_000]))]
    latency_us: Histogram,
}

/// The values the writers observe: one in each bucket, `+Inf` included, so
/// a snapshot's sum follows exactly from its buckets.
const VALUES: [u64; 5] = [7, 70, 700, 7_000, 70_000];

/// The sum a histogram must have if each of its buckets holds only
/// `VALUES`' value for that bucket.
fn sum_from_buckets(histogram: &Histogram) -> u64 {
    histogram
        .buckets()
        .zip(VALUES)
        .map(|((_, count), value)| count * value)
        .sum()
}

/// Runs `read` `reads` times while 4 writers observe `VALUES` into `observe`;
/// returns how many reads `read` found inconsistent.
fn under_fire(reads: usize, observe: &(dyn Fn(u64) + Sync), mut read: impl FnMut() -> bool) -> u64 {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for writer in 0..4u64 {
            let stop = &stop;
            s.spawn(move || {
                let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ writer;
                while !stop.load(Ordering::Relaxed) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    #[allow(clippy::cast_possible_truncation)]
                    observe(VALUES[(state % 5) as usize]);
                    // A little work between observations, as a service has:
                    // a writer that observes in a tight loop with no pause
                    // keeps every copy of its row retrying (see the
                    // `HistogramField` docs).
                    for _ in 0..64 {
                        std::hint::spin_loop();
                    }
                }
            });
        }
        let inconsistent = (0..reads).filter(|_| !read()).count() as u64;
        stop.store(true, Ordering::Relaxed);
        inconsistent
    })
}

/// 4 writers observe while a reader takes 10^5 snapshots and cursor deltas
/// (summed): every one has `count ==` the sum of the buckets and exactly the
/// sum its buckets imply. The same reader against `prometheus::Histogram`
/// (whose reads are slower: 2,000 of them) is reported, not asserted.
#[test]
fn every_snapshot_and_delta_is_consistent_under_fire() {
    const READS: usize = 100_000;
    let table = Requests::table();
    let mut cursor = table.cursor();
    let mut summed = Histogram::default();
    let mut read = 0usize;
    let started = std::time::Instant::now();
    let ours = under_fire(READS, &|value| table.latency_us().observe(value), || {
        read += 1;
        let histogram = if read.is_multiple_of(2) {
            table.snapshot().latency_us
        } else {
            summed.merge(&cursor.delta().latency_us);
            summed.clone()
        };
        let total = histogram.cumulative().last().map(|(_, total)| total);
        total == Some(histogram.count()) && histogram.sum() == sum_from_buckets(&histogram)
    });

    let ours_took = started.elapsed();
    let prometheus = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("latency_us", "Request latency.")
            .buckets(vec![10.0, 100.0, 1_000.0, 10_000.0]),
    )
    .unwrap();
    #[allow(clippy::cast_precision_loss)]
    let theirs = under_fire(2_000, &|value| prometheus.observe(value as f64), || {
        let metric = prometheus::core::Collector::collect(&prometheus);
        let proto = metric[0].get_metric()[0].get_histogram();
        let count = proto.get_sample_count();
        let mut in_bucket = Vec::new();
        let mut below = 0u64;
        for cumulative in proto
            .get_bucket()
            .iter()
            .map(prometheus::proto::Bucket::cumulative_count)
            .chain([count])
        {
            in_bucket.push(cumulative.wrapping_sub(below));
            below = cumulative;
        }
        let expected: u64 = in_bucket.iter().zip(VALUES).map(|(n, v)| n * v).sum();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let sum = proto.get_sample_sum() as u64;
        in_bucket.iter().all(|n| *n <= count) && sum == expected
    });
    println!(
        "histogram reads under fire: ours {ours} inconsistent of {READS} ({ours_took:.1?}); \
         prometheus::Histogram {theirs} inconsistent of 2000"
    );
    assert_eq!(ours, 0);
}

#[test]
fn exact_totals_per_bucket_after_the_writers_stop() {
    const PER_WRITER: u64 = 100_000;
    let table = Requests::table();
    std::thread::scope(|s| {
        for writer in 0..4u64 {
            let table = &table;
            s.spawn(move || {
                for i in 0..PER_WRITER {
                    #[allow(clippy::cast_possible_truncation)]
                    let value = VALUES[((i + writer) % 5) as usize];
                    table.latency_us().observe(value);
                    table.requests().inc();
                }
            });
        }
    });
    let snapshot = table.snapshot();
    let per_bucket = 4 * PER_WRITER / 5;
    let buckets: Vec<u64> = snapshot.latency_us.buckets().map(|(_, n)| n).collect();
    assert_eq!(buckets, [per_bucket; 5]);
    assert_eq!(snapshot.latency_us.count(), snapshot.requests);
    assert_eq!(
        snapshot.latency_us.sum(),
        per_bucket * VALUES.iter().sum::<u64>()
    );
}

#[test]
fn bounds_are_inclusive_and_extremes_land_where_documented() {
    let table = Requests::table();
    for value in [0, 10, 11, 100, 10_000, 10_001, u64::MAX] {
        table.latency_us().observe(value);
    }
    let buckets: Vec<_> = table.latency_us().snapshot().buckets().collect();
    assert_eq!(
        buckets,
        [
            (Some(10), 2),  // 0, 10
            (Some(100), 2), // 11, 100
            (Some(1_000), 0),
            (Some(10_000), 1), // 10,000
            (None, 2),         // 10,001, u64::MAX
        ]
    );
}

#[test]
fn cursors_reset_iteration_and_steps_work_as_for_counters() {
    let table = Requests::table();
    let mut cursor = table.cursor();
    table.latency_us().observe(5);
    table.latency_us().observe(50);
    let delta = cursor.delta().latency_us;
    assert_eq!((delta.count(), delta.sum()), (2, 55));

    // A reset restarts the snapshot, not the cursor.
    table.reset();
    table.latency_us().observe(500);
    assert_eq!(table.snapshot().latency_us.count(), 1);
    assert_eq!(cursor.delta().latency_us.sum(), 500);

    // A step adds a whole histogram in the same write as the counters.
    let mut step = Requests {
        requests: 2,
        ..Requests::default()
    };
    step.latency_us = Histogram::new(vec![10, 100, 1_000, 10_000]);
    step.latency_us.observe(7);
    step.latency_us.observe(70_000);
    table.add(&step);
    let snapshot = table.snapshot();
    assert_eq!(snapshot.requests, 2);
    assert_eq!(
        (snapshot.latency_us.count(), snapshot.latency_us.sum()),
        (3, 70_507)
    );
    // A snapshot added to another table keeps every observation.
    let other = Requests::table();
    other.add(&snapshot);
    assert_eq!(other.snapshot(), snapshot);

    // Iteration: cumulative buckets, then the sum and the count.
    let series: Vec<_> = table
        .iter()
        .filter(|series| series.histogram.is_some())
        .map(|series| (series.histogram.unwrap(), series.value))
        .collect();
    assert_eq!(
        series,
        [
            (HistogramSeries::Bucket { le: Some(10) }, Value::Counter(1)),
            (HistogramSeries::Bucket { le: Some(100) }, Value::Counter(1)),
            (
                HistogramSeries::Bucket { le: Some(1_000) },
                Value::Counter(2)
            ),
            (
                HistogramSeries::Bucket { le: Some(10_000) },
                Value::Counter(2)
            ),
            (HistogramSeries::Bucket { le: None }, Value::Counter(3)),
            (HistogramSeries::Sum, Value::Counter(70_507)),
            (HistogramSeries::Count, Value::Counter(3)),
        ]
    );
    let mut iter = table.iter();
    table.reset();
    assert!(iter.try_next().is_err());
}

#[test]
fn timers_record_microseconds() {
    let table = Requests::table();
    {
        let _timer = table.latency_us().start_timer();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    table
        .latency_us()
        .observe_duration(std::time::Duration::from_secs(3));
    let histogram = table.latency_us().snapshot();
    assert_eq!(histogram.count(), 2);
    assert!(histogram.sum() >= 3_002_000, "{histogram:?}");
}
