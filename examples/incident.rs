//! The incident, replayed: one panic in a shared counter map takes the
//! service down; the same workload on a `StatTable` loses nothing.
//!
//! A service kept its order counters in one shared map,
//! `Arc<Mutex<HashMap<String, u64>>>`, and every request handler counted its
//! order with `counts.lock().unwrap()`. One request hit a bug and panicked
//! while it held the guard. The web framework turned that panic into a 500,
//! as frameworks do, and the handler moved on; but the panic had poisoned
//! the mutex, so from then on every `.lock().unwrap()` panicked too. Every
//! later request on every handler failed, and the counts they carried were
//! lost: one bad payload cascaded into an outage.
//!
//! This program runs that workload twice, side by side:
//!
//! * run A, the outage: handler threads count orders by region in the shared
//!   map, and one request panics while holding the guard;
//! * run B, the same requests and the same injected panic, counted in a
//!   `#[derive(StatTable)]` table with a `Keyed<String>` field: no lock to
//!   poison, so only the request that panicked fails and every count is
//!   exact.
//!
//! Each handler thread runs every request under `catch_unwind`, as the
//! framework did, and tallies what it meant to count in a map of its own,
//! so the counts found at the end can be checked key by key. The panicking
//! request counts its order before it panics, in both runs. Failed requests
//! are counted in the throughput, and each unwinds its stack, which is
//! most of run A's wall time: the outage is slow as well as wrong.
//!
//! ```text
//! cargo run --release --example incident
//! cargo run --release --example incident -- --threads 2 --requests 1000
//! ```
//!
//! It prints both runs as a table and a verdict. The exit code is 1 if the
//! `StatTable` run fails a request other than the injected one or loses any
//! count, and also if run A does not show the cascade (the replay would no
//! longer show the incident); 2 on a bad argument; 0 otherwise.

use stats_core::{Keyed, StatTable};
use stats_examples::{panic_message, whole_number};
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Orders counted by the request handlers of run B.
#[derive(StatTable, Debug, Default, Clone, PartialEq, Eq)]
#[stat_table(prefix = "incident")]
struct RegionStats {
    /// Orders counted.
    orders: u64,
    /// Orders by the region the request named.
    #[stat(keyed(capacity = 64))]
    by_region: Keyed<String>,
}

/// The regions requests name. Keys are arbitrary text: one has quotes and a
/// newline in it, as request data can.
const REGIONS: [&str; 16] = [
    "eu-west",
    "eu-central",
    "eu-north",
    "eu-south",
    "us-east",
    "us-west",
    "us-central",
    "ca-central",
    "ap-south",
    "ap-northeast",
    "ap-southeast",
    "sa-east",
    "af-south",
    "me-central",
    "il-central",
    "client said \"mars\"\nthen a newline",
];

/// The message of the simulated bug.
const BUG: &str = "bad order payload";

/// A small, fast, deterministic generator (xorshift64*), one per handler
/// thread, seeded by the thread's number so both runs see the same requests.
struct Rng(u64);

