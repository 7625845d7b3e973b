//! The order service: the main job of this workspace.
//!
//! Worker threads take synthetic orders for a few seconds and record them in
//! an `OrderStats` table; a reporter prints one line a second from a cursor's
//! deltas; at the end the program prints the final snapshot, the throughput,
//! and checks that the table's totals equal what the workers did (exit code 1
//! if not).
//!
//! Orders are counted by payment method (a closed key set) and by region (an
//! open key set of 64). One order in a thousand carries a garbage region, as
//! a misbehaving client would send: those fill the free slots and then go to
//! the overflow series, and the table's memory stays what it was.
//!
//! ```text
//! cargo run --release --example order_service -- --threads 4 --seconds 3
//! ```
//!
//! `ORDER_SERVICE_THREADS` and `ORDER_SERVICE_SECONDS` set the same values;
//! flags win over the environment.
//!
//! With `--listen 127.0.0.1:9898` it serves its tables (and the library's
//! health table) on `GET /metrics` while it runs, for Prometheus to scrape;
//! `--linger 30` keeps serving the final values for 30 s after the workers
//! stop. With `--archive orders.jsonl` it appends one JSON line per table
//! each second, and the final snapshot last. It always prints the final
//! snapshot as one JSON line starting with `final snapshot: `.

use stats_core::{
    Archiver, JsonLines, Keyed, LabelValue, Registry, StatKey, StatTable, TableSnapshot, Value,
};
use stats_examples::{seconds as seconds_arg, whole_number};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Order pipeline statistics.
#[derive(StatTable, Debug, Default, Clone, PartialEq, Eq)]
#[stat_table(prefix = "orders")]
struct OrderStats {
    /// Orders accepted by the API.
    created: u64,
    /// Orders paid for.
    paid: u64,
    /// Orders whose payment failed.
    failed: u64,
    /// Orders rejected before payment (invalid basket, fraud check).
    rejected: u64,
    /// Items in created orders.
    items: u64,
    /// Revenue of paid orders, in cents.
    revenue_cents: u64,
    /// Orders being processed right now.
    #[stat(gauge)]
    in_flight: i64,
    /// Payment attempts by method.
    by_method: Keyed<Method>,
    /// Orders by the region the client named.
    #[stat(keyed(capacity = 64))]
    by_region: Keyed<String>,
}

/// How an order is paid: a closed key set, counted without hashing.
#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    Wallet,
    Invoice,
    BankTransfer,
}

/// The regions well-behaved clients send.
const REGIONS: [&str; 12] = [
    "eu-west",
    "eu-central",
    "eu-north",
    "us-east",
    "us-west",
    "us-central",
    "ap-south",
    "ap-northeast",
    "ap-southeast",
    "sa-east",
    "af-south",
    "me-central",
];

impl OrderStats {
    fn accumulate(&mut self, other: &Self) {
        self.created += other.created;
        self.paid += other.paid;
        self.failed += other.failed;
        self.rejected += other.rejected;
        self.items += other.items;
        self.revenue_cents += other.revenue_cents;
        self.in_flight += other.in_flight;
        self.by_method.merge(&other.by_method);
        self.by_region.merge(&other.by_region);
    }
}

/// What one worker did, tallied on its own so it can be checked against the
/// table. Keys are tallied in arrays and a map, not in `Keyed`, to keep the
/// worker's own bookkeeping cheap.
#[derive(Default)]
struct Tally {
    stats: OrderStats,
    methods: [u64; 4],
    regions: [u64; REGIONS.len()],
    garbage_regions: HashMap<String, u64>,
    table_writes: u64,
}

impl Tally {
    /// The keyed counts the table would hold if no key ever overflowed.
    fn keyed_counts(&self) -> (Keyed<Method>, Keyed<String>) {
        let methods = Method::ALL
            .iter()
            .zip(self.methods)
            .map(|(method, n)| (*method, n))
            .collect();
        let regions = REGIONS
            .iter()
            .zip(self.regions)
            .map(|(region, n)| ((*region).to_owned(), n))
            .chain(self.garbage_regions.iter().map(|(k, n)| (k.clone(), *n)))
            .collect();
        (methods, regions)
    }
}

