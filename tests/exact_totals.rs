//! Concurrency with exact totals: nothing lost, nothing counted twice, and
//! every snapshot and delta consistent.

use stats_core::StatTable;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};

/// A table exercised by every kind of write.
#[derive(StatTable, Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Mixed {
    /// Bumped by the accessor.
    a: u64,
    /// Bumped by `add_to`.
    b: u64,
    /// Bumped by `inc(field)`.
    c: u64,
    /// Moved up and down in pairs.
    #[stat(gauge)]
    level: i64,
}

fn add(total: &mut Mixed, step: Mixed) {
    total.a = total.a.wrapping_add(step.a);
    total.b = total.b.wrapping_add(step.b);
    total.c = total.c.wrapping_add(step.c);
    total.level = total.level.wrapping_add(step.level);
}

const WRITERS: usize = 8;
const OPS_PER_WRITER: u64 = 1_000_000;

/// 8 threads x 10^6 mixed increments, while one thread takes snapshots and two
/// cursors take deltas without pause: final snapshot = expected = the sum of
/// each cursor's deltas.
#[test]
fn eight_writers_two_cursors_one_snapshotter() {
    let table = Mixed::table();
    let writers_done = AtomicBool::new(false);
    let start = Barrier::new(WRITERS + 3);

    let (expected, cursor_sums, snapshots) = std::thread::scope(|s| {
        let cursors: Vec<_> = (0..2)
            .map(|_| {
                let (table, start, done) = (&table, &start, &writers_done);
                s.spawn(move || {
                    let mut cursor = table.cursor();
                    let mut sum = Mixed::default();
                    let mut deltas = 0u64;
                    start.wait();
                    while !done.load(Ordering::Acquire) {
                        add(&mut sum, cursor.delta());
                        deltas += 1;
                    }
                    add(&mut sum, cursor.delta());
                    (sum, deltas)
                })
            })
            .collect();
        let snapshotter = {
            let (table, start, done) = (&table, &start, &writers_done);
            s.spawn(move || {
                let mut previous = Mixed::default();
                let mut count = 0u64;
                start.wait();
                while !done.load(Ordering::Acquire) {
                    let snap = table.snapshot();
                    // Counters never go backwards between snapshots.
                    assert!(snap.a >= previous.a && snap.b >= previous.b && snap.c >= previous.c);
                    previous = snap;
                    count += 1;
                }
                count
            })
        };
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (table, start) = (&table, &start);
                s.spawn(move || {
                    let mut done = Mixed::default();
                    start.wait();
                    for i in 0..OPS_PER_WRITER {
                        match i % 5 {
                            0 => {
                                table.a().inc();
                                done.a += 1;
                            }
                            1 => {
                                table.add_to(MixedField::B, 3);
                                done.b += 3;
                            }
                            2 => {
                                table.inc(MixedField::C);
                                done.c += 1;
                            }
                            3 => {
                                let step = Mixed {
                                    a: 1,
                                    b: 2,
                                    c: 3,
                                    level: 0,
                                };
                                table.add(&step);
                                add(&mut done, step);
                            }
                            _ => {
                                table.level().inc();
                                table.level().dec();
                            }
                        }
                    }
                    done
                })
            })
            .collect();
        let mut expected = Mixed::default();
        for writer in writers {
            add(&mut expected, writer.join().unwrap());
        }
        writers_done.store(true, Ordering::Release);
        let cursor_sums: Vec<(Mixed, u64)> =
            cursors.into_iter().map(|c| c.join().unwrap()).collect();
        (expected, cursor_sums, snapshotter.join().unwrap())
    });

    let ops = WRITERS as u64 * OPS_PER_WRITER / 5;
    assert_eq!(
        expected,
        Mixed {
            a: 2 * ops,
            b: 5 * ops,
            c: 4 * ops,
            level: 0
        },
        "the writers' own tally"
    );
    assert_eq!(table.snapshot(), expected);
    for (sum, deltas) in cursor_sums {
        assert_eq!(sum, expected, "a cursor's deltas add up to the total");
        assert!(deltas > 1, "the cursor read while the writers wrote");
    }
    assert!(
        snapshots > 1,
        "the snapshotter read while the writers wrote"
    );
}

/// Orders with an invariant every writer keeps: `failed <= created`.
#[derive(StatTable, Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Orders {
    /// Orders created.
    created: u64,
    /// Orders failed: never more than created.
    failed: u64,
}