impl Rng {
    fn for_thread(thread: usize) -> Self {
        Self((0x9E37_79B9_7F4A_7C15 ^ (thread as u64 + 1)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn region(&mut self) -> &'static str {
        REGIONS[(self.next() % REGIONS.len() as u64) as usize]
    }
}

/// The workload: how many handler threads, how many requests each, and
/// which request hits the bug.
#[derive(Clone, Copy)]
struct Workload {
    threads: usize,
    requests: u64,
    /// Thread 0's request with this number panics while counting.
    panic_at: u64,
}

impl Workload {
    fn total(&self) -> u64 {
        self.threads as u64 * self.requests
    }

    fn injects_panic(&self, thread: usize, request: u64) -> bool {
        thread == 0 && request == self.panic_at
    }
}

/// What one handler thread did: the counts it meant to make, and how many
/// of its requests failed.
#[derive(Default)]
struct HandlerReport {
    expected: HashMap<&'static str, u64>,
    injected_failures: u64,
    other_failures: u64,
    /// The panic message of the first failure other than the injected one.
    first_other_failure: Option<String>,
}

/// Runs one handler thread's requests, each under `catch_unwind`: a panic
/// fails that request (a 500) and the handler goes on to the next one.
fn run_handler(
    workload: Workload,
    thread: usize,
    mut handle: impl FnMut(&'static str, bool),
) -> HandlerReport {
    let mut rng = Rng::for_thread(thread);
    let mut report = HandlerReport::default();
    for request in 0..workload.requests {
        let region = rng.region();
        *report.expected.entry(region).or_insert(0) += 1;
        let inject = workload.injects_panic(thread, request);
        // The handler shares nothing with this loop but the region; what it
        // shares with other threads is exactly what the replay is about.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| handle(region, inject)));
        match outcome {
            Ok(()) => {}
            Err(_) if inject => report.injected_failures += 1,
            Err(payload) => {
                report.other_failures += 1;
                if report.first_other_failure.is_none() {
                    report.first_other_failure = Some(panic_message(payload.as_ref()));
                }
            }
        }
    }
    report
}

/// One request of run A, written as the service was: count the order in the
/// shared map, then go on with the request, which may hit the bug while the
/// guard is still held.
#[cfg_attr(
    stats_lint,
    allow(
        stats_lint::shared_map_mutation,
        stats_lint::poison_cascade,
        stats_lint::counter_map
    )
)]
fn handle_with_shared_map(counts: &Mutex<HashMap<String, u64>>, region: &str, inject: bool) {
    // The outage's line, kept as it was: after one panic under the guard,
    // this unwrap panics in every later request.
    let mut map = counts.lock().unwrap();
    *map.entry(region.to_owned()).or_insert(0) += 1;
    if inject {
        panic!("{BUG}");
    }
}

/// One request of run B: the same steps, counted in the table.
fn handle_with_table(table: &RegionStatsTable, region: &str, inject: bool) {
    table.by_region().inc(region);
    table.orders().inc();
    if inject {
        panic!("{BUG}");
    }
}

/// One run, summed over its handler threads, with what the counters held at
/// the end.
struct RunResult {
    requests: u64,
    injected_failures: u64,
    other_failures: u64,
    first_other_failure: Option<String>,
    /// Counts every request meant to make, per key.
    expected: HashMap<&'static str, u64>,
    /// Counts the run's counters hold, per key.
    found: HashMap<String, u64>,
    /// The run's own total of orders, where it keeps one.
    orders: Option<u64>,
    /// Increments that went to the overflow, where there is one.
    overflow: u64,
    elapsed: Duration,
}

impl RunResult {
    fn failed(&self) -> u64 {
        self.injected_failures + self.other_failures
    }

    fn expected_total(&self) -> u64 {
        self.expected.values().sum()
    }

    /// Counts the run meant to make and its counters do not hold.
    fn counts_lost(&self) -> u64 {
        self.expected
            .iter()
            .map(|(key, n)| n.saturating_sub(self.found_for(key)))
            .sum()
    }

    fn found_for(&self, key: &str) -> u64 {
        self.found.get(key).copied().unwrap_or(0)
    }

    /// Keys whose count differs from what was meant, either way, with the
    /// expected and found counts; keys found but never meant are included.
    fn mismatches(&self) -> Vec<(String, u64, u64)> {
        let mut keys: Vec<&str> = self.expected.keys().copied().collect();
        keys.extend(
            self.found
                .keys()
                .map(String::as_str)
                .filter(|key| !self.expected.contains_key(key)),
        );
        keys.sort_unstable();
        keys.into_iter()
            .map(|key| {
                let expected = self.expected.get(key).copied().unwrap_or(0);
                (key.to_owned(), expected, self.found_for(key))
            })
            .filter(|(_, expected, found)| expected != found)
            .collect()
    }

    fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9) / 1e6
    }
}

