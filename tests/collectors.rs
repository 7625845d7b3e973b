//! The registries users already have: a table gathered through the
//! `prometheus` crate's registry and `TextEncoder`, and through
//! `prometheus-client`'s registry and its encoders, shows the same series,
//! with the same values, as our own `Registry::encode_text`; and with the
//! `serde` feature a snapshot serialises to what the JSON-lines archive
//! writes.
//!
//! Each exposition is read back into a set of samples (name, labels,
//! value), so what the formats allow to differ does not count: the order of
//! families and series, `1` against `1.0`, `le="100"` against
//! `le="100.0"`. `HELP` and `TYPE` lines are compared apart, as a map from
//! family name, where both sides write the same format.

use prometheus::TextEncoder;
use serde::Serialize;
use stats_core::{
    DEFAULT_SNAPSHOT_DEADLINE, Histogram, Keyed, PrometheusClientCollector, PrometheusCollector,
    Registry, StatKey, StatTable, TableSnapshot,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    Wallet,
    Invoice,
}

/// Every shape of field: a counter, a gauge, a closed and an open keyed
/// field, a histogram, and a counter without a doc comment.
#[derive(StatTable, Serialize, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "shop")]
struct Shop {
    /// Orders created.
    created: u64,
    /// Orders being handled.
    #[stat(gauge)]
    in_flight: i64,
    /// Payment attempts by method.
    by_method: Keyed<Method>,
    /// Requests by key: the odd ones too.
    #[stat(keyed(capacity = 8))]
    by_key: Keyed<String>,
    /// Request latency, in microseconds.
    #[stat(histogram(buckets = [100, 1_000, 10_000]))]
    latency_us: Histogram,
    retries: u64,
}

/// Keys a label value must escape or carry as they are.
const ODD_KEYS: [&str; 8] = [
    "say \"hi\"",
    "back\\slash",
    "new\nline",
    "\\\"\n",
    "ünïcødé ✓",
    "",
    "plain",
    "tab\tand\rreturn",
];

/// The series of a filled `Shop`: 1 created, 1 in flight, 3 methods, 8
/// keys and their overflow, 4 buckets, the sum and the count, 1 retries.
const SHOP_SERIES: usize = 21;

/// A table with a value in every field, and overflow in the open one.
fn filled() -> Arc<ShopTable> {
    let table = Arc::new(Shop::table());
    table.created().add(7);
    table.in_flight().set(-3);
    table.by_method().add(Method::Card, 2);
    table.by_method().inc(Method::Invoice);
    for (n, key) in ODD_KEYS.iter().enumerate() {
        table.by_key().add(key, n as u64 + 1);
    }
    table.by_key().add("one too many", 5);
    for value in [50, 100, 101, 5_000, 20_000, 20_000] {
        table.latency_us().observe(value);
    }
    table.retries().inc();
    table
}

/// A registry of ours holding `table`, whose reads get time enough never
/// to fall back to a stale snapshot on a loaded machine.
fn ours(table: &Arc<ShopTable>) -> Registry {
    let registry = Registry::with_deadline(Duration::from_secs(30));
    registry.register(Arc::clone(table)).expect("valid names");
    registry
}

/// One sample: its name, its labels (sorted) and its value.
type Sample = (String, Vec<(String, String)>, String);

/// What an exposition says: its samples, and each family's help and type.
#[derive(Debug, Default, PartialEq)]
struct Exposition {
    samples: BTreeSet<Sample>,
    help: BTreeMap<String, String>,
    types: BTreeMap<String, String>,
}

impl Exposition {
    /// Only the series and families whose names start with `prefix`.
    fn only(&self, prefix: &str) -> Self {
        Self {
            samples: self
                .samples
                .iter()
                .filter(|(name, _, _)| name.starts_with(prefix))
                .cloned()
                .collect(),
            help: filter_keys(&self.help, prefix),
            types: filter_keys(&self.types, prefix),
        }
    }
}

