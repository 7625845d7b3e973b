//! The order service: the main job of this workspace.
//!
//! Worker threads take synthetic orders for a few seconds and record them in
//! an `OrderStats` table; a reporter prints one line a second from a cursor's
//! deltas; at the end the program prints the final snapshot, the throughput,
//! and checks that the table's totals equal what the workers did (exit code 1
//! if not).
//!
//! ```text
//! cargo run --release --example order_service -- --threads 4 --seconds 3
//! ```
//!
//! `ORDER_SERVICE_THREADS` and `ORDER_SERVICE_SECONDS` set the same values;
//! flags win over the environment.

use stats_core::{StatTable, Value};
use std::process::ExitCode;
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
}

impl OrderStats {
    fn accumulate(&mut self, other: &Self) {
        self.created += other.created;
        self.paid += other.paid;
        self.failed += other.failed;
        self.rejected += other.rejected;
        self.items += other.items;
        self.revenue_cents += other.revenue_cents;
        self.in_flight += other.in_flight;
    }
}

/// What one worker did, tallied on its own so it can be checked against the
/// table.
#[derive(Default)]
struct Tally {
    stats: OrderStats,
    table_writes: u64,
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

/// Handles one synthetic order end to end.
fn take_order(table: &OrderStatsTable, rng: &mut Rng, tally: &mut Tally) {
    table.in_flight().inc();
    table.created().inc();
    let items = 1 + rng.below(5);
    table.items().add(items);
    tally.stats.created += 1;
    tally.stats.items += items;
    tally.table_writes += 3;

    match rng.below(100) {
        0..=2 => {
            table.rejected().inc();
            tally.stats.rejected += 1;
        }
        3..=9 => {
            table.inc(OrderStatsField::Failed);
            tally.stats.failed += 1;
        }
        _ => {
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

fn worker(table: &OrderStatsTable, seed: u64, stop: &AtomicBool) -> Tally {
    let mut rng = Rng(seed | 1);
    let mut tally = Tally::default();
    while !stop.load(Ordering::Relaxed) {
        // Check the stop flag once per batch, not once per order.
        for _ in 0..256 {
            take_order(table, &mut rng, &mut tally);
        }
    }
    tally
}

struct Config {
    threads: usize,
    duration: Duration,
}

const USAGE: &str = "usage: order_service [--threads N] [--seconds S]\n\
    defaults: 4 threads, 3 seconds; ORDER_SERVICE_THREADS and ORDER_SERVICE_SECONDS also set them";

fn parse_config() -> Result<Config, String> {
    let mut threads = std::env::var("ORDER_SERVICE_THREADS").ok();
    let mut seconds = std::env::var("ORDER_SERVICE_SECONDS").ok();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => threads = Some(args.next().ok_or("--threads needs a value")?),
            "--seconds" => seconds = Some(args.next().ok_or("--seconds needs a value")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let threads = match threads {
        None => 4,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=1024).contains(&n) => n,
            _ => {
                return Err(format!(
                    "threads must be a whole number from 1 to 1024, not `{text}`"
                ));
            }
        },
    };
    let duration = match seconds {
        None => Duration::from_secs(3),
        Some(text) => match text.parse::<f64>() {
            Ok(s) if s > 0.0 && s <= 3600.0 => Duration::from_secs_f64(s),
            _ => {
                return Err(format!(
                    "seconds must be a number above 0 and at most 3600, not `{text}`"
                ));
            }
        },
    };
    Ok(Config { threads, duration })
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

    let table = OrderStats::table();
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
            reported.accumulate(&delta);
            let failed_share = 100.0 * delta.failed as f64 / delta.created.max(1) as f64;
            println!(
                "[{:>5.1}s] orders {:>11} (+{:>6.2} M/s)  paid {:>11}  failed {:>5.2}%  in flight {:>3}",
                started.elapsed().as_secs_f64(),
                reported.created,
                delta.created as f64 / interval / 1e6,
                reported.paid,
                failed_share,
                table.in_flight().get(),
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
    let mut writes = 0u64;
    for tally in &tallies {
        expected.accumulate(&tally.stats);
        writes += tally.table_writes;
    }

    println!();
    println!("{:<24} {:<8} {:>16}  help", "metric", "kind", "value");
    for series in table.iter() {
        let value = match series.value {
            Value::Counter(n) => n.to_string(),
            Value::Gauge(n) => n.to_string(),
        };
        println!(
            "{:<24} {:<8} {:>16}  {}",
            series.name,
            series.kind.as_str(),
            value,
            series.help
        );
    }
    println!();
    println!(
        "throughput: {:.1} M orders/s, {:.1} M table writes/s ({} writes in {:.2} s on {} threads)",
        expected.created as f64 / elapsed / 1e6,
        writes as f64 / elapsed / 1e6,
        writes,
        elapsed,
        config.threads
    );

    let snapshot = table.snapshot();
    let outcomes = snapshot.paid + snapshot.failed + snapshot.rejected;
    let mut ok = true;
    for (what, holds) in [
        ("snapshot equals what the workers did", snapshot == expected),
        (
            "the cursor's deltas add up to the snapshot",
            reported == snapshot,
        ),
        ("every order has one outcome", outcomes == snapshot.created),
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
