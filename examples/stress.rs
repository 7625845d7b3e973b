//! A stress run of one statistics table: every kind of write, read, reset
//! and clear at once, with every total checked exactly at the end.
//!
//! `--threads T` writer threads (4 unless set) make at least
//! `--increments N` counter increments between them (10^9 unless set) in a
//! `StressStats` table:
//!
//! * a hot loop of single increments: `lookups`, then `hits` for three
//!   lookups in four;
//! * a step through `table.add(&step)` every round: one request, an error
//!   in one step of eight, one `Keyed<Method>` count, and in half of the
//!   steps the `in_flight` gauge's decrement, all in one write; each step is
//!   wrapped in `in_flight.inc()` and `in_flight.dec()` (or the step's own
//!   decrement);
//! * one increment of the open keyed field `by_key` (capacity 64) a round:
//!   48 regular client keys, 1000 guest keys that overflow the capacity,
//!   and one key longer than `max_key_len` that always overflows; one in
//!   sixteen regular keys goes through `table.add(&step)` instead.
//!
//! While they write, one thread takes snapshots in a loop, two threads take
//! deltas from a cursor each, one resets the table every 50 ms, one clears
//! `by_key` every 20 ms, one iterates over the table and its keyed fields
//! with `try_next` (a reset or a clear makes an iterator stale: counted,
//! never a panic), and one sets and moves the `capacity_level` gauge.
//!
//! # What it checks
//!
//! * **Exact totals.** Each writer counts what it did; after the writers
//!   stop, each cursor takes a last delta, and the sum of its deltas must
//!   equal the writers' merged counts: `lookups`, `hits`, `requests`,
//!   `errors`, `by_method` per method, `by_key.total()` (keys plus
//!   overflow). Which `by_key` increments found room depends on the race
//!   with the clears, so per key the cursor's count must be at most what
//!   the writers gave that key, and no key may appear that no writer used
//!   (the too-long key never). Gauge deltas add up to the final levels.
//! * **Steps are seen whole.** `requests`, `errors` and `by_method` move
//!   only in `add` steps, so in every snapshot and every delta
//!   `by_method.total() == requests` and `errors <= requests`. A reset
//!   moves the baseline of every counter from one consistent read of the
//!   rows, so this holds in snapshots taken after resets too.
//! * **Separate increments in order.** `lookups` before `hits` keeps
//!   `hits <= lookups` in every thread's row, so in the raw totals: each
//!   cursor's running sum, and every snapshot taken before the first reset.
//!   A delta, or a snapshot since a reset, is the difference of two row
//!   states; a writer caught between a lookup and its hit at the earlier
//!   one shows the hit without its lookup, so there the bound is
//!   `hits <= lookups + T`.
//! * **Gauges.** Each writer's part of `in_flight` is 0 or 1 at any moment,
//!   so every snapshot, every cursor's running sum and every live reading
//!   (`in_flight().get()` in the snapshot thread, the table iterator's
//!   series) has `0 <= in_flight <= T`, every delta `-T <= in_flight <= T`,
//!   and the level is 0 at the end. Only the gauge thread moves
//!   `capacity_level`: its reading equals the thread's own tally after
//!   every `set` and `add`, and at the end the table and the cursors' sums
//!   hold the thread's last level.
//! * **Memory.** `shard_count() < 2 * (W + 2)`, where `W = T + 1` threads
//!   write rows (the writers and the gauge thread); after every thread has
//!   written, `memory_bytes()` grows by at most the open field's count
//!   chunks, which are allocated on a stripe's first write.
//! * **Nothing panics**, in any thread.
//!
//! Any violation is printed, by kind, and the exit code is 1. The time
//! limit (600 s unless set) stops the writers early; the checks still run
//! over what they did, and the run fails for not making `N` increments.
//! Usage errors exit with 2.
//!
//! ```text
//! cargo run --release --example stress -- --increments 100000000 --threads 4 --seconds-limit 120
//! ```

use stats_core::{Keyed, LabelValue, MetricKind, Series, StatKey, StatTable, Value};
use stats_examples::{panic_message, seconds as seconds_arg, whole_number};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::ScopedJoinHandle;
use std::time::{Duration, Instant};

/// The table under stress.
#[derive(StatTable, Debug, Default, Clone, PartialEq, Eq)]
#[stat_table(prefix = "stress")]
struct StressStats {
    /// Cache lookups: single increments on the hot path.
    lookups: u64,
    /// Cache hits: each one incremented after its lookup.
    hits: u64,
    /// Requests: one per `add` step, and only there.
    requests: u64,
    /// Failed requests: at most one per `add` step, and only there.
    errors: u64,
    /// Requests by method: one per `add` step, in the step with its request.
    by_method: Keyed<Method>,
    /// Increments by client key: more keys than the capacity.
    #[stat(keyed(capacity = 64))]
    by_key: Keyed<String>,
    /// Steps being processed: each writer's part is 0 or 1.
    #[stat(gauge)]
    in_flight: i64,
    /// A level only the gauge thread sets and moves.
    #[stat(gauge)]
    capacity_level: i64,
}

/// The request method: a closed key set.
#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Put,
    Delete,
}

/// Regular client keys: they fit in the capacity on their own.
const REGULAR_KEYS: usize = 48;
/// Guest keys: together with the regular ones, far more than the capacity.
const GUEST_KEYS: usize = 1000;
/// The length of the one key that is too long to store (the default
/// `max_key_len` is 112 bytes).
const LONG_KEY_BYTES: usize = 200;
/// Counter increments of one writer round, apart from its error.
const ROUND_INCREMENTS: u64 = 16 + 12 + 2 + 1;
/// Writer rounds between two looks at the stop flag and two progress
/// reports.
const ROUNDS_PER_BATCH: u64 = 1024;
/// What `by_key` may still allocate after every thread wrote once: its
/// counts come in chunks of 64 entries (512 bytes; one for a capacity of
/// 64) per stripe, made on a stripe's first write, and a field has at most
/// 8 owned stripes and a shared one in each of its two generations.
const OPEN_FIELD_CHUNK_SLACK: usize = (8 + 1) * 2 * 512;
/// How long after the time limit the watchdog waits for the run to end
/// before it calls it stuck.
const STUCK_AFTER: Duration = Duration::from_secs(30);
/// What the run does, in order, for the watchdog's message.
const PHASES: [&str; 3] = [
    "the writers write",
    "the reset, clear, iterating and gauge threads stop",
    "the cursors take their last deltas and the snapshot thread stops",
];
/// Distinct violations of one kind kept word for word; all are counted.
const EXAMPLES_KEPT: usize = 3;

