//! The archiver (layer 4 of the incident write-up): snapshots go into a
//! bounded queue per sink, and a fixed pool of workers hands them on.

use crate::archive::sink::Sink;
use crate::defend::breaker::{Admission, Breaker, BreakerConfig};
use crate::export::registry::Registry;
use crate::export::snapshot::TableSnapshot;
use crate::table::traits::Table;
use crossbeam_queue::ArrayQueue;
use std::io;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How many snapshots each sink's queue holds by default.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
/// How many workers by default: the incident write-up's pool of 4.
pub const DEFAULT_WORKERS: usize = 4;
/// A sink call slower than this is a failure by default.
pub const DEFAULT_SINK_TIMEOUT: Duration = Duration::from_secs(1);
/// How long shutdown waits for the workers by default.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);
/// The most workers an archiver runs.
pub const MAX_WORKERS: usize = 256;
/// The largest sink queue.
pub const MAX_QUEUE_CAPACITY: usize = 1 << 20;

/// What happened to the snapshots submitted to one sink. Each submitted
/// snapshot is counted once, or is still queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SinkStats {
    /// Handed over, and the call returned `Ok` within the timeout.
    pub delivered: u64,
    /// Handed over, and the call returned an error or took longer than the
    /// timeout (counted in `stats_sink_errors_total` too).
    pub failed: u64,
    /// Not handed over: the sink's breaker was open.
    pub skipped: u64,
    /// Pushed out of a full queue by newer snapshots (counted in
    /// `stats_archive_dropped_total` too).
    pub dropped: u64,
}

/// Configures an [`Archiver`]: [`Archiver::builder`].
pub struct ArchiverBuilder {
    workers: usize,
    capacity: usize,
    shutdown_timeout: Duration,
    sink_timeout: Duration,
    cool_down: Duration,
    sinks: Vec<Arc<dyn Sink>>,
}

impl ArchiverBuilder {
    /// How many worker threads (from 1 to [`MAX_WORKERS`]; default 4).
    #[must_use]
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.clamp(1, MAX_WORKERS);
        self
    }

    /// How many snapshots each sink's queue holds before the oldest is
    /// dropped (from 1 to [`MAX_QUEUE_CAPACITY`]; default 1,024).
    #[must_use]
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.clamp(1, MAX_QUEUE_CAPACITY);
        self
    }

    /// How long [`Archiver::shutdown`] (or a drop) waits for the workers to
    /// empty the queues (default 10 s). A sink still busy then is
    /// abandoned: its worker is left to finish on its own, and the
    /// snapshots still queued for it are counted as dropped.
    #[must_use]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// A sink call slower than this counts as a failure (default 1 s).
    #[must_use]
    pub fn sink_timeout(mut self, timeout: Duration) -> Self {
        self.sink_timeout = timeout;
        self
    }

    /// How long a sink's open breaker skips it before probing it again
    /// (default 5 s).
    #[must_use]
    pub fn cool_down(mut self, cool_down: Duration) -> Self {
        self.cool_down = cool_down;
        self
    }

    /// Adds a sink; sinks are served in the order added.
    #[must_use]
    pub fn sink(mut self, sink: impl Sink) -> Self {
        self.sinks.push(Arc::new(sink));
        self
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// The error of spawning a worker thread.
    pub fn build(self) -> io::Result<Archiver> {
        let config = BreakerConfig {
            slow_write: self.sink_timeout,
            trip_after: 3,
            cool_down: self.cool_down,
            probes: 1,
        };
        let shared = Arc::new(Shared {
            sinks: self
                .sinks
                .into_iter()
                .map(|sink| Lane {
                    sink,
                    queue: ArrayQueue::new(self.capacity),
                    serving: AtomicBool::new(false),
                    breaker: Breaker::detached(config),
                    counts: Counts::default(),
                })
                .collect(),
            stopping: AtomicBool::new(false),
            wake: Mutex::new(()),
            woken: Condvar::new(),
            finished: Mutex::new(0),
            worker_done: Condvar::new(),
            shutdown_timeout: self.shutdown_timeout,
        });
        let mut workers = Vec::with_capacity(self.workers);
        for n in 0..self.workers {
            let worker_shared = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name(format!("stats-archiver-{n}"))
                .spawn(move || {
                    let _done = WorkerDone(&worker_shared);
                    worker_shared.work();
                });
            match spawned {
                Ok(worker) => workers.push(worker),
                Err(error) => {
                    stop(&shared, workers);
                    return Err(error);
                }
            }
        }
        Ok(Archiver { shared, workers })
    }
}