fn filter_keys(map: &BTreeMap<String, String>, prefix: &str) -> BTreeMap<String, String> {
    map.iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Reads an exposition in the Prometheus text format or OpenMetrics text.
/// Numbers (values and `le`) are compared as `f64`; an empty `HELP` counts
/// as none.
fn parse(text: &str) -> Exposition {
    let mut exposition = Exposition::default();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let (keyword, name, rest) = (
                words.next().unwrap_or_default(),
                words.next().unwrap_or_default().to_owned(),
                words.next().unwrap_or_default().to_owned(),
            );
            match keyword {
                "HELP" if !rest.is_empty() => assert!(
                    exposition.help.insert(name, rest).is_none(),
                    "two HELP lines: {line}"
                ),
                "TYPE" => assert!(
                    exposition.types.insert(name, rest).is_none(),
                    "two TYPE lines: {line}"
                ),
                _ => {}
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let sample = parse_sample(line);
        assert!(
            exposition.samples.insert(sample.clone()),
            "a series twice: {sample:?}"
        );
    }
    exposition
}

/// `name{label="value",..} value [timestamp]`, with label values
/// unescaped.
fn parse_sample(line: &str) -> Sample {
    let name_end = line.find(['{', ' ']).expect("a value after the name");
    let name = line[..name_end].to_owned();
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        loop {
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let equals = rest.find('=').expect("a label value");
            let label = rest[..equals].to_owned();
            rest = rest[equals + 1..]
                .strip_prefix('"')
                .expect("a quoted value");
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                match chars.next().expect("a closing quote") {
                    (at, '"') => break at,
                    (_, '\\') => match chars.next().expect("an escaped character").1 {
                        'n' => value.push('\n'),
                        escaped @ ('\\' | '"') => value.push(escaped),
                        other => panic!("unknown escape \\{other} in {line:?}"),
                    },
                    (_, other) => value.push(other),
                }
            };
            rest = &rest[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
            let value = if label == "le" { number(&value) } else { value };
            labels.push((label, value));
        }
    }
    labels.sort();
    let value = rest.trim_start().split(' ').next().expect("a value");
    (name, labels, number(value))
}

/// A number in one spelling: `2`, `2.0` and `2e0` all read `2`.
fn number(text: &str) -> String {
    let value: f64 = text
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?}"));
    value.to_string()
}

fn prometheus_text(registry: &prometheus::Registry) -> String {
    TextEncoder::new()
        .encode_to_string(&registry.gather())
        .expect("encodes")
}

fn client_openmetrics(registry: &prometheus_client::registry::Registry) -> String {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, registry).expect("encodes");
    text
}

fn client_prometheus_text(registry: &prometheus_client::registry::Registry) -> String {
    let mut text = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut text, registry).expect("encodes");
    text
}

/// Runs `compare` on our exposition, read before and after `theirs`, and
/// theirs: the library's health table is the whole process's, and moves
/// when another test's table overflows (or a read misses its deadline on
/// a loaded machine), so a round in which our two reads differ is run
/// again.
fn settled(ours: impl Fn() -> String, theirs: impl Fn() -> String, compare: impl Fn(&str, &str)) {
    for _ in 0..100 {
        let before = ours();
        let text = theirs();
        if ours() == before {
            compare(&before, &text);
            return;
        }
    }
    panic!("the health table never stood still for one round");
}

#[test]
fn prometheus_gathers_what_encode_text_shows() {
    let table = filled();
    let ours = ours(&table);
    let registry = prometheus::Registry::new();
    registry
        .register(Box::new(PrometheusCollector::from_registry(&ours)))
        .expect("registers");

    settled(
        || ours.encode_text(),
        || prometheus_text(&registry),
        |ours, theirs| {
            let (ours, theirs) = (parse(ours), parse(theirs));
            assert_eq!(theirs, ours, "prometheus and encode_text disagree");
        },
    );
    // The values themselves, spelled out once.
    let theirs = parse(&prometheus_text(&registry));
    let sample = |name: &str, labels: &[(&str, &str)], value: &str| {
        let labels = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        (name.to_owned(), labels, value.to_owned())
    };
    for expected in [
        sample("shop_created_total", &[], "7"),
        sample("shop_in_flight", &[], "-3"),
        sample("shop_by_method_total", &[("method", "invoice")], "1"),
        sample("shop_by_method_total", &[("method", "wallet")], "0"),
        sample("shop_by_key_total", &[("key", "new\nline")], "3"),
        sample("shop_by_key_total", &[("key", "")], "6"),
        sample("shop_by_key_overflow_total", &[], "5"),
        sample("shop_latency_us_bucket", &[("le", "100")], "2"),
        sample("shop_latency_us_bucket", &[("le", "inf")], "6"),
        sample("shop_latency_us_count", &[], "6"),
        sample("shop_latency_us_sum", &[], "45251"),
        sample("shop_retries_total", &[], "1"),
    ] {
        assert!(theirs.samples.contains(&expected), "{expected:?}");
    }
    assert_eq!(theirs.types["shop_latency_us"], "histogram");
    assert!(!theirs.help.contains_key("shop_retries_total"));
}