/// The keys writers give `by_key`, by index: regular, then guests, then the
/// long one.
struct Keys {
    all: Vec<String>,
    /// Every key that fits in the field: the regular and guest keys.
    storable: HashSet<String>,
}

impl Keys {
    fn new() -> Self {
        let mut all: Vec<String> = (0..REGULAR_KEYS)
            .map(|index| format!("client-{index:02}"))
            .chain((0..GUEST_KEYS).map(|index| format!("guest-{index:04}")))
            .collect();
        let storable = all.iter().cloned().collect();
        all.push("x".repeat(LONG_KEY_BYTES));
        Self { all, storable }
    }

    fn guest(index: usize) -> usize {
        REGULAR_KEYS + index
    }

    fn long() -> usize {
        REGULAR_KEYS + GUEST_KEYS
    }
}

/// The steps writers add with `table.add`, built once so that the hot loop
/// allocates nothing.
struct Steps {
    /// A request: indexed by `method * 4 + failed * 2 + closes`, where
    /// `closes` means the step also decrements `in_flight`.
    requests: Vec<StressStats>,
    /// One `by_key` increment of each regular key, through a step.
    regular_keys: Vec<StressStats>,
}

impl Steps {
    fn new(keys: &Keys) -> Self {
        let mut requests = Vec::new();
        for &method in Method::ALL {
            for failed in [0, 1] {
                for closes in [false, true] {
                    let mut by_method = Keyed::new();
                    by_method.add(method, 1);
                    requests.push(StressStats {
                        requests: 1,
                        errors: failed,
                        by_method,
                        in_flight: if closes { -1 } else { 0 },
                        ..StressStats::default()
                    });
                }
            }
        }
        let regular_keys = keys.all[..REGULAR_KEYS]
            .iter()
            .map(|key| {
                let mut by_key = Keyed::new();
                by_key.add(key.clone(), 1);
                StressStats {
                    by_key,
                    ..StressStats::default()
                }
            })
            .collect();
        Self {
            requests,
            regular_keys,
        }
    }

    fn request(&self, method: usize, failed: bool, closes: bool) -> &StressStats {
        &self.requests[method * 4 + usize::from(failed) * 2 + usize::from(closes)]
    }
}

/// What one writer did, counted on its own.
struct Tally {
    lookups: u64,
    hits: u64,
    requests: u64,
    errors: u64,
    methods: [u64; 3],
    /// By key index, see [`Keys`].
    keys: Vec<u64>,
    increments: u64,
}

impl Tally {
    fn new(key_count: usize) -> Self {
        Self {
            lookups: 0,
            hits: 0,
            requests: 0,
            errors: 0,
            methods: [0; 3],
            keys: vec![0; key_count],
            increments: 0,
        }
    }

    fn merge(&mut self, other: &Self) {
        self.lookups += other.lookups;
        self.hits += other.hits;
        self.requests += other.requests;
        self.errors += other.errors;
        for (sum, count) in self.methods.iter_mut().zip(other.methods) {
            *sum += count;
        }
        for (sum, count) in self.keys.iter_mut().zip(&other.keys) {
            *sum += count;
        }
        self.increments += other.increments;
    }

    fn key_total(&self) -> u64 {
        self.keys.iter().sum()
    }
}

/// A small, fast, deterministic generator (xorshift64*), one per thread.
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// Violations found by one thread, by kind: how many, and the first few
/// distinct ones word for word.
#[derive(Default)]
struct Findings {
    kinds: BTreeMap<String, Finding>,
}

#[derive(Default)]
struct Finding {
    count: u64,
    examples: Vec<String>,
}

impl Findings {
    /// Records a violation of `kind` unless `holds`.
    fn check(&mut self, holds: bool, kind: &str, example: impl FnOnce() -> String) {
        if holds {
            return;
        }
        let finding = match self.kinds.get_mut(kind) {
            Some(finding) => finding,
            None => self.kinds.entry(kind.to_owned()).or_default(),
        };
        finding.count += 1;
        if finding.examples.len() < EXAMPLES_KEPT {
            let example = example();
            if !finding.examples.contains(&example) {
                finding.examples.push(example);
            }
        }
    }

    /// Adds `other`'s violations, their kinds prefixed with `thread`.
    fn merge(&mut self, thread: &str, other: Self) {
        for (kind, finding) in other.kinds {
            let merged = self.kinds.entry(format!("{thread}: {kind}")).or_default();
            merged.count += finding.count;
            merged.examples.extend(finding.examples);
            merged.examples.truncate(EXAMPLES_KEPT);
        }
    }

    fn count(&self) -> u64 {
        self.kinds.values().map(|finding| finding.count).sum()
    }
}

/// What every thread shares: the table, the keys, the flags and the
/// counts the progress lines print.
struct Shared {
    table: StressStatsTable,
    keys: Keys,
    writers: usize,
    /// Set once the writers and the gauge thread have been joined: the
    /// cursors take their last delta, the snapshot thread stops.
    writes_done: AtomicBool,
    /// Set when the time limit passes: writers stop early.
    time_is_up: AtomicBool,
    /// Set once the writers have been joined: the reset, clear, iterating
    /// and gauge threads stop.
    stop: AtomicBool,
    /// What the run is doing: an index into [`PHASES`].
    phase: AtomicUsize,
    /// Set once every thread but the watchdog has been joined.
    finished: AtomicBool,
    /// Increments the writers have made, reported once a batch.
    progress: AtomicU64,
    /// Threads that write rows and have written once.
    warmed_up: AtomicUsize,
    /// Resets begun: incremented before each `reset()`.
    resets_begun: AtomicU64,
    snapshots: AtomicU64,
    deltas: AtomicU64,
    clears: AtomicU64,
    iterations: AtomicU64,
    stale: AtomicU64,
}

