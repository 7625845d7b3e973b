//! Every contender of issue 12's harness, in one run: StatTable against the
//! metrics crates people choose between.
//!
//! `cargo bench -p stats-core --bench peers` prints, at 1, 2 and 4 threads
//! started together on a barrier, millions of operations per second for:
//!
//! * counter increment: a `StatTable` field (`table.created().inc()`),
//!   `measured::Counter`, `prometheus::IntCounter`,
//!   `prometheus_client::metrics::counter::Counter`, a `metrics::Counter`
//!   over an `Arc<AtomicU64>` (`Counter::from_arc`: the handle that
//!   `metrics-util`'s `AtomicStorage` registry hands out, built here
//!   without the registry crate), one shared `AtomicU64`, and each thread's
//!   own cache-padded counter bumped with a plain load and store (the
//!   limit);
//! * gauge inc/dec: each iteration increments then decrements the gauge
//!   (2 operations), for the same peers' gauges; two reference rows of ours
//!   in the same rounds, `gauge inc` alone and `counter inc`, give the
//!   issue's targets;
//! * closed-key increment: each thread cycles through the four variants of
//!   an enum (run-time values): `Keyed<Method>`, `measured::CounterVec` with
//!   a fixed-cardinality label, `prometheus::IntCounterVec` with a handle
//!   per label taken before timing, `prometheus_client` `Family` through
//!   `get_or_create` and with a handle per label;
//! * open-key increment on 2, 64 and 10,000 keys and one hot key:
//!   `Keyed<String>` (capacity 16,384), `IntCounterVec::with_label_values`,
//!   `Family::get_or_create`, `DashMap` and `Mutex<HashMap>`, each at its
//!   best (keys and label sets built before timing; the maps look the key
//!   up by `&str` and allocate only to insert it);
//! * histogram observe (5 bounds, each thread cycling through 8 values
//!   that fall in every bucket): a `StatTable` histogram field,
//!   `prometheus::Histogram`, `measured::Histogram` and a
//!   `metrics::Histogram` recording into `metrics_util`'s `AtomicBucket`
//!   (what the `metrics` exporters record into; it keeps every value until
//!   drained, drained here when the total is checked), with a reference row
//!   of our counter in the same rounds;
//! * snapshots of a 64-field table while 0, 1 and 4 writers bump its
//!   fields: snapshots per second and the p50/p99/max time of one.
//!
//! Each round runs every contender of a workload once, one after the
//! other, so drift of the shared machine hits them alike; a figure is the
//! median of `PEERS_ROUNDS` (default 7) rounds of about `PEERS_ROUND_MS`
//! (default 100) ms, and every ratio compares contenders of the same
//! rounds. After the rounds every contender's total is checked against the
//! work it was given, so no loop can have been optimised away. A round is
//! timed by its threads (first start to last end), and after each workload
//! a line says how much CPU other processes used and the hypervisor stole
//! meanwhile (from `/proc`): a 2-thread figure taken while something else
//! kept a core busy is not a 2-thread figure.
//!
//! Other settings: `PEERS_THREADS` (default `1,2,4`), `PEERS_ONLY` (a
//! comma-separated subset of `counter,gauge,closed,open,histogram,snapshot`),
//! `PEERS_SNAPSHOT_MS` (default 1500, per writer count) and `PEERS_CSV` (a
//! file to write every figure to, for `peers_chart.py`).

use crossbeam_utils::CachePadded;
use dashmap::DashMap;
use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter as PcCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge as PcGauge;
use stats_core::{Histogram, KeyLabel, Keyed, StatKey, StatTable};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How a payment was made: the closed key set, one enum for every peer.
#[derive(
    StatKey,
    measured::FixedCardinalityLabel,
    EncodeLabelValue,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
)]
#[label(singleton = "method")]
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

/// `prometheus-client`'s label set for the closed key.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: Method,
}

/// `prometheus-client`'s label set for the open key.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RegionLabels {
    region: String,
}

/// The table of the counter, gauge and closed-key workloads.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "peers")]
struct Orders {
    /// Orders created.
    created: u64,
    /// Orders in flight.
    #[stat(gauge)]
    in_flight: i64,
    /// Orders by payment method.
    by_method: Keyed<Method>,
}

/// The table of the open-key workload: room for every key of the largest
/// scenario.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "peers")]
struct Regions {
    /// Orders by region.
    #[stat(keyed(capacity = 16384))]
    by_region: Keyed<String>,
}

/// The table of the histogram workload: a histogram and, for the
/// reference row, a counter.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "peers")]
struct Requests {
    /// Requests.
    requests: u64,
    /// Request latency, in microseconds.
    #[stat(histogram(buckets = [10, 100, 1_000, 10_000, 100_000]))]
    latency_us: Histogram,
}

/// The histogram workload's bucket bounds, for every contender.
const BOUNDS: [f64; 5] = [10.0, 100.0, 1_000.0, 10_000.0, 100_000.0];

/// The values observed: one in every bucket, `+Inf` included, cycled.
const VALUES: [u64; 8] = [5, 50, 500, 5_000, 50_000, 500_000, 70, 700];

