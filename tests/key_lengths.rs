//! Open keyed fields at every key length around their `max_key_len`: keys
//! of 0 to `max_key_len + 9` bytes, ASCII and multi-byte UTF-8 that
//! straddles the 8-byte words the keys are stored in, keys that share a
//! prefix and differ in the last byte only, and keys that differ only in
//! length (trailing NUL bytes). Keys up to the limit are stored and read back
//! byte for byte, longer keys go to the overflow whole, and nothing is lost.

use stats_core::{Keyed, LabelValue, OpenKeyed, StatTable, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One open keyed field per limit around the word boundaries. Capacities
/// hold every stored key of [`keys`] for that limit.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "len")]
struct Lengths {
    /// Limit 1.
    #[stat(keyed(capacity = 256, max_key_len = 1))]
    by_l1: Keyed<String>,
    /// Limit 7.
    #[stat(keyed(capacity = 256, max_key_len = 7))]
    by_l7: Keyed<String>,
    /// Limit 8.
    #[stat(keyed(capacity = 256, max_key_len = 8))]
    by_l8: Keyed<String>,
    /// Limit 9.
    #[stat(keyed(capacity = 256, max_key_len = 9))]
    by_l9: Keyed<String>,
    /// Limit 15.
    #[stat(keyed(capacity = 512, max_key_len = 15))]
    by_l15: Keyed<String>,
    /// Limit 16.
    #[stat(keyed(capacity = 512, max_key_len = 16))]
    by_l16: Keyed<String>,
    /// Limit 17.
    #[stat(keyed(capacity = 512, max_key_len = 17))]
    by_l17: Keyed<String>,
    /// The default limit, 112.
    #[stat(keyed(capacity = 8192))]
    by_l112: Keyed<String>,
    /// Limit 113: an entry of one more word than the default.
    #[stat(keyed(capacity = 8192, max_key_len = 113))]
    by_l113: Keyed<String>,
}

/// The fields, by limit: the handle, the field in a snapshot, and the
/// metric name of its series.
type Field = (
    usize,
    for<'a> fn(&'a LengthsTable) -> OpenKeyed<'a>,
    fn(&Lengths) -> &Keyed<String>,
    &'static str,
);

const FIELDS: [Field; 9] = [
    (1, |t| t.by_l1(), |s| &s.by_l1, "len_by_l1"),
    (7, |t| t.by_l7(), |s| &s.by_l7, "len_by_l7"),
    (8, |t| t.by_l8(), |s| &s.by_l8, "len_by_l8"),
    (9, |t| t.by_l9(), |s| &s.by_l9, "len_by_l9"),
    (15, |t| t.by_l15(), |s| &s.by_l15, "len_by_l15"),
    (16, |t| t.by_l16(), |s| &s.by_l16, "len_by_l16"),
    (17, |t| t.by_l17(), |s| &s.by_l17, "len_by_l17"),
    (112, |t| t.by_l112(), |s| &s.by_l112, "len_by_l112"),
    (113, |t| t.by_l113(), |s| &s.by_l113, "len_by_l113"),
];

/// Multi-byte characters of 2, 3 and 4 bytes.
const WIDE: [char; 3] = ['é', '€', '🦀'];

/// `len` bytes: `fill` ASCII bytes with `c` starting at byte `at`.
fn with_char_at(len: usize, c: char, at: usize, fill: u8) -> String {
    let width = c.len_utf8();
    assert!(at + width <= len);
    let mut key = String::with_capacity(len);
    key.extend(std::iter::repeat_n(char::from(fill), at));
    key.push(c);
    key.extend(std::iter::repeat_n(char::from(fill), len - at - width));
    assert_eq!(key.len(), len);
    key
}

/// Every key to throw at a field of limit `max`, distinct, each of a
/// known length from 0 to `max + 9` bytes.
fn keys(max: usize) -> Vec<String> {
    let mut keys = Vec::new();
    for len in 0..=max + 9 {
        // ASCII, two keys that differ in the last byte only.
        if len >= 1 {
            let prefix = "p".repeat(len - 1);
            keys.push(format!("{prefix}a"));
            keys.push(format!("{prefix}b"));
        } else {
            keys.push(String::new());
        }
        // Keys that differ from their neighbours only in length.
        keys.push("\0".repeat(len));
        if len >= 2 {
            keys.push(format!("q{}", "\0".repeat(len - 1)));
        }
        // Multi-byte characters at the start, at the end, and across every
        // 8-byte word boundary they fit over.
        for c in WIDE {
            let width = c.len_utf8();
            if len < width {
                continue;
            }
            let mut starts = BTreeSet::from([0, len - width]);
            for boundary in (8..len).step_by(8) {
                for at in boundary.saturating_sub(width - 1)..boundary {
                    if at + width <= len {
                        starts.insert(at);
                    }
                }
            }
            for at in starts {
                keys.push(with_char_at(len, c, at, b'm'));
            }
        }
        // Nothing but multi-byte characters, when the length allows.
        if len > 0 && len.is_multiple_of(2) {
            keys.push("é".repeat(len / 2));
        }
        if len > 0 && len.is_multiple_of(3) {
            keys.push("€".repeat(len / 3));
        }
    }
    // A run of one character can repeat a key above: keep the first.
    let mut seen = BTreeSet::new();
    keys.retain(|key| seen.insert(key.clone()));
    keys
}

