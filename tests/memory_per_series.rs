//! Memory per series, ours against the peers (issue 12's `memory` row).
//!
//! `cargo test -p stats-tests --release --test memory_per_series -- --nocapture`
//! prints one table; with `MEMORY_CSV=path` it also writes the rows as CSV
//! (`bench-report` reads that file).
//!
//! # Method
//!
//! - **Ours, a counter per writing thread.** A table of 8 counters and one
//!   of 64. Writers are started one after the other and kept alive (parked
//!   on a barrier) so no row is reused; each first writes to a warm-up
//!   table (so per-thread set-up the library does once per thread is not
//!   charged to the measured table), then makes its first write to the
//!   measured table inside [`counting::measure`]: the bytes the tests
//!   crate's counting allocator saw that thread allocate. Their sum over N
//!   writers, divided by N and by the counters, is the figure; the growth of
//!   `table.memory_bytes()` (the library's own accounting) is printed beside
//!   it. Rows come in buckets of doubling size, so the figure depends on N:
//!   it is given at 1, 2, 4 and 8 writers.
//! - **Ours, an open key.** `#[stat(keyed(capacity = 16384))]
//!   Keyed<String>`, 10,000 keys (`region-00000`..), written by 1, 8 and 64
//!   threads, each its own share of the keys, all alive together. The
//!   figure is `memory_bytes()` after the writes, minus the field as built
//!   (the key store is preallocated at construction: that part is printed
//!   separately, per slot of capacity), divided by the keys; the sorted key
//!   listing that a snapshot keeps for the next one (reader-side memory) is
//!   a row of its own. At 1 thread the
//!   same writes are also measured with the counting allocator on the
//!   writing thread, as a check on `memory_bytes()`.
//! - **The peers**, measured with the counting allocator on one thread (their
//!   memory does not depend on the writing threads): 10,000
//!   `prometheus::IntCounter`s (each with its own name and help, as a
//!   registry needs), 10,000 label values of a `prometheus::IntCounterVec`
//!   (`with_label_values`), 10,000 label sets of a `prometheus_client`
//!   `Family` (`get_or_create`), 10,000 `prometheus_client` `Counter`s, and
//!   a `HashMap<String, u64>` (the `Mutex<HashMap>` pattern) with 10,000
//!   keys. Net bytes (allocated minus freed) after the series exist, over
//!   the series; the keys' own `String`s built before measuring are not
//!   counted for anyone. `measured`, `metrics` and `dashmap` are not
//!   dependencies of this crate and are not measured here.
//!
//! # What is asserted
//!
//! Only what the library promises (DESIGN.md, "The hot path", and
//! `stats-core/src/keyed/stripes.rs`): an open field's memory does not grow
//! with the number of writing threads beyond its stripe bound, at most
//! `MAX_STRIPES` (8) owned stripes plus one shared, each allocating counts in
//! chunks of 64 entries (512 bytes). So the field after 8 or 64 writing
//! threads holds at most what it holds after one thread, plus 8 stripes'
//! chunks for the key range written; and a counter's first write on a
//! thread allocates, whatever it allocates, no more than one row bucket of
//! the table can need. Figures themselves are printed, never asserted.

use stats_core::{Keyed, StatTable};
use stats_tests::counting;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Barrier;
use std::thread;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// Eight counters.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "eight")]
struct Eight {
    /// A counter.
    c0: u64,
    /// A counter.
    c1: u64,
    /// A counter.
    c2: u64,
    /// A counter.
    c3: u64,
    /// A counter.
    c4: u64,
    /// A counter.
    c5: u64,
    /// A counter.
    c6: u64,
    /// A counter.
    c7: u64,
}

/// 64 counters.
macro_rules! wide_table {
    ($($field:ident)*) => {
        /// 64 counters.
        #[derive(StatTable, Debug, Default)]
        #[stat_table(prefix = "wide")]
        struct Wide {
            $(
                /// A counter.
                $field: u64,
            )*
        }
    };
}

wide_table!(
    f00 f01 f02 f03 f04 f05 f06 f07 f08 f09 f10 f11 f12 f13 f14 f15
    f16 f17 f18 f19 f20 f21 f22 f23 f24 f25 f26 f27 f28 f29 f30 f31
    f32 f33 f34 f35 f36 f37 f38 f39 f40 f41 f42 f43 f44 f45 f46 f47
    f48 f49 f50 f51 f52 f53 f54 f55 f56 f57 f58 f59 f60 f61 f62 f63
);

/// A table every writer touches first, so the measured write is not its
/// first write to any table.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "warm")]
struct Warm {
    /// Warm-up writes.
    writes: u64,
}

/// The open keyed field.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "open")]
struct Regions {
    /// Orders by region.
    #[stat(keyed(capacity = 16384))]
    by_region: Keyed<String>,
}

/// Keys of the open-key rows and label values of the peers.
const KEYS: usize = 10_000;

/// Owned stripes an open field has at most (`MAX_STRIPES` in
/// `stats-core/src/keyed/stripes.rs`).
const MAX_STRIPES: usize = 8;

