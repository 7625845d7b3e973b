//! Clears racing writers: an increment lands whole on its own key, before
//! or after each clear, never on a key that took over its entry.
//!
//! Each writer thread owns one key and always adds its own weight,
//! `1000^t` for key `t`: a count that is not a multiple of its key's weight,
//! or a key nobody wrote, means an increment landed on the wrong entry. The key set is small (capacity 4 for 4 keys), so every clear
//! frees entries that the next inserts reuse, the case a lost race would
//! corrupt.

use stats_core::{Keyed, StatTable};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(StatTable, Debug, Default)]
struct Racing {
    /// Increments by writer.
    #[stat(keyed(capacity = 4))]
    by_writer: Keyed<String>,
}

const WRITERS: u32 = 3;

fn weight(writer: u32) -> u64 {
    1000u64.pow(writer)
}

fn check(snapshot: &Keyed<String>, when: &str) {
    assert_eq!(snapshot.overflow(), 0, "{when}: nothing overflows 4 slots");
    for (key, count) in snapshot.iter() {
        let writer: u32 = key
            .strip_prefix("writer-")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{when}: a key nobody wrote: {key:?}"));
        assert!(writer < WRITERS, "{when}: a key nobody wrote: {key:?}");
        assert_eq!(
            count % weight(writer),
            0,
            "{when}: {key} has {count}, not a multiple of its weight {}",
            weight(writer)
        );
    }
}

#[test]
fn increments_never_land_on_another_key_across_clears() {
    let table = Racing::table();
    let stop = AtomicBool::new(false);
    let clears = std::thread::scope(|s| {
        for writer in 0..WRITERS {
            let (table, stop) = (&table, &stop);
            s.spawn(move || {
                let key = format!("writer-{writer}");
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..64 {
                        table.by_writer().add(&key, weight(writer));
                    }
                }
            });
        }
        let mut clears = 0;
        for round in 0..2_000 {
            table.by_writer().clear();
            clears += 1;
            if round % 10 == 0 {
                check(&table.snapshot().by_writer, "during the race");
                check(&table.by_writer().snapshot(), "during the race (field)");
            }
        }
        stop.store(true, Ordering::Relaxed);
        clears
    });
    assert_eq!(table.version(), clears);
    check(&table.snapshot().by_writer, "after the race");

    // With no clear racing, counts after a clear are exact.
    table.by_writer().clear();
    std::thread::scope(|s| {
        for writer in 0..WRITERS {
            let table = &table;
            s.spawn(move || {
                let key = format!("writer-{writer}");
                for _ in 0..10_000 {
                    table.by_writer().add(&key, weight(writer));
                }
            });
        }
    });
    let snapshot = table.snapshot().by_writer;
    for writer in 0..WRITERS {
        assert_eq!(
            snapshot.get(format!("writer-{writer}").as_str()),
            Some(10_000 * weight(writer))
        );
    }
    assert_eq!(snapshot.len(), WRITERS as usize);
}

#[test]
fn clears_from_many_threads_at_once_keep_the_field_whole() {
    let table = Racing::table();
    std::thread::scope(|s| {
        for writer in 0..WRITERS {
            let table = &table;
            s.spawn(move || {
                let key = format!("writer-{writer}");
                for round in 0..2_000 {
                    table.by_writer().add(&key, weight(writer));
                    if round % 4 == 0 {
                        table.by_writer().clear();
                    }
                }
            });
        }
    });
    check(&table.snapshot().by_writer, "after concurrent clears");
    assert_eq!(table.version(), u64::from(WRITERS) * 500);
    // The field still works: each key gets its own entry again.
    for writer in 0..WRITERS {
        table
            .by_writer()
            .add(&format!("writer-{writer}"), weight(writer));
    }
    assert!(table.by_writer().len() <= WRITERS as usize);
    check(&table.snapshot().by_writer, "after the last adds");
}
