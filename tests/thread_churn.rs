//! Threads that come and go: their rows pass to later threads with their
//! values, so totals stay exact and memory stays bounded. This file holds one
//! test so no other test's threads hold rows while it counts them.

use stats_core::StatTable;

/// One counter, bumped once by each short-lived thread.
#[derive(StatTable, Debug, Default)]
struct Visits {
    /// Visits counted.
    count: u64,
}

/// 10^4 threads that each increment once and exit, at most `ALIVE` at a time:
/// the total is exact and the rows stay bounded by the threads alive at once.
#[test]
fn ten_thousand_short_lived_threads() {
    const THREADS: u64 = 10_000;
    const ALIVE: u64 = 4;
    let table = Visits::table();
    let mut max_rows = 0;
    for _ in 0..THREADS / ALIVE {
        std::thread::scope(|s| {
            for _ in 0..ALIVE {
                s.spawn(|| table.count().inc());
            }
        });
        max_rows = max_rows.max(table.shard_count());
    }
    assert_eq!(table.snapshot().count, THREADS);
    // Slots are the smallest free numbers, so at most ALIVE + 1 (this thread
    // and the harness may hold one) are live, and rows are allocated in
    // buckets of doubling size: fewer than twice that many rows.
    let bound = 2 * (usize::try_from(ALIVE).unwrap() + 1);
    assert!(
        max_rows > 0 && max_rows < bound,
        "{max_rows} rows for {ALIVE} live threads"
    );
}
