//! Writers' throughput with an archiver at work on bad sinks, against the
//! same writers with no archiver, in one run.
//!
//! `cargo bench -p stats-core --bench archive` measures counter increments
//! at 1 and 2 threads, alternating rounds between:
//!
//! * `no archiver`: the writers alone;
//! * `archiver, bad sinks`: while a submitter thread archives the registry
//!   every millisecond into an archiver whose sinks fail every call, stall
//!   50 ms per call, and record (the healthy one).
//!
//! It prints the median rates and their ratio, and what the archiver
//! counted. Set `ARCHIVE_ROUNDS` and `ARCHIVE_ITERS` to change the work.

mod support;

use stats_core::{Archiver, Registry, Sink, SinkError, StatTable, TableSnapshot};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use support::{env_or, timed_round};

#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "bench")]
struct Orders {
    /// Orders created.
    created: u64,
    /// Orders by region.
    #[stat(keyed(capacity = 64))]
    by_region: stats_core::Keyed<String>,
}

struct Failing;

impl Sink for Failing {
    fn write(&self, _: &TableSnapshot) -> Result<(), SinkError> {
        Err("the disk is full".into())
    }
}

struct Stalling;

impl Sink for Stalling {
    fn write(&self, _: &TableSnapshot) -> Result<(), SinkError> {
        std::thread::sleep(Duration::from_millis(50));
        Ok(())
    }
}

#[derive(Clone, Default)]
struct Counting(Arc<AtomicU64>);

impl Sink for Counting {
    fn write(&self, _: &TableSnapshot) -> Result<(), SinkError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn main() {
    let rounds = usize::try_from(env_or("ARCHIVE_ROUNDS", 9)).unwrap_or(9);
    let iters = env_or("ARCHIVE_ITERS", 50_000_000);
    let table = Arc::new(Orders::table());
    for region in ["eu", "us", "ap"] {
        table.by_region().inc(region);
    }
    let registry = Registry::new();
    registry
        .register(Arc::clone(&table))
        .expect("one table registers");
    let healthy = Counting::default();
    let archiver = Archiver::builder()
        .sink(Failing)
        .sink(Stalling)
        .sink(healthy.clone())
        .sink_timeout(Duration::from_millis(10))
        .cool_down(Duration::from_millis(200))
        .build()
        .expect("the archiver starts");
    let submitting = AtomicBool::new(false);
    let stop = AtomicBool::new(false);
    let submitted = AtomicU64::new(0);

    println!(
        "writers' increments with and without an archiver on bad sinks, M/s (median of {rounds})"
    );
    println!(
        "{:<8} {:>14} {:>20} {:>8}",
        "threads", "no archiver", "archiver, bad sinks", "ratio"
    );
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                if submitting.load(Ordering::Relaxed) {
                    archiver.archive(&registry);
                    submitted.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        for threads in [1, 2] {
            let work = |_: usize| {
                let created = table.created();
                for _ in 0..iters {
                    created.inc();
                }
            };
            let mut alone = Vec::new();
            let mut archived = Vec::new();
            timed_round(threads, &work);
            #[allow(clippy::cast_precision_loss)]
            let operations = threads as f64 * iters as f64;
            for _ in 0..rounds {
                submitting.store(false, Ordering::Relaxed);
                alone.push(operations / timed_round(threads, &work).as_secs_f64());
                submitting.store(true, Ordering::Relaxed);
                archived.push(operations / timed_round(threads, &work).as_secs_f64());
            }
            submitting.store(false, Ordering::Relaxed);
            let median = |rates: &mut Vec<f64>| {
                rates.sort_by(f64::total_cmp);
                rates[rates.len() / 2]
            };
            let (alone, archived) = (median(&mut alone), median(&mut archived));
            println!(
                "{threads:<8} {:>14.0} {:>20.0} {:>8.2}",
                alone / 1e6,
                archived / 1e6,
                archived / alone
            );
        }
        stop.store(true, Ordering::Relaxed);
    });
    let stats = archiver.shutdown();
    println!(
        "archived {} registry snapshots (2 tables each): healthy sink {:?} ({} calls), failing {:?}, stalling {:?}",
        submitted.load(Ordering::Relaxed),
        stats[2],
        healthy.0.load(Ordering::Relaxed),
        stats[0],
        stats[1]
    );
}