/// A small, fast, deterministic generator (xorshift64*), one per worker.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Handles one synthetic order end to end. `scratch` holds a garbage
/// region's text, so the worker does not allocate per order.
fn take_order(table: &OrderStatsTable, rng: &mut Rng, tally: &mut Tally, scratch: &mut String) {
    table.in_flight().inc();
    table.created().inc();
    let items = 1 + rng.below(5);
    table.items().add(items);
    tally.stats.created += 1;
    tally.stats.items += items;
    tally.table_writes += 3;

    if rng.below(1000) == 0 {
        scratch.clear();
        let _ = write!(scratch, "garbage-{:x}", rng.next());
        table.by_region().inc(scratch);
        *tally.garbage_regions.entry(scratch.clone()).or_insert(0) += 1;
    } else {
        let region = rng.below(REGIONS.len() as u64) as usize;
        table.by_region().inc(REGIONS[region]);
        tally.regions[region] += 1;
    }
    tally.table_writes += 1;

    match rng.below(100) {
        0..=2 => {
            table.rejected().inc();
            tally.stats.rejected += 1;
        }
        3..=9 => {
            table.inc(OrderStatsField::Failed);
            tally.stats.failed += 1;
            pay_with(table, rng, tally);
        }
        _ => {
            pay_with(table, rng, tally);
            // Payment and revenue land in one consistent step.
            let price = 499 + rng.below(20_000);
            table.add(&OrderStats {
                paid: 1,
                revenue_cents: price,
                ..OrderStats::default()
            });
            tally.stats.paid += 1;
            tally.stats.revenue_cents += price;
        }
    }
    table.in_flight().dec();
    tally.table_writes += 2;
}

/// A payment attempt: counted by method, whether it succeeds or fails.
fn pay_with(table: &OrderStatsTable, rng: &mut Rng, tally: &mut Tally) {
    let method = match rng.below(20) {
        0..=11 => Method::Card,
        12..=16 => Method::Wallet,
        17..=18 => Method::Invoice,
        _ => Method::BankTransfer,
    };
    table.by_method().inc(method);
    tally.methods[method.index()] += 1;
    tally.table_writes += 1;
}

fn worker(table: &OrderStatsTable, seed: u64, stop: &AtomicBool) -> Tally {
    let mut rng = Rng(seed | 1);
    let mut tally = Tally::default();
    let mut scratch = String::with_capacity(32);
    while !stop.load(Ordering::Relaxed) {
        // Check the stop flag once per batch, not once per order.
        for _ in 0..256 {
            take_order(table, &mut rng, &mut tally, &mut scratch);
        }
    }
    tally
}

struct Config {
    threads: usize,
    duration: Duration,
    /// Where to serve `/metrics`.
    listen: Option<String>,
    /// The JSON-lines archive.
    archive: Option<PathBuf>,
    /// How long to keep serving after the workers stop.
    linger: Duration,
}

const USAGE: &str = "usage: order_service [--threads N] [--seconds S] [--listen ADDR] [--archive FILE] [--linger S]\n\
    defaults: 4 threads, 3 seconds; ORDER_SERVICE_THREADS and ORDER_SERVICE_SECONDS also set them\n\
    --listen ADDR   serve GET /metrics on ADDR (say 127.0.0.1:9898) while running\n\
    --archive FILE  append one JSON line per table each second, and the final snapshot\n\
    --linger S      keep serving /metrics for S seconds after the workers stop";

