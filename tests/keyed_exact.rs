//! Keyed fields under concurrency, with exact totals: every increment is
//! counted under its own key or as overflow, exactly once, and snapshots,
//! cursors and multi-field steps agree with what the writers did.

use stats_core::{Keyed, StatKey, StatTable};
use std::collections::{HashMap, HashSet};
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};

/// A closed key set of four variants.
#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Method {
    Card,
    Wallet,
    Cash,
    Transfer,
}

/// An open key set with room for every key the test uses.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
struct Regions {
    /// Requests by region.
    #[stat(keyed(capacity = 2048))]
    by_region: Keyed<String>,
}

/// An open key set much smaller than the keys thrown at it.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
struct Small {
    /// Requests by region.
    #[stat(keyed(capacity = 64))]
    by_region: Keyed<String>,
}

/// A plain counter, a closed and an open keyed field.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
struct Orders {
    /// Orders created.
    created: u64,
    /// Orders by payment method.
    by_method: Keyed<Method>,
    /// Orders by region.
    #[stat(keyed(capacity = 16))]
    by_region: Keyed<String>,
}

/// For the cursor test: fewer slots than keys, so overflow moves too.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
struct Tracked {
    /// Hits by path.
    #[stat(keyed(capacity = 128))]
    by_path: Keyed<String>,
}

fn key_name(k: usize) -> String {
    format!("region-{k:04}")
}

/// 8 threads increment the same 1,000 keys (each thread starting at a
/// different key, so they race to insert and to count every key), in
/// rounds of different amounts, into a key set of capacity 2,048.
#[test]
fn eight_threads_overlapping_keys_exact_per_key_counts() {
    const THREADS: usize = 8;
    const KEYS: usize = 1000;
    const ROUNDS: usize = 6;
    // What thread `t` adds to key `k` in round `r`: 1 to 5, varying with
    // all three so that a count landing on the wrong key shows.
    let amount = |t: usize, r: usize, k: usize| ((k * 7 + t * 3 + r) % 5 + 1) as u64;

    let keys: Vec<String> = (0..KEYS).map(key_name).collect();
    let table = Regions::table();
    let mut cursor = table.cursor();
    let start = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (table, keys, start) = (&table, &keys, &start);
            s.spawn(move || {
                start.wait();
                for r in 0..ROUNDS {
                    for i in 0..KEYS {
                        let k = (t * 125 + i) % KEYS;
                        let n = amount(t, r, k);
                        if r % 2 == 0 {
                            for _ in 0..n {
                                table.by_region().inc(&keys[k]);
                            }
                        } else {
                            table.by_region().add(&keys[k], n);
                        }
                    }
                }
            });
        }
    });

    let mut expected = vec![0u64; KEYS];
    for t in 0..THREADS {
        for r in 0..ROUNDS {
            for (k, count) in expected.iter_mut().enumerate() {
                *count += amount(t, r, k);
            }
        }
    }
    let expected_total: u64 = expected.iter().sum();
    assert_eq!(expected_total, 144_000, "the test's own tally");

    let snap = table.snapshot();
    for (k, &count) in expected.iter().enumerate() {
        assert_eq!(snap.by_region.get(&keys[k]), Some(count), "key {}", keys[k]);
        assert_eq!(
            table.by_region().get(&keys[k]),
            Some(count),
            "key {}",
            keys[k]
        );
    }
    assert_eq!(snap.by_region.len(), KEYS);
    assert_eq!(table.by_region().len(), KEYS);
    assert_eq!(snap.by_region.overflow(), 0);
    assert_eq!(table.by_region().overflow(), 0);
    assert_eq!(snap.by_region.total(), expected_total);
    // Stable order: strings by their bytes, which for these names is k.
    let order: Vec<&str> = snap.by_region.iter().map(|(k, _)| k.as_str()).collect();
    let sorted: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_eq!(order, sorted);
    // The store itself holds each key once (a snapshot would merge twins).
    let from_store: Vec<(String, u64)> = table.by_region().iter().collect();
    assert_eq!(from_store.len(), KEYS);
    let distinct: HashSet<&str> = from_store.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(distinct.len(), KEYS);
    // The cursor made before the threads started saw all of it.
    assert_eq!(cursor.delta(), snap);
    assert_eq!(cursor.delta(), Regions::default());
}