/// Hands snapshots to sinks on a fixed pool of worker threads.
///
/// # Never blocking, nothing lost silently
///
/// [`Archiver::submit`] puts the snapshot (a shared pointer, not a copy)
/// into every sink's queue, a `crossbeam_queue::ArrayQueue`, with
/// `force_push`: a full queue drops its oldest snapshot, counted in
/// `stats_archive_dropped_total` and in the sink's [`SinkStats`]. So
/// submitting never waits, whatever the sinks do.
///
/// A worker takes charge of one sink at a time (a flag taken with a
/// compare-and-swap) and hands it its queued snapshots in order, so a sink
/// sees snapshots in the order they were submitted and is never called
/// from two threads at once. A sink that stalls therefore holds one worker,
/// and only its own queue fills: the other workers keep serving the other
/// sinks. Keep more workers than sinks that may stall (the default is 4).
///
/// Each sink has a circuit breaker ([`Breaker`], with
/// [`ArchiverBuilder::sink_timeout`] as its slow threshold): a call that
/// returns an error or takes longer than the timeout is counted in
/// `stats_sink_errors_total` and in the sink's stats, and is a slow sample;
/// three in a row open the breaker, and while it is open the sink's
/// snapshots are skipped (counted in its stats as `skipped`) instead of
/// sent. After the cool-down one call probes the sink again.
///
/// Per sink, every submitted snapshot is exactly one of: delivered,
/// failed, skipped, dropped, or still queued.
///
/// [`Archiver::shutdown`] (or dropping the archiver) lets the workers
/// empty every queue, joins them, and flushes every sink (a flush that
/// fails or panics is counted in `stats_sink_errors_total`). It waits at
/// most [`ArchiverBuilder::shutdown_timeout`] (default 10 s): a sink still
/// inside a call then is abandoned, its worker left to finish on its own
/// and its queued snapshots counted as dropped, so a sink that never
/// returns cannot hang the shutdown.
///
/// # Examples
///
/// ```
/// use stats_core::{Archiver, JsonLines, Registry, StatTable};
/// use std::sync::Arc;
///
/// #[derive(StatTable, Debug, Default)]
/// #[stat_table(prefix = "jobs")]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
/// }
///
/// let table = Arc::new(Jobs::table());
/// let registry = Registry::new();
/// registry.register(Arc::clone(&table))?;
///
/// let path = std::env::temp_dir().join(format!("jobs-{}.jsonl", std::process::id()));
/// let archiver = Archiver::builder().sink(JsonLines::append(&path)?).build()?;
/// table.done().add(3);
/// archiver.archive(&registry); // one line per table, the health table too
/// let stats = archiver.shutdown();
/// assert_eq!(stats[0].delivered, 2);
///
/// let text = std::fs::read_to_string(&path)?;
/// assert!(text.lines().next().unwrap().contains(r#""stats":{"done":3}"#));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Archiver {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

struct Shared {
    sinks: Vec<Lane>,
    stopping: AtomicBool,
    /// Idle workers wait here for a submit.
    wake: Mutex<()>,
    woken: Condvar,
    /// How many workers have left their loop; shutdown waits on it.
    finished: Mutex<usize>,
    worker_done: Condvar,
    shutdown_timeout: Duration,
}

/// Counts a worker as finished when it leaves, however it leaves.
struct WorkerDone<'a>(&'a Shared);

impl Drop for WorkerDone<'_> {
    fn drop(&mut self) {
        *self
            .0
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.worker_done.notify_all();
    }
}

/// One sink, its queue, and the flag of the worker serving it.
struct Lane {
    sink: Arc<dyn Sink>,
    queue: ArrayQueue<TableSnapshot>,
    serving: AtomicBool,
    breaker: Breaker,
    counts: Counts,
}

#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
    dropped: AtomicU64,
}

impl Archiver {
    /// A builder with the defaults: 4 workers, queues of 1,024, a sink
    /// timeout of 1 s, a cool-down of 5 s, a shutdown timeout of 10 s, no
    /// sinks.
    #[must_use]
    pub fn builder() -> ArchiverBuilder {
        ArchiverBuilder {
            workers: DEFAULT_WORKERS,
            capacity: DEFAULT_QUEUE_CAPACITY,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            sink_timeout: DEFAULT_SINK_TIMEOUT,
            cool_down: Duration::from_secs(5),
            sinks: Vec::new(),
        }
    }

    /// Queues `snapshot` for every sink; never waits.
    pub fn submit(&self, snapshot: &TableSnapshot) {
        for lane in &self.shared.sinks {
            if lane.queue.force_push(snapshot.clone()).is_some() {
                lane.counts.dropped.fetch_add(1, Ordering::Relaxed);
                crate::defend::health::count(|health| health.archive_dropped().inc());
            }
        }
        self.shared.woken.notify_all();
    }

    /// Snapshots `table` (with a deadline, as a scrape does: see
    /// [`TableSnapshot::of`]) and submits it.
    pub fn archive_table<T: Table + ?Sized>(&self, table: &T, within: Duration) {
        self.submit(&TableSnapshot::of(table, within));
    }

    /// Snapshots every table of `registry` (the health table last) and
    /// submits them.
    pub fn archive(&self, registry: &Registry) {
        for snapshot in registry.snapshots() {
            self.submit(&snapshot);
        }
    }

    /// What happened so far to the snapshots of each sink, in the order the
    /// sinks were added.
    #[must_use]
    pub fn stats(&self) -> Vec<SinkStats> {
        self.shared.sinks.iter().map(Lane::stats).collect()
    }

