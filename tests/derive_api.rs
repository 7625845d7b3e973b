//! What `#[derive(StatTable)]` generates, field by field and option by option.

use stats_core::{MetricKind, StatTable, Table, Value};

/// Every option of the derive at once.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "orders")]
pub struct OrderStats {
    /// Orders accepted by the API.
    created: u64,
    /// Orders rejected.
    ///
    /// Second paragraph of help.
    #[stat(name = "rejected")]
    failed: u64,
    /// Orders being processed.
    #[stat(gauge)]
    in_flight: i64,
    #[stat(skip)]
    note: String,
    r#type: u64,
}

#[test]
fn field_enum_lists_every_table_field_in_order() {
    use OrderStatsField::{Created, Failed, InFlight, Type};
    assert_eq!(OrderStatsField::ALL, [Created, Failed, InFlight, Type]);
    let described: Vec<_> = OrderStatsField::ALL
        .iter()
        .map(|f| (f.index(), f.name(), f.help(), f.kind()))
        .collect();
    assert_eq!(
        described,
        [
            (
                0,
                "orders_created",
                "Orders accepted by the API.",
                MetricKind::Counter
            ),
            (
                1,
                "orders_rejected",
                "Orders rejected. Second paragraph of help.",
                MetricKind::Counter
            ),
            (
                2,
                "orders_in_flight",
                "Orders being processed.",
                MetricKind::Gauge
            ),
            (3, "orders_type", "", MetricKind::Counter),
        ]
    );
}

#[test]
fn accessors_indexed_access_and_add_reach_the_same_fields() {
    let table = OrderStats::table();
    table.created().inc();
    table.failed().add(2);
    table.in_flight().add(5);
    table.r#type().inc();
    table.inc(OrderStatsField::Created);
    table.add_to(OrderStatsField::InFlight, 3);
    table.add(&OrderStats {
        created: 10,
        failed: 20,
        in_flight: -1,
        note: "ignored".into(),
        r#type: 1,
    });
    assert_eq!(
        table.snapshot(),
        OrderStats {
            created: 12,
            failed: 22,
            in_flight: 7,
            note: String::new(),
            r#type: 2,
        }
    );
}

#[test]
fn the_table_trait_and_default_work_generically() {
    fn total_of_counters<T: Table>(table: &T) -> u64 {
        table
            .iter()
            .filter_map(|s| match s.value {
                Value::Counter(n) => Some(n),
                Value::Gauge(_) => None,
            })
            .sum()
    }
    fn fresh<S: StatTable>() -> S::Table {
        S::new_table()
    }
    let table: OrderStatsTable = fresh::<OrderStats>();
    table.created().add(4);
    table.failed().inc();
    assert_eq!(total_of_counters(&table), 5);
    let default = OrderStatsTable::default();
    assert_eq!(Table::snapshot(&default), OrderStats::default());
}

#[test]
fn tables_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<OrderStatsTable>();
}

#[test]
fn debug_shows_values_not_internals() {
    let table = OrderStats::table();
    table.created().add(7);
    let text = format!("{table:?}");
    assert!(text.contains("OrderStats") && text.contains('7'), "{text}");
}

/// Only gauges: no counter storage at all.
#[derive(StatTable, Debug, Default, PartialEq)]
struct Levels {
    /// Queue depth.
    #[stat(gauge)]
    depth: i64,
}

#[test]
fn a_table_of_only_gauges() {
    let table = Levels::table();
    table.depth().set(3);
    table.add(&Levels { depth: 2 });
    let mut cursor = table.cursor();
    table.depth().dec();
    assert_eq!(cursor.delta(), Levels { depth: -1 });
    assert_eq!(table.snapshot(), Levels { depth: 4 });
}

/// The runtime reached through another path, as a crate that re-exports it.
mod reexport {
    pub use stats_core as runtime;
}

/// Uses `#[stat_table(crate = ...)]`.
#[derive(stats_core::StatTable, Debug, Default)]
#[stat_table(crate = "crate::reexport::runtime")]
struct Renamed {
    /// Hits.
    hits: u64,
}

#[test]
fn the_crate_option_points_generated_code_elsewhere() {
    let table = Renamed::table();
    table.hits().inc();
    assert_eq!(table.snapshot().hits, 1);
    assert_eq!(RenamedField::Hits.name(), "hits");
}

#[test]
fn cursors_from_start_see_everything() {
    let table = OrderStats::table();
    table.created().add(3);
    let mut late = table.cursor();
    let mut from_start = table.cursor().from_start();
    table.created().inc();
    assert_eq!(late.delta().created, 1);
    assert_eq!(from_start.delta().created, 4);
}

/// Every field skipped: an empty table that still has the whole API.
#[derive(StatTable, Debug, Default, PartialEq)]
struct NothingCounted {
    #[stat(skip)]
    note: String,
}

#[test]
fn a_table_with_no_fields() {
    let table = NothingCounted::table();
    table.add(&NothingCounted { note: "x".into() });
    assert_eq!(table.snapshot(), NothingCounted::default());
    assert_eq!(table.iter().count(), 0);
    assert!(NothingCountedField::ALL.is_empty());
    assert_eq!(table.cursor().delta(), NothingCounted::default());
}