/// The table of the snapshot workload: 64 counters, eight cache lines a row.
macro_rules! wide_table {
    ($($field:ident),* $(,)?) => {
        /// 64 counters.
        #[derive(StatTable, Debug, Default)]
        #[stat_table(prefix = "wide")]
        struct Wide {
            $(
                /// One of 64 counters.
                $field: u64,
            )*
        }

        impl Wide {
            /// The sum of every field.
            fn total(&self) -> u64 {
                0 $(+ self.$field)*
            }
        }
    };
}

wide_table!(
    f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12, f13, f14, f15, f16, f17, f18,
    f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35, f36, f37,
    f38, f39, f40, f41, f42, f43, f44, f45, f46, f47, f48, f49, f50, f51, f52, f53, f54, f55, f56,
    f57, f58, f59, f60, f61, f62, f63,
);

/// What a contender's total must come to after the rounds.
#[derive(Clone, Copy)]
enum Expect {
    /// One per iteration given (over all threads and rounds).
    Iterations,
    /// One per thread per round: gauge loops go up and down, then add one.
    ThreadRounds,
}

/// One contender of a workload.
struct Contender<'a> {
    name: &'static str,
    /// Operations one iteration makes.
    ops: u64,
    work: Box<dyn Fn(usize, u64) + Sync + 'a>,
    total: Box<dyn Fn() -> u64 + 'a>,
    expect: Expect,
}

impl<'a> Contender<'a> {
    fn new(
        name: &'static str,
        work: impl Fn(usize, u64) + Sync + 'a,
        total: impl Fn() -> u64 + 'a,
    ) -> Self {
        Self {
            name,
            ops: 1,
            work: Box::new(work),
            total: Box::new(total),
            expect: Expect::Iterations,
        }
    }

    /// An inc/dec contender: two operations an iteration, and one extra
    /// increment per thread per round to check.
    fn pair(mut self) -> Self {
        self.ops = 2;
        self.expect = Expect::ThreadRounds;
        self
    }
}

/// How busy the rest of the machine was while a workload ran, from
/// `/proc` (Linux; `None` elsewhere): the CPU time of other processes and
/// the time the hypervisor stole, in cores. A 2-thread figure taken while
/// another process kept a core busy is not a 2-thread figure.
#[derive(Clone, Copy)]
struct Noise {
    /// Busy and stolen CPU time of the whole machine, ours, in clock ticks,
    /// and when.
    busy: u64,
    steal: u64,
    own: u64,
    at: Instant,
}

impl Noise {
    fn now() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal ...
        let busy = cpu.iter().take(8).sum::<u64>() - cpu.get(3)? - cpu.get(4)? - cpu.get(7)?;
        let own_stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name, which is in parentheses.
        let fields: Vec<&str> = own_stat.rsplit_once(')')?.1.split_whitespace().collect();
        let own = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(Self {
            busy,
            steal: *cpu.get(7)?,
            own,
            at: Instant::now(),
        })
    }

    /// Other processes' CPU and stolen time since `self`, in cores
    /// (clock ticks of 10 ms, as on every Linux this runs on).
    fn since(self) -> Option<(f64, f64)> {
        let now = Self::now()?;
        let wall = (now.at - self.at).as_secs_f64() * 100.0;
        let others = (now.busy - self.busy).saturating_sub(now.own - self.own);
        Some((others as f64 / wall, (now.steal - self.steal) as f64 / wall))
    }
}

/// The run's settings.
struct Settings {
    rounds: usize,
    round: Duration,
    threads: Vec<usize>,
    only: Option<Vec<String>>,
    snapshot_for: Duration,
}

impl Settings {
    fn from_env() -> Self {
        let threads = std::env::var("PEERS_THREADS")
            .ok()
            .map(|v| {
                v.split(',')
                    .filter_map(|t| t.trim().parse().ok())
                    .filter(|&t| t > 0)
                    .collect::<Vec<usize>>()
            })
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| vec![1, 2, 4]);
        Self {
            rounds: usize::try_from(env_or("PEERS_ROUNDS", 7))
                .unwrap_or(7)
                .max(1),
            round: Duration::from_millis(env_or("PEERS_ROUND_MS", 100)),
            threads,
            only: std::env::var("PEERS_ONLY")
                .ok()
                .map(|v| v.split(',').map(|w| w.trim().to_owned()).collect()),
            snapshot_for: Duration::from_millis(env_or("PEERS_SNAPSHOT_MS", 1500)),
        }
    }

    fn wants(&self, workload: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|w| w == workload))
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `work(thread_index, iters)` on `threads` threads started together
/// on a barrier, and returns the time from the first thread's start to the
/// last thread's end, as the threads saw them: unlike a clock read by the
/// thread that waits for them, this does not shrink when that thread is
/// descheduled just after the barrier (on a busy machine it can be, for
/// longer than a short round).
fn timed_round(threads: usize, iters: u64, work: &(dyn Fn(usize, u64) + Sync)) -> Duration {
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    work(t, iters);
                    (start, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread panicked"))
            .collect()
    });
    let start = spans.iter().map(|s| s.0).min().expect("one thread or more");
    let end = spans.iter().map(|s| s.1).max().expect("one thread or more");
    end - start
}