/// Entries per chunk of a stripe's counts, and the bytes of one chunk's
/// counts (`CHUNK` in `stats-core/src/keyed/stripes.rs`).
const CHUNK: usize = 64;
const CHUNK_COUNTS: usize = CHUNK * 8;

/// One row of the printed table.
struct Row {
    what: String,
    threads: usize,
    bytes_per_series: f64,
    /// The library's own accounting, where it has one.
    memory_bytes_per_series: Option<f64>,
    method: &'static str,
}

fn keys() -> Vec<String> {
    (0..KEYS).map(|i| format!("region-{i:05}")).collect()
}

/// `threads` writers, started one at a time and kept alive: each writes
/// the warm-up table, then makes its first write to `write`'s table inside
/// the counting allocator. Returns the bytes each measured write allocated.
fn first_writes(threads: usize, write: &(dyn Fn() + Sync)) -> Vec<isize> {
    let warm = Warm::table();
    let release = Barrier::new(threads + 1);
    thread::scope(|s| {
        let mut bytes = Vec::new();
        for _ in 0..threads {
            let (warm, release) = (&warm, &release);
            let (tx, rx) = std::sync::mpsc::channel();
            s.spawn(move || {
                warm.writes().inc();
                let ((), allocated, _) = counting::measure(write);
                tx.send(allocated).expect("the main thread waits");
                release.wait();
            });
            // One writer measured at a time: the allocator counts globally.
            bytes.push(rx.recv().expect("the writer sends"));
        }
        release.wait();
        bytes
    })
}

fn counter_rows(rows: &mut Vec<Row>) {
    for threads in [1, 2, 4, 8] {
        let eight = Eight::table();
        rows.push(counter_row(8, threads, &|| eight.memory_bytes(), &|| {
            eight.c0().inc();
        }));
        assert_eq!(eight.c0().get(), threads as u64);

        let wide = Wide::table();
        rows.push(counter_row(64, threads, &|| wide.memory_bytes(), &|| {
            wide.f00().inc();
        }));
    }
}

/// The bytes per counter per writing thread of a table of `counters`
/// counters, from each of `threads` writers' first `write`.
fn counter_row(
    counters: usize,
    threads: usize,
    memory_bytes: &dyn Fn() -> usize,
    write: &(dyn Fn() + Sync),
) -> Row {
    let built = memory_bytes();
    let allocated: isize = first_writes(threads, write).iter().sum();
    let grown = memory_bytes() - built;
    let per = (threads * counters) as f64;
    Row {
        what: format!("ours: counter, table of {counters} (per counter per writing thread)"),
        threads,
        bytes_per_series: allocated as f64 / per,
        memory_bytes_per_series: Some(grown as f64 / per),
        method: "allocator on each writer's first write",
    }
}

/// The open field after `threads` threads wrote every key once (each its
/// own share), all alive together: (memory as built, after the writes,
/// after one snapshot, which keeps the keys' sorted listing for the next).
fn open_field(threads: usize, keys: &[String]) -> (usize, usize, usize) {
    let table = Regions::table();
    let built = table.memory_bytes();
    let go = Barrier::new(threads);
    let done = Barrier::new(threads);
    thread::scope(|s| {
        for t in 0..threads {
            let (table, go, done) = (&table, &go, &done);
            s.spawn(move || {
                go.wait();
                for key in keys.iter().skip(t).step_by(threads) {
                    table.by_region().inc(key);
                }
                // Nobody exits before everyone has written.
                done.wait();
            });
        }
    });
    let written = table.memory_bytes();
    let snapshot = table.snapshot();
    assert_eq!(snapshot.by_region.len(), keys.len());
    assert_eq!(snapshot.by_region.overflow(), 0);
    (built, written, table.memory_bytes())
}

