//! The library's own health table: each counter moves when its event
//! happens, by exactly the number of events. One test, so that no other
//! test of this binary moves the process-wide table meanwhile.

use stats_core::{KeyLabel, Keyed, StatKey, StatTable, health};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

/// An open keyed field of one key, a closed one, a plain counter.
#[derive(StatTable, Debug, Default)]
struct Probe {
    /// A counter.
    hits: u64,
    /// One key at most.
    #[stat(keyed(capacity = 1))]
    by_key: Keyed<String>,
    /// A key set whose `ALL` leaves one variant out.
    by_kind: Keyed<Kind>,
}

/// A hand-written key set that leaves `Missing` out of `ALL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Listed,
    Missing,
}

impl KeyLabel for Kind {
    fn label(&self) -> &str {
        match self {
            Self::Listed => "listed",
            Self::Missing => "missing",
        }
    }
}

impl StatKey for Kind {
    const ALL: &'static [Self] = &[Self::Listed];
    const LABELS: &'static [&'static str] = &["listed"];
    fn index(self) -> usize {
        0
    }
}

#[test]
fn every_health_counter_moves_by_exactly_its_events() {
    let table = Probe::table();

    // Keyed overflow: a second key into a field of one, a key too long,
    // a closed key outside `ALL`; a key already held is no overflow.
    let before = health();
    table.by_key().inc("first");
    table.by_key().inc("second");
    table.by_key().inc("first");
    table.by_key().add(&"x".repeat(1000), 3);
    table.by_kind().inc(Kind::Missing);
    table.by_kind().inc(Kind::Listed);
    assert_eq!(health().keyed_overflow - before.keyed_overflow, 3);

    // Stale iterators: three `try_next` errors and one panic.
    let before = health();
    let mut iter = table.iter();
    let mut keyed = table.by_kind().iter();
    table.reset();
    assert!(iter.try_next().is_err());
    assert!(iter.try_next().is_err());
    assert!(keyed.try_next().is_err());
    let panicked = catch_unwind(AssertUnwindSafe(|| iter.next()));
    assert!(panicked.is_err());
    assert_eq!(health().stale_iterator - before.stale_iterator, 4);

    // Snapshot timeouts: a deadline already past, five times; a fresh
    // snapshot is no timeout.
    table.hits().inc();
    let before = health();
    for _ in 0..5 {
        assert!(table.snapshot_within(Duration::ZERO).is_stale());
    }
    assert!(!table.snapshot_within(Duration::from_secs(10)).is_stale());
    assert_eq!(health().snapshot_timeout - before.snapshot_timeout, 5);

    // Row copies retried: a reader that catches a writer mid-write copies
    // again; how often is up to the scheduler, but it moves, and only then.
    let before = health();
    let quiet = Probe::table();
    quiet.hits().inc();
    for _ in 0..1000 {
        let _ = quiet.snapshot();
    }
    let after_quiet = health();
    assert_eq!(after_quiet.snapshot_retries, before.snapshot_retries);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                table.hits().inc();
            }
        });
        while health().snapshot_retries == after_quiet.snapshot_retries {
            let _ = table.snapshot();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}
