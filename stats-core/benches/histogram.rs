//! `observe` on a histogram field against `prometheus::Histogram::observe`,
//! `measured::Histogram::observe`, a `metrics::Histogram` recording into
//! `metrics_util::storage::AtomicBucket` (what the `metrics` exporters use), and a
//! counter increment of the same table, at 1 and 2 threads
//! started together; a figure is the median of the rounds
//! (`HISTOGRAM_ROUNDS`, default 7, of `HISTOGRAM_ITERS` observations per
//! thread, default 10^7). Every contender's total is checked after the
//! rounds, so no loop can have been optimised away.
//!
//! `cargo bench -p stats-core --bench histogram`

mod support;

use stats_core::{Histogram, StatTable};
use std::hint::black_box;
use support::{env_or, median_rate};

#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "bench")]
struct Requests {
    /// Requests.
    requests: u64,
    /// Request latency, in microseconds.
    #[stat(histogram(buckets = [10, 100, 1_000, 10_000, 100_000]))]
    latency_us: Histogram,
}

/// Values that fall in every bucket, `+Inf` included.
const VALUES: [u64; 8] = [5, 50, 500, 5_000, 50_000, 500_000, 70, 700];

fn main() {
    let rounds = usize::try_from(env_or("HISTOGRAM_ROUNDS", 7)).unwrap_or(7);
    let iters = env_or("HISTOGRAM_ITERS", 10_000_000);
    println!("histogram: {iters} operations per thread per round, median of {rounds} rounds");
    println!(
        "{:<28} {:>7} {:>10} {:>12} {:>12}",
        "contender", "threads", "M ops/s", "ours/this", "counter/this"
    );
    for threads in [1usize, 2] {
        let table = Requests::table();
        let prometheus = prometheus::Histogram::with_opts(
            prometheus::HistogramOpts::new("latency_us", "Request latency.")
                .buckets(vec![10.0, 100.0, 1_000.0, 10_000.0, 100_000.0]),
        )
        .expect("valid histogram");
        let measured = measured::Histogram::<5>::with_metadata(
            measured::metric::histogram::Thresholds::with_buckets([
                10.0, 100.0, 1_000.0, 10_000.0, 100_000.0,
            ]),
        );
        let bucket = std::sync::Arc::new(metrics_util::storage::AtomicBucket::<f64>::new());
        let metrics = metrics::Histogram::from_arc(std::sync::Arc::clone(&bucket));
        let ours = median_rate(threads, rounds, iters, &|t| {
            for i in 0..iters {
                #[allow(clippy::cast_possible_truncation)]
                let value = VALUES[(i as usize + t) & 7];
                black_box(&table).latency_us().observe(black_box(value));
            }
        });
        let counter = median_rate(threads, rounds, iters, &|_| {
            for _ in 0..iters {
                black_box(&table).requests().inc();
            }
        });
        let theirs = median_rate(threads, rounds, iters, &|t| {
            for i in 0..iters {
                #[allow(clippy::cast_possible_truncation)]
                let value = VALUES[(i as usize + t) & 7];
                #[allow(clippy::cast_precision_loss)]
                black_box(&prometheus).observe(black_box(value) as f64);
            }
        });
        let measured_rate = median_rate(threads, rounds, iters, &|t| {
            for i in 0..iters {
                #[allow(clippy::cast_possible_truncation)]
                let value = VALUES[(i as usize + t) & 7];
                #[allow(clippy::cast_precision_loss)]
                black_box(&measured).observe(black_box(value) as f64);
            }
        });
        // AtomicBucket keeps every value until it is drained, as an
        // exporter does on each scrape; here it is drained once, after the
        // rounds, so at the default sizes it holds about 1.3 GB meanwhile.
        let metrics_rate = median_rate(threads, rounds, iters, &|t| {
            for i in 0..iters {
                #[allow(clippy::cast_possible_truncation)]
                let value = VALUES[(i as usize + t) & 7];
                #[allow(clippy::cast_precision_loss)]
                black_box(&metrics).record(black_box(value) as f64);
            }
        });
        let mut metrics_count = 0_u64;
        bucket.clear_with(|values| metrics_count += values.len() as u64);
        // Every round and the warm-up: (rounds + 1) runs of each loop.
        let runs = (rounds as u64 + 1) * iters * threads as u64;
        assert_eq!(table.latency_us().snapshot().count(), runs);
        assert_eq!(table.requests().get(), runs);
        assert_eq!(prometheus.get_sample_count(), runs);
        assert_eq!(metrics_count, runs);
        for (name, rate) in [
            ("StatTable histogram observe", ours),
            ("StatTable counter inc", counter),
            ("prometheus::Histogram", theirs),
            ("measured::Histogram", measured_rate),
            ("metrics (AtomicBucket)", metrics_rate),
        ] {
            println!(
                "{name:<28} {threads:>7} {:>10.1} {:>12.2} {:>12.2}",
                rate / 1e6,
                ours / rate,
                counter / rate
            );
        }
    }
}
