//! Keys are any string, stored byte for byte: quotes, backslashes, control
//! characters, the empty string and any UTF-8 round-trip exactly through
//! snapshots, lookups, series labels and cursor deltas; keys over the
//! length limit, in bytes, go to the overflow.

use stats_core::{Keyed, LabelValue, StatTable, Value};

/// The default key length limit (112 bytes).
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "odd")]
struct Odd {
    /// Requests by key.
    #[stat(keyed(capacity = 64))]
    by_key: Keyed<String>,
}

/// A tiny custom limit.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
struct Tiny {
    /// Requests by short key.
    #[stat(keyed(capacity = 8, max_key_len = 4))]
    by_short: Keyed<String>,
}

/// A limit above one 128-byte block, so a key spans two.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
struct Wide {
    /// Requests by long key.
    #[stat(keyed(capacity = 4, max_key_len = 300))]
    by_long: Keyed<String>,
}

const MAX: usize = 112;

/// Keys that must be stored as given. Each pair of neighbours differs in
/// some way a sloppy store would erase.
fn stored_keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        "",
        "\"",
        "say \"hi\"",
        "back\\slash",
        "\\\"",
        "new\nline",
        "\r\n\t",
        "\0",
        "\0\0",
        "nul\0byte",
        "nul",
        "nul\0",
        "café",        // precomposed U+00E9
        "cafe\u{301}", // e + combining acute: another key
        "東京",
        "🦀",
        "👩\u{200d}👩\u{200d}👧",
        "\u{feff}bom",
        "\u{7f}",
        "a\",b=\"c",
        "{le=\"0.5\"}",
        " ",
        "abcdefgh",   // exactly one key word
        "abcdefgh\0", // ... and a NUL into the next
        "abcdefghi",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    // Exactly the limit, in ASCII and ending in a multi-byte character.
    keys.push("k".repeat(MAX));
    keys.push(format!("{}東", "a".repeat(MAX - 3)));
    keys.push(format!("{}é", "b".repeat(MAX - 2)));
    keys.push("🦀".repeat(MAX / 4));
    keys
}

/// Keys that must go to the overflow.
fn overflow_keys() -> Vec<String> {
    vec![
        "k".repeat(MAX + 1),
        // A multi-byte character straddling the limit: 110 + 3 bytes.
        format!("{}東", "a".repeat(MAX - 2)),
        format!("{}é", "b".repeat(MAX - 1)),
        format!("{}🦀", "c".repeat(MAX - 3)),
        "x".repeat(1 << 20),
    ]
}

#[test]
fn odd_keys_round_trip_byte_exactly() {
    let stored = stored_keys();
    let overflowing = overflow_keys();
    assert_eq!(stored.len(), 29);
    for key in &stored {
        assert!(key.len() <= MAX, "{key:?}");
    }
    for key in &overflowing {
        assert!(key.len() > MAX);
    }
    let table = Odd::table();
    assert_eq!(table.by_key().max_key_len(), MAX);
    let mut cursor = table.cursor();
    // Distinct counts, so a count on the wrong key shows.
    let count = |i: usize| (i as u64 + 1) * 10;
    for (i, key) in stored.iter().enumerate() {
        table.by_key().add(key, count(i));
    }
    let mut expected_overflow = 0;
    for (i, key) in overflowing.iter().enumerate() {
        table.by_key().add(key, i as u64 + 1);
        table.by_key().inc(key);
        expected_overflow += i as u64 + 2;
    }
    assert_eq!(expected_overflow, 20);

    // The handle.
    assert_eq!(table.by_key().len(), stored.len());
    assert_eq!(table.by_key().overflow(), expected_overflow);
    for (i, key) in stored.iter().enumerate() {
        assert_eq!(table.by_key().get(key), Some(count(i)), "{key:?}");
    }
    for key in &overflowing {
        assert_eq!(table.by_key().get(key), None);
    }

    // The snapshot: every key, by its bytes, with its count.
    let mut by_bytes: Vec<(String, u64)> = stored
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), count(i)))
        .collect();
    by_bytes.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let snap = table.snapshot().by_key;
    let pairs: Vec<(String, u64)> = snap.iter().map(|(k, n)| (k.clone(), n)).collect();
    assert_eq!(pairs, by_bytes);
    for (i, key) in stored.iter().enumerate() {
        assert_eq!(snap.get(key.as_str()), Some(count(i)), "{key:?}");
    }
    for key in &overflowing {
        assert_eq!(snap.get(key.as_str()), None);
    }
    assert_eq!(snap.overflow(), expected_overflow);
    assert_eq!(snap.len(), stored.len());

    // The field iterator yields the store's keys as written.
    let mut live: Vec<(String, u64)> = table.by_key().iter().collect();
    live.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    assert_eq!(live, by_bytes);

    // The series labels: one per key, then the overflow.
    let series: Vec<_> = table.iter().collect();
    assert_eq!(series.len(), stored.len() + 1);
    let mut labelled = Vec::new();
    let mut overflow_series = Vec::new();
    for s in &series {
        assert_eq!(s.name, "odd_by_key");
        let label = s.label.as_ref().expect("a keyed series has a label");
        assert_eq!(label.name, "key");
        let Value::Counter(n) = s.value else {
            panic!("a keyed series is a counter: {s:?}")
        };
        match &label.value {
            LabelValue::Key(key) => labelled.push((key.to_string(), n)),
            LabelValue::Overflow => overflow_series.push(n),
            other => panic!("unexpected label {other:?}"),
        }
    }
    labelled.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    assert_eq!(labelled, by_bytes);
    assert_eq!(overflow_series, [expected_overflow]);

    // The cursor's delta holds the same keys and counts.
    let delta = cursor.delta().by_key;
    assert_eq!(delta, snap);
    let pairs: Vec<(String, u64)> = delta.iter().map(|(k, n)| (k.clone(), n)).collect();
    assert_eq!(pairs, by_bytes);
    // ... and the next one only what came after.
    table.by_key().inc("cafe\u{301}");
    table.by_key().inc("\0");
    table.by_key().inc(&"k".repeat(MAX + 1));
    let delta = cursor.delta().by_key;
    let pairs: Vec<(&str, u64)> = delta.iter().map(|(k, n)| (k.as_str(), n)).collect();
    assert_eq!(pairs, [("\0", 1), ("cafe\u{301}", 1)]);
    assert_eq!(delta.overflow(), 1);
    assert_eq!(
        table.by_key().get("café"),
        Some(count(12)),
        "the precomposed key is not touched by its combining twin"
    );
}