/// Times every contender at `threads` threads: a calibration, then rounds
/// that each run every contender once. Returns each contender's median
/// rate in operations per second, after checking its total.
fn run(threads: usize, settings: &Settings, contenders: &[Contender<'_>]) -> Vec<f64> {
    let round = settings.round;
    // Per contender: iterations given over all threads, and thread-rounds.
    let mut given = vec![(0u64, 0u64); contenders.len()];
    let iters: Vec<u64> = contenders
        .iter()
        .zip(&mut given)
        .map(|(c, given)| {
            // Warm-up and calibration (first-touch allocation, key insertion,
            // frequency ramp): double the work until a round takes 1/5 of
            // the target, then scale.
            let mut probe = 4_096u64;
            loop {
                let elapsed = timed_round(threads, probe, &*c.work);
                given.0 += threads as u64 * probe;
                given.1 += threads as u64;
                if elapsed * 5 >= round || probe >= 1 << 32 {
                    let scale = round.as_secs_f64() / elapsed.as_secs_f64();
                    break ((probe as f64 * scale) as u64).max(1);
                }
                probe *= 2;
            }
        })
        .collect();
    let mut rates: Vec<Vec<f64>> = vec![Vec::with_capacity(settings.rounds); contenders.len()];
    for _ in 0..settings.rounds {
        for (i, c) in contenders.iter().enumerate() {
            let elapsed = timed_round(threads, iters[i], &*c.work).as_secs_f64();
            given[i].0 += threads as u64 * iters[i];
            given[i].1 += threads as u64;
            rates[i].push((threads as u64 * iters[i] * c.ops) as f64 / elapsed);
        }
    }
    contenders
        .iter()
        .zip(rates)
        .zip(given)
        .map(|((c, mut rates), (iterations, thread_rounds))| {
            let total = (c.total)();
            let expected = match c.expect {
                Expect::Iterations => iterations,
                Expect::ThreadRounds => thread_rounds,
            };
            assert_eq!(
                total, expected,
                "{} at {threads} threads counted {total}, expected {expected}",
                c.name
            );
            rates.sort_by(f64::total_cmp);
            rates[rates.len() / 2]
        })
        .collect()
}

/// The figures of one workload: a rate per contender per thread count.
struct Figures {
    title: String,
    names: Vec<&'static str>,
    /// `rates[t][c]`: thread count `settings.threads[t]`, contender `c`.
    rates: Vec<Vec<f64>>,
}

impl Figures {
    fn rate(&self, threads: usize, settings: &Settings, name: &str) -> Option<f64> {
        let t = settings.threads.iter().position(|&n| n == threads)?;
        let c = self.names.iter().position(|&n| n == name)?;
        Some(self.rates[t][c])
    }
}

/// Measures one workload at every thread count: `build(threads)` makes
/// fresh contenders (fresh tables and metrics, so each total is its own).
/// The first contender is ours; the ratio columns are its rate over each
/// row's, at the same thread count.
fn workload<'k>(
    settings: &Settings,
    title: &str,
    build: impl Fn(usize) -> Vec<Contender<'k>>,
) -> Figures {
    let mut names = Vec::new();
    let mut rates = Vec::new();
    let noise = Noise::now();
    for &threads in &settings.threads {
        let contenders = build(threads);
        names = contenders.iter().map(|c| c.name).collect();
        rates.push(run(threads, settings, &contenders));
    }
    let figures = Figures {
        title: title.to_owned(),
        names,
        rates,
    };
    print_figures(settings, &figures);
    if let Some((others, steal)) = noise.and_then(Noise::since) {
        println!(
            "(meanwhile other processes used {others:.2} cores, the hypervisor stole {steal:.2})"
        );
    }
    figures
}

fn print_figures(settings: &Settings, figures: &Figures) {
    println!("\n{}", figures.title);
    let mut header = format!("{:<34}", "contender");
    for t in &settings.threads {
        let _ = write!(header, " {:>9}", format!("{t} thr"));
    }
    for t in &settings.threads {
        let _ = write!(header, " {:>9}", format!("ours/ {t}t"));
    }
    println!("{header}");
    for (c, name) in figures.names.iter().enumerate() {
        let mut line = format!("{name:<34}");
        for rates in &figures.rates {
            let _ = write!(line, " {:>9}", format_rate(rates[c] / 1e6));
        }
        for rates in &figures.rates {
            let _ = write!(line, " {:>9.2}", rates[0] / rates[c]);
        }
        println!("{line}");
    }
}

/// M ops/s with three significant digits or so.
fn format_rate(m: f64) -> String {
    if m >= 100.0 {
        format!("{m:.0}")
    } else if m >= 10.0 {
        format!("{m:.1}")
    } else {
        format!("{m:.2}")
    }
}

/// Calls `f(index)` `iters` times, cycling through `indices`.
#[inline(always)]
fn cycle(indices: std::ops::Range<usize>, iters: u64, mut f: impl FnMut(usize)) {
    let mut next = indices.start;
    for _ in 0..iters {
        f(black_box(next));
        next += 1;
        if next == indices.end {
            next = indices.start;
        }
    }
}