fn open_rows(rows: &mut Vec<Row>, keys: &[String]) {
    // As built: the key store, preallocated.
    let (built, one, read) = open_field(1, keys);
    rows.push(Row {
        what: "ours: open field as built (per slot of capacity 16384)".into(),
        threads: 0,
        bytes_per_series: built as f64 / 16384.0,
        memory_bytes_per_series: Some(built as f64 / 16384.0),
        method: "memory_bytes()",
    });
    // The allocator's view of one thread's writes.
    let table = Regions::table();
    let ((), allocated, _) = counting::measure(|| {
        for key in keys {
            table.by_region().inc(key);
        }
    });
    rows.push(Row {
        what: "ours: open key, growth past the built field".into(),
        threads: 1,
        bytes_per_series: allocated as f64 / KEYS as f64,
        memory_bytes_per_series: Some((one - built) as f64 / KEYS as f64),
        method: "allocator on the writer; memory_bytes()",
    });
    rows.push(Row {
        what: "ours: open key, all in (built field + growth) / keys".into(),
        threads: 1,
        bytes_per_series: one as f64 / KEYS as f64,
        memory_bytes_per_series: Some(one as f64 / KEYS as f64),
        method: "memory_bytes()",
    });
    rows.push(Row {
        what: "ours: open key, the reader's sorted key listing".into(),
        threads: 1,
        bytes_per_series: (read - one) as f64 / KEYS as f64,
        memory_bytes_per_series: Some((read - one) as f64 / KEYS as f64),
        method: "memory_bytes() after a snapshot",
    });
    // The stripe bound: 8 more stripes' chunks over the keys' range at most.
    let bound = one + MAX_STRIPES * KEYS.div_ceil(CHUNK) * CHUNK_COUNTS;
    for threads in [8, 64] {
        let (built_t, after, _) = open_field(threads, keys);
        assert_eq!(built_t, built, "a field's size as built");
        assert!(
            after <= bound,
            "{threads} writing threads: the field holds {after} B, above the stripe bound \
             {bound} B (1 thread: {one} B)"
        );
        rows.push(Row {
            what: "ours: open key, growth past the built field".into(),
            threads,
            bytes_per_series: (after - built) as f64 / KEYS as f64,
            memory_bytes_per_series: Some((after - built) as f64 / KEYS as f64),
            method: "memory_bytes()",
        });
        rows.push(Row {
            what: "ours: open key, all in (built field + growth) / keys".into(),
            threads,
            bytes_per_series: after as f64 / KEYS as f64,
            memory_bytes_per_series: Some(after as f64 / KEYS as f64),
            method: "memory_bytes()",
        });
    }
}

/// Net bytes `build` leaves allocated, per series: `build` returns what it
/// made, dropped after the count.
fn per_series<T>(series: usize, build: impl FnOnce() -> T) -> f64 {
    let (made, allocated, _) = counting::measure(build);
    drop(made);
    allocated as f64 / series as f64
}

fn peer_rows(rows: &mut Vec<Row>, keys: &[String]) {
    let names: Vec<String> = (0..KEYS).map(|i| format!("counter_{i:05}")).collect();
    let mut peer = |what: &str, bytes: f64| {
        rows.push(Row {
            what: what.into(),
            threads: 1,
            bytes_per_series: bytes,
            memory_bytes_per_series: None,
            method: "allocator, net after building",
        });
    };
    peer(
        "prometheus IntCounter (own name and help)",
        per_series(KEYS, || {
            names
                .iter()
                .map(|n| prometheus::IntCounter::new(n.as_str(), "A counter.").expect("valid"))
                .collect::<Vec<_>>()
        }),
    );
    let vec = prometheus::IntCounterVec::new(
        prometheus::Opts::new("by_region", "Orders by region."),
        &["region"],
    )
    .expect("valid");
    peer(
        "prometheus IntCounterVec, per label value",
        per_series(KEYS, || {
            for key in keys {
                vec.with_label_values(&[key.as_str()]).inc();
            }
        }),
    );
    peer(
        "prometheus-client Counter",
        per_series(KEYS, || {
            (0..KEYS)
                .map(|_| prometheus_client::metrics::counter::Counter::<u64>::default())
                .collect::<Vec<_>>()
        }),
    );
    let family = prometheus_client::metrics::family::Family::<
        Vec<(String, String)>,
        prometheus_client::metrics::counter::Counter,
    >::default();
    let labels: Vec<Vec<(String, String)>> = keys
        .iter()
        .map(|k| vec![("region".to_owned(), k.clone())])
        .collect();
    peer(
        "prometheus-client Family, per label set",
        per_series(KEYS, || {
            for label in &labels {
                family.get_or_create(label).inc();
            }
        }),
    );
    let mut map: HashMap<String, u64> = HashMap::new();
    peer(
        "Mutex<HashMap<String, u64>>, per key",
        per_series(KEYS, || {
            for key in keys {
                *map.entry(key.clone()).or_insert(0) += 1;
            }
        }),
    );
    assert_eq!(map.len(), KEYS);
}

#[test]
fn memory_per_series() {
    let keys = keys();
    let mut rows = Vec::new();
    counter_rows(&mut rows);
    open_rows(&mut rows, &keys);
    peer_rows(&mut rows, &keys);

    println!(
        "\nmemory per series (bytes; threads 0 = as built, before any write)\n{:<62} {:>7} {:>10} {:>14}  method",
        "series", "threads", "B/series", "memory_bytes()"
    );
    let mut csv = String::from("series,threads,bytes_per_series,memory_bytes_per_series,method\n");
    for row in &rows {
        let accounted = row
            .memory_bytes_per_series
            .map_or_else(|| "-".to_owned(), |b| format!("{b:.1}"));
        println!(
            "{:<62} {:>7} {:>10.1} {:>14}  {}",
            row.what, row.threads, row.bytes_per_series, accounted, row.method
        );
        let _ = writeln!(
            csv,
            "\"{}\",{},{:.1},{},\"{}\"",
            row.what,
            row.threads,
            row.bytes_per_series,
            row.memory_bytes_per_series
                .map_or_else(String::new, |b| format!("{b:.1}")),
            row.method
        );
    }
    if let Ok(path) = std::env::var("MEMORY_CSV") {
        std::fs::write(&path, csv).expect("write MEMORY_CSV");
        println!("written to {path}");
    }
}