/// A distinct weight per key, so a count under the wrong key shows.
fn weight(index: usize) -> u64 {
    u64::try_from(index).unwrap() * 1_000 + 7
}

/// Checks one field after `keys[i]` was added `weight(i)` (in the order
/// `order`): every key up to the limit is held byte for byte, and every
/// longer key is in the overflow.
fn check_field(table: &LengthsTable, field: &Field, keys: &[String], order: &[usize]) {
    let (max, handle, in_snapshot, metric) = *field;
    let live = handle(table);
    assert_eq!(live.max_key_len(), max);
    let stored: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| keys[i].len() <= max)
        .collect();
    let long_weight: u64 = (0..keys.len())
        .filter(|&i| keys[i].len() > max)
        .map(weight)
        .sum();
    let all_weight: u64 = (0..keys.len()).map(weight).sum();

    let snapshot = table.snapshot();
    let snap = in_snapshot(&snapshot);
    assert_eq!(snap.len(), stored.len(), "limit {max}: keys held");
    assert_eq!(snap.overflow(), long_weight, "limit {max}: overflow");
    assert_eq!(snap.total(), all_weight, "limit {max}: total");
    assert_eq!(live.len(), stored.len(), "limit {max}: live len");
    assert_eq!(live.overflow(), long_weight, "limit {max}: live overflow");
    for (i, key) in keys.iter().enumerate() {
        let expected = (key.len() <= max).then(|| weight(i));
        assert_eq!(
            snap.get(key.as_str()),
            expected,
            "limit {max}: snapshot of {key:?} ({} bytes)",
            key.len()
        );
        assert_eq!(
            live.get(key),
            expected,
            "limit {max}: live get of {key:?} ({} bytes)",
            key.len()
        );
    }
    // The snapshot holds exactly the stored keys, byte for byte.
    let from_snapshot: BTreeMap<Vec<u8>, u64> = snap
        .iter()
        .map(|(key, n)| (key.as_bytes().to_vec(), n))
        .collect();
    let expected: BTreeMap<Vec<u8>, u64> = stored
        .iter()
        .map(|&i| (keys[i].as_bytes().to_vec(), weight(i)))
        .collect();
    assert_eq!(from_snapshot, expected, "limit {max}: snapshot keys");

    // The field's iterator yields the keys in the order they were added.
    let mut iter = live.iter();
    let mut yielded = Vec::new();
    while let Some((key, n)) = iter.try_next().expect("no reset ran") {
        yielded.push((key, n));
    }
    let expected_in_order: Vec<(String, u64)> = stored
        .iter()
        .map(|&i| (keys[i].clone(), weight(i)))
        .collect();
    assert_eq!(yielded, expected_in_order, "limit {max}: field iterator");

    // The table's series: one per stored key with its label, in the order
    // added, then the overflow.
    let mut series = Vec::new();
    let mut overflow_series = Vec::new();
    let mut table_iter = table.iter();
    while let Some(s) = table_iter.try_next().expect("no reset ran") {
        if s.name != metric {
            continue;
        }
        let label = s.label.expect("a keyed series has a label");
        let Value::Counter(n) = s.value else {
            panic!("a keyed series is a counter")
        };
        match label.value {
            LabelValue::Key(key) => series.push((key.into_owned(), n)),
            LabelValue::Overflow => overflow_series.push(n),
            other => panic!("unexpected label {other:?}"),
        }
    }
    assert_eq!(series, expected_in_order, "limit {max}: table series");
    assert_eq!(
        overflow_series,
        [long_weight],
        "limit {max}: overflow series"
    );
}

/// Adds every key to every field in `order`, weighted.
fn fill(table: &LengthsTable, all_keys: &[Vec<String>], orders: &[Vec<usize>]) {
    for ((field, keys), order) in FIELDS.iter().zip(all_keys).zip(orders) {
        let handle = (field.1)(table);
        for &i in order {
            // Half by `add`, half by one `inc` and an `add` of the rest.
            if i % 2 == 0 {
                handle.add(&keys[i], weight(i));
            } else {
                handle.inc(&keys[i]);
                handle.add(&keys[i], weight(i) - 1);
            }
        }
    }
}

fn all_keys() -> Vec<Vec<String>> {
    FIELDS.iter().map(|field| keys(field.0)).collect()
}

