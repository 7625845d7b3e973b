//! Keyed counters against their peers, in one run.
//!
//! `cargo bench -p stats-core --bench keyed` prints, at 1 and 2 threads,
//! millions of increments per second for:
//!
//! * closed keys: `table.by_method().inc(variant)` on a `Keyed<Method>`
//!   field (four variants) against the plain field increment
//!   `table.created().inc()`, with the variant given three ways: written at
//!   the call site (`literal`: thread 0 `Card`, thread 1 `Wallet`), a
//!   run-time value fixed per thread (`own variant`), and each thread
//!   cycling through all four (`cycling`); `plain, own field` is the plain
//!   counterpart of `own variant`, `table.inc(field)` with a run-time field;
//! * open keys, `table.by_region().inc(&str)` on a
//!   `#[stat(keyed(capacity = 1024))] Keyed<String>` field, against
//!   `Mutex<HashMap<String, u64>>` (the `entry(key.to_owned())` pattern the
//!   field replaces), `prometheus::IntCounterVec::with_label_values` and
//!   `DashMap<String, u64>` (its `get_mut` fast path), on three key sets:
//!   - `2 keys`: with 2 threads each thread increments its own key; one
//!     thread alternates between both;
//!   - `64 keys`: with 2 threads each thread cycles over its own 32 keys;
//!     one thread cycles over all 64;
//!   - `hot key`: every thread increments the same key.
//!
//! Keys are `region-00` to `region-63`, built as `Vec<String>` before
//! timing. Each round runs every contender of a scenario once, one after the
//! other, so drift of the shared machine hits them alike; a figure is the
//! median of the rounds, and ratios compare contenders of the same run.
//! Before the rounds each contender is run with doubling work until a round
//! takes a fifth of `KEYED_ROUND_MS` (default 150), which sets its
//! increments per thread so that one of its rounds lasts about that long.
//! `KEYED_ROUNDS` (default 7) sets the rounds. At the end every contender's
//! total is checked against the increments it was given, so no loop can
//! have been optimised away.

mod support;

use support::env_or;

use dashmap::DashMap;
use prometheus::{IntCounterVec, Opts};
use stats_core::{Keyed, StatKey, StatTable};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How a payment was made: the closed key set.
#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    Wallet,
    Invoice,
    Crypto,
}

impl Method {
    /// Every variant, as an array to unroll over.
    const ALL_ARRAY: [Self; 4] = [Self::Card, Self::Wallet, Self::Invoice, Self::Crypto];
}

/// The table the benchmark writes to.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "bench")]
struct Payments {
    /// Payments created.
    created: u64,
    /// Payments refunded: a second plain field, so that a field chosen at
    /// run time is not a constant.
    refunded: u64,
    /// Payments by method.
    by_method: Keyed<Method>,
    /// Payments by region.
    #[stat(keyed(capacity = 1024))]
    by_region: Keyed<String>,
}

/// Runs `work(thread_index, iters)` on `threads` threads at once; see
/// [`support::timed_round`].
fn timed_round(threads: usize, iters: u64, work: &(dyn Fn(usize, u64) + Sync)) -> Duration {
    support::timed_round(threads, &|t| work(t, iters))
}

/// One contender of a scenario: its name, its loop, and how it reads back
/// the total of everything it counted.
struct Contender<'a> {
    name: &'static str,
    work: Box<dyn Fn(usize, u64) + Sync + 'a>,
    total: Box<dyn Fn() -> u64 + 'a>,
}

/// What one contender measured.
struct Measured {
    name: &'static str,
    /// Median increments per second.
    rate: f64,
    /// Increments per thread per round.
    iters: u64,
}