/// Calls `f(variant)` `iters` times, cycling through the four variants as
/// run-time values, unrolled by four so that the loop adds nothing per
/// increment.
#[inline(always)]
fn cycle_variants(iters: u64, mut f: impl FnMut(Method)) {
    let variants = black_box(Method::ALL_ARRAY);
    for _ in 0..iters / 4 {
        for key in variants {
            f(key);
        }
    }
    for &key in &variants[..(iters % 4) as usize] {
        f(key);
    }
}

fn counters(settings: &Settings) -> Figures {
    workload(
        settings,
        "counter increment (M ops/s; ours/ = StatTable field's rate over the row's)",
        |threads| {
            let table = Arc::new(Orders::table());
            let measured = Arc::new(measured::Counter::new());
            let prom = IntCounter::new("created", "Orders created.").expect("valid metric");
            let client = PcCounter::<u64>::default();
            let metrics_atomic = Arc::new(AtomicU64::new(0));
            let metrics = metrics::Counter::from_arc(Arc::clone(&metrics_atomic));
            let shared = Arc::new(CachePadded::new(AtomicU64::new(0)));
            let own: Arc<Vec<CachePadded<AtomicU64>>> = Arc::new(
                (0..threads)
                    .map(|_| CachePadded::new(AtomicU64::new(0)))
                    .collect(),
            );
            vec![
                Contender::new(
                    "StatTable field",
                    {
                        let table = Arc::clone(&table);
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&*table).created().inc();
                            }
                        }
                    },
                    move || table.created().get(),
                ),
                Contender::new(
                    "measured Counter",
                    {
                        let measured = Arc::clone(&measured);
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&*measured).inc();
                            }
                        }
                    },
                    move || measured.get_metric().count.load(Ordering::Relaxed),
                ),
                Contender::new(
                    "prometheus IntCounter",
                    {
                        let prom = prom.clone();
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&prom).inc();
                            }
                        }
                    },
                    move || prom.get(),
                ),
                Contender::new(
                    "prometheus-client Counter",
                    {
                        let client = client.clone();
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&client).inc();
                            }
                        }
                    },
                    move || client.get(),
                ),
                Contender::new(
                    "metrics Counter (atomic storage)",
                    move |_, iters| {
                        for _ in 0..iters {
                            black_box(&metrics).increment(1);
                        }
                    },
                    move || metrics_atomic.load(Ordering::Relaxed),
                ),
                Contender::new(
                    "shared AtomicU64",
                    {
                        let shared = Arc::clone(&shared);
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&**shared).fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    },
                    move || shared.load(Ordering::Relaxed),
                ),
                Contender::new(
                    "own padded counter (limit)",
                    {
                        let own = Arc::clone(&own);
                        move |t, iters| {
                            for _ in 0..iters {
                                let counter = black_box(&own[t]);
                                counter
                                    .store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                            }
                        }
                    },
                    move || own.iter().map(|c| c.load(Ordering::Relaxed)).sum(),
                ),
            ]
        },
    )
}

fn gauges(settings: &Settings) -> Figures {
    workload(
        settings,
        "gauge inc/dec (M ops/s, inc and dec each one op; ours/ = StatTable gauge inc/dec over the row's)",
        |threads| {
            // One table per StatTable contender, so each total is its own.
            let [pair_table, inc_table, counter_table] =
                [(); 3].map(|()| Arc::new(Orders::table()));
            let measured = Arc::new(measured::Gauge::new());
            let prom = IntGauge::new("in_flight", "Orders in flight.").expect("valid metric");
            let client = PcGauge::<i64>::default();
            let metrics_atomic = Arc::new(AtomicU64::new(0f64.to_bits()));
            let metrics = metrics::Gauge::from_arc(Arc::clone(&metrics_atomic));
            let shared = Arc::new(CachePadded::new(AtomicI64::new(0)));
            let own: Arc<Vec<CachePadded<AtomicI64>>> = Arc::new(
                (0..threads)
                    .map(|_| CachePadded::new(AtomicI64::new(0)))
                    .collect(),
            );
            let level = |v: i64| u64::try_from(v).expect("a level at or above zero");
            vec![
                Contender::new(
                    "StatTable gauge inc/dec",
                    {
                        let table = Arc::clone(&pair_table);
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&*table).in_flight().inc();
                                black_box(&*table).in_flight().dec();
                            }
                            table.in_flight().inc();
                        }
                    },
                    move || level(pair_table.in_flight().get()),
                )
                .pair(),
                Contender::new(
                    "StatTable gauge inc only (ref.)",
                    {
                        let table = Arc::clone(&inc_table);
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&*table).in_flight().inc();
                            }
                        }
                    },
                    move || level(inc_table.in_flight().get()),
                ),
                Contender::new(
                    "StatTable counter inc (ref.)",
                    {
                        let table = Arc::clone(&counter_table);
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&*table).created().inc();
                            }
                        }
                    },
                    move || counter_table.created().get(),
                ),
                Contender::new(
                    "measured Gauge",
                    {
                        let measured = Arc::clone(&measured);
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&*measured).inc();
                                black_box(&*measured).dec();
                            }
                            measured.inc();
                        }
                    },
                    move || level(measured.get_metric().count.load(Ordering::Relaxed)),
                )
                .pair(),
                Contender::new(
                    "prometheus IntGauge",
                    {
                        let prom = prom.clone();
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&prom).inc();
                                black_box(&prom).dec();
                            }
                            prom.inc();
                        }
                    },
                    move || level(prom.get()),
                )
                .pair(),
                Contender::new(
                    "prometheus-client Gauge",
                    {
                        let client = client.clone();
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&client).inc();
                                black_box(&client).dec();
                            }
                            client.inc();
                        }
                    },
                    move || level(client.get()),
                )
                .pair(),
                Contender::new(
                    "metrics Gauge (atomic storage)",
                    move |_, iters| {
                        for _ in 0..iters {
                            black_box(&metrics).increment(1.0);
                            black_box(&metrics).decrement(1.0);
                        }
                        metrics.increment(1.0);
                    },
                    move || {
                        // Exact: the level stays a small integer.
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                        let level = f64::from_bits(metrics_atomic.load(Ordering::Relaxed)) as u64;
                        level
                    },
                )
                .pair(),
                Contender::new(
                    "shared AtomicI64",
                    {
                        let shared = Arc::clone(&shared);
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&**shared).fetch_add(1, Ordering::Relaxed);
                                black_box(&**shared).fetch_sub(1, Ordering::Relaxed);
                            }
                            shared.fetch_add(1, Ordering::Relaxed);
                        }
                    },
                    move || level(shared.load(Ordering::Relaxed)),
                )
                .pair(),
                Contender::new(
                    "own padded gauge (limit)",
                    {
                        let own = Arc::clone(&own);
                        move |t, iters| {
                            for _ in 0..iters {
                                let gauge = black_box(&own[t]);
                                gauge.store(gauge.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                                let gauge = black_box(&own[t]);
                                gauge.store(gauge.load(Ordering::Relaxed) - 1, Ordering::Relaxed);
                            }
                            own[t].fetch_add(1, Ordering::Relaxed);
                        }
                    },
                    move || own.iter().map(|g| level(g.load(Ordering::Relaxed))).sum(),
                )
                .pair(),
            ]
        },
    )
}