impl Shared {
    fn new(writers: usize) -> Self {
        Self {
            table: StressStats::table(),
            keys: Keys::new(),
            writers,
            writes_done: AtomicBool::new(false),
            time_is_up: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            phase: AtomicUsize::new(0),
            finished: AtomicBool::new(false),
            progress: AtomicU64::new(0),
            warmed_up: AtomicUsize::new(0),
            resets_begun: AtomicU64::new(0),
            snapshots: AtomicU64::new(0),
            deltas: AtomicU64::new(0),
            clears: AtomicU64::new(0),
            iterations: AtomicU64::new(0),
            stale: AtomicU64::new(0),
        }
    }

    /// `T` as a gauge level: each writer adds at most 1 to `in_flight`.
    fn writer_level(&self) -> i64 {
        i64::try_from(self.writers).unwrap_or(i64::MAX)
    }

    /// `T` as a count: each writer can be one hit ahead of its lookups in a
    /// difference of two row states.
    fn writer_count(&self) -> u64 {
        self.writers as u64
    }

    /// Sleeps for `duration` unless `flag` is set meanwhile; `false` if it
    /// was set.
    fn nap(flag: &AtomicBool, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        loop {
            if flag.load(Ordering::Acquire) {
                return false;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(Duration::from_millis(5)));
        }
    }
}

/// One writer: batches of rounds until it made `target` increments or the
/// time is up, at least one batch.
fn writer(shared: &Shared, steps: &Steps, target: u64, seed: u64) -> Tally {
    let table = &shared.table;
    let keys = &shared.keys;
    let mut random = Random::new(seed);
    let mut tally = Tally::new(keys.all.len());
    let mut first_batch = true;
    loop {
        let before = tally.increments;
        for _ in 0..ROUNDS_PER_BATCH {
            round(table, keys, steps, &mut random, &mut tally);
        }
        shared
            .progress
            .fetch_add(tally.increments - before, Ordering::Relaxed);
        if first_batch {
            first_batch = false;
            shared.warmed_up.fetch_add(1, Ordering::Release);
        }
        if tally.increments >= target || shared.time_is_up.load(Ordering::Relaxed) {
            return tally;
        }
    }
}

/// One writer round: the hot loop, a step, and a keyed increment.
#[inline]
fn round(
    table: &StressStatsTable,
    keys: &Keys,
    steps: &Steps,
    random: &mut Random,
    tally: &mut Tally,
) {
    // The hot loop: every hit after its lookup.
    for lookup in 0..16 {
        table.lookups().inc();
        if lookup % 4 != 0 {
            table.hits().inc();
        }
    }
    tally.lookups += 16;
    tally.hits += 12;

    // A step: a request, its method and maybe an error in one write.
    let bits = random.next();
    let method = (bits % 3) as usize;
    let failed = (bits >> 2) & 7 == 0;
    let closes = (bits >> 5) & 1 == 1;
    table.in_flight().inc();
    table.add(steps.request(method, failed, closes));
    if !closes {
        table.in_flight().dec();
    }
    tally.requests += 1;
    tally.methods[method] += 1;
    tally.errors += u64::from(failed);

    // A keyed increment: mostly regular keys, some guests, rarely the long key.
    let key = match (bits >> 8) % 64 {
        0 => Keys::long(),
        1..=12 => Keys::guest(((bits >> 16) % GUEST_KEYS as u64) as usize),
        _ => ((bits >> 16) % REGULAR_KEYS as u64) as usize,
    };
    if key < REGULAR_KEYS && (bits >> 40).is_multiple_of(16) {
        table.add(&steps.regular_keys[key]);
    } else {
        table.by_key().inc(&keys.all[key]);
    }
    tally.keys[key] += 1;
    tally.increments += ROUND_INCREMENTS + u64::from(failed);
}

/// Checks what every snapshot and every delta must show, whatever resets
/// and clears ran: steps seen whole, hits at most one ahead per writer, and
/// only keys the writers used.
fn check_steps(shared: &Shared, values: &StressStats, what: &str, findings: &mut Findings) {
    findings.check(
        values.by_method.total() == values.requests,
        "by_method total != requests",
        || {
            format!(
                "{what}: by_method total {} != requests {} (every step adds one to both): {}",
                values.by_method.total(),
                values.requests,
                brief(values)
            )
        },
    );
    findings.check(
        values.errors <= values.requests,
        "errors > requests",
        || {
            format!(
                "{what}: errors {} > requests {}: {}",
                values.errors,
                values.requests,
                brief(values)
            )
        },
    );
    findings.check(
        values.by_method.overflow() == 0,
        "closed key set overflow",
        || {
            format!(
                "{what}: a closed key set overflowed: {:?}",
                values.by_method
            )
        },
    );
    findings.check(
        values.hits <= values.lookups + shared.writer_count(),
        "hits > lookups + T",
        || {
            format!(
                "{what}: hits {} > lookups {} + {} writers",
                values.hits, values.lookups, shared.writers
            )
        },
    );
    for (key, count) in values.by_key.iter() {
        let known = shared.keys.storable.contains(key.as_str());
        findings.check(known, "by_key holds an unknown key", || {
            format!(
                "{what}: by_key holds {:?} ({} bytes) = {count}, \
                 a key no writer used or one too long to store",
                truncated(key),
                key.len()
            )
        });
    }
}