fn parse_config() -> Result<Config, String> {
    let mut threads = std::env::var("ORDER_SERVICE_THREADS").ok();
    let mut seconds = std::env::var("ORDER_SERVICE_SECONDS").ok();
    let (mut listen, mut archive, mut linger) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => threads = Some(args.next().ok_or("--threads needs a value")?),
            "--seconds" => seconds = Some(args.next().ok_or("--seconds needs a value")?),
            "--listen" => listen = Some(args.next().ok_or("--listen needs an address")?),
            "--archive" => {
                archive = Some(PathBuf::from(args.next().ok_or("--archive needs a file")?))
            }
            "--linger" => linger = Some(args.next().ok_or("--linger needs a value")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let threads = match threads {
        None => 4,
        // Within 1..=1024, so the conversion cannot truncate.
        Some(text) => whole_number("threads", &text, 1..=1024)? as usize,
    };
    let duration = match seconds {
        None => Duration::from_secs(3),
        Some(text) => seconds_arg("seconds", &text, 3600.0)?,
    };
    let linger = match linger {
        None => Duration::ZERO,
        Some(text) => seconds_arg("linger", &text, 3600.0)?,
    };
    Ok(Config {
        threads,
        duration,
        listen,
        archive,
        linger,
    })
}

/// The endpoint and the archive, as the flags ask.
struct Exporters {
    registry: Registry,
    server: Option<stats_core::MetricsServer>,
    archiver: Option<Archiver>,
}

impl Exporters {
    fn start(config: &Config, table: &Arc<OrderStatsTable>) -> Result<Self, String> {
        let registry = Registry::new();
        registry
            .register(Arc::clone(table))
            .map_err(|e| e.to_string())?;
        let server = match &config.listen {
            None => None,
            Some(addr) => {
                let server = registry
                    .serve(addr.as_str())
                    .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
                println!("serving http://{}/metrics", server.local_addr());
                Some(server)
            }
        };
        let archiver = match &config.archive {
            None => None,
            Some(path) => {
                let sink = JsonLines::append(path)
                    .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
                let archiver = Archiver::builder()
                    .sink(sink)
                    .build()
                    .map_err(|e| format!("cannot start the archiver: {e}"))?;
                Some(archiver)
            }
        };
        Ok(Self {
            registry,
            server,
            archiver,
        })
    }

    /// Archives every table (once a second).
    fn tick(&self) {
        if let Some(archiver) = &self.archiver {
            archiver.archive(&self.registry);
        }
    }
}

fn main() -> ExitCode {
    let config = match parse_config() {
        Ok(config) => config,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    println!(
        "order service: {} worker threads for {:.1} s",
        config.threads,
        config.duration.as_secs_f64()
    );

    let shared = Arc::new(OrderStats::table());
    let exporters = match Exporters::start(&config, &shared) {
        Ok(exporters) => exporters,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let table: &OrderStatsTable = &shared;
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let mut reported = OrderStats::default();

    // The cursor starts before any worker, so its deltas cover every write.
    let mut cursor = table.cursor();
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..config.threads)
            .map(|i| {
                let (table, stop) = (&table, &stop);
                s.spawn(move || worker(table, 0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1), stop))
            })
            .collect();

        // The reporter: one line a second from the cursor's deltas.
        let mut tick = started;
        loop {
            let deadline = started + config.duration;
            let next_tick = (tick + Duration::from_secs(1)).min(deadline);
            std::thread::sleep(next_tick.saturating_duration_since(Instant::now()));
            let delta = cursor.delta();
            let interval = next_tick.duration_since(tick).as_secs_f64().max(1e-9);
            tick = next_tick;
            exporters.tick();
            reported.accumulate(&delta);
            let failed_share = 100.0 * delta.failed as f64 / delta.created.max(1) as f64;
            println!(
                "[{:>5.1}s] orders {:>11} (+{:>6.2} M/s)  paid {:>11}  failed {:>5.2}%  in flight {:>3}  regions {:>2} (+{} overflow)",
                started.elapsed().as_secs_f64(),
                reported.created,
                delta.created as f64 / interval / 1e6,
                reported.paid,
                failed_share,
                table.in_flight().get(),
                table.by_region().len(),
                delta.by_region.overflow(),
            );
            if tick >= deadline {
                break;
            }
        }
        stop.store(true, Ordering::Relaxed);
        let tallies = workers
            .into_iter()
            .map(|w| w.join().expect("a worker panicked"))
            .collect();
        reported.accumulate(&cursor.delta());
        tallies
    });
    let elapsed = started.elapsed().as_secs_f64();

    let mut expected = OrderStats::default();
    let mut unbounded_regions = Keyed::new();
    let mut writes = 0u64;
    for tally in &tallies {
        expected.accumulate(&tally.stats);
        let (methods, regions) = tally.keyed_counts();
        expected.by_method.merge(&methods);
        unbounded_regions.merge(&regions);
        writes += tally.table_writes;
    }
    let snapshot = table.snapshot();
    // Which garbage regions won a slot depends on the race between workers;
    // given the slots the table holds, every count is known exactly.
    expected.by_region = unbounded_regions
        .iter()
        .filter(|(region, _)| snapshot.by_region.get(region.as_str()).is_some())
        .map(|(region, n)| (region.clone(), n))
        .collect();
    expected
        .by_region
        .add_overflow(unbounded_regions.total() - expected.by_region.total());

    println!();
    println!("{:<44} {:<8} {:>16}  help", "series", "kind", "value");
    for series in table.iter() {
        let value = match series.value {
            Value::Counter(n) => n.to_string(),
            Value::Gauge(n) => n.to_string(),
        };
        let name = match &series.label {
            None => series.name.to_owned(),
            Some(label) => match &label.value {
                LabelValue::Key(key) => format!("{}{{{}={key:?}}}", series.name, label.name),
                _ => format!("{}_overflow", series.name),
            },
        };
        if name.contains("garbage") {
            continue; // one line per garbage key would drown the table
        }
        println!(
            "{name:<44} {:<8} {value:>16}  {}",
            series.kind.as_str(),
            series.help
        );
    }
    println!(
        "({} garbage regions hold slots; {} increments overflowed)",
        snapshot
            .by_region
            .iter()
            .filter(|(region, _)| region.starts_with("garbage"))
            .count(),
        snapshot.by_region.overflow()
    );
    println!();
    println!(
        "throughput: {:.1} M orders/s, {:.1} M table writes/s ({} writes in {:.2} s on {} threads)",
        expected.created as f64 / elapsed / 1e6,
        writes as f64 / elapsed / 1e6,
        writes,
        elapsed,
        config.threads
    );

    // The final values, as one JSON line, and last in the archive: the
    // end-to-end test compares them with what Prometheus scraped.
    let last = TableSnapshot::of(table, Duration::from_secs(1));
    let mut json = String::new();
    last.write_json(&mut json);
    println!("final snapshot: {json}");
    if let Some(archiver) = exporters.archiver {
        archiver.submit(&last);
        let stats = archiver.shutdown();
        println!(
            "archive: {} snapshots written, {} failed, {} dropped",
            stats[0].delivered, stats[0].failed, stats[0].dropped
        );
    }
    if let Some(server) = &exporters.server
        && !config.linger.is_zero()
    {
        println!(
            "serving the final values on http://{}/metrics for {:.1} s",
            server.local_addr(),
            config.linger.as_secs_f64()
        );
        std::thread::sleep(config.linger);
    }

    let outcomes = snapshot.paid + snapshot.failed + snapshot.rejected;
    let mut ok = true;
    for (what, holds) in [
        ("snapshot equals what the workers did", snapshot == expected),
        (
            "the cursor's deltas add up to the snapshot",
            reported == snapshot,
        ),
        ("every order has one outcome", outcomes == snapshot.created),
        (
            "every payment attempt has a method",
            snapshot.by_method.total() == snapshot.paid + snapshot.failed,
        ),
        (
            "every order has a region or overflowed",
            snapshot.by_region.total() == snapshot.created,
        ),
        (
            "the regions stay within their capacity",
            snapshot.by_region.len() <= table.by_region().capacity(),
        ),
        ("no order is left in flight", snapshot.in_flight == 0),
        ("the workers took orders", snapshot.created > 0),
    ] {
        println!("check: {what}: {}", if holds { "ok" } else { "FAILED" });
        ok &= holds;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("expected {expected:?}\n     got {snapshot:?}\n cursor {reported:?}");
        ExitCode::FAILURE
    }
}
