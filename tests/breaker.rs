//! The circuit breaker on a table's write path, driven by an injected
//! clock: a sampled write is slow when the clock moves a lot while it runs.
//! The tests of this file run one at a time (they share the global breaker
//! and the health table).

use stats_core::{Breaker, BreakerConfig, BreakerState, Clock, StatTable, health};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// One counter.
#[derive(StatTable, Debug, Default)]
struct Writes {
    /// Writes counted.
    done: u64,
}

/// A clock that moves `step` every time it is read: with a step above the
/// slow-write threshold every timed write is slow, with a step of 0 every
/// one is healthy. `advance` moves it by hand.
struct TestClock {
    nanos: AtomicU64,
    step: AtomicU64,
}

impl TestClock {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            nanos: AtomicU64::new(0),
            step: AtomicU64::new(0),
        })
    }

    fn writes_take(&self, duration: Duration) {
        self.step.store(
            u64::try_from(duration.as_nanos()).unwrap(),
            Ordering::SeqCst,
        );
    }

    fn advance(&self, duration: Duration) {
        self.nanos.fetch_add(
            u64::try_from(duration.as_nanos()).unwrap(),
            Ordering::SeqCst,
        );
    }
}

impl Clock for TestClock {
    fn now(&self) -> Duration {
        let step = self.step.load(Ordering::SeqCst);
        Duration::from_nanos(self.nanos.fetch_add(step, Ordering::SeqCst))
    }
}

fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

const CONFIG: BreakerConfig = BreakerConfig {
    slow_write: Duration::from_millis(10),
    trip_after: 3,
    cool_down: Duration::from_secs(1),
    probes: 4,
};

/// A counter is sampled each time it crosses a multiple of 1,024.
const SAMPLE_EVERY: u64 = 1024;

fn table_on(clock: &Arc<TestClock>) -> WritesTable {
    WritesTable::with_breaker(Breaker::with_clock(
        CONFIG,
        Arc::clone(clock) as Arc<dyn Clock>,
    ))
}

#[test]
fn trips_on_exactly_the_third_slow_sample_then_drops_and_counts() {
    let _serial = serial();
    let clock = TestClock::new();
    let table = table_on(&clock);
    clock.writes_take(Duration::from_millis(20));
    let before = health();
    // Two samples (at 1,024 and 2,048): closed.
    for _ in 0..2 * SAMPLE_EVERY {
        table.done().inc();
    }
    assert_eq!(table.breaker().state(), BreakerState::Closed);
    // Up to the third sample, exclusive: still closed.
    for _ in 0..SAMPLE_EVERY - 1 {
        table.done().inc();
    }
    assert_eq!(table.breaker().state(), BreakerState::Closed);
    // The write that makes the third sample opens it (the write itself
    // counts: it ran before it was timed).
    table.done().inc();
    // The clock stops: while open, reading it (to see whether the cool-down
    // has passed) moves it no further.
    clock.writes_take(Duration::ZERO);
    assert_eq!(table.breaker().state(), BreakerState::Open);
    assert_eq!(table.done().get(), 3 * SAMPLE_EVERY);
    assert_eq!(health().breaker_trips - before.breaker_trips, 1);

    // Open: every write dropped and counted, exactly.
    let blocked = health().write_blocked;
    for _ in 0..777 {
        table.done().inc();
    }
    assert_eq!(table.done().get(), 3 * SAMPLE_EVERY);
    assert_eq!(health().write_blocked - blocked, 777);
}

#[test]
fn half_opens_after_the_cool_down_and_recovers_or_reopens() {
    let _serial = serial();
    let clock = TestClock::new();
    let table = table_on(&clock);
    table.breaker().close();
    clock.writes_take(Duration::from_millis(20));
    for _ in 0..3 * SAMPLE_EVERY {
        table.done().inc();
    }
    clock.writes_take(Duration::ZERO);
    assert_eq!(table.breaker().state(), BreakerState::Open);

    // Before the cool-down (1 s from the trip): still open.
    clock.advance(Duration::from_millis(900));
    assert_eq!(table.breaker().state(), BreakerState::Open);
    // After it: half-open; a slow probe opens it again.
    clock.advance(Duration::from_millis(200));
    assert_eq!(table.breaker().state(), BreakerState::HalfOpen);
    clock.writes_take(Duration::from_millis(20));
    let trips = health().breaker_trips;
    table.done().inc(); // a probe, counted, slow
    clock.writes_take(Duration::ZERO);
    assert_eq!(table.breaker().state(), BreakerState::Open);
    assert_eq!(health().breaker_trips - trips, 1);
    assert_eq!(table.done().get(), 3 * SAMPLE_EVERY + 1);

    // A new cool-down, then healthy probes: closed after exactly 4.
    clock.advance(Duration::from_millis(1100));
    for probe in 1..=4 {
        assert_eq!(
            table.breaker().state(),
            BreakerState::HalfOpen,
            "probe {probe}"
        );
        table.done().inc();
    }
    assert_eq!(table.breaker().state(), BreakerState::Closed);
    assert_eq!(table.done().get(), 3 * SAMPLE_EVERY + 5);
}

#[test]
fn manual_switches_per_table_and_global() {
    let _serial = serial();
    let table = Writes::table();
    let other = Writes::table();
    table.breaker().open();
    let blocked = health().write_blocked;
    table.done().inc();
    other.done().inc();
    assert_eq!((table.done().get(), other.done().get()), (0, 1));
    table.breaker().close();
    table.done().inc();
    assert_eq!(table.done().get(), 1);

    Breaker::global().open();
    assert_eq!(health().breaker_state, 1);
    table.done().inc();
    other.done().add(5);
    Breaker::global().close();
    assert_eq!(health().breaker_state, 0);
    assert_eq!((table.done().get(), other.done().get()), (1, 1));
    assert_eq!(health().write_blocked - blocked, 3);
    other.done().inc();
    assert_eq!(other.done().get(), 2);
}

/// 8 threads write across a trip (the global switch, opened and closed
/// while they run) and a table breaker's trip and recovery: what the table
/// counted plus what was blocked is what was attempted, exactly.
#[test]
fn counted_plus_blocked_is_attempted_across_trips() {
    let _serial = serial();
    let clock = TestClock::new();
    let table = table_on(&clock);
    let before = health().write_blocked;
    const PER_THREAD: u64 = 200_000;
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..PER_THREAD {
                    table.done().inc();
                }
            });
        }
        s.spawn(|| {
            for round in 0..50 {
                std::thread::sleep(Duration::from_micros(200));
                if round % 2 == 0 {
                    Breaker::global().open();
                    clock.writes_take(Duration::from_millis(20));
                } else {
                    Breaker::global().close();
                    clock.writes_take(Duration::ZERO);
                    clock.advance(Duration::from_secs(2));
                }
            }
            Breaker::global().close();
        });
    });
    let blocked = health().write_blocked - before;
    let counted = table.done().get();
    println!("counted {counted}, blocked {blocked}");
    assert_eq!(counted + blocked, 8 * PER_THREAD);
    assert!(blocked > 0);
}
