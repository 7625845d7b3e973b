//! The hot path of a counter increment, against its peers, in one run.
//!
//! `cargo bench -p stats-core --bench hot_path` prints, at 1 and 2 threads,
//! millions of increments per second for:
//!
//! * `StatTable field`: `table.created().inc()` on a derived table;
//! * `StatTable inc(field)`: the same through `table.inc(Field::Created)`;
//! * `StatTable add(&Struct)`: a two-field consistent step (counts 2);
//! * `shared AtomicU64`: one `fetch_add` on one shared atomic per increment,
//!   which is what `prometheus::IntCounter` does;
//! * `hardware limit`: each thread bumps its own cache-padded counter with a
//!   relaxed load and store, the fastest a counter can be on this machine.
//!
//! Each figure is the median of several timed rounds; ratios compare
//! contenders measured in the same run. Set `HOT_PATH_ROUNDS` and
//! `HOT_PATH_ITERS` to change the work.

mod support;

use crossbeam_utils::CachePadded;
use stats_core::StatTable;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use support::{env_or, median_rate as measure};

/// The table the benchmark writes to.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "bench")]
struct Orders {
    /// Orders created.
    created: u64,
    /// Orders failed.
    failed: u64,
    /// Orders in flight.
    #[stat(gauge)]
    in_flight: i64,
}

/// Median increments per second over `rounds` rounds.
fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let rounds = usize::try_from(env_or("HOT_PATH_ROUNDS", 7)).unwrap_or(7);
    let iters = env_or("HOT_PATH_ITERS", 50_000_000);
    println!("hot path: {iters} increments per thread per round, median of {rounds} rounds");
    println!(
        "{:<24} {:>7} {:>12} {:>10} {:>14}",
        "contender", "threads", "M incs/s", "vs limit", "vs shared atomic"
    );
    for threads in [1, 2] {
        let table = Orders::table();
        let shared = CachePadded::new(AtomicU64::new(0));
        let own: Vec<CachePadded<AtomicU64>> = (0..threads)
            .map(|_| CachePadded::new(AtomicU64::new(0)))
            .collect();

        let limit = measure(threads, rounds, iters, &|t| {
            for _ in 0..iters {
                let counter = black_box(&own[t]);
                counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            }
        });
        let atomic = measure(threads, rounds, iters, &|_| {
            for _ in 0..iters {
                black_box(&shared).fetch_add(1, Ordering::Relaxed);
            }
        });
        let field = measure(threads, rounds, iters, &|_| {
            for _ in 0..iters {
                black_box(&table).created().inc();
            }
        });
        let indexed = measure(threads, rounds, iters, &|_| {
            for _ in 0..iters {
                black_box(&table).inc(black_box(OrdersField::Created));
            }
        });
        let step = Orders {
            created: 1,
            failed: 1,
            in_flight: 0,
        };
        let multi = measure(threads, rounds, iters / 2, &|_| {
            for _ in 0..iters / 2 {
                black_box(&table).add(black_box(&step));
            }
        }) * 2.0;

        for (name, rate) in [
            ("StatTable field", field),
            ("StatTable inc(field)", indexed),
            ("StatTable add(&Struct)", multi),
            ("shared AtomicU64", atomic),
            ("hardware limit", limit),
        ] {
            println!(
                "{name:<24} {threads:>7} {:>12.0} {:>10.2} {:>14.1}",
                rate / 1e6,
                rate / limit,
                rate / atomic
            );
        }
        // Keep the counters observable so no loop is optimised away.
        black_box((table.snapshot(), shared.load(Ordering::Relaxed), &own));
    }
}
