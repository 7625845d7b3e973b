//! Snapshots with a deadline: a snapshot that misses its deadline returns the
//! last published one, marked stale; published snapshots only move forward.

use stats_core::{Keyed, StatTable};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Counters, a gauge and an open keyed field.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
struct Orders {
    /// Orders created.
    created: u64,
    /// Orders failed.
    failed: u64,
    /// Orders in flight.
    #[stat(gauge)]
    in_flight: i64,
    /// Orders by region.
    #[stat(keyed(capacity = 16))]
    by_region: Keyed<String>,
}

#[test]
fn a_missed_deadline_returns_the_last_published_snapshot_marked_stale() {
    let table = Orders::table();
    table.created().add(5);
    table.by_region().inc("eu");
    let published = table.snapshot();
    table.created().add(100);
    table.by_region().inc("us");

    // A deadline already past: the reader gives up before the first row.
    let stale = table.snapshot_within(Duration::ZERO);
    assert!(stale.is_stale());
    assert_eq!(*stale, published);

    // The next one that has time is fresh, and is published in turn.
    let fresh = table.snapshot_within(Duration::from_secs(10));
    assert!(!fresh.is_stale());
    assert_eq!(fresh.created, 105);
    assert_eq!(fresh.by_region.get("us"), Some(1));
    let stale_again = table.snapshot_within(Duration::ZERO);
    assert!(stale_again.is_stale());
    assert_eq!(*stale_again, *fresh);
    assert!(stale_again.age() >= Duration::ZERO);
}

#[test]
fn a_table_never_snapshotted_falls_back_to_how_it_was_built() {
    let table = Orders::table();
    table.created().add(7);
    table.in_flight().set(3);
    let stale = table.snapshot_within(Duration::ZERO);
    assert!(stale.is_stale());
    assert_eq!(*stale, Orders::default());
}

/// A reader taking `snapshot_within` in a loop, with deadlines that make
/// some of its snapshots stale, while 4 writers run: no counter it sees
/// ever goes backwards, and `failed <= created` holds in every one.
#[test]
fn a_reader_never_sees_a_counter_go_backwards() {
    let table = Orders::table();
    let stop = AtomicBool::new(false);
    let (stale, fresh) = std::thread::scope(|s| {
        for writer in 0..4 {
            let (table, stop) = (&table, &stop);
            s.spawn(move || {
                let region = ["eu", "us", "ap", "sa"][writer];
                while !stop.load(Ordering::Relaxed) {
                    table.add(&Orders {
                        created: 1,
                        failed: 1,
                        ..Orders::default()
                    });
                    table.created().inc();
                    table.by_region().inc(region);
                }
            });
        }
        let (mut stale, mut fresh) = (0u64, 0u64);
        let mut last = Orders::default();
        let deadlines = [
            Duration::ZERO,
            Duration::from_micros(1),
            Duration::from_secs(1),
        ];
        for round in 0..30_000 {
            let snapshot = table.snapshot_within(deadlines[round % deadlines.len()]);
            if snapshot.is_stale() {
                stale += 1;
            } else {
                fresh += 1;
            }
            assert!(
                snapshot.created >= last.created,
                "{:?} after {last:?}",
                *snapshot
            );
            assert!(
                snapshot.failed >= last.failed,
                "{:?} after {last:?}",
                *snapshot
            );
            assert!(snapshot.failed <= snapshot.created);
            for (region, count) in last.by_region.iter() {
                assert!(snapshot.by_region.get(region.as_str()).unwrap_or(0) >= count);
            }
            last = snapshot.into_inner();
        }
        stop.store(true, Ordering::Relaxed);
        (stale, fresh)
    });
    println!("{fresh} fresh, {stale} stale");
    assert!(stale > 0 && fresh > 0);
}

/// Several readers at once: whatever each is served, the published
/// snapshot only moves forward, so a stale one is never behind an earlier
/// stale one.
#[test]
fn stale_snapshots_only_move_forward_with_concurrent_readers() {
    let table = Orders::table();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                table.created().inc();
            }
        });
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let _ = table.snapshot();
                }
            });
        }
        let mut last = 0;
        for _ in 0..20_000 {
            let stale = table.snapshot_within(Duration::ZERO);
            if stale.is_stale() {
                assert!(stale.created >= last, "{} after {last}", stale.created);
                last = stale.created;
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
}

/// Found by the adversary: a fresh read that overlapped another reader's
/// was returned but not published, so a later stale call fell back to an
/// older published one and showed a lower counter. Calls that do not
/// overlap must never go backwards, whatever their deadlines.
#[test]
fn calls_that_follow_each_other_never_go_backwards_across_threads() {
    use std::time::Instant;
    let table = Orders::table();
    let stop = AtomicBool::new(false);
    let origin = Instant::now();
    let calls: Vec<(Duration, Duration, u64)> = std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    table.created().inc();
                }
            });
        }
        // Each reader alternates a read with time to complete and one
        // whose deadline has passed; the readers overlap one another.
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let table = &table;
                s.spawn(move || {
                    (0..20_000)
                        .map(|i| {
                            let within = if i % 2 == 0 {
                                Duration::from_secs(5)
                            } else {
                                Duration::ZERO
                            };
                            let began = origin.elapsed();
                            let created = table.snapshot_within(within).created;
                            (began, origin.elapsed(), created)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let calls = readers
            .into_iter()
            .flat_map(|r| r.join().expect("a reader"))
            .collect();
        stop.store(true, Ordering::Relaxed);
        calls
    });
    // For each call, the most any call that ended before it began showed.
    let mut by_end = calls.clone();
    by_end.sort_by_key(|(_, ended, _)| *ended);
    let mut by_start = calls;
    by_start.sort_by_key(|(began, _, _)| *began);
    let (mut most, mut next) = (0, 0);
    let mut backwards = 0;
    for (began, _, shown) in &by_start {
        while next < by_end.len() && by_end[next].1 < *began {
            most = most.max(by_end[next].2);
            next += 1;
        }
        if *shown < most {
            backwards += 1;
        }
    }
    assert_eq!(
        backwards, 0,
        "calls showed less than a call that ended before they began"
    );
}