/// Times every contender at `threads` threads: a calibration round, then
/// `rounds` rounds that each run every contender once. Checks each
/// contender's total against the increments it was given.
fn run(
    threads: usize,
    rounds: usize,
    round: Duration,
    contenders: &[Contender<'_>],
) -> Vec<Measured> {
    let mut given = vec![0u64; contenders.len()];
    let iters: Vec<u64> = contenders
        .iter()
        .zip(&mut given)
        .map(|(c, given)| {
            // Warm-up and calibration (first-touch allocation, key insertion,
            // frequency ramp): double the work until a round takes 1/5 of
            // the target, then scale.
            let mut probe = 10_000u64;
            loop {
                let elapsed = timed_round(threads, probe, &*c.work);
                *given += threads as u64 * probe;
                if elapsed * 5 >= round || probe >= 1 << 30 {
                    let scale = round.as_secs_f64() / elapsed.as_secs_f64();
                    break ((probe as f64 * scale) as u64).max(1);
                }
                probe *= 2;
            }
        })
        .collect();
    let mut rates: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); contenders.len()];
    for _ in 0..rounds {
        for (i, c) in contenders.iter().enumerate() {
            let elapsed = timed_round(threads, iters[i], &*c.work).as_secs_f64();
            given[i] += threads as u64 * iters[i];
            rates[i].push(threads as f64 * iters[i] as f64 / elapsed);
        }
    }
    contenders
        .iter()
        .zip(rates)
        .zip(iters)
        .zip(given)
        .map(|(((c, mut rates), iters), given)| {
            let total = (c.total)();
            assert_eq!(
                total, given,
                "{} at {threads} threads counted {total} of {given} increments",
                c.name
            );
            rates.sort_by(f64::total_cmp);
            Measured {
                name: c.name,
                rate: rates[rates.len() / 2],
                iters,
            }
        })
        .collect()
}

/// Thread `t`'s share of `keys` when `threads` threads split them: disjoint
/// and together all of them.
fn share(keys: &[String], threads: usize, t: usize) -> &[String] {
    let per = keys.len() / threads;
    &keys[t * per..(t + 1) * per]
}

/// Calls `f` `iters` times, cycling through `keys`.
#[inline(always)]
fn cycle(keys: &[String], iters: u64, mut f: impl FnMut(&str)) {
    let mut next = 0;
    for _ in 0..iters {
        f(black_box(keys[next].as_str()));
        next += 1;
        if next == keys.len() {
            next = 0;
        }
    }
}

fn closed_keys(threads: usize, rounds: usize, round: Duration) {
    // One table per contender, so each total is its own.
    let tables = [(); 5].map(|()| Payments::table());
    let [
        plain_table,
        plain_own_table,
        literal_table,
        own_table,
        cycling_table,
    ] = &tables;
    let contenders = [
        Contender {
            name: "plain field",
            work: Box::new(|_, iters| {
                for _ in 0..iters {
                    black_box(plain_table).created().inc();
                }
            }),
            total: Box::new(|| plain_table.created().get()),
        },
        Contender {
            name: "plain, own field",
            work: Box::new(|t, iters| {
                // The plain counterpart of `own variant`: a field chosen at
                // run time, `table.inc(field)`, fixed per thread.
                let field = black_box(PaymentsField::ALL[t % PaymentsField::ALL.len()]);
                for _ in 0..iters {
                    black_box(plain_own_table).inc(field);
                }
            }),
            total: Box::new(|| plain_own_table.created().get() + plain_own_table.refunded().get()),
        },
        Contender {
            name: "closed, literal variant",
            work: Box::new(|t, iters| {
                // The variant written at the call site, as in
                // `by_method().inc(Method::Card)`: the slot is a constant.
                if t % 2 == 0 {
                    for _ in 0..iters {
                        black_box(literal_table).by_method().inc(Method::Card);
                    }
                } else {
                    for _ in 0..iters {
                        black_box(literal_table).by_method().inc(Method::Wallet);
                    }
                }
            }),
            total: Box::new(|| {
                Method::ALL
                    .iter()
                    .map(|&m| literal_table.by_method().get(m))
                    .sum()
            }),
        },
        Contender {
            name: "closed, own variant",
            work: Box::new(|t, iters| {
                // A run-time value, so the slot is not a constant.
                let key = black_box(Method::ALL[t % Method::ALL.len()]);
                for _ in 0..iters {
                    black_box(own_table).by_method().inc(key);
                }
            }),
            total: Box::new(|| {
                Method::ALL
                    .iter()
                    .map(|&m| own_table.by_method().get(m))
                    .sum()
            }),
        },
        Contender {
            name: "closed, cycling",
            work: Box::new(|_, iters| {
                // Run-time values, unrolled by the four variants so that the
                // loop adds nothing per increment that the plain loop has not.
                let variants = black_box(Method::ALL_ARRAY);
                for _ in 0..iters / 4 {
                    for key in variants {
                        black_box(cycling_table).by_method().inc(key);
                    }
                }
                for &key in &variants[..(iters % 4) as usize] {
                    black_box(cycling_table).by_method().inc(key);
                }
            }),
            total: Box::new(|| {
                Method::ALL
                    .iter()
                    .map(|&m| cycling_table.by_method().get(m))
                    .sum()
            }),
        },
    ];
    let measured = run(threads, rounds, round, &contenders);
    let plain = measured[0].rate;
    for m in &measured {
        println!(
            "{:<24} {threads:>7} {:>10} {:>10.0} {:>13.2}",
            m.name,
            m.iters,
            m.rate / 1e6,
            plain / m.rate
        );
    }
}