fn closed_keys(settings: &Settings) -> Figures {
    workload(
        settings,
        "closed-key increment, each thread cycling through 4 variants (M ops/s; ours/ = Keyed<Method>'s rate over the row's)",
        |_| {
            let table = Arc::new(Orders::table());
            let measured = Arc::new(measured::CounterVec::<
                measured::label::StaticLabelSet<Method>,
            >::new());
            let prom_vec = IntCounterVec::new(
                Opts::new("by_method", "Orders by payment method."),
                &["method"],
            )
            .expect("valid metric");
            let prom_handles: Arc<Vec<IntCounter>> = Arc::new(
                Method::ALL_ARRAY
                    .iter()
                    .map(|m| prom_vec.with_label_values(&[m.label()]))
                    .collect(),
            );
            let family = Family::<MethodLabels, PcCounter>::default();
            let family_for_handles = Family::<MethodLabels, PcCounter>::default();
            let family_handles: Arc<Vec<PcCounter>> = Arc::new(
                Method::ALL_ARRAY
                    .iter()
                    .map(|&method| family_for_handles.get_or_create_owned(&MethodLabels { method }))
                    .collect(),
            );
            vec![
                Contender::new(
                    "StatTable Keyed<Method>",
                    {
                        let table = Arc::clone(&table);
                        move |_, iters| {
                            cycle_variants(iters, |key| black_box(&*table).by_method().inc(key));
                        }
                    },
                    move || Method::ALL.iter().map(|&m| table.by_method().get(m)).sum(),
                ),
                Contender::new(
                    "measured CounterVec (fixed labels)",
                    {
                        let measured = Arc::clone(&measured);
                        move |_, iters| {
                            cycle_variants(iters, |key| black_box(&*measured).inc(key));
                        }
                    },
                    move || {
                        Method::ALL_ARRAY
                            .iter()
                            .map(|&m| {
                                measured
                                    .get_metric(measured.with_labels(m))
                                    .count
                                    .load(Ordering::Relaxed)
                            })
                            .sum()
                    },
                ),
                Contender::new(
                    "prometheus IntCounterVec, handles",
                    {
                        let handles = Arc::clone(&prom_handles);
                        move |_, iters| {
                            cycle_variants(iters, |key| {
                                black_box(&handles)[key as usize].inc();
                            });
                        }
                    },
                    move || prom_handles.iter().map(IntCounter::get).sum(),
                ),
                Contender::new(
                    "prometheus-client Family get_or_create",
                    {
                        let family = family.clone();
                        move |_, iters| {
                            cycle_variants(iters, |method| {
                                black_box(&family)
                                    .get_or_create(&MethodLabels { method })
                                    .inc();
                            });
                        }
                    },
                    move || {
                        Method::ALL_ARRAY
                            .iter()
                            .filter_map(|&method| {
                                family.get(&MethodLabels { method }).map(|c| c.get())
                            })
                            .sum()
                    },
                ),
                Contender::new(
                    "prometheus-client Family, handles",
                    {
                        let handles = Arc::clone(&family_handles);
                        move |_, iters| {
                            cycle_variants(iters, |key| {
                                black_box(&handles)[key as usize].inc();
                            });
                        }
                    },
                    move || family_handles.iter().map(PcCounter::get).sum(),
                ),
            ]
        },
    )
}