/// 4 threads race 1,000 distinct keys into 64 slots: exactly 64 keys get
/// their own counter, each once, and every increment is either under its
/// key or in the overflow.
#[test]
fn overflow_accounting_under_concurrency() {
    const THREADS: usize = 4;
    const KEYS: usize = 1000;
    const CAPACITY: usize = 64;
    let keys: Vec<String> = (0..KEYS).map(key_name).collect();
    let table = Small::table();
    let start = Barrier::new(THREADS);
    let per_thread: Vec<Vec<u64>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (table, keys, start) = (&table, &keys, &start);
                s.spawn(move || {
                    let mut made = vec![0u64; KEYS];
                    start.wait();
                    for round in 0..5 {
                        for i in 0..KEYS {
                            // Threads walk the keys in different orders.
                            let k = if t % 2 == 0 {
                                (t * 250 + i) % KEYS
                            } else {
                                (KEYS - 1 - i + t * 250) % KEYS
                            };
                            let n = (k + round) as u64 % 3 + 1;
                            table.by_region().add(&keys[k], n);
                            made[k] += n;
                        }
                    }
                    made
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let made: Vec<u64> = (0..KEYS)
        .map(|k| per_thread.iter().map(|m| m[k]).sum())
        .collect();
    let all: u64 = made.iter().sum();

    let snap = table.snapshot().by_region;
    assert_eq!(snap.len(), CAPACITY);
    assert_eq!(table.by_region().len(), CAPACITY);
    assert_eq!(table.by_region().capacity(), CAPACITY);
    let keyed_sum: u64 = snap.iter().map(|(_, n)| n).sum();
    assert_eq!(
        keyed_sum + snap.overflow(),
        all,
        "every increment counted once"
    );
    assert_eq!(snap.total(), all);
    assert_eq!(table.by_region().overflow(), snap.overflow());
    // No key counted under its own name more often than it was incremented.
    let index: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(k, name)| (name.as_str(), k))
        .collect();
    for (key, n) in snap.iter() {
        let k = index[key.as_str()];
        assert!(n <= made[k], "{key}: {n} > {} increments", made[k]);
        assert!(n > 0);
    }
    // The store holds each key once: 64 entries, 64 distinct keys, and the
    // same counts as the snapshot.
    let stored: Vec<(String, u64)> = table.by_region().iter().collect();
    assert_eq!(stored.len(), CAPACITY);
    let distinct: HashSet<&str> = stored.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(distinct.len(), CAPACITY);
    for (key, n) in &stored {
        assert_eq!(snap.get(key), Some(*n));
    }

    // Once full, exactly: one more pass adds 1 to each of the 64 stored
    // keys and 936 to the overflow.
    let mut cursor = table.cursor();
    for key in &keys {
        table.by_region().inc(key);
    }
    let delta = cursor.delta().by_region;
    assert_eq!(delta.len(), CAPACITY);
    assert!(
        delta
            .iter()
            .all(|(key, n)| n == 1 && snap.get(key).is_some())
    );
    assert_eq!(delta.overflow(), (KEYS - CAPACITY) as u64);
    assert_eq!(table.snapshot().by_region.total(), all + KEYS as u64);
}

/// 4 threads count a closed key set by `inc`, `add` and `table.add(&step)`
/// (whose step also carries open keys): exact per-variant and per-key
/// counts.
#[test]
fn closed_key_set_and_steps_are_exact() {
    const THREADS: usize = 4;
    const STEPS: usize = 200_000;
    const REGIONS: [&str; 3] = ["eu", "us", "ap"];
    let table = Orders::table();
    let mut cursor = table.cursor();
    let start = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (table, start) = (&table, &start);
            s.spawn(move || {
                start.wait();
                for i in 0..STEPS {
                    let method = Method::ALL[(i + t) % 4];
                    match i % 4 {
                        0 => table.by_method().inc(method),
                        1 => table.by_method().add(method, 3),
                        2 => table.add(&Orders {
                            created: 1,
                            by_method: [(method, 2), (Method::Cash, 1)].into_iter().collect(),
                            by_region: [(REGIONS[i % 3].to_owned(), 5)].into_iter().collect(),
                        }),
                        _ => table.by_region().inc(REGIONS[(i + t) % 3]),
                    }
                }
            });
        }
    });

    // The expected counts, computed the slow way.
    let mut by_method: HashMap<Method, u64> = HashMap::new();
    let mut by_region: HashMap<&str, u64> = HashMap::new();
    let mut created = 0u64;
    for t in 0..THREADS {
        for i in 0..STEPS {
            let method = Method::ALL[(i + t) % 4];
            match i % 4 {
                0 => *by_method.entry(method).or_default() += 1,
                1 => *by_method.entry(method).or_default() += 3,
                2 => {
                    created += 1;
                    *by_method.entry(method).or_default() += 2;
                    *by_method.entry(Method::Cash).or_default() += 1;
                    *by_region.entry(REGIONS[i % 3]).or_default() += 5;
                }
                _ => *by_region.entry(REGIONS[(i + t) % 3]).or_default() += 1,
            }
        }
    }
    let snap = table.snapshot();
    assert_eq!(snap.created, created);
    assert_eq!(created, (THREADS * STEPS / 4) as u64);
    for method in Method::ALL {
        assert_eq!(
            snap.by_method.get(method),
            Some(by_method[method]),
            "{method:?}"
        );
        assert_eq!(
            table.by_method().get(*method),
            by_method[method],
            "{method:?}"
        );
    }
    assert_eq!(snap.by_method.len(), 4);
    assert_eq!(snap.by_method.overflow(), 0);
    assert_eq!(
        snap.by_method.total(),
        by_method.values().sum::<u64>(),
        "closed total"
    );
    for region in REGIONS {
        assert_eq!(
            snap.by_region.get(region),
            Some(by_region[region]),
            "{region}"
        );
    }
    assert_eq!(snap.by_region.len(), 3);
    assert_eq!(snap.by_region.overflow(), 0);
    // Declaration order for the closed set.
    let order: Vec<Method> = snap.by_method.iter().map(|(m, _)| *m).collect();
    assert_eq!(order, Method::ALL);
    let live: Vec<(Method, u64)> = table.by_method().iter().collect();
    assert_eq!(
        live,
        Method::ALL
            .iter()
            .map(|m| (*m, by_method[m]))
            .collect::<Vec<_>>()
    );
    assert_eq!(cursor.delta(), snap);
}