fn open_keys(
    scenario: &str,
    keys: &[String],
    hot: bool,
    threads: usize,
    rounds: usize,
    round: Duration,
) {
    let mine = |t: usize| {
        if hot {
            &keys[..1]
        } else {
            share(keys, threads, t)
        }
    };
    let table = Payments::table();
    let mutex: Mutex<HashMap<String, u64>> = Mutex::new(HashMap::new());
    let vec = IntCounterVec::new(Opts::new("by_region", "Payments by region."), &["region"])
        .expect("valid metric");
    let dash: DashMap<String, u64> = DashMap::new();
    let contenders = [
        Contender {
            name: "stats OpenKeyed",
            work: Box::new(|t, iters| {
                cycle(mine(t), iters, |key| black_box(&table).by_region().inc(key));
            }),
            total: Box::new(|| {
                assert_eq!(table.by_region().overflow(), 0);
                keys.iter().filter_map(|k| table.by_region().get(k)).sum()
            }),
        },
        Contender {
            name: "Mutex<HashMap>",
            work: Box::new(|t, iters| {
                cycle(mine(t), iters, |key| {
                    *black_box(&mutex)
                        .lock()
                        .unwrap()
                        .entry(key.to_owned())
                        .or_insert(0) += 1;
                });
            }),
            total: Box::new(|| mutex.lock().unwrap().values().sum()),
        },
        Contender {
            name: "IntCounterVec",
            work: Box::new(|t, iters| {
                cycle(mine(t), iters, |key| {
                    black_box(&vec).with_label_values(&[key]).inc();
                });
            }),
            total: Box::new(|| {
                keys.iter()
                    .filter_map(|k| vec.get_metric_with_label_values(&[k.as_str()]).ok())
                    .map(|c| c.get())
                    .sum()
            }),
        },
        Contender {
            name: "DashMap",
            work: Box::new(|t, iters| {
                cycle(mine(t), iters, |key| {
                    let dash = black_box(&dash);
                    if let Some(mut v) = dash.get_mut(key) {
                        *v += 1;
                    } else {
                        *dash.entry(key.to_owned()).or_insert(0) += 1;
                    }
                });
            }),
            total: Box::new(|| dash.iter().map(|e| *e.value()).sum()),
        },
    ];
    let measured = run(threads, rounds, round, &contenders);
    let [stats, mutex, vec, dash] = [0, 1, 2, 3].map(|i| measured[i].rate);
    for (i, m) in measured.iter().enumerate() {
        print!(
            "{scenario:<9} {:<16} {threads:>7} {:>10} {:>10.1}",
            m.name,
            m.iters,
            m.rate / 1e6
        );
        // The ratios belong to the scenario and thread count: on the stats row.
        if i == 0 {
            print!(
                " {:>11.1} {:>11.1} {:>11.1}",
                stats / mutex,
                stats / vec,
                stats / dash
            );
        }
        println!();
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let rounds = usize::try_from(env_or("KEYED_ROUNDS", 7))
        .unwrap_or(7)
        .max(1);
    let round = Duration::from_millis(env_or("KEYED_ROUND_MS", 150));
    let started = Instant::now();
    println!(
        "keyed: median of {rounds} rounds of about {} ms per contender; iters = increments per thread per round",
        round.as_millis()
    );

    println!("\nclosed keys (Keyed<Method>, 4 variants)");
    println!(
        "{:<24} {:>7} {:>10} {:>10} {:>13}",
        "contender", "threads", "iters", "M incs/s", "plain/closed"
    );
    for threads in [1, 2] {
        closed_keys(threads, rounds, round);
    }

    println!("\nopen keys (capacity 1024)");
    println!(
        "{:<9} {:<16} {:>7} {:>10} {:>10} {:>11} {:>11} {:>11}",
        "scenario",
        "contender",
        "threads",
        "iters",
        "M incs/s",
        "/Mutex<HM>",
        "/CounterVec",
        "/DashMap"
    );
    let keys: Vec<String> = (0..64).map(|i| format!("region-{i:02}")).collect();
    for threads in [1, 2] {
        open_keys("2 keys", &keys[..2], false, threads, rounds, round);
        open_keys("64 keys", &keys, false, threads, rounds, round);
        open_keys("hot key", &keys[..1], true, threads, rounds, round);
    }
    println!(
        "\ntotal bench time {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