/// Writers bump `created` before `failed` (in one `add` step, or in two
/// separate increments), or only `created`; no snapshot (the table is never
/// reset) and no running sum of a cursor's deltas ever shows
/// `failed > created`.
#[test]
fn no_snapshot_or_delta_breaks_an_invariant_the_writers_keep() {
    const WRITERS: usize = 4;
    const STEPS: u64 = 500_000;
    let table = Orders::table();
    let done = AtomicBool::new(false);
    let mut expected_failed = 0u64;
    let start = Barrier::new(WRITERS + 2);
    std::thread::scope(|s| {
        let snapshotter = s.spawn(|| {
            let mut count = 0u64;
            start.wait();
            while !done.load(Ordering::Acquire) {
                let snap = table.snapshot();
                assert!(
                    snap.failed <= snap.created,
                    "snapshot broke the invariant: {snap:?}"
                );
                count += 1;
            }
            count
        });
        let deltas = s.spawn(|| {
            // Made before any write: the sum of its deltas is a state the
            // writers left, so the invariant holds in it. (A single delta
            // can split a writer's two separate increments.)
            let mut cursor = table.cursor();
            let mut sum = Orders::default();
            let mut count = 0u64;
            start.wait();
            while !done.load(Ordering::Acquire) {
                let delta = cursor.delta();
                sum.created += delta.created;
                sum.failed += delta.failed;
                assert!(
                    sum.failed <= sum.created,
                    "the sum of deltas broke the invariant: {sum:?}"
                );
                count += 1;
            }
            count
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                s.spawn(|| {
                    let mut failed = 0;
                    start.wait();
                    for i in 0..STEPS {
                        match i % 3 {
                            0 => {
                                table.add(&Orders {
                                    created: 1,
                                    failed: 1,
                                });
                                failed += 1;
                            }
                            1 => {
                                table.created().inc();
                                table.failed().inc();
                                failed += 1;
                            }
                            _ => table.created().inc(),
                        }
                    }
                    failed
                })
            })
            .collect();
        for writer in writers {
            expected_failed += writer.join().unwrap();
        }
        done.store(true, Ordering::Release);
        assert!(snapshotter.join().unwrap() > 1);
        assert!(deltas.join().unwrap() > 1);
    });
    let snap = table.snapshot();
    assert_eq!(snap.created, WRITERS as u64 * STEPS);
    assert_eq!(snap.failed, expected_failed);
    assert!(expected_failed > 0);
}

/// Resets while writers write: a cursor that spans them still sees every
/// increment exactly once, and a snapshot after the last reset shows only
/// what came after it.
#[test]
fn resets_never_lose_an_increment_for_cursors() {
    const WRITERS: usize = 4;
    const INCS: u64 = 300_000;
    let table = Orders::table();
    let mut cursor = table.cursor();
    let done = AtomicBool::new(false);
    let mut seen = 0u64;
    let start = Barrier::new(WRITERS + 1);
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    for _ in 0..INCS {
                        table.created().inc();
                    }
                })
            })
            .collect();
        let resetter = s.spawn(|| {
            let mut resets = 0u64;
            start.wait();
            loop {
                table.reset();
                resets += 1;
                if done.load(Ordering::Acquire) {
                    break resets;
                }
                std::thread::yield_now();
            }
        });
        while writers.iter().any(|w| !w.is_finished()) {
            seen += cursor.delta().created;
        }
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, Ordering::Release);
        assert!(resetter.join().unwrap() > 0);
    });
    seen += cursor.delta().created;
    assert_eq!(seen, WRITERS as u64 * INCS);
    table.reset();
    assert_eq!(table.snapshot(), Orders::default());
    table.created().add(5);
    assert_eq!(table.snapshot().created, 5);
    assert_eq!(cursor.delta().created, 5);
}

/// A gauge with a level the whole test keeps track of.
#[derive(StatTable, Debug, Default)]
struct Pool {
    /// Connections in use.
    #[stat(gauge)]
    in_use: i64,
}

/// Concurrent `inc`/`dec` pairs net to zero; `set` is visible in the next
/// snapshot.
#[test]
fn gauges_net_to_zero_and_set_is_visible() {
    let table = Pool::table();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..200_000 {
                    table.in_use().inc();
                    table.in_use().dec();
                    table.in_use().add(7);
                    table.in_use().add(-7);
                }
            });
        }
    });
    assert_eq!(table.snapshot().in_use, 0);
    table.in_use().set(42);
    assert_eq!(table.snapshot().in_use, 42);
    std::thread::spawn(|| ()).join().unwrap();
    let table = &table;
    std::thread::scope(|s| {
        s.spawn(move || table.in_use().set(-3));
    });
    assert_eq!(table.snapshot().in_use, -3);
}

/// Arithmetic wraps instead of panicking, in debug builds too.
#[test]
fn arithmetic_wraps_instead_of_panicking() {
    let orders = Orders::table();
    orders.created().add(u64::MAX);
    orders.created().add(2);
    assert_eq!(orders.snapshot().created, 1);
    orders.add_to(OrdersField::Failed, u64::MAX);
    orders.inc(OrdersField::Failed);
    assert_eq!(orders.snapshot().failed, 0);

    let pool = Pool::table();
    pool.in_use().set(i64::MAX);
    pool.in_use().inc();
    assert_eq!(pool.snapshot().in_use, i64::MIN);
    pool.in_use().dec();
    assert_eq!(pool.snapshot().in_use, i64::MAX);
    pool.add_to(PoolField::InUse, u64::MAX); // -1 as i64
    assert_eq!(pool.snapshot().in_use, i64::MAX - 1);
}