/// Every step adds `created: 1` and one method in one `table.add`: no
/// snapshot and no delta ever shows the methods' sum apart from `created`,
/// because a closed keyed field's counters are in the same row as
/// `created` and are copied consistently with it.
#[test]
fn closed_keyed_counts_stay_consistent_with_the_row() {
    const WRITERS: usize = 3;
    const STEPS: u64 = 200_000;
    let table = Orders::table();
    let done = AtomicBool::new(false);
    let start = Barrier::new(WRITERS + 2);
    let (snapshots, deltas) = std::thread::scope(|s| {
        let snapshotter = s.spawn(|| {
            let mut count = 0u64;
            start.wait();
            while !done.load(Ordering::Acquire) {
                let snap = table.snapshot();
                assert_eq!(
                    snap.by_method.total(),
                    snap.created,
                    "snapshot broke sum(by_method) == created: {snap:?}"
                );
                count += 1;
            }
            count
        });
        let cursor = s.spawn(|| {
            let mut cursor = table.cursor();
            let mut count = 0u64;
            start.wait();
            while !done.load(Ordering::Acquire) {
                let delta = cursor.delta();
                assert_eq!(
                    delta.by_method.total(),
                    delta.created,
                    "delta broke sum(by_method) == created: {delta:?}"
                );
                count += 1;
            }
            count
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|t| {
                let (table, start) = (&table, &start);
                s.spawn(move || {
                    start.wait();
                    for i in 0..STEPS {
                        let method = Method::ALL[(i as usize + t) % 4];
                        table.add(&Orders {
                            created: 1,
                            by_method: [(method, 1)].into_iter().collect(),
                            ..Default::default()
                        });
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, Ordering::Release);
        (snapshotter.join().unwrap(), cursor.join().unwrap())
    });
    assert!(
        snapshots > 1,
        "the snapshotter read while the writers wrote"
    );
    assert!(deltas > 1, "the cursor read while the writers wrote");
    let snap = table.snapshot();
    assert_eq!(snap.created, WRITERS as u64 * STEPS);
    assert_eq!(snap.by_method.total(), WRITERS as u64 * STEPS);
    for method in Method::ALL {
        // STEPS is a multiple of 4 and each writer cycles the variants.
        assert_eq!(snap.by_method.get(method), Some(WRITERS as u64 * STEPS / 4));
    }
}

/// A cursor takes deltas without pause while 4 writers count 200 keys into
/// 128 slots: the deltas add up, key by key and for the overflow, to the
/// final snapshot, which is what the writers did.
#[test]
fn cursor_deltas_of_open_keys_add_up_to_the_snapshot() {
    const WRITERS: usize = 4;
    const KEYS: usize = 200;
    const PASSES: usize = 200;
    let keys: Vec<String> = (0..KEYS).map(|k| format!("/path/{k}")).collect();
    let table = Tracked::table();
    let done = AtomicBool::new(false);
    let start = Barrier::new(WRITERS + 1);
    let (sums, overflow_sum, deltas, made) = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut cursor = table.cursor();
            let mut sums: HashMap<String, u64> = HashMap::new();
            let mut overflow = 0u64;
            let mut deltas = 0u64;
            start.wait();
            loop {
                let finished = done.load(Ordering::Acquire);
                let delta = cursor.delta().by_path;
                for (key, n) in delta.iter() {
                    *sums.entry(key.clone()).or_default() += n;
                }
                overflow += delta.overflow();
                deltas += 1;
                if finished {
                    break;
                }
            }
            (sums, overflow, deltas)
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|t| {
                let (table, keys, start) = (&table, &keys, &start);
                s.spawn(move || {
                    let mut made = 0u64;
                    start.wait();
                    for pass in 0..PASSES {
                        for i in 0..KEYS {
                            let k = (i * 7 + t * 50 + pass) % KEYS;
                            let n = (k % 4 + 1) as u64;
                            table.by_path().add(&keys[k], n);
                            made += n;
                        }
                    }
                    made
                })
            })
            .collect();
        let made: u64 = writers.into_iter().map(|w| w.join().unwrap()).sum();
        done.store(true, Ordering::Release);
        let (sums, overflow, deltas) = reader.join().unwrap();
        (sums, overflow, deltas, made)
    });
    assert!(deltas > 1, "the cursor read while the writers wrote");
    let snap = table.snapshot().by_path;
    assert_eq!(snap.len(), 128);
    assert_eq!(snap.total(), made);
    assert_eq!(overflow_sum, snap.overflow(), "overflow deltas");
    assert_eq!(sums.len(), snap.len(), "keys seen by the cursor");
    for (key, n) in snap.iter() {
        assert_eq!(sums.get(key).copied(), Some(n), "deltas of {key}");
    }
    // Each key was incremented by the same amount in every pass and by
    // every writer, whichever slot it got.
    for (key, n) in snap.iter() {
        let k: usize = key["/path/".len()..].parse().unwrap();
        assert!(n <= (k % 4 + 1) as u64 * (WRITERS * PASSES) as u64);
    }
}