/// Joins the handler threads and sums their reports.
fn join_handlers(handlers: Vec<JoinHandle<HandlerReport>>) -> Result<RunResult, String> {
    let mut result = RunResult {
        requests: 0,
        injected_failures: 0,
        other_failures: 0,
        first_other_failure: None,
        expected: HashMap::new(),
        found: HashMap::new(),
        orders: None,
        overflow: 0,
        elapsed: Duration::ZERO,
    };
    for (thread, handler) in handlers.into_iter().enumerate() {
        let report = handler.join().map_err(|payload| {
            format!(
                "handler thread {thread} died: {}",
                panic_message(payload.as_ref())
            )
        })?;
        result.requests += report.expected.values().sum::<u64>();
        for (key, n) in report.expected {
            *result.expected.entry(key).or_insert(0) += n;
        }
        result.injected_failures += report.injected_failures;
        result.other_failures += report.other_failures;
        if result.first_other_failure.is_none() {
            result.first_other_failure = report.first_other_failure;
        }
    }
    Ok(result)
}

/// Run A: the shared map behind one mutex.
fn run_shared_map(workload: Workload) -> Result<RunResult, String> {
    let counts: Arc<Mutex<HashMap<String, u64>>> = Arc::new(Mutex::new(HashMap::new()));
    let started = Instant::now();
    let handlers = (0..workload.threads)
        .map(|thread| {
            let counts = Arc::clone(&counts);
            std::thread::spawn(move || {
                run_handler(workload, thread, |region, inject| {
                    handle_with_shared_map(&counts, region, inject);
                })
            })
        })
        .collect();
    let mut result = join_handlers(handlers)?;
    result.elapsed = started.elapsed();
    // Read what the map holds despite the poison: the counts made before
    // the panic are there; the ones after it never arrived.
    result.found = counts
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    Ok(result)
}

/// Run B: the same workload on a `StatTable`.
fn run_stat_table(workload: Workload) -> Result<RunResult, String> {
    let table = Arc::new(RegionStats::table());
    let started = Instant::now();
    let handlers = (0..workload.threads)
        .map(|thread| {
            let table = Arc::clone(&table);
            std::thread::spawn(move || {
                run_handler(workload, thread, |region, inject| {
                    handle_with_table(&table, region, inject);
                })
            })
        })
        .collect();
    let mut result = join_handlers(handlers)?;
    result.elapsed = started.elapsed();
    let snapshot = table.snapshot();
    result.found = snapshot
        .by_region
        .iter()
        .map(|(key, n)| (key.clone(), n))
        .collect();
    result.orders = Some(snapshot.orders);
    result.overflow = snapshot.by_region.overflow();
    Ok(result)
}

/// Everything wrong with run B, one line each; empty if it lost nothing.
fn stat_table_problems(run: &RunResult, workload: Workload) -> Vec<String> {
    let mut problems = Vec::new();
    if run.injected_failures != 1 {
        problems.push(format!(
            "the injected panic failed {} requests, expected 1",
            run.injected_failures
        ));
    }
    if run.other_failures != 0 {
        problems.push(format!(
            "{} requests failed besides the injected one; the first: {}",
            run.other_failures,
            run.first_other_failure.as_deref().unwrap_or("(no message)")
        ));
    }
    if run.requests != workload.total() || run.expected_total() != workload.total() {
        problems.push(format!(
            "the handlers ran {} requests, expected {}",
            run.requests,
            workload.total()
        ));
    }
    for (key, expected, found) in run.mismatches() {
        problems.push(format!(
            "region {key:?}: counted {found}, expected {expected}"
        ));
    }
    if run.orders != Some(run.expected_total()) {
        problems.push(format!(
            "orders: counted {}, expected {}",
            run.orders
                .map_or_else(|| "nothing".to_owned(), |n| n.to_string()),
            run.expected_total()
        ));
    }
    if run.overflow != 0 {
        problems.push(format!(
            "{} increments overflowed a field with room for every region",
            run.overflow
        ));
    }
    problems
}