#[test]
fn a_step_with_odd_keys_adds_them_exactly() {
    let table = Odd::table();
    let stored = stored_keys();
    let mut step = Odd::default();
    for (i, key) in stored.iter().enumerate() {
        step.by_key.add(key.clone(), i as u64 + 1);
    }
    step.by_key.add("x".repeat(MAX + 1), 7);
    step.by_key.add_overflow(5);
    table.add(&step);
    table.add(&step);
    let snap = table.snapshot().by_key;
    for (i, key) in stored.iter().enumerate() {
        assert_eq!(snap.get(key.as_str()), Some(2 * (i as u64 + 1)), "{key:?}");
    }
    assert_eq!(snap.len(), stored.len());
    assert_eq!(snap.overflow(), 2 * (7 + 5));
}

#[test]
fn a_custom_key_length_limit_counts_bytes() {
    let table = Tiny::table();
    assert_eq!(table.by_short().max_key_len(), 4);
    assert_eq!(table.by_short().capacity(), 8);
    let stored = ["", "abcd", "é", "éé", "東", "a東", "🦀", "\0\0\0\0"];
    let overflowing = ["abcde", "aéé", "ab東", "a🦀", "東東", "\0\0\0\0\0"];
    for key in overflowing {
        assert!(key.len() > 4);
        table.by_short().inc(key);
    }
    for (i, key) in stored.iter().enumerate() {
        assert!(key.len() <= 4);
        table.by_short().add(key, i as u64 + 1);
    }
    assert_eq!(table.by_short().len(), 8);
    assert_eq!(table.by_short().overflow(), overflowing.len() as u64);
    // Full: a ninth short key is overflow too, a stored one is not.
    table.by_short().inc("z");
    table.by_short().inc("東");
    assert_eq!(table.by_short().overflow(), overflowing.len() as u64 + 1);
    assert_eq!(table.by_short().get("z"), None);
    assert_eq!(table.by_short().get("東"), Some(5 + 1));

    let snap = table.snapshot().by_short;
    assert_eq!(snap.len(), 8);
    for (i, key) in stored.iter().enumerate() {
        let extra = u64::from(*key == "東");
        assert_eq!(snap.get(*key), Some(i as u64 + 1 + extra), "{key:?}");
    }
    let mut expected: Vec<&str> = stored.to_vec();
    expected.sort_unstable();
    let keys: Vec<&str> = snap.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, expected);
    assert_eq!(snap.overflow(), 7);
    assert_eq!(snap.total(), (1..=8).sum::<u64>() + 1 + 7);
    let labels: Vec<String> = table
        .iter()
        .filter_map(|s| match s.label?.value {
            LabelValue::Key(key) => Some(key.into_owned()),
            _ => None,
        })
        .collect();
    let mut labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    labels.sort_unstable();
    assert_eq!(labels, expected);
}

#[test]
fn keys_longer_than_one_block_round_trip() {
    let table = Wide::table();
    let mut cursor = table.cursor();
    let keys = [
        "w".repeat(300),
        format!("{}🦀", "v".repeat(296)),
        format!("{}\"\\\n", "u".repeat(200)),
        // Differs from the first only in its last byte.
        format!("{}x", "w".repeat(299)),
    ];
    for (i, key) in keys.iter().enumerate() {
        table.by_long().add(key, i as u64 + 1);
    }
    table.by_long().inc(&"w".repeat(301));
    table.by_long().inc(&format!("{}🦀", "v".repeat(297)));
    let snap = table.snapshot().by_long;
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(snap.get(key.as_str()), Some(i as u64 + 1));
        assert_eq!(table.by_long().get(key), Some(i as u64 + 1));
    }
    assert_eq!((snap.len(), snap.overflow()), (4, 2));
    let mut stored: Vec<String> = table.by_long().iter().map(|(k, _)| k).collect();
    stored.sort();
    let mut expected = keys.to_vec();
    expected.sort();
    assert_eq!(stored, expected);
    assert_eq!(cursor.delta().by_long, snap);
}