#[test]
fn a_prometheus_collector_of_one_table_gathers_its_series() {
    let table = filled();
    let ours = ours(&table);
    let registry = prometheus::Registry::new();
    registry
        .register(Box::new(
            PrometheusCollector::new(Arc::clone(&table)).expect("valid names"),
        ))
        .expect("registers");

    let theirs = parse(&prometheus_text(&registry));
    assert_eq!(theirs.samples.len(), SHOP_SERIES);
    assert_eq!(theirs, parse(&ours.encode_text()).only("shop_"));

    // The same table again, alone or in a registry, repeats its names.
    let again = PrometheusCollector::new(Arc::clone(&table)).expect("valid names");
    assert!(registry.register(Box::new(again)).is_err());
    let whole = PrometheusCollector::from_registry(&ours);
    assert!(registry.register(Box::new(whole)).is_err());
}

#[test]
fn prometheus_client_encodes_what_encode_text_shows() {
    let table = filled();
    let ours = ours(&table);
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register_collector(Box::new(PrometheusClientCollector::from_registry(&ours)));

    // OpenMetrics: the samples of our Prometheus text (counter samples
    // are `_total` in both), and our own OpenMetrics, family for family.
    settled(
        || ours.encode_text(),
        || client_openmetrics(&registry),
        |ours_text, theirs| {
            assert!(theirs.ends_with("# EOF\n"));
            let theirs = parse(theirs);
            assert_eq!(theirs.samples, parse(ours_text).samples);
        },
    );
    settled(
        || ours.encode_openmetrics(),
        || client_openmetrics(&registry),
        |ours, theirs| {
            let (ours, theirs) = (parse(ours), parse(theirs));
            assert_eq!(theirs.samples, ours.samples);
            assert_eq!(theirs.types, ours.types);
            assert_eq!(theirs.help, ours.help);
        },
    );
    // And its Prometheus text: all of it, HELP and TYPE included.
    settled(
        || ours.encode_text(),
        || client_prometheus_text(&registry),
        |ours, theirs| assert_eq!(parse(theirs), parse(ours)),
    );
}

#[test]
fn a_prometheus_client_collector_of_one_table_encodes_its_series() {
    let table = filled();
    let ours = ours(&table);
    let mut registry = prometheus_client::registry::Registry::default();
    let collector = PrometheusClientCollector::new(Arc::clone(&table)).expect("valid names");
    registry.register_collector(Box::new(collector));

    let ours = parse(&ours.encode_text()).only("shop_");
    assert_eq!(ours.samples.len(), SHOP_SERIES);
    assert_eq!(parse(&client_openmetrics(&registry)).samples, ours.samples);
    assert_eq!(parse(&client_prometheus_text(&registry)), ours);
}

#[test]
fn serde_gives_what_the_archive_writes() {
    let table = filled();
    let snapshot = TableSnapshot::of(&*table, DEFAULT_SNAPSHOT_DEADLINE);
    let mut line = String::new();
    snapshot.write_json(&mut line);
    let line: serde_json::Value = serde_json::from_str(&line).expect("the archive writes JSON");

    let stats = serde_json::to_value(table.snapshot()).expect("serialises");
    assert_eq!(stats, line["stats"]);
    // Every variant of a closed key set, zero counts included.
    assert_eq!(stats["by_method"]["counts"]["wallet"], 0);
    assert_eq!(stats["by_key"]["counts"]["new\nline"], 3);
    assert_eq!(stats["by_key"]["overflow"], 5);
    assert_eq!(
        stats["latency_us"],
        serde_json::json!({"bounds": [100, 1000, 10000], "buckets": [2, 1, 1, 2], "count": 6, "sum": 45251}),
    );
    // A snapshot with a deadline serialises as the struct; the type-erased
    // one as the whole archive line.
    let within = table.snapshot_within(DEFAULT_SNAPSHOT_DEADLINE);
    assert_eq!(serde_json::to_value(&within).expect("serialises"), stats);
    assert_eq!(serde_json::to_value(&snapshot).expect("serialises"), line);

    // Keyed values come back from their JSON.
    let shop = table.snapshot();
    let by_method: Keyed<Method> =
        serde_json::from_value(stats["by_method"].clone()).expect("deserialises");
    let by_key: Keyed<String> =
        serde_json::from_value(stats["by_key"].clone()).expect("deserialises");
    assert_eq!((by_method, by_key), (shop.by_method, shop.by_key));
}
