//! A hostile key stream: 10^7 distinct keys into an open key set of 1,024.
//! Nothing panics, the first 1,024 keys get their counters and every other
//! increment is overflow, and the memory the table holds is fixed by its
//! capacity when it is built: it does not grow with the keys thrown at it.
//!
//! This is its own test binary because it installs a counting global
//! allocator, and it has one test so that nothing else allocates on the
//! measured thread. `--nocapture` prints the measured figures.

use stats_core::{Keyed, StatTable};
use std::fmt::Write as _;
use std::time::Instant;

use stats_tests::counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// One open keyed field of the default key length limit (112 bytes).
#[derive(StatTable, Debug, Default)]
struct Hostile {
    /// Requests by client-chosen key.
    #[stat(keyed(capacity = 1024))]
    by_client: Keyed<String>,
}

const CAPACITY: usize = 1024;
const MAX_KEY_LEN: usize = 112;
const KEYS: u64 = 10_000_000;
const EARLY: u64 = 100_000;

/// The bytes one key store takes, from `stats-core/src/keyed/store.rs`:
///
/// * entries: each `8 * (1 + ceil(max_key_len / 8))` bytes: the key's
///   length and the key, 8 bytes a word (120 bytes for 112-byte keys);
/// * the hash index: `next_power_of_two(2 * capacity)` cells of 8 bytes;
/// * the free list: crossbeam's `ArrayQueue<u32>` of `capacity` slots,
///   each a `usize` stamp and the `u32`, 16 bytes.
///
/// For capacity 1,024 and 112-byte keys: 122,880 + 16,384 + 16,384 =
/// 155,648 bytes.
fn key_store_bytes(capacity: usize, max_key_len: usize) -> usize {
    let entry = 8 * (1 + max_key_len.div_ceil(8));
    let cells = (2 * capacity).next_power_of_two();
    capacity * entry + 8 * cells + 16 * capacity
}

/// The field's counts once `keys` entries were written by one thread, from
/// `stats-core/src/keyed/stripes.rs`: one stripe's chunks of 64 counts (512
/// bytes each) that the entries fall in, plus every stripe's table of
/// chunk slots (24 bytes a slot, at most 9 stripes) in each of the two
/// generations.
fn counts_bytes(capacity: usize, keys: usize) -> usize {
    keys.div_ceil(64) * 512 + 2 * 9 * (256 + 24 * capacity.div_ceil(64))
}

/// The table's parts that depend on neither the capacity nor the keys,
/// with room to spare: the open field's state in a boxed slice (two key
/// stores' structs, with crossbeam's `ArrayQueue` padding its head and tail
/// to 128 bytes each), the reset baseline.
const FIXED_BYTES: usize = 4096;

/// `Hostile`'s counter slots: one, its field's overflow.
const COUNTER_SLOTS: usize = 1;

/// A thread's row of the table's counters: `CachePadded<Shard<N>>`, a
/// sequence word and `N` counters rounded up to 128 bytes.
const ROW_BYTES: usize = (8 + 8 * COUNTER_SLOTS).next_multiple_of(128);

#[test]
fn ten_million_distinct_keys_into_1024_slots() {
    // The key buffer is allocated before measuring and reused, so the loop
    // itself allocates nothing.
    let mut key = String::with_capacity(64);
    // Per-thread state that every table shares (this thread's row slot,
    // arc-swap's debt list for the reset baseline) is set up before
    // measuring: it belongs to the thread, not to the table.
    {
        let warm_up = Hostile::table();
        warm_up.by_client().inc("warm-up");
        let _ = warm_up.snapshot();
    }

    counting::start();
    let table = Hostile::table();
    let built = counting::usage();
    let began = Instant::now();
    let mut early = None;
    for i in 0..KEYS {
        key.clear();
        write!(key, "hostile-{i}").unwrap();
        table.by_client().inc(&key);
        if i + 1 == EARLY {
            early = Some(counting::usage());
        }
    }
    let elapsed = began.elapsed();
    let after = counting::usage();
    let early = early.expect("measured after 10^5 keys");

    let rows = table.shard_count();
    // Two generations of keys (a clear empties one while writers use the
    // other), the counts of the keys written, and the writing threads' rows
    // of the table's counters (`rows` is below twice the most writing
    // threads alive at once; here one thread wrote).
    let bound = 2 * key_store_bytes(CAPACITY, MAX_KEY_LEN)
        + counts_bytes(CAPACITY, CAPACITY)
        + rows * ROW_BYTES
        + FIXED_BYTES;
    println!(
        "keyed_hostile: {KEYS} distinct keys into capacity {CAPACITY} in {:.2?} ({:.0} ns/key)",
        elapsed,
        elapsed.as_nanos() as f64 / KEYS as f64
    );
    println!(
        "keyed_hostile: built:        net {} B, peak {} B, {} allocations",
        built.net, built.peak, built.allocations
    );
    println!(
        "keyed_hostile: after 10^5:   net {} B, peak {} B, {} allocations",
        early.net, early.peak, early.allocations
    );
    println!(
        "keyed_hostile: after 10^7:   net {} B, peak {} B, {} allocations",
        after.net, after.peak, after.allocations
    );
    println!(
        "keyed_hostile: bound {bound} B = 2 x key store {} B + counts {} B + {rows} row(s) x {ROW_BYTES} B + fixed {FIXED_BYTES} B; memory_bytes() {} B",
        key_store_bytes(CAPACITY, MAX_KEY_LEN),
        counts_bytes(CAPACITY, CAPACITY),
        table.memory_bytes()
    );

    // Memory: fixed at construction, within the bound, and not one byte
    // or allocation more for the next 9.9 million keys.
    assert!(after.net <= bound, "net {} B > bound {bound} B", after.net);
    assert!(
        after.peak <= bound,
        "peak {} B > bound {bound} B",
        after.peak
    );
    assert!(
        built.net >= 2 * key_store_bytes(CAPACITY, MAX_KEY_LEN),
        "the key stores are allocated when the table is built: {built:?}"
    );
    assert_eq!(after, early, "memory grew between 10^5 and 10^7 keys");
    // The table's own account of its memory is what the allocator saw,
    // plus the table's struct itself, which lives where the caller put it.
    let reported = table.memory_bytes();
    assert!(
        reported >= after.net && reported - after.net <= FIXED_BYTES,
        "memory_bytes() {reported} B, allocated {} B",
        after.net
    );
    assert_eq!(rows, 1, "one writing thread, one row");

    // Counts: the first 1,024 keys got their own counters, once each.
    assert_eq!(table.by_client().len(), CAPACITY);
    assert_eq!(table.by_client().overflow(), KEYS - CAPACITY as u64);
    let snap = table.snapshot().by_client;
    assert_eq!(snap.len(), CAPACITY);
    assert_eq!(snap.overflow(), KEYS - CAPACITY as u64);
    assert_eq!(snap.total(), KEYS);
    assert!(snap.iter().all(|(_, n)| n == 1));
    for i in 0..CAPACITY {
        assert_eq!(snap.get(format!("hostile-{i}").as_str()), Some(1));
    }
    assert_eq!(snap.get(format!("hostile-{CAPACITY}").as_str()), None);
    // A stored key still counts under its own name.
    table.by_client().inc("hostile-7");
    assert_eq!(table.by_client().get("hostile-7"), Some(2));
}