/// Prints both runs as one aligned table.
fn print_table(outage: &RunResult, table: &RunResult) {
    let rows: [(&str, String, String); 5] = [
        (
            "requests",
            outage.requests.to_string(),
            table.requests.to_string(),
        ),
        (
            "failed requests",
            outage.failed().to_string(),
            table.failed().to_string(),
        ),
        (
            "counts lost",
            outage.counts_lost().to_string(),
            table.counts_lost().to_string(),
        ),
        (
            "wall time (ms)",
            format!("{:.1}", outage.elapsed.as_secs_f64() * 1e3),
            format!("{:.1}", table.elapsed.as_secs_f64() * 1e3),
        ),
        (
            "throughput (M requests/s)",
            format!("{:.2}", outage.throughput()),
            format!("{:.2}", table.throughput()),
        ),
    ];
    let (head_a, head_b) = ("A: Mutex<HashMap>", "B: StatTable");
    let label_width = rows.iter().map(|row| row.0.len()).max().unwrap_or(0);
    let width_a = rows
        .iter()
        .map(|row| row.1.len())
        .chain([head_a.len()])
        .max()
        .unwrap_or(0);
    let width_b = rows
        .iter()
        .map(|row| row.2.len())
        .chain([head_b.len()])
        .max()
        .unwrap_or(0);
    println!(
        "{:<label_width$}  {head_a:>width_a$}  {head_b:>width_b$}",
        ""
    );
    for (label, a, b) in &rows {
        println!("{label:<label_width$}  {a:>width_a$}  {b:>width_b$}");
    }
}

const USAGE: &str = "usage: incident [--threads N] [--requests M]\n\
    Replays the shared-map outage (run A) next to a StatTable (run B).\n  \
    --threads N   handler threads, 1 to 1024 (default 8)\n  \
    --requests M  requests per handler thread, 2 to 10000000 (default 20000)\n  \
    -h, --help    this text";

/// What the command line asked for: a workload, or the usage text.
enum Command {
    Run(Workload),
    Help,
}

fn parse_command() -> Result<Command, String> {
    let mut threads = 8;
    let mut requests = 20_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => {
                let text = args.next().ok_or("--threads needs a value")?;
                // Within 1..=1024, so the conversion cannot truncate.
                threads = whole_number("--threads", &text, 1..=1024)? as usize;
            }
            "--requests" => {
                let text = args.next().ok_or("--requests needs a value")?;
                // At least 2: the panicking request and one after it, or
                // there is nothing for the poison to cascade into.
                requests = whole_number("--requests", &text, 2..=10_000_000)?;
            }
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Command::Run(Workload {
        threads,
        requests,
        panic_at: requests / 4,
    }))
}

fn main() -> ExitCode {
    let workload = match parse_command() {
        Ok(Command::Run(workload)) => workload,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    println!(
        "incident replay: handler threads {}, requests per thread {}; \
         thread 0's request {} panics with {BUG:?} while counting",
        workload.threads, workload.requests, workload.panic_at
    );

    // Every failed request panics; a quiet hook keeps thousands of panic
    // messages off the terminal. The failures are counted instead, and the
    // first unexpected one's message is kept.
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let outage = run_shared_map(workload);
    let stat_table = run_stat_table(workload);
    panic::set_hook(previous_hook);
    let (outage, stat_table) = match (outage, stat_table) {
        (Ok(outage), Ok(stat_table)) => (outage, stat_table),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };

    println!();
    print_table(&outage, &stat_table);
    println!();
    if let Some(message) = &outage.first_other_failure {
        println!("run A, first cascaded failure: {message}");
    }

    let cascaded = outage.other_failures > 0 && outage.counts_lost() > 0;
    let problems = stat_table_problems(&stat_table, workload);
    let share = 100.0 * outage.failed() as f64 / outage.requests.max(1) as f64;
    match (cascaded, problems.is_empty()) {
        (true, true) => println!(
            "verdict: one panic under the guard poisoned the map and failed {} requests ({share:.1}%) \
             and lost {} counts; the StatTable failed only the request that panicked and every count is exact",
            outage.failed(),
            outage.counts_lost()
        ),
        (false, true) => {
            println!("verdict: run A did not cascade, so this replay no longer shows the incident")
        }
        (_, false) => println!("verdict: the StatTable run lost requests or counts"),
    }

    let mut ok = true;
    if !cascaded {
        eprintln!(
            "error: run A shows no cascade ({} failed requests besides the injected one, {} counts lost); \
             the replay no longer demonstrates the incident",
            outage.other_failures,
            outage.counts_lost()
        );
        ok = false;
    }
    for problem in &problems {
        eprintln!("error: StatTable run: {problem}");
        ok = false;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