/// The plain fields, `by_method` and a count of `by_key`, for messages.
fn brief(values: &StressStats) -> String {
    format!(
        "lookups {}, hits {}, requests {}, errors {}, by_method {:?}, by_key {} keys + {} overflow = {}, in_flight {}, capacity_level {}",
        values.lookups,
        values.hits,
        values.requests,
        values.errors,
        values.by_method,
        values.by_key.len(),
        values.by_key.overflow(),
        values.by_key.total(),
        values.in_flight,
        values.capacity_level
    )
}

/// The first 40 characters of `key`, for messages.
fn truncated(key: &str) -> String {
    key.chars().take(40).collect()
}

/// Snapshots in a loop; returns its findings.
fn snapshot_thread(shared: &Shared) -> Findings {
    let mut findings = Findings::default();
    let levels = 0..=shared.writer_level();
    let capacity = shared.table.by_key().capacity();
    loop {
        let stopping = shared.writes_done.load(Ordering::Acquire);
        let snapshot = shared.table.snapshot();
        // A reset whose baseline this snapshot used began before this load.
        let before_any_reset = shared.resets_begun.load(Ordering::SeqCst) == 0;
        check_steps(shared, &snapshot, "snapshot", &mut findings);
        findings.check(
            levels.contains(&snapshot.in_flight),
            "snapshot in_flight outside 0..=T",
            || {
                format!(
                    "snapshot: in_flight {} outside 0..={}",
                    snapshot.in_flight, shared.writers
                )
            },
        );
        let level = shared.table.in_flight().get();
        findings.check(
            levels.contains(&level),
            "in_flight().get() outside 0..=T",
            || {
                format!(
                    "in_flight().get() read {level}, outside 0..={}: a level the gauge never had",
                    shared.writers
                )
            },
        );
        findings.check(
            snapshot.by_key.len() <= capacity,
            "by_key over capacity",
            || {
                format!(
                    "snapshot: by_key holds {} keys, capacity {capacity}",
                    snapshot.by_key.len()
                )
            },
        );
        if before_any_reset {
            findings.check(
                snapshot.hits <= snapshot.lookups,
                "hits > lookups before any reset",
                || {
                    format!(
                        "snapshot before any reset: hits {} > lookups {}",
                        snapshot.hits, snapshot.lookups
                    )
                },
            );
        }
        shared.snapshots.fetch_add(1, Ordering::Relaxed);
        if stopping {
            return findings;
        }
        Shared::nap(&shared.writes_done, Duration::from_micros(500));
    }
}

/// What a cursor thread returns: the sum of its deltas.
struct CursorReport {
    sums: StressStats,
    deltas: u64,
    findings: Findings,
}

/// Deltas from `cursor` in a loop until the writers are done, then one
/// last delta.
fn cursor_thread(shared: &Shared, mut cursor: stats_core::Cursor<'_, StressStats>) -> CursorReport {
    let mut findings = Findings::default();
    let mut sums = StressStats::default();
    let mut deltas = 0u64;
    let levels = 0..=shared.writer_level();
    let delta_levels = -shared.writer_level()..=shared.writer_level();
    loop {
        // Read the flag first: a delta taken after it covers every write.
        let last = shared.writes_done.load(Ordering::Acquire);
        let delta = cursor.delta();
        deltas += 1;
        shared.deltas.fetch_add(1, Ordering::Relaxed);
        check_steps(shared, &delta, "delta", &mut findings);
        findings.check(
            delta_levels.contains(&delta.in_flight),
            "delta in_flight beyond T",
            || {
                format!(
                    "delta: in_flight moved by {}, more than {} writers",
                    delta.in_flight, shared.writers
                )
            },
        );
        add_delta(&mut sums, &delta);
        // The running sums are the raw totals: one consistent read.
        findings.check(
            sums.hits <= sums.lookups,
            "running sum: hits > lookups",
            || {
                format!(
                    "running sum of deltas: hits {} > lookups {}",
                    sums.hits, sums.lookups
                )
            },
        );
        findings.check(
            sums.requests == sums.by_method.total(),
            "running sum: requests != by_method total",
            || {
                format!(
                    "running sum of deltas: requests {} != by_method total {}",
                    sums.requests,
                    sums.by_method.total()
                )
            },
        );
        findings.check(
            levels.contains(&sums.in_flight),
            "running sum: in_flight outside 0..=T",
            || {
                format!(
                    "running sum of deltas: in_flight {} outside 0..={}",
                    sums.in_flight, shared.writers
                )
            },
        );
        if last {
            return CursorReport {
                sums,
                deltas,
                findings,
            };
        }
        Shared::nap(&shared.writes_done, Duration::from_millis(1));
    }
}

fn add_delta(sums: &mut StressStats, delta: &StressStats) {
    sums.lookups += delta.lookups;
    sums.hits += delta.hits;
    sums.requests += delta.requests;
    sums.errors += delta.errors;
    sums.by_method.merge(&delta.by_method);
    sums.by_key.merge(&delta.by_key);
    sums.in_flight += delta.in_flight;
    sums.capacity_level += delta.capacity_level;
}

/// Resets the table every 50 ms; returns how many resets it made.
fn reset_thread(shared: &Shared) -> u64 {
    let mut resets = 0;
    while Shared::nap(&shared.stop, Duration::from_millis(50)) {
        shared.resets_begun.fetch_add(1, Ordering::SeqCst);
        shared.table.reset();
        resets += 1;
    }
    resets
}

/// Clears `by_key` every 20 ms; returns how many clears it made.
fn clear_thread(shared: &Shared) -> u64 {
    let mut clears = 0;
    while Shared::nap(&shared.stop, Duration::from_millis(20)) {
        shared.table.by_key().clear();
        clears += 1;
        shared.clears.fetch_add(1, Ordering::Relaxed);
    }
    clears
}