/// The indices of `len` keys that thread `t` of `threads` increments:
/// disjoint shares while there are enough keys, else key `t % len`; every
/// thread the first key when `hot`.
fn mine(len: usize, hot: bool, threads: usize, t: usize) -> std::ops::Range<usize> {
    if hot {
        0..1
    } else if len >= threads {
        let per = len / threads;
        t * per..(t + 1) * per
    } else {
        t % len..t % len + 1
    }
}

fn open_keys(
    settings: &Settings,
    scenario: &str,
    keys: &Arc<Vec<String>>,
    labels: &Arc<Vec<RegionLabels>>,
    hot: bool,
) -> Figures {
    let len = keys.len();
    workload(
        settings,
        &format!(
            "open-key increment, {scenario} (M ops/s; ours/ = Keyed<String>'s rate over the row's)"
        ),
        |threads| {
            let table = Arc::new(Regions::table());
            let vec = IntCounterVec::new(Opts::new("by_region", "Orders by region."), &["region"])
                .expect("valid metric");
            let family = Family::<RegionLabels, PcCounter>::default();
            let dash: Arc<DashMap<String, u64>> = Arc::new(DashMap::new());
            let mutex: Arc<Mutex<HashMap<String, u64>>> = Arc::new(Mutex::new(HashMap::new()));
            let keys = Arc::clone(keys);
            let labels = Arc::clone(labels);
            vec![
                Contender::new(
                    "StatTable Keyed<String>",
                    {
                        let (table, keys) = (Arc::clone(&table), Arc::clone(&keys));
                        move |t, iters| {
                            let by_region = black_box(&*table).by_region();
                            cycle(mine(len, hot, threads, t), iters, |i| {
                                by_region.inc(&keys[i]);
                            });
                        }
                    },
                    {
                        let keys = Arc::clone(&keys);
                        move || {
                            assert_eq!(table.by_region().overflow(), 0, "capacity too small");
                            keys.iter().filter_map(|k| table.by_region().get(k)).sum()
                        }
                    },
                ),
                Contender::new(
                    "prometheus with_label_values",
                    {
                        let (vec, keys) = (vec.clone(), Arc::clone(&keys));
                        move |t, iters| {
                            cycle(mine(len, hot, threads, t), iters, |i| {
                                black_box(&vec).with_label_values(&[keys[i].as_str()]).inc();
                            });
                        }
                    },
                    {
                        let keys = Arc::clone(&keys);
                        move || {
                            keys.iter()
                                .filter_map(|k| {
                                    vec.get_metric_with_label_values(&[k.as_str()]).ok()
                                })
                                .map(|c| c.get())
                                .sum()
                        }
                    },
                ),
                Contender::new(
                    "prometheus-client get_or_create",
                    {
                        let (family, labels) = (family.clone(), Arc::clone(&labels));
                        move |t, iters| {
                            cycle(mine(len, hot, threads, t), iters, |i| {
                                black_box(&family).get_or_create(&labels[i]).inc();
                            });
                        }
                    },
                    move || {
                        labels
                            .iter()
                            .filter_map(|l| family.get(l).map(|c| c.get()))
                            .sum()
                    },
                ),
                Contender::new(
                    "DashMap<String, u64>",
                    {
                        let (dash, keys) = (Arc::clone(&dash), Arc::clone(&keys));
                        move |t, iters| {
                            cycle(mine(len, hot, threads, t), iters, |i| {
                                let dash = black_box(&*dash);
                                let key = keys[i].as_str();
                                if let Some(mut v) = dash.get_mut(key) {
                                    *v += 1;
                                } else {
                                    *dash.entry(key.to_owned()).or_insert(0) += 1;
                                }
                            });
                        }
                    },
                    move || dash.iter().map(|e| *e.value()).sum(),
                ),
                Contender::new(
                    "Mutex<HashMap<String, u64>>",
                    {
                        let (mutex, keys) = (Arc::clone(&mutex), Arc::clone(&keys));
                        move |t, iters| {
                            cycle(mine(len, hot, threads, t), iters, |i| {
                                let mut map = black_box(&*mutex)
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner);
                                let key = keys[i].as_str();
                                if let Some(v) = map.get_mut(key) {
                                    *v += 1;
                                } else {
                                    map.insert(key.to_owned(), 1);
                                }
                            });
                        }
                    },
                    move || {
                        mutex
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .values()
                            .sum()
                    },
                ),
            ]
        },
    )
}

/// Calls `f(value)` `iters` times, cycling through [`VALUES`] from an
/// offset per thread, the values run-time (`black_box`ed).
#[inline(always)]
fn cycle_values(t: usize, iters: u64, mut f: impl FnMut(u64)) {
    let values = black_box(VALUES);
    let mut next = t % VALUES.len();
    for _ in 0..iters {
        f(values[next]);
        next = (next + 1) % VALUES.len();
    }
}