/// The capacities hold every key of [`keys`] up to each limit.
#[test]
fn capacities_hold_every_stored_key() {
    let table = Lengths::table();
    for (field, keys) in FIELDS.iter().zip(all_keys()) {
        let stored = keys.iter().filter(|key| key.len() <= field.0).count();
        let capacity = (field.1)(&table).capacity();
        assert!(
            stored <= capacity,
            "limit {}: {stored} keys, capacity {capacity}",
            field.0
        );
        // Every length from 0 to the limit plus 9 is there.
        let lengths: BTreeSet<usize> = keys.iter().map(String::len).collect();
        assert_eq!(lengths, (0..=field.0 + 9).collect::<BTreeSet<_>>());
    }
}

/// Every key, in the order listed: stored keys byte for byte, longer keys
/// in the overflow.
#[test]
fn every_length_round_trips() {
    let table = Lengths::table();
    let all_keys = all_keys();
    let orders: Vec<Vec<usize>> = all_keys
        .iter()
        .map(|keys| (0..keys.len()).collect())
        .collect();
    fill(&table, &all_keys, &orders);
    for ((field, keys), order) in FIELDS.iter().zip(&all_keys).zip(&orders) {
        check_field(&table, field, keys, order);
    }
}

/// Entries reused after clears: long keys first, then (after the field
/// was cleared twice, so the same generation's entries come back) short
/// keys, which land in entries whose words held longer keys' bytes.
#[test]
fn reused_entries_hold_the_new_key_only() {
    let table = Lengths::table();
    let all_keys = all_keys();
    let longest_first: Vec<Vec<usize>> = all_keys
        .iter()
        .map(|keys| {
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(keys[i].len()));
            order
        })
        .collect();
    let shortest_first: Vec<Vec<usize>> = longest_first
        .iter()
        .map(|order| order.iter().rev().copied().collect())
        .collect();
    let mut cursor = table.cursor();
    for round in 0..4 {
        // A field alternates between two generations, one per clear:
        // rounds 0 and 2 use one, 1 and 3 the other, so each generation
        // holds the longest keys first and then the shortest.
        let orders = if round < 2 {
            &longest_first
        } else {
            &shortest_first
        };
        fill(&table, &all_keys, orders);
        for ((field, keys), order) in FIELDS.iter().zip(&all_keys).zip(orders) {
            check_field(&table, field, keys, order);
        }
        // Each round's delta is one round's weights, key for key.
        let delta = cursor.delta();
        for ((field, keys), _) in FIELDS.iter().zip(&all_keys).zip(orders) {
            let mut expected: Keyed<String> = keys
                .iter()
                .enumerate()
                .filter(|(_, key)| key.len() <= field.0)
                .map(|(i, key)| (key.clone(), weight(i)))
                .collect();
            expected.add_overflow(
                (0..keys.len())
                    .filter(|&i| keys[i].len() > field.0)
                    .map(weight)
                    .sum(),
            );
            assert_eq!(*(field.2)(&delta), expected, "limit {}: delta", field.0);
        }
        if round % 2 == 0 {
            table.reset();
        } else {
            for field in &FIELDS {
                (field.1)(&table).clear();
            }
        }
        assert_eq!(table.snapshot(), Lengths::default());
    }
    // Nothing was added since the last clear.
    assert_eq!(cursor.delta(), Lengths::default());
}

/// Keys that differ only in trailing NUL bytes, across a word boundary,
/// from several threads at once: each keeps its own count.
#[test]
fn trailing_nuls_from_many_threads() {
    const ROUNDS: u64 = 2_000;
    const THREADS: u64 = 4;
    // Whether thread `t` counts key `i` in round `round`: not always, so
    // the keys' counts differ.
    let counts = |round: u64, i: u64, t: u64| !(round + i + t).is_multiple_of(3);
    let table = Lengths::table();
    let keys: Vec<String> = (0..=20).map(|n| format!("k{}", "\0".repeat(n))).collect();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (table, keys) = (&table, &keys);
            s.spawn(move || {
                for round in 0..ROUNDS {
                    for (i, key) in (0u64..).zip(keys) {
                        if counts(round, i, t) {
                            table.by_l17().inc(key);
                            table.by_l9().inc(key);
                        }
                    }
                }
            });
        }
    });
    let snap = table.snapshot();
    let mut total = 0;
    for (i, key) in (0u64..).zip(&keys) {
        let expected = (0..THREADS)
            .flat_map(|t| (0..ROUNDS).map(move |round| (round, t)))
            .filter(|&(round, t)| counts(round, i, t))
            .count() as u64;
        total += expected;
        let in_l17 = (key.len() <= 17).then_some(expected);
        let in_l9 = (key.len() <= 9).then_some(expected);
        assert_eq!(snap.by_l17.get(key.as_str()), in_l17, "{key:?}");
        assert_eq!(snap.by_l9.get(key.as_str()), in_l9, "{key:?}");
    }
    assert_eq!(snap.by_l17.total(), total);
    assert_eq!(snap.by_l9.total(), total);
    assert_eq!(snap.by_l17.len(), 17); // "k" and 0 to 16 NULs
    assert_eq!(snap.by_l9.len(), 9); // "k" and 0 to 8 NULs
}
