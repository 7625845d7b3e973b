//! The archiver against sinks that fail, stall and fall behind: the other
//! sinks get every snapshot in order, and every snapshot is accounted for
//! exactly (delivered, failed, skipped or dropped), in the sinks' stats and
//! in the health table.

use stats_core::{Archiver, Sink, SinkError, StatTable, TableSnapshot};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

#[derive(StatTable, Debug, Default)]
struct Seq {
    /// The number of the snapshot.
    seq: u64,
}

/// The `seq` a snapshot carries.
fn seq_of(snapshot: &TableSnapshot) -> u64 {
    let mut json = String::new();
    snapshot.write_json(&mut json);
    let (_, rest) = json.split_once("\"seq\":").expect("a seq field");
    rest.trim_end_matches('}').parse().expect("a number")
}

/// Keeps the seq of every snapshot it gets.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<u64>>>);

impl Sink for Recorder {
    fn write(&self, snapshot: &TableSnapshot) -> Result<(), SinkError> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(seq_of(snapshot));
        Ok(())
    }
}

impl Recorder {
    fn seen(&self) -> Vec<u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Fails every call.
struct Failing;

impl Sink for Failing {
    fn write(&self, _: &TableSnapshot) -> Result<(), SinkError> {
        Err("the disk is full".into())
    }
}

/// Takes `delay` for every call.
struct Stalling(Duration);

impl Sink for Stalling {
    fn write(&self, _: &TableSnapshot) -> Result<(), SinkError> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

/// Panics on every call.
struct Panicking;

impl Sink for Panicking {
    fn write(&self, _: &TableSnapshot) -> Result<(), SinkError> {
        panic!("a sink with a bug");
    }
}

/// Blocks its first call until released, and tells when it is blocked.
struct Gate {
    entered: Mutex<Option<mpsc::Sender<()>>>,
    release: Mutex<mpsc::Receiver<()>>,
    inner: Recorder,
}

impl Sink for Gate {
    fn write(&self, snapshot: &TableSnapshot) -> Result<(), SinkError> {
        let entered = self
            .entered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(entered) = entered {
            entered.send(())?;
            self.release
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .recv()?;
        }
        self.inner.write(snapshot)
    }
}

/// The health table's archive counters are process-wide: the tests of this
/// file take turns.
static SERIAL: Mutex<()> = Mutex::new(());

fn snapshot_numbered(table: &SeqTable, seq: u64) -> TableSnapshot {
    table.seq().inc();
    let snapshot = TableSnapshot::of(table, Duration::from_secs(1));
    assert_eq!(seq_of(&snapshot), seq);
    snapshot
}

#[test]
fn failing_stalling_and_panicking_sinks_never_cost_the_others_a_snapshot() {
    let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    const SNAPSHOTS: u64 = 300;
    let errors_before = stats_core::health().sink_errors;
    let recorder = Recorder::default();
    let archiver = Archiver::builder()
        .sink(Failing)
        .sink(Stalling(Duration::from_millis(200)))
        .sink(recorder.clone())
        .sink(Panicking)
        .sink_timeout(Duration::from_millis(50))
        .cool_down(Duration::from_secs(600))
        .build()
        .expect("the archiver starts");
    let table = Seq::table();
    for seq in 1..=SNAPSHOTS {
        archiver.submit(&snapshot_numbered(&table, seq));
        std::thread::sleep(Duration::from_micros(500));
    }
    let stats = archiver.shutdown();

    // The healthy sink got every snapshot, in order.
    assert_eq!(recorder.seen(), (1..=SNAPSHOTS).collect::<Vec<_>>());
    assert_eq!(stats[2].delivered, SNAPSHOTS);
    // The failing, stalling and panicking sinks: three failures open their
    // breakers (trip_after 3), then everything is skipped; nothing is lost
    // from the count.
    for (sink, name) in [(0, "failing"), (1, "stalling"), (3, "panicking")] {
        let s = stats[sink];
        assert_eq!(s.failed, 3, "{name}: {s:?}");
        assert_eq!(s.dropped, 0, "{name}: {s:?}");
        assert_eq!(
            s.delivered + s.failed + s.skipped,
            SNAPSHOTS,
            "{name}: {s:?}"
        );
    }
    assert_eq!(
        stats_core::health().sink_errors - errors_before,
        stats.iter().map(|s| s.failed).sum::<u64>()
    );
}

#[test]
fn a_full_queue_drops_the_oldest_and_counts_each() {
    let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let dropped_before = stats_core::health().archive_dropped;
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let gate = Gate {
        entered: Mutex::new(Some(entered_tx)),
        release: Mutex::new(release_rx),
        inner: Recorder::default(),
    };
    let seen = gate.inner.clone();
    let archiver = Archiver::builder()
        .sink(gate)
        .queue_capacity(4)
        .sink_timeout(Duration::from_secs(60))
        .build()
        .expect("the archiver starts");
    let table = Seq::table();
    archiver.submit(&snapshot_numbered(&table, 1));
    entered
        .recv_timeout(Duration::from_secs(30))
        .expect("the sink takes the first snapshot");
    // The sink is blocked on snapshot 1; 2..=11 go to a queue of 4.
    for seq in 2..=11 {
        archiver.submit(&snapshot_numbered(&table, seq));
    }
    assert_eq!(archiver.stats()[0].dropped, 6);
    release.send(()).expect("the sink waits");
    let stats = archiver.shutdown();

    assert_eq!(seen.seen(), [1, 8, 9, 10, 11]);
    assert_eq!((stats[0].delivered, stats[0].dropped), (5, 6));
    assert_eq!(stats_core::health().archive_dropped - dropped_before, 6);
}

#[test]
fn shutdown_delivers_everything_queued() {
    let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let recorder = Recorder::default();
    let archiver = Archiver::builder()
        .sink(recorder.clone())
        .workers(1)
        .build()
        .expect("the archiver starts");
    let table = Seq::table();
    for seq in 1..=500 {
        archiver.submit(&snapshot_numbered(&table, seq));
    }
    let stats = archiver.shutdown();
    assert_eq!(stats[0].delivered, 500);
    assert_eq!(recorder.seen(), (1..=500).collect::<Vec<_>>());
}

/// Takes a minute over each write: for these tests, a sink that never
/// returns.
struct Stuck;

impl Sink for Stuck {
    fn write(&self, _: &TableSnapshot) -> Result<(), SinkError> {
        std::thread::sleep(Duration::from_secs(60));
        Ok(())
    }
}

/// Panics in `flush`.
struct PanicOnFlush(Recorder);

impl Sink for PanicOnFlush {
    fn write(&self, snapshot: &TableSnapshot) -> Result<(), SinkError> {
        self.0.write(snapshot)
    }