fn histograms(settings: &Settings) -> Figures {
    workload(
        settings,
        "histogram observe (M ops/s; ours/ = StatTable histogram's rate over the row's)",
        |_| {
            let [table, counter_table] = [(); 2].map(|()| Arc::new(Requests::table()));
            let prom = prometheus::Histogram::with_opts(
                prometheus::HistogramOpts::new("latency_us", "Request latency.")
                    .buckets(BOUNDS.to_vec()),
            )
            .expect("valid histogram");
            let measured = Arc::new(measured::Histogram::<5>::with_metadata(
                measured::metric::histogram::Thresholds::with_buckets(BOUNDS),
            ));
            // AtomicBucket keeps every value until it is drained (an
            // exporter drains it on each scrape); drained once, when the
            // total is taken.
            let bucket = Arc::new(metrics_util::storage::AtomicBucket::<f64>::new());
            let metrics = metrics::Histogram::from_arc(Arc::clone(&bucket));
            vec![
                Contender::new(
                    "StatTable histogram observe",
                    {
                        let table = Arc::clone(&table);
                        move |t, iters| {
                            cycle_values(t, iters, |v| {
                                black_box(&*table).latency_us().observe(v);
                            });
                        }
                    },
                    move || table.latency_us().snapshot().count(),
                ),
                Contender::new(
                    "StatTable counter inc (ref.)",
                    {
                        let table = Arc::clone(&counter_table);
                        move |_, iters| {
                            for _ in 0..iters {
                                black_box(&*table).requests().inc();
                            }
                        }
                    },
                    move || counter_table.requests().get(),
                ),
                Contender::new(
                    "prometheus Histogram",
                    {
                        let prom = prom.clone();
                        move |t, iters| {
                            cycle_values(t, iters, |v| {
                                black_box(&prom).observe(v as f64);
                            });
                        }
                    },
                    move || prom.get_sample_count(),
                ),
                Contender::new(
                    "measured Histogram",
                    {
                        let measured = Arc::clone(&measured);
                        move |t, iters| {
                            cycle_values(t, iters, |v| {
                                black_box(&*measured).observe(v as f64);
                            });
                        }
                    },
                    move || {
                        let metric = measured.get_metric();
                        let inner = metric.inner.read();
                        inner
                            .buckets
                            .iter()
                            .chain([&inner.inf])
                            .map(|b| b.load(Ordering::Relaxed))
                            .sum()
                    },
                ),
                Contender::new(
                    "metrics Histogram (AtomicBucket)",
                    move |t, iters| {
                        cycle_values(t, iters, |v| {
                            black_box(&metrics).record(v as f64);
                        });
                    },
                    move || {
                        let mut count = 0;
                        bucket.clear_with(|values| count += values.len() as u64);
                        count
                    },
                ),
            ]
        },
    )
}

/// What one snapshot run measured.
struct SnapshotFigures {
    writers: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
    /// The writers' increments per second while the snapshots ran.
    writes_per_second: f64,
}

/// Snapshots of a 64-field table taken back to back for `duration` while
/// `writers` threads bump its fields (each cycling through all 64).
fn snapshots(writers: usize, duration: Duration) -> SnapshotFigures {
    let table = Wide::table();
    let stop = AtomicBool::new(false);
    let mut times = Vec::new();
    let started = Instant::now();
    let (counted, elapsed) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (table, stop) = (&table, &stop);
                s.spawn(move || {
                    let mut done = 0u64;
                    let mut field = w % WideField::ALL.len();
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..1024 {
                            black_box(table).inc(WideField::ALL[field]);
                            field = (field + 1) % WideField::ALL.len();
                        }
                        done += 1024;
                    }
                    done
                })
            })
            .collect();
        // Let the writers start and write their rows.
        std::thread::sleep(Duration::from_millis(20));
        let began = Instant::now();
        while began.elapsed() < duration {
            let t0 = Instant::now();
            let snapshot: Wide = table.snapshot();
            times.push(t0.elapsed());
            black_box(snapshot);
        }
        let elapsed = began.elapsed();
        stop.store(true, Ordering::Relaxed);
        let counted: u64 = handles
            .into_iter()
            .map(|h| h.join().expect("writer panicked"))
            .sum();
        (counted, elapsed)
    });
    let total_time = started.elapsed();
    assert_eq!(table.snapshot().total(), counted, "the writers' increments");
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    SnapshotFigures {
        writers,
        per_second: times.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        max: *times.last().expect("at least one snapshot"),
        writes_per_second: counted as f64 / total_time.as_secs_f64(),
    }
}

fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 10_000 {
        format!("{ns} ns")
    } else if ns < 10_000_000 {
        format!("{:.1} µs", ns as f64 / 1e3)
    } else {
        format!("{:.1} ms", ns as f64 / 1e6)
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let settings = Settings::from_env();
    let started = Instant::now();
    println!(
        "peers: median of {} rounds of about {} ms per contender, threads {:?}",
        settings.rounds,
        settings.round.as_millis(),
        settings.threads
    );
    let mut all = Vec::new();
    if settings.wants("counter") {
        all.push(("counter", counters(&settings)));
    }
    if settings.wants("gauge") {
        all.push(("gauge", gauges(&settings)));
    }
    if settings.wants("closed") {
        all.push(("closed key", closed_keys(&settings)));
    }
    if settings.wants("open") {
        let keys: Vec<String> = (0..10_000).map(|i| format!("region-{i:05}")).collect();
        for (scenario, len, hot) in [
            ("2 keys", 2, false),
            ("64 keys", 64, false),
            ("10,000 keys", 10_000, false),
            ("1 hot key", 1, true),
        ] {
            let keys = Arc::new(keys[..len].to_vec());
            let labels = Arc::new(
                keys.iter()
                    .map(|k| RegionLabels { region: k.clone() })
                    .collect::<Vec<_>>(),
            );
            let figures = open_keys(&settings, scenario, &keys, &labels, hot);
            all.push((scenario, figures));
        }
    }
    if settings.wants("histogram") {
        all.push(("histogram", histograms(&settings)));
    }
    let mut snapshot_rows = Vec::new();
    if settings.wants("snapshot") {
        println!(
            "\nsnapshot of a 64-field table, back to back for {} ms, writers cycling through the fields",
            settings.snapshot_for.as_millis()
        );
        println!(
            "{:>7} {:>12} {:>10} {:>10} {:>10} {:>16}",
            "writers", "snapshots/s", "p50", "p99", "max", "writes M/s"
        );
        for writers in [0, 1, 4] {
            let f = snapshots(writers, settings.snapshot_for);
            println!(
                "{:>7} {:>12.0} {:>10} {:>10} {:>10} {:>16.1}",
                f.writers,
                f.per_second,
                format_duration(f.p50),
                format_duration(f.p99),
                format_duration(f.max),
                f.writes_per_second / 1e6
            );
            snapshot_rows.push(f);
        }
    }
    targets(&settings, &all);
    if let Ok(path) = std::env::var("PEERS_CSV") {
        write_csv(&path, &settings, &all, &snapshot_rows);
        println!("\nfigures written to {path}");
    }
    println!(
        "\ntotal bench time {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The gauge targets, from the gauge workload's rows. The limit
/// loop's own scaling from 1 to 2 threads is printed beside the per-thread
/// figures: it is what the machine allows.
fn targets(settings: &Settings, all: &[(&str, Figures)]) {
    let Some((_, gauge)) = all.iter().find(|(w, _)| *w == "gauge") else {
        return;
    };
    let rate = |threads, name| gauge.rate(threads, settings, name);
    let (
        Some(inc1),
        Some(inc2),
        Some(counter2),
        Some(pair1),
        Some(pair2),
        Some(limit1),
        Some(limit2),
    ) = (
        rate(1, "StatTable gauge inc only (ref.)"),
        rate(2, "StatTable gauge inc only (ref.)"),
        rate(2, "StatTable counter inc (ref.)"),
        rate(1, "StatTable gauge inc/dec"),
        rate(2, "StatTable gauge inc/dec"),
        rate(1, "own padded gauge (limit)"),
        rate(2, "own padded gauge (limit)"),
    )
    else {
        return;
    };
    println!("\ntargets (issue 12, gauges on the rows)");
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    println!(
        "gauge inc at 2 threads / counter inc at 2 threads: {:.2} (target >= 0.5: {})",
        inc2 / counter2,
        verdict(inc2 / counter2 >= 0.5)
    );
    println!(
        "gauge inc/dec at 2 threads / counter inc at 2 threads: {:.2}",
        pair2 / counter2
    );
    let limit = limit2 / 2.0 / limit1;
    println!(
        "gauge inc per thread, 2 threads / 1 thread: {:.2} (target >= 1.0: {}; the limit loop: {limit:.2})",
        inc2 / 2.0 / inc1,
        verdict(inc2 / 2.0 >= inc1)
    );
    println!(
        "gauge inc/dec per thread, 2 threads / 1 thread: {:.2} (target >= 1.0: {}; the limit loop: {limit:.2})",
        pair2 / 2.0 / pair1,
        verdict(pair2 / 2.0 >= pair1)
    );
}

fn write_csv(
    path: &str,
    settings: &Settings,
    all: &[(&str, Figures)],
    snapshots: &[SnapshotFigures],
) {
    // Names hold commas: quoted. Snapshot rows: snapshots per second (not
    // millions) and the p50, p99 and max time of one.
    let mut out = String::from("workload,contender,threads,mops,p50_ns,p99_ns,max_ns\n");
    for (workload, figures) in all {
        for (t, rates) in figures.rates.iter().enumerate() {
            for (name, rate) in figures.names.iter().zip(rates) {
                let _ = writeln!(
                    out,
                    "\"{workload}\",\"{name}\",{},{:.3},,,",
                    settings.threads[t],
                    rate / 1e6
                );
            }
        }
    }
    for f in snapshots {
        let _ = writeln!(
            out,
            "snapshot,\"{} writers\",{},{:.0},{},{},{}",
            f.writers,
            f.writers,
            f.per_second,
            f.p50.as_nanos(),
            f.p99.as_nanos(),
            f.max.as_nanos()
        );
    }
    std::fs::write(path, out).expect("write PEERS_CSV");
}
