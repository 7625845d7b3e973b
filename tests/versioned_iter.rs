//! Versioned iteration: a reset makes live iterators stale; writes never do.

use stats_core::{MetricKind, Series, StaleIterator, StatTable, Value};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A small table with both kinds of field.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "shop")]
struct Shop {
    /// Items sold.
    sold: u64,
    /// Items returned.
    returned: u64,
    /// Customers in the shop.
    #[stat(gauge)]
    customers: i64,
}

#[test]
fn iter_yields_every_series_with_name_help_kind_and_value() {
    let table = Shop::table();
    table.sold().add(3);
    table.customers().set(-1);
    let series: Vec<Series> = table.iter().collect();
    let summary: Vec<_> = series
        .iter()
        .map(|s| (s.name, s.help, s.kind, s.value))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "shop_sold",
                "Items sold.",
                MetricKind::Counter,
                Value::Counter(3)
            ),
            (
                "shop_returned",
                "Items returned.",
                MetricKind::Counter,
                Value::Counter(0)
            ),
            (
                "shop_customers",
                "Customers in the shop.",
                MetricKind::Gauge,
                Value::Gauge(-1)
            ),
        ]
    );
}

#[test]
fn an_iterator_that_outlives_a_reset_panics_with_stale_and_the_table_name() {
    let table = Shop::table();
    let mut iter = table.iter();
    assert!(iter.next().is_some());
    table.reset();
    let panic =
        catch_unwind(AssertUnwindSafe(|| iter.next())).expect_err("a stale iterator must panic");
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    assert!(message.contains("stale"), "message: {message}");
    assert!(message.contains("`Shop`"), "message: {message}");
}

#[test]
fn the_checked_form_returns_the_error_and_does_not_advance() {
    let table = Shop::table();
    let mut iter = table.iter();
    table.reset();
    let error = iter.try_next().unwrap_err();
    assert_eq!(
        error,
        StaleIterator {
            table: "Shop",
            expected: 0,
            found: 1
        }
    );
    assert!(error.to_string().contains("stale"));
    assert_eq!(iter.try_next().unwrap_err(), error);
    // A fresh iterator after the reset works.
    assert_eq!(table.iter().count(), 3);
}

#[test]
fn writes_during_iteration_do_not_make_it_stale() {
    let table = Shop::table();
    let mut iter = table.iter();
    std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..10_000 {
                table.sold().inc();
                table.customers().inc();
            }
        });
    });
    table.add(&Shop {
        sold: 1,
        returned: 1,
        customers: 0,
    });
    assert_eq!(
        iter.try_next().unwrap().unwrap().value,
        Value::Counter(10_001)
    );
    assert_eq!(iter.try_next().unwrap().unwrap().value, Value::Counter(1));
    assert_eq!(
        iter.try_next().unwrap().unwrap().value,
        Value::Gauge(10_000)
    );
    assert_eq!(iter.try_next(), Ok(None));
}

#[test]
fn reset_zeroes_counters_keeps_gauges_and_bumps_the_version() {
    let table = Shop::table();
    table.sold().add(5);
    table.customers().set(9);
    assert_eq!(table.version(), 0);
    table.reset();
    assert_eq!(table.version(), 1);
    let snap = table.snapshot();
    // A gauge is a level, not a count since the reset: it keeps it.
    assert_eq!((snap.sold, snap.returned, snap.customers), (0, 0, 9));
    table.sold().inc();
    assert_eq!(table.sold().get(), 1);
    assert_eq!(table.snapshot().sold, 1);
}