/// What the iterating thread returns.
#[derive(Default)]
struct IterReport {
    /// Iterations that reached the end.
    complete: u64,
    stale: u64,
    series: u64,
    /// The lowest and highest `in_flight` the table's iterator showed.
    in_flight_seen: Option<(i64, i64)>,
    findings: Findings,
}

impl IterReport {
    /// The item of one iterator step; `None` at the end or when the
    /// iterator went stale, each counted.
    fn step<T>(
        &mut self,
        shared: &Shared,
        next: Result<Option<T>, stats_core::StaleIterator>,
    ) -> Option<T> {
        match next {
            Ok(Some(item)) => Some(item),
            Ok(None) => {
                self.complete += 1;
                shared.iterations.fetch_add(1, Ordering::Relaxed);
                None
            }
            Err(stale) => {
                self.findings.check(
                    stale.to_string().contains("stale"),
                    "stale error without `stale`",
                    || format!("a stale iterator's error does not say so: {stale}"),
                );
                self.stale += 1;
                shared.stale.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    fn check_series(&mut self, shared: &Shared, series: &Series) {
        self.series += 1;
        let kind_matches = matches!(
            (series.kind, series.value),
            (MetricKind::Counter, Value::Counter(_)) | (MetricKind::Gauge, Value::Gauge(_))
        );
        self.findings
            .check(kind_matches, "series value of the wrong kind", || {
                format!(
                    "series {} has a value of the other kind: {series:?}",
                    series.name
                )
            });
        if let (Value::Gauge(level), "stress_in_flight") = (series.value, series.name) {
            let (low, high) = self.in_flight_seen.unwrap_or((level, level));
            self.in_flight_seen = Some((low.min(level), high.max(level)));
            self.findings.check(
                (0..=shared.writer_level()).contains(&level),
                "iterator in_flight outside 0..=T",
                || {
                    format!(
                        "the iterator's in_flight series read {level}, outside 0..={}: \
                         a level the gauge never had",
                        shared.writers
                    )
                },
            );
        }
        let Some(label) = &series.label else {
            let known = StressStatsField::ALL
                .iter()
                .any(|field| field.name() == series.name);
            self.findings.check(known, "unknown series", || {
                format!("unknown series {}", series.name)
            });
            return;
        };
        match (series.name, &label.value) {
            ("stress_by_method", LabelValue::Key(key)) => {
                self.findings.check(
                    Method::LABELS.contains(&key.as_ref()),
                    "unknown by_method label",
                    || format!("by_method series with an unknown key {key:?}"),
                );
            }
            ("stress_by_key", LabelValue::Key(key)) => {
                self.findings.check(
                    shared.keys.storable.contains(key.as_ref()),
                    "unknown by_key label",
                    || {
                        format!(
                            "by_key series with a key no writer used or one too long: {:?}",
                            truncated(key)
                        )
                    },
                );
            }
            ("stress_by_key", LabelValue::Overflow) => {}
            _ => self.findings.check(false, "unexpected series", || {
                format!("unexpected series {series:?}")
            }),
        }
    }
}

/// Iterates over the table, then `by_key`, then `by_method`, with
/// `try_next`, in a loop.
fn iterating_thread(shared: &Shared) -> IterReport {
    let table = &shared.table;
    let mut report = IterReport::default();
    loop {
        let mut iter = table.iter();
        while let Some(series) = report.step(shared, iter.try_next()) {
            report.check_series(shared, &series);
        }
        let mut keys = table.by_key().iter();
        while let Some((key, count)) = report.step(shared, keys.try_next()) {
            report.findings.check(
                shared.keys.storable.contains(key.as_str()) && count > 0,
                "by_key iterator item",
                || format!("by_key iterator gave {:?} = {count}", truncated(&key)),
            );
        }
        let mut methods = table.by_method().iter();
        while let Some((_, count)) = report.step(shared, methods.try_next()) {
            report
                .findings
                .check(count > 0, "by_method iterator zero count", || {
                    "by_method iterator gave a zero count".to_owned()
                });
        }
        if !Shared::nap(&shared.stop, Duration::from_millis(1)) {
            return report;
        }
    }
}

/// What the gauge thread returns.
struct GaugeReport {
    sets: u64,
    /// The level it left `capacity_level` at.
    level: i64,
    findings: Findings,
}

/// Sets and moves `capacity_level`, the one thread that does, and checks
/// after each change that the table reads the level it made.
fn gauge_thread(shared: &Shared, seed: u64) -> GaugeReport {
    let gauge = shared.table.capacity_level();
    let mut random = Random::new(seed);
    let mut findings = Findings::default();
    let mut sets = 0;
    let mut warmed_up = false;
    loop {
        let value = random.below(1000) as i64 - 100;
        gauge.set(value);
        let mut level = value;
        sets += 1;
        findings.check(gauge.get() == level, "capacity_level after set", || {
            format!(
                "capacity_level reads {} right after set({value})",
                gauge.get()
            )
        });
        for _ in 0..random.below(4) {
            let change = random.below(21) as i64 - 10;
            gauge.add(change);
            level += change;
        }
        gauge.inc();
        gauge.dec();
        gauge.inc();
        level += 1;
        if !warmed_up {
            warmed_up = true;
            shared.warmed_up.fetch_add(1, Ordering::Release);
        }
        findings.check(gauge.get() == level, "capacity_level after add", || {
            format!(
                "capacity_level reads {}, its only writer made it {level}",
                gauge.get()
            )
        });
        if !Shared::nap(&shared.stop, Duration::from_millis(2)) {
            break;
        }
    }
    // The last change is a set, then one add.
    gauge.set(4242);
    gauge.add(-42);
    sets += 1;
    GaugeReport {
        sets,
        level: 4200,
        findings,
    }
}

/// Joins `handle`; a panic becomes a finding and `None`.
fn join<T>(handle: ScopedJoinHandle<'_, T>, thread: &str, panics: &mut Vec<String>) -> Option<T> {
    match handle.join() {
        Ok(value) => Some(value),
        Err(payload) => {
            panics.push(format!("{thread} panicked: {}", panic_message(&*payload)));
            None
        }
    }
}

struct Config {
    increments: u64,
    threads: usize,
    seconds_limit: Duration,
}

const USAGE: &str = "usage: stress [--increments N] [--threads T] [--seconds-limit S]\n\
    defaults: 1000000000 increments (1e9 and 1_000_000_000 work too), 4 writer threads, \
    a limit of 600 seconds";

fn parse_increments(text: &str) -> Option<u64> {
    let digits = text.replace('_', "");
    if let Ok(count) = digits.parse::<u64>() {
        return Some(count);
    }
    // Scientific notation such as 1e9, if it names a whole number.
    let value = digits.parse::<f64>().ok()?;
    let in_range = value.is_finite() && value.fract() == 0.0 && (0.0..=1e18).contains(&value);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
    in_range.then_some(value as u64)
}

fn parse_config() -> Result<Config, String> {
    let mut increments = None;
    let mut threads = None;
    let mut seconds = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--increments" => {
                increments = Some(args.next().ok_or("--increments needs a value")?);
            }
            "--threads" => threads = Some(args.next().ok_or("--threads needs a value")?),
            "--seconds-limit" => {
                seconds = Some(args.next().ok_or("--seconds-limit needs a value")?);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let increments = match increments {
        None => 1_000_000_000,
        Some(text) => match parse_increments(&text) {
            Some(count) if (1..=1_000_000_000_000_000_000).contains(&count) => count,
            _ => {
                return Err(format!(
                    "increments must be a whole number from 1 to 10^18, not `{text}`"
                ));
            }
        },
    };
    let threads = match threads {
        None => 4,
        // Within 1..=256, so the conversion cannot truncate.
        Some(text) => whole_number("threads", &text, 1..=256)? as usize,
    };
    let seconds_limit = match seconds {
        None => Duration::from_secs(600),
        Some(text) => seconds_arg("seconds-limit", &text, 86_400.0)?,
    };
    Ok(Config {
        increments,
        threads,
        seconds_limit,
    })
}

/// Everything the threads returned.
struct Outcome {
    tallies: Vec<Tally>,
    cursors: Vec<CursorReport>,
    snapshot_findings: Option<Findings>,
    resets: Option<u64>,
    clears: Option<u64>,
    iteration: Option<IterReport>,
    gauge: Option<GaugeReport>,
    panics: Vec<String>,
    writing_time: Duration,
    memory_warm: Option<usize>,
}

/// Ends the process if the run is not done `STUCK_AFTER` the time limit:
/// a thread that never returns is a failure too, and must not hang CI.
fn watchdog(shared: &Shared, limit: Duration, started: Instant) {
    if Shared::nap(&shared.finished, limit + STUCK_AFTER) {
        print_progress(shared, started.elapsed());
        eprintln!(
            "error: stuck: {:.0} s after the time limit, still waiting until {}",
            STUCK_AFTER.as_secs_f64(),
            PHASES[shared.phase.load(Ordering::Acquire)]
        );
        std::process::exit(1);
    }
}

/// How many cursor threads read the table.
const CURSORS: usize = 2;

/// Runs every thread and joins them all.
fn run(shared: &Shared, config: &Config) -> Outcome {
    let steps = Steps::new(&shared.keys);
    let writers = config.threads;
    // Cursors made before any write: their deltas cover everything.
    let cursors: [_; CURSORS] = std::array::from_fn(|_| shared.table.cursor());
    std::thread::scope(|scope| {
        let spawn_named = |name: &str| std::thread::Builder::new().name(name.to_owned());
        let cursor_handles: Vec<_> = cursors
            .into_iter()
            .enumerate()
            .map(|(index, cursor)| {
                spawn_named(&format!("cursor-{index}"))
                    .spawn_scoped(scope, move || cursor_thread(shared, cursor))
                    .expect("spawn a cursor thread")
            })
            .collect();
        let snapshots = spawn_named("snapshots")
            .spawn_scoped(scope, || snapshot_thread(shared))
            .expect("spawn the snapshot thread");
        let resets = spawn_named("resets")
            .spawn_scoped(scope, || reset_thread(shared))
            .expect("spawn the reset thread");
        let clears = spawn_named("clears")
            .spawn_scoped(scope, || clear_thread(shared))
            .expect("spawn the clear thread");
        let iteration = spawn_named("iteration")
            .spawn_scoped(scope, || iterating_thread(shared))
            .expect("spawn the iterating thread");
        let gauge = spawn_named("gauge")
            .spawn_scoped(scope, || gauge_thread(shared, 0xD1B5_4A32_D192_ED03))
            .expect("spawn the gauge thread");

        let started = Instant::now();
        spawn_named("watchdog")
            .spawn_scoped(scope, move || {
                watchdog(shared, config.seconds_limit, started);
            })
            .expect("spawn the watchdog thread");
        let per_writer = config.increments.div_ceil(writers as u64);
        let steps = &steps;
        let writer_handles: Vec<_> = (0..writers)
            .map(|index| {
                let seed = 0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1);
                spawn_named(&format!("writer-{index}"))
                    .spawn_scoped(scope, move || writer(shared, steps, per_writer, seed))
                    .expect("spawn a writer thread")
            })
            .collect();

        // Progress once a second, the time limit, and the memory once every
        // thread that writes rows has written.
        let deadline = started + config.seconds_limit;
        let mut next_line = started + Duration::from_secs(1);
        let mut memory_warm = None;
        while writer_handles.iter().any(|handle| !handle.is_finished()) {
            std::thread::sleep(Duration::from_millis(10));
            let now = Instant::now();
            if memory_warm.is_none() {
                memory_warm = warm_memory(shared);
            }
            if now >= deadline && !shared.time_is_up.load(Ordering::Relaxed) {
                println!(
                    "time limit of {:.1} s reached: stopping the writers",
                    config.seconds_limit.as_secs_f64()
                );
                shared.time_is_up.store(true, Ordering::Relaxed);
            }
            if now >= next_line {
                next_line += Duration::from_secs(1);
                print_progress(shared, started.elapsed());
            }
        }
        let mut panics = Vec::new();
        let tallies: Vec<Tally> = writer_handles
            .into_iter()
            .enumerate()
            .filter_map(|(index, handle)| join(handle, &format!("writer {index}"), &mut panics))
            .collect();
        let writing_time = started.elapsed();
        // A run too short for the loop above: the writers are done, so only
        // the gauge thread's first write can be missing.
        let wait_until = Instant::now() + Duration::from_secs(5);
        while memory_warm.is_none() && Instant::now() < wait_until {
            memory_warm = warm_memory(shared);
            std::thread::sleep(Duration::from_millis(1));
        }
        shared.phase.store(1, Ordering::Release);
        shared.stop.store(true, Ordering::Release);
        let resets = join(resets, "the reset thread", &mut panics);
        let clears = join(clears, "the clear thread", &mut panics);
        let iteration = join(iteration, "the iterating thread", &mut panics);
        let gauge = join(gauge, "the gauge thread", &mut panics);
        shared.phase.store(2, Ordering::Release);
        shared.writes_done.store(true, Ordering::Release);
        let cursors = cursor_handles
            .into_iter()
            .enumerate()
            .filter_map(|(index, handle)| join(handle, &format!("cursor {index}"), &mut panics))
            .collect();
        let snapshot_findings = join(snapshots, "the snapshot thread", &mut panics);
        shared.finished.store(true, Ordering::Release);
        Outcome {
            tallies,
            cursors,
            snapshot_findings,
            resets,
            clears,
            iteration,
            gauge,
            panics,
            writing_time,
            memory_warm,
        }
    })
}

/// The table's memory, once every thread that writes rows has written.
fn warm_memory(shared: &Shared) -> Option<usize> {
    let warmed_up = shared.warmed_up.load(Ordering::Acquire) == shared.writers + 1;
    warmed_up.then(|| shared.table.memory_bytes())
}

fn print_progress(shared: &Shared, elapsed: Duration) {
    let increments = shared.progress.load(Ordering::Relaxed);
    println!(
        "[{:>6.1}s] {:>14} increments ({:>7.1} M/s)  snapshots {:>7}  deltas {:>7}  resets {:>5}  clears {:>5}  iterations {:>6}  stale {:>5}",
        elapsed.as_secs_f64(),
        increments,
        increments as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6,
        shared.snapshots.load(Ordering::Relaxed),
        shared.deltas.load(Ordering::Relaxed),
        shared.resets_begun.load(Ordering::Relaxed),
        shared.clears.load(Ordering::Relaxed),
        shared.iterations.load(Ordering::Relaxed),
        shared.stale.load(Ordering::Relaxed),
    );
}

/// Checks a cursor's sums against the writers' merged tally.
fn check_cursor(
    shared: &Shared,
    expected: &Tally,
    gauge_level: Option<i64>,
    sums: &StressStats,
    findings: &mut Findings,
) {
    let mut check_equal = |what: &str, got: u64, want: u64| {
        findings.check(got == want, what, || {
            format!("{what}: the deltas add up to {got}, the writers made {want}")
        });
    };
    check_equal("lookups", sums.lookups, expected.lookups);
    check_equal("hits", sums.hits, expected.hits);
    check_equal("requests", sums.requests, expected.requests);
    check_equal("errors", sums.errors, expected.errors);
    for (&method, &want) in Method::ALL.iter().zip(&expected.methods) {
        let got = sums.by_method.get(&method).unwrap_or(0);
        check_equal(&format!("by_method {method:?}"), got, want);
    }
    check_equal(
        "by_key total (keys + overflow)",
        sums.by_key.total(),
        expected.key_total(),
    );
    let key_index: HashMap<&str, usize> = shared
        .keys
        .all
        .iter()
        .enumerate()
        .map(|(index, key)| (key.as_str(), index))
        .collect();
    for (key, got) in sums.by_key.iter() {
        match key_index.get(key.as_str()) {
            Some(&index) if index != Keys::long() => {
                let want = expected.keys[index];
                findings.check(got <= want, "by_key count above the writers'", || {
                    format!(
                        "by_key {key:?}: the deltas add up to {got}, \
                         more than the {want} the writers made"
                    )
                });
            }
            _ => findings.check(false, "by_key key no writer stored", || {
                format!(
                    "by_key: the deltas hold {:?} = {got}, a key no writer stored",
                    truncated(key)
                )
            }),
        }
    }
    findings.check(
        sums.in_flight == 0,
        "in_flight deltas do not add up to 0",
        || format!("in_flight: the deltas add up to {}, not 0", sums.in_flight),
    );
    if let Some(level) = gauge_level {
        findings.check(
            sums.capacity_level == level,
            "capacity_level deltas",
            || {
                format!(
                    "capacity_level: the deltas add up to {}, the gauge thread left {level}",
                    sums.capacity_level
                )
            },
        );
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
    let shared = Shared::new(config.threads);
    let memory_start = shared.table.memory_bytes();
    let shards_start = shared.table.shard_count();
    println!(
        "stress: {} increments from {} writer threads, a limit of {:.0} s",
        config.increments,
        config.threads,
        config.seconds_limit.as_secs_f64()
    );
    println!("table at the start: {memory_start} bytes, {shards_start} shards");

    let started = Instant::now();
    let outcome = run(&shared, &config);
    let elapsed = started.elapsed();
    print_progress(&shared, elapsed);

    let mut findings = Findings::default();
    for panic in &outcome.panics {
        findings.check(false, "panic", || panic.clone());
    }
    let mut expected = Tally::new(shared.keys.all.len());
    for tally in &outcome.tallies {
        expected.merge(tally);
    }
    let writers_all_joined = outcome.tallies.len() == config.threads;
    let gauge_level = outcome.gauge.as_ref().map(|gauge| gauge.level);
    let mut deltas = 0;
    for (index, report) in outcome.cursors.into_iter().enumerate() {
        deltas += report.deltas;
        let thread = format!("cursor {index}");
        findings.merge(&thread, report.findings);
        if writers_all_joined {
            let mut totals = Findings::default();
            check_cursor(&shared, &expected, gauge_level, &report.sums, &mut totals);
            findings.merge(&format!("{thread} totals"), totals);
        }
    }
    if !writers_all_joined {
        println!("(a writer panicked: the cursors' totals are not checked)");
    }
    if let Some(snapshot_findings) = outcome.snapshot_findings {
        findings.merge("snapshots", snapshot_findings);
    }
    let mut iteration_summary = String::from("(the iterating thread did not finish)");
    if let Some(iteration) = outcome.iteration {
        let seen = iteration.in_flight_seen.map_or_else(
            || "none".to_owned(),
            |(low, high)| format!("{low}..={high}"),
        );
        iteration_summary = format!(
            "{} complete, {} stale errors, {} series read; in_flight read: {seen}",
            iteration.complete, iteration.stale, iteration.series
        );
        findings.merge("iteration", iteration.findings);
    }
    let mut gauge_summary = String::from("(the gauge thread did not finish)");
    if let Some(gauge) = outcome.gauge {
        gauge_summary = format!("{} sets, left at {}", gauge.sets, gauge.level);
        findings.merge("gauge", gauge.findings);
    }

    // The table at rest: every writer and every other thread is done.
    let snapshot = shared.table.snapshot();
    let mut at_rest = Findings::default();
    at_rest.check(
        snapshot.in_flight == 0 && shared.table.in_flight().get() == 0,
        "in_flight not 0 at the end",
        || {
            format!(
                "in_flight is {} (snapshot) and {} (get) at the end, not 0",
                snapshot.in_flight,
                shared.table.in_flight().get()
            )
        },
    );
    if let Some(level) = gauge_level {
        let read = shared.table.capacity_level().get();
        at_rest.check(
            snapshot.capacity_level == level && read == level,
            "capacity_level at the end",
            || {
                format!(
                    "capacity_level is {} (snapshot) and {read} (get) at the end, \
                     the gauge thread left {level}",
                    snapshot.capacity_level
                )
            },
        );
    }
    check_steps(&shared, &snapshot, "final snapshot", &mut at_rest);
    let memory_end = shared.table.memory_bytes();
    let shards_end = shared.table.shard_count();
    // A thread's slot is global: every thread that wrote to any table (the
    // health table included: readers count stale iterators and timeouts
    // there) holds one until it exits, so the promise is about all of them,
    // not only this table's writers: the writers, the cursors, the snapshot,
    // reset, clear, iterating, gauge and watchdog threads, and main.
    let threads_alive = config.threads + CURSORS + 7;
    let shard_bound = 2 * threads_alive;
    at_rest.check(shards_end < shard_bound, "too many shards", || {
        format!(
            "{shards_end} shards with {threads_alive} threads alive at once, \
             not below 2 * {threads_alive} = {shard_bound}"
        )
    });
    let warm = outcome.memory_warm.unwrap_or(0);
    at_rest.check(outcome.memory_warm.is_some(), "no memory reading", || {
        "the gauge thread never wrote: no memory reading once every thread wrote".to_owned()
    });
    at_rest.check(
        memory_end <= warm + OPEN_FIELD_CHUNK_SLACK,
        "memory growth",
        || {
            format!(
                "{memory_end} bytes at the end, {warm} once every thread had written: \
                 more than {OPEN_FIELD_CHUNK_SLACK} bytes of growth"
            )
        },
    );
    let time_limited = expected.increments < config.increments;
    at_rest.check(!writers_all_joined || !time_limited, "time limit", || {
        format!(
            "the time limit stopped the writers after {} of {} increments",
            expected.increments, config.increments
        )
    });
    findings.merge("end", at_rest);

    let seconds = outcome.writing_time.as_secs_f64().max(1e-9);
    println!();
    println!("summary");
    println!(
        "  increments   {} in {:.2} s of writing ({:.2} s in all): {:.1} M/s on {} writer threads",
        expected.increments,
        seconds,
        elapsed.as_secs_f64(),
        expected.increments as f64 / seconds / 1e6,
        config.threads
    );
    println!(
        "  snapshots    {}",
        shared.snapshots.load(Ordering::Relaxed)
    );
    println!("  deltas       {deltas} (two cursors)");
    println!(
        "  resets       {}",
        outcome
            .resets
            .map_or_else(|| "?".to_owned(), |count| count.to_string())
    );
    println!(
        "  clears       {} of by_key",
        outcome
            .clears
            .map_or_else(|| "?".to_owned(), |count| count.to_string())
    );
    println!("  iterations   {iteration_summary}");
    println!("  gauge        {gauge_summary}");
    let long_key = expected.keys[Keys::long()];
    println!(
        "  by_key       {} increments, {} of them of the too-long key; final snapshot: {} keys, {} overflow",
        expected.key_total(),
        long_key,
        snapshot.by_key.len(),
        snapshot.by_key.overflow()
    );
    println!(
        "  memory       start {memory_start} bytes, {shards_start} shards; every thread written {} bytes; end {memory_end} bytes, {shards_end} shards",
        outcome
            .memory_warm
            .map_or_else(|| "?".to_owned(), |bytes| bytes.to_string())
    );
    println!();
    if findings.kinds.is_empty() {
        println!("check: every total exact, every snapshot and delta consistent, no panic: ok");
        return ExitCode::SUCCESS;
    }
    println!(
        "check: FAILED, {} violations of {} kinds:",
        findings.count(),
        findings.kinds.len()
    );
    for (kind, finding) in &findings.kinds {
        println!("  {kind}: {} times, for example", finding.count);
        for example in &finding.examples {
            println!("    {example}");
        }
    }
    ExitCode::FAILURE
}
