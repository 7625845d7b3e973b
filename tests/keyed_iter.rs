//! Versioned iteration over keyed fields: a clear or a reset makes every
//! live iterator stale; new keys never do, and every key present when an
//! iterator was made is yielded exactly once.

use stats_core::{Keyed, LabelValue, StatKey, StatTable};
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Barrier;

#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    Wallet,
    Cash,
}

/// Both kinds of keyed field and a plain counter.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "shop")]
struct Shop {
    /// Orders created.
    created: u64,
    /// Orders by payment method.
    by_method: Keyed<Method>,
    /// Orders by region.
    #[stat(keyed(capacity = 1024))]
    by_region: Keyed<String>,
}

/// Runs `f`, which must panic, and returns the panic message.
fn panic_message(f: impl FnOnce()) -> String {
    let panic = catch_unwind(AssertUnwindSafe(f)).expect_err("a stale iterator must panic");
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn assert_stale(message: &str) {
    assert!(message.contains("stale"), "message: {message}");
    assert!(message.contains("`Shop`"), "message: {message}");
}

fn filled() -> ShopTable {
    let table = Shop::table();
    table.created().add(2);
    table.by_method().add(Method::Card, 1);
    table.by_method().add(Method::Cash, 4);
    for region in ["eu", "us", "ap"] {
        table.by_region().inc(region);
    }
    table
}

/// The keys of an open keyed field's series in `table.iter()`.
fn region_labels(table: &ShopTable) -> Vec<String> {
    table
        .iter()
        .filter(|s| s.name == "shop_by_region")
        .filter_map(|s| match s.label.map(|l| l.value) {
            Some(LabelValue::Key(key)) => Some(key.into_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn clearing_the_open_field_makes_every_iterator_stale() {
    let table = filled();
    let mut over_table = table.iter();
    let mut over_regions = table.by_region().iter();
    let mut over_methods = table.by_method().iter();
    assert!(over_table.next().is_some());
    assert!(over_regions.next().is_some());
    assert!(over_methods.next().is_some());
    let version = table.version();
    table.by_region().clear();
    assert_eq!(table.version(), version + 1);

    let stale = over_table.try_next().unwrap_err();
    assert_eq!(
        (stale.table, stale.expected, stale.found),
        ("Shop", version, version + 1)
    );
    assert!(stale.to_string().contains("stale"));
    // An error does not advance: it stays an error.
    assert_eq!(over_table.try_next().unwrap_err(), stale);
    assert_eq!(over_regions.try_next().unwrap_err(), stale);
    assert_eq!(over_methods.try_next().unwrap_err(), stale);
    assert_stale(&panic_message(|| {
        over_table.next();
    }));
    assert_stale(&panic_message(|| {
        over_regions.next();
    }));
    assert_stale(&panic_message(|| {
        over_methods.next();
    }));
    // Fresh iterators work, and show the cleared field empty.
    assert_eq!(table.by_region().iter().count(), 0);
    assert_eq!(region_labels(&table), Vec::<String>::new());
    assert_eq!(table.by_method().iter().count(), 2);
}

#[test]
fn an_unstarted_iterator_is_stale_too() {
    let table = filled();
    let mut over_table = table.iter();
    let mut over_regions = table.by_region().iter();
    table.by_region().clear();
    assert!(over_table.try_next().is_err());
    assert!(over_regions.try_next().is_err());
    assert_stale(&panic_message(|| {
        over_regions.next();
    }));
}

#[test]
#[should_panic(expected = "stale")]
fn a_field_iterator_panics_after_its_field_is_cleared() {
    let table = filled();
    let mut iter = table.by_region().iter();
    assert!(iter.next().is_some());
    table.by_region().clear();
    let _ = iter.next();
}

#[test]
fn clearing_the_closed_field_makes_every_iterator_stale() {
    let table = filled();
    let mut over_methods = table.by_method().iter();
    let mut over_regions = table.by_region().iter();
    let mut over_table = table.iter();
    assert_eq!(over_methods.next(), Some((Method::Card, 1)));
    table.by_method().clear();
    assert_eq!(table.version(), 1);
    let stale = over_methods.try_next().unwrap_err();
    assert_eq!((stale.expected, stale.found), (0, 1));
    assert!(over_regions.try_next().is_err());
    assert!(over_table.try_next().is_err());
    assert_stale(&panic_message(|| {
        over_methods.next();
    }));
    assert_stale(&panic_message(|| {
        over_table.next();
    }));
    // The closed field reads empty; the rest is untouched.
    assert_eq!(table.by_method().iter().count(), 0);
    assert_eq!(table.by_method().get(Method::Cash), 0);
    let snap = table.snapshot();
    assert_eq!(snap.by_method, Keyed::default());
    assert_eq!(snap.created, 2);
    assert_eq!(snap.by_region.len(), 3);
    table.by_method().inc(Method::Wallet);
    let counts: Vec<_> = table.by_method().iter().collect();
    assert_eq!(counts, [(Method::Wallet, 1)]);
}

#[test]
fn a_reset_makes_every_iterator_stale() {
    let table = filled();
    let mut over_table = table.iter();
    let mut over_regions = table.by_region().iter();
    let mut over_methods = table.by_method().iter();
    table.reset();
    assert_eq!(table.version(), 1);
    for stale in [
        over_table.try_next().map(|_| ()).unwrap_err(),
        over_regions.try_next().map(|_| ()).unwrap_err(),
        over_methods.try_next().map(|_| ()).unwrap_err(),
    ] {
        assert_eq!((stale.table, stale.expected, stale.found), ("Shop", 0, 1));
    }
    assert_stale(&panic_message(|| {
        over_table.next();
    }));
    assert_stale(&panic_message(|| {
        over_regions.next();
    }));
    assert_stale(&panic_message(|| {
        over_methods.next();
    }));
    assert_eq!(table.snapshot(), Shop::default());
    assert_eq!(table.by_region().len(), 0);
}

/// A thread adds 600 new keys (and bumps old ones) while the main thread
/// walks a field iterator and a table iterator made before: no panic, no
/// error, no key twice, and every one of the 300 keys present at the
/// start is yielded.
#[test]
fn keys_added_by_another_thread_during_iteration() {
    let table = Shop::table();
    let old: Vec<String> = (0..300).map(|i| format!("old-{i}")).collect();
    for key in &old {
        table.by_region().inc(key);
    }
    let mut over_regions = table.by_region().iter();
    let mut over_table = table.iter();
    let start = Barrier::new(2);
    let (from_field, from_table) = std::thread::scope(|s| {
        s.spawn(|| {
            start.wait();
            for i in 0..600 {
                table.by_region().inc(&format!("new-{i}"));
                table.by_region().inc(&old[i % 300]);
                table.created().inc();
                if i % 16 == 0 {
                    std::thread::yield_now();
                }
            }
        });
        start.wait();
        let mut from_field = Vec::new();
        let mut from_table = Vec::new();
        loop {
            let a = over_regions.try_next().expect("not stale");
            let b = over_table.try_next().expect("not stale");
            if let Some((key, count)) = &a {
                assert!(*count > 0);
                from_field.push(key.clone());
            }
            if let Some(series) = &b
                && series.name == "shop_by_region"
                && let Some(LabelValue::Key(key)) = series.label.as_ref().map(|l| &l.value)
            {
                from_table.push(key.to_string());
            }
            if a.is_none() && b.is_none() {
                break;
            }
            std::thread::yield_now();
        }
        (from_field, from_table)
    });
    for (what, yielded) in [("field", &from_field), ("table", &from_table)] {
        let distinct: HashSet<&String> = yielded.iter().collect();
        assert_eq!(
            distinct.len(),
            yielded.len(),
            "{what} iterator: a key twice"
        );
        for key in &old {
            assert!(distinct.contains(key), "{what} iterator missed {key}");
        }
        assert!(
            yielded
                .iter()
                .all(|k| k.starts_with("old-") || k.starts_with("new-")),
            "{what} iterator yielded a key nobody added"
        );
    }
    assert_eq!(table.by_region().len(), 900);
    assert_eq!(table.version(), 0);
    let snap = table.snapshot();
    assert_eq!(snap.by_region.total(), 300 + 600 * 2);
    assert_eq!(snap.created, 600);
}

/// The same thread adds a key and bumps another between `next()` calls.
#[test]
fn keys_added_between_steps_by_the_same_thread() {
    let table = Shop::table();
    let old: Vec<String> = (0..50).map(|i| format!("old-{i:02}")).collect();
    for key in &old {
        table.by_region().add(key, 2);
    }
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut added = 0;
    for (key, count) in table.by_region().iter() {
        assert!(seen.insert(key, count).is_none(), "a key twice");
        table.by_region().inc(&format!("new-{added}"));
        table.by_region().inc(&old[added % 50]);
        added += 1;
    }
    for key in &old {
        assert!(seen.contains_key(key), "missed {key}");
        assert!(seen[key] >= 2);
    }
    // The store keeps entries in the order keys came: new keys are
    // appended after the old ones, so this iterator reaches them too.
    assert_eq!(seen.len(), table.by_region().len());
    assert_eq!(added, seen.len());

    let mut regions = 0;
    for series in table.iter() {
        if series.name == "shop_by_region" {
            regions += 1;
        }
        table.by_region().inc(&format!("table-{regions}"));
        table.by_method().inc(Method::Wallet);
    }
    assert_eq!(table.version(), 0);
    assert!(regions > table.by_region().len() / 2);
}

#[test]
fn after_a_clear_the_field_is_empty_and_fills_to_capacity_again() {
    let table = Shop::table();
    let capacity = table.by_region().capacity();
    assert_eq!(capacity, 1024);
    for i in 0..capacity + 10 {
        table.by_region().inc(&format!("first-{i}"));
    }
    assert_eq!(table.by_region().len(), capacity);
    assert_eq!(table.by_region().overflow(), 10);
    table.by_method().inc(Method::Card);
    table.created().inc();

    table.by_region().clear();
    assert_eq!(table.by_region().len(), 0);
    assert!(table.by_region().is_empty());
    assert_eq!(table.by_region().overflow(), 0);
    assert_eq!(table.by_region().get("first-0"), None);
    let snap = table.snapshot();
    assert_eq!(snap.by_region, Keyed::default());
    assert_eq!(
        snap.by_method.get(&Method::Card),
        Some(1),
        "other fields kept"
    );
    assert_eq!(snap.created, 1);
    assert_eq!(region_labels(&table), Vec::<String>::new());
    // The overflow series is still there, at zero.
    let overflow: Vec<_> = table
        .iter()
        .filter(|s| {
            s.label
                .as_ref()
                .is_some_and(|l| l.value == LabelValue::Overflow)
        })
        .map(|s| s.value)
        .collect();
    assert_eq!(overflow, [stats_core::Value::Counter(0)]);

    for i in 0..capacity {
        table.by_region().add(&format!("second-{i}"), 3);
    }
    assert_eq!(table.by_region().len(), capacity);
    assert_eq!(table.by_region().overflow(), 0);
    table.by_region().inc("one-too-many");
    assert_eq!(table.by_region().overflow(), 1);
    let snap = table.snapshot().by_region;
    assert_eq!(snap.len(), capacity);
    assert_eq!(snap.get("second-1023"), Some(3));
    assert_eq!(snap.get("first-5"), None);
    assert_eq!(snap.total(), 3 * capacity as u64 + 1);

    // A reset empties it the same way.
    table.reset();
    assert_eq!(
        (table.by_region().len(), table.by_region().overflow()),
        (0, 0)
    );
    table.by_region().inc("third");
    assert_eq!(table.snapshot().by_region.get("third"), Some(1));
}