    /// Lets the workers empty every queue, joins them, flushes every sink,
    /// and returns the final [`stats`](Self::stats); waits at most the
    /// shutdown timeout (see [`Archiver`]).
    pub fn shutdown(mut self) -> Vec<SinkStats> {
        stop(&self.shared, std::mem::take(&mut self.workers));
        self.stats()
    }
}

impl Drop for Archiver {
    fn drop(&mut self) {
        stop(&self.shared, std::mem::take(&mut self.workers));
    }
}

impl std::fmt::Debug for Archiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archiver")
            .field("workers", &self.workers.len())
            .field("sinks", &self.stats())
            .finish()
    }
}

/// Tells the workers to finish and waits for them, up to the shutdown
/// timeout; abandons the sinks still busy then (their queued snapshots
/// count as dropped), and flushes the others.
fn stop(shared: &Shared, workers: Vec<JoinHandle<()>>) {
    if workers.is_empty() {
        return;
    }
    shared.stopping.store(true, Ordering::Release);
    shared.woken.notify_all();
    let deadline = Instant::now().checked_add(shared.shutdown_timeout);
    let mut finished = shared
        .finished
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    while *finished < workers.len() {
        let left = deadline.map_or(Duration::from_secs(3600), |deadline| {
            deadline.saturating_duration_since(Instant::now())
        });
        if left.is_zero() {
            break;
        }
        finished = shared
            .worker_done
            .wait_timeout(finished, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    drop(finished);
    for worker in workers {
        if worker.is_finished() {
            // Workers catch sinks' panics: the join has nothing to report.
            let _ = worker.join();
        }
        // A worker still inside a sink is left to finish on its own.
    }
    for lane in &shared.sinks {
        if lane.serving.load(Ordering::Acquire) {
            // Still busy: what it was not given is dropped.
            while lane.queue.pop().is_some() {
                lane.counts.dropped.fetch_add(1, Ordering::Relaxed);
                crate::defend::health::count(|health| health.archive_dropped().inc());
            }
            continue;
        }
        let flushed = std::panic::catch_unwind(AssertUnwindSafe(|| lane.sink.flush()));
        if !matches!(flushed, Ok(Ok(()))) {
            crate::defend::health::count(|health| health.sink_errors().inc());
        }
    }
}

impl Shared {
    /// A worker's loop: serve every sink with queued snapshots; sleep when
    /// there are none; leave once stopping and every queue is empty.
    fn work(&self) {
        loop {
            let served = self.serve_all();
            if !served {
                // Nothing left that this worker could take: every queue is
                // empty or has a worker of its own.
                if self.stopping.load(Ordering::Acquire) && self.nothing_to_take() {
                    return;
                }
                let idle = self.wake.lock().unwrap_or_else(PoisonError::into_inner);
                // Bounded: a submit that notified just before this wait is
                // picked up at the next round.
                let _ = self
                    .woken
                    .wait_timeout(idle, Duration::from_millis(20))
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    fn nothing_to_take(&self) -> bool {
        self.sinks
            .iter()
            .all(|lane| lane.queue.is_empty() || lane.serving.load(Ordering::Acquire))
    }

    /// Serves each sink that has snapshots and no worker; whether any
    /// snapshot was taken.
    fn serve_all(&self) -> bool {
        let mut served = false;
        for lane in &self.sinks {
            served |= lane.serve();
        }
        served
    }
}

impl Lane {
    /// If no other worker serves this sink, hands it every queued
    /// snapshot, in order; whether any was taken.
    fn serve(&self) -> bool {
        let mut served = false;
        // Taken again after emptying the queue, so a snapshot pushed just
        // after the last pop is not left behind while no worker serves.
        while !self.queue.is_empty()
            && self
                .serving
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            let release = Release(&self.serving);
            while let Some(snapshot) = self.queue.pop() {
                served = true;
                self.deliver(&snapshot);
            }
            drop(release);
        }
        served
    }

    fn deliver(&self, snapshot: &TableSnapshot) {
        if self.breaker.admission() == Admission::Block {
            self.counts.skipped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let started = Instant::now();
        // A sink that panics fails this call; its worker goes on.
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| self.sink.write(snapshot)))
            .unwrap_or_else(|_| Err("the sink panicked".into()));
        let took = started.elapsed();
        // An error is as bad as a stall.
        let failed = result.is_err() || took > self.breaker.config().slow_write;
        let _ = self.breaker.record_outcome(failed);
        if failed {
            self.counts.failed.fetch_add(1, Ordering::Relaxed);
            crate::defend::health::count(|health| health.sink_errors().inc());
        } else {
            self.counts.delivered.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn stats(&self) -> SinkStats {
        SinkStats {
            delivered: self.counts.delivered.load(Ordering::Relaxed),
            failed: self.counts.failed.load(Ordering::Relaxed),
            skipped: self.counts.skipped.load(Ordering::Relaxed),
            dropped: self.counts.dropped.load(Ordering::Relaxed),
        }
    }
}

/// Clears a lane's serving flag when dropped, even if the sink panicked.
struct Release<'a>(&'a AtomicBool);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