    fn flush(&self) -> Result<(), SinkError> {
        panic!("a flush with a bug");
    }
}

/// Counts its flushes.
#[derive(Clone, Default)]
struct Flushes(Arc<Mutex<u32>>);

impl Sink for Flushes {
    fn write(&self, _: &TableSnapshot) -> Result<(), SinkError> {
        Ok(())
    }

    fn flush(&self) -> Result<(), SinkError> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        Ok(())
    }
}

/// Found by the adversary: a sink that never returns hung the shutdown; a
/// flush that panicked made the shutdown panic and skipped the other
/// sinks' flushes.
#[test]
fn shutdown_is_bounded_and_survives_a_panicking_flush() {
    let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let errors_before = stats_core::health().sink_errors;
    let flushes = Flushes::default();
    let recorder = Recorder::default();
    let archiver = Archiver::builder()
        .sink(Stuck)
        .sink(PanicOnFlush(recorder.clone()))
        .sink(flushes.clone())
        .sink_timeout(Duration::from_secs(120))
        .shutdown_timeout(Duration::from_millis(500))
        .build()
        .expect("the archiver starts");
    let table = Seq::table();
    for seq in 1..=5 {
        archiver.submit(&snapshot_numbered(&table, seq));
    }
    let begun = std::time::Instant::now();
    let stats = archiver.shutdown();
    // Bounded by the timeout, not by the stuck sink's minute (a generous
    // margin: this is a liveness check, not a speed one).
    assert!(begun.elapsed() < Duration::from_secs(30));
    assert_eq!(recorder.seen(), [1, 2, 3, 4, 5]);
    assert_eq!(*flushes.0.lock().unwrap_or_else(PoisonError::into_inner), 1);
    // The stuck sink took the first snapshot and never came back: the
    // other four are dropped, and nothing is unaccounted for.
    assert_eq!(stats[0].delivered + stats[0].failed, 0);
    assert_eq!(stats[0].dropped, 4);
    assert_eq!(stats_core::health().sink_errors - errors_before, 1);
}

/// Found by the adversary: with a sink timeout of `Duration::MAX`, errors
/// never opened the breaker.
#[test]
fn errors_open_the_breaker_whatever_the_timeout() {
    let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let archiver = Archiver::builder()
        .sink(Failing)
        .sink_timeout(Duration::MAX)
        .cool_down(Duration::from_secs(600))
        .queue_capacity(usize::MAX) // clamped, not an allocation failure
        .workers(usize::MAX) // clamped too
        .build()
        .expect("the archiver starts");
    let table = Seq::table();
    for seq in 1..=10 {
        archiver.submit(&snapshot_numbered(&table, seq));
    }
    let stats = archiver.shutdown();
    assert_eq!((stats[0].failed, stats[0].skipped), (3, 7));
}

/// A table of no series: nothing of it can clash by name.
#[derive(StatTable, Debug, Default)]
struct Empty {}

/// Found by the adversary: a `Publication` took tables whose names clash
/// (its output then failed promtool) and told two instances of one struct
/// apart by name only; an empty table could be registered twice; a
/// counter `x` beside a gauge `x_created` broke strict OpenMetrics parsers.
#[test]
fn publications_and_registries_refuse_clashes_and_repeats() {
    use stats_core::{Publication, RegisterError, Registry};

    let (first, second) = (Seq::table(), Seq::table());
    first.seq().add(100);
    second.seq().add(1);
    let publication = Publication::new();
    publication
        .write(&TableSnapshot::of(&first, Duration::from_secs(1)))
        .expect("the first table");
    let clash = publication.write(&TableSnapshot::of(&second, Duration::from_secs(1)));
    assert!(clash.is_err(), "a second Seq table clashes by name");
    first.seq().inc();
    publication
        .write(&TableSnapshot::of(&first, Duration::from_secs(1)))
        .expect("the first table again");
    let text = publication.encode_text();
    assert!(text.contains("\nseq_total 101\n"), "{text}");
    assert_eq!(text.matches("# TYPE seq_total counter").count(), 1);

    let registry = Registry::new();
    let empty: &'static EmptyTable = Box::leak(Box::new(Empty::table()));
    registry.register(empty).expect("the first time");
    assert_eq!(
        registry.register(empty),
        Err(RegisterError::AlreadyRegistered { table: "Empty" })
    );
    let another: &'static EmptyTable = Box::leak(Box::new(Empty::table()));
    registry
        .register(another)
        .expect("another instance has no names to clash");

    #[derive(StatTable, Debug, Default)]
    struct Created {
        /// A counter.
        x: u64,
        /// A gauge named as OpenMetrics names the counter's creation time.
        #[stat(gauge)]
        x_created: i64,
    }
    let created = Arc::new(Created::table());
    assert!(matches!(
        registry.register(created),
        Err(RegisterError::DuplicateName { .. })
    ));
}
