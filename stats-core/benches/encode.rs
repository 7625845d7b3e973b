//! Encoding a scrape: the Prometheus text format (and OpenMetrics) of the
//! same series by a [`Registry`] and by the peers, in one run.
//!
//! `cargo bench -p stats-core --bench encode` prints the median time of
//! one encode, per series, and the ratios to `measured` and `prometheus`,
//! for two shapes:
//!
//! * **keyed**: one counter family with one label and N label values
//!   (`customer-000042`), N = 1,000, 10,000 and 100,000 (`ENCODE_SERIES`):
//!   ours an open keyed field (`#[stat(keyed(capacity = 100_000))]
//!   Keyed<String>`, so a scrape also copies and sorts the keys); `measured`
//!   a dense `CounterVec` over a fixed label set of the N values (its
//!   fastest path: values decoded by index, no hashing, not sorted);
//!   `prometheus` an `IntCounterVec` through `Registry::gather()` and
//!   `TextEncoder` (gather copies every series into protobuf structs, then
//!   sorts them); `prometheus-client` a `Family` through
//!   `encoding::text::encode` (OpenMetrics, its only text format).
//! * **plain**: 10,000 counter families without labels: ours 100 tables of
//!   100 counters each; `measured` 10,000 `Counter`s each encoded under its
//!   own name; `prometheus` 10,000 `IntCounter`s in one registry;
//!   `prometheus-client` 10,000 `Counter`s in one registry.
//!
//! A row `ours: the reads alone` times `registry.snapshots()`: the
//! snapshot reads every encode begins with (for the keyed shape, copying
//! the keys out of the key store and sorting them), so the rest of our
//! time is the text itself.
//!
//! Every contender writes the same lines: `HELP`, `TYPE` and the samples
//! (for `measured`, the `HELP` line its `MetricGroup` derive writes from a
//! doc comment, through `Encoding::write_help`). Every contender writes into a buffer it keeps from one encode to the
//! next, as a `/metrics` handler would (`measured`'s `BufferedTextEncoder`
//! hands out its bytes with `finish()`; they are dropped before the next
//! encode, so it reuses its allocation). Our registry also exports the
//! library's health table (9 more series). Before timing, each output is
//! checked to hold the N series, so no contender skips work.
//!
//! A figure is the median of `ENCODE_ROUNDS` (default 7) rounds; each
//! round runs every contender of a row one after the other, each repeated
//! for about `ENCODE_ROUND_MS` (default 60) ms, so that drift of the
//! shared machine hits them alike.
//!
//! Allocations are not counted here: a counting global allocator needs an
//! `unsafe impl GlobalAlloc`, and stats-core forbids `unsafe_code` in
//! every target (the workspace's `forbid` can't be lifted by one bench).
//! `tests/exposition.rs` (`encoding_allocates_nothing_per_series`) counts
//! ours with the tests crate's counting allocator instead.

mod support;

use measured::label::{FixedCardinalitySet, LabelSet};
use measured::metric::MetricFamilyEncoding;
use measured::metric::group::Encoding as _;
use measured::metric::name::MetricName;
use measured::text::BufferedTextEncoder;
use prometheus::{Encoder as _, IntCounter, IntCounterVec, Opts, TextEncoder};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter as PcCounter;
use prometheus_client::metrics::family::Family;
use stats_core::{Format, Keyed, Registry, StatTable};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::env_or;

/// The keyed shape's table: room for the largest N.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "bench")]
struct Requests {
    /// Requests by customer.
    #[stat(keyed(capacity = 100_000, max_key_len = 16, label = "customer"))]
    requests: Keyed<String>,
}

/// One table of the plain shape: 100 counters.
macro_rules! plain_table {
    ($table:ident $prefix:literal [$($field:ident)*]) => {
        /// 100 counters.
        #[derive(StatTable, Debug, Default)]
        #[stat_table(prefix = $prefix)]
        struct $table {
            $(
                /// One of 100 counters.
                $field: u64,
            )*
        }

        impl $table {
            /// A new table with every counter at `n`.
            fn filled(n: u64) -> Arc<<Self as StatTable>::Table> {
                let table = Arc::new(Self::table());
                $( table.$field().add(n); )*
                table
            }
        }
    };
}

/// The plain shape's tables: 100 tables of 100 counters, each table its
/// own prefix, and `register_plain`, which registers them all.
macro_rules! plain_tables {
    ($([$table:ident $prefix:literal])*) => {
        $(
            plain_table!($table $prefix [
                f00 f01 f02 f03 f04 f05 f06 f07 f08 f09 f10 f11 f12 f13 f14 f15 f16 f17 f18 f19
                f20 f21 f22 f23 f24 f25 f26 f27 f28 f29 f30 f31 f32 f33 f34 f35 f36 f37 f38 f39
                f40 f41 f42 f43 f44 f45 f46 f47 f48 f49 f50 f51 f52 f53 f54 f55 f56 f57 f58 f59
                f60 f61 f62 f63 f64 f65 f66 f67 f68 f69 f70 f71 f72 f73 f74 f75 f76 f77 f78 f79
                f80 f81 f82 f83 f84 f85 f86 f87 f88 f89 f90 f91 f92 f93 f94 f95 f96 f97 f98 f99
            ]);
        )*

        /// Registers the 100 tables, every counter at 7.
        fn register_plain(registry: &Registry) {
            $( registry.register($table::filled(7)).expect("distinct prefixes"); )*
        }
    };
}

plain_tables!(
    [P00 "p00"] [P01 "p01"] [P02 "p02"] [P03 "p03"] [P04 "p04"] [P05 "p05"] [P06 "p06"]
    [P07 "p07"] [P08 "p08"] [P09 "p09"] [P10 "p10"] [P11 "p11"] [P12 "p12"] [P13 "p13"]
    [P14 "p14"] [P15 "p15"] [P16 "p16"] [P17 "p17"] [P18 "p18"] [P19 "p19"] [P20 "p20"]
    [P21 "p21"] [P22 "p22"] [P23 "p23"] [P24 "p24"] [P25 "p25"] [P26 "p26"] [P27 "p27"]
    [P28 "p28"] [P29 "p29"] [P30 "p30"] [P31 "p31"] [P32 "p32"] [P33 "p33"] [P34 "p34"]
    [P35 "p35"] [P36 "p36"] [P37 "p37"] [P38 "p38"] [P39 "p39"] [P40 "p40"] [P41 "p41"]
    [P42 "p42"] [P43 "p43"] [P44 "p44"] [P45 "p45"] [P46 "p46"] [P47 "p47"] [P48 "p48"]
    [P49 "p49"] [P50 "p50"] [P51 "p51"] [P52 "p52"] [P53 "p53"] [P54 "p54"] [P55 "p55"]
    [P56 "p56"] [P57 "p57"] [P58 "p58"] [P59 "p59"] [P60 "p60"] [P61 "p61"] [P62 "p62"]
    [P63 "p63"] [P64 "p64"] [P65 "p65"] [P66 "p66"] [P67 "p67"] [P68 "p68"] [P69 "p69"]
    [P70 "p70"] [P71 "p71"] [P72 "p72"] [P73 "p73"] [P74 "p74"] [P75 "p75"] [P76 "p76"]
    [P77 "p77"] [P78 "p78"] [P79 "p79"] [P80 "p80"] [P81 "p81"] [P82 "p82"] [P83 "p83"]
    [P84 "p84"] [P85 "p85"] [P86 "p86"] [P87 "p87"] [P88 "p88"] [P89 "p89"] [P90 "p90"]
    [P91 "p91"] [P92 "p92"] [P93 "p93"] [P94 "p94"] [P95 "p95"] [P96 "p96"] [P97 "p97"]
    [P98 "p98"] [P99 "p99"]
);

/// `measured`'s label set of the N customers, fixed once built: values are
/// decoded by index, the way its `FixedCardinalityLabel` enums are.
struct Customers {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl LabelSet for Customers {
    type Value<'a> = &'a str;

    fn dynamic_cardinality(&self) -> Option<usize> {
        Some(self.names.len())
    }

    fn encode(&self, value: &str) -> Option<usize> {
        self.index.get(value).copied()
    }

    fn decode(&self, index: usize) -> &str {
        &self.names[index]
    }
}

impl FixedCardinalitySet for Customers {}

/// `measured`'s label group: one label, `customer`.
#[derive(measured::LabelGroup, Clone, Copy, Debug)]
#[label(set = CustomerSet)]
struct Customer<'a> {
    #[label(fixed_with = Customers)]
    customer: &'a str,
}

/// `prometheus-client`'s label set.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CustomerLabels {
    customer: String,
}

/// One encoder of a row: encodes into its own buffer, returns the output.
struct Contender<'a> {
    name: &'static str,
    /// Encodes once; returns the bytes written.
    encode: Box<dyn FnMut() -> usize + 'a>,
    /// The last output, for the check before timing.
    output: Box<dyn Fn() -> String + 'a>,
}

/// The N label values of the keyed shape.
fn customers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("customer-{i:06}")).collect()
}

fn main() {
    let rounds = usize::try_from(env_or("ENCODE_ROUNDS", 7))
        .unwrap_or(7)
        .max(1);
    let round = Duration::from_millis(env_or("ENCODE_ROUND_MS", 60));
    let sizes: Vec<usize> = std::env::var("ENCODE_SERIES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);

    println!(
        "encode: median of {rounds} rounds of about {} ms per contender",
        round.as_millis()
    );
    println!(
        "{:<6} {:>7}  {:<32} {:>11} {:>10} {:>8} {:>8} {:>10}",
        "shape", "series", "contender", "µs/encode", "ns/series", "/measured", "/prom", "bytes"
    );
    for &n in &sizes {
        if n > 100_000 {
            eprintln!("skipping {n} series: the keyed table holds 100,000 keys");
            continue;
        }
        keyed_row(n, rounds, round);
    }
    plain_row(rounds, round);
}

/// The keyed shape at `n` label values.
fn keyed_row(n: usize, rounds: usize, round: Duration) {
    let keys = customers(n);
    let counts = |i: usize| i as u64 % 1_000 + 1;

    let ours = Arc::new(Requests::table());
    for (i, key) in keys.iter().enumerate() {
        ours.requests().add(key, counts(i));
    }
    let registry = Registry::new();
    registry.register(Arc::clone(&ours)).expect("registers");

    let set = CustomerSet::new(Customers {
        index: keys
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect(),
        names: keys.clone(),
    });
    let measured = measured::CounterVec::with_label_set(set);
    for (i, key) in keys.iter().enumerate() {
        measured.inc_by(Customer { customer: key }, counts(i));
    }

    let prometheus_registry = prometheus::Registry::new();
    let vec = IntCounterVec::new(
        Opts::new("bench_requests_total", "Requests by customer."),
        &["customer"],
    )
    .expect("a valid vec");
    prometheus_registry
        .register(Box::new(vec.clone()))
        .expect("registers");
    for (i, key) in keys.iter().enumerate() {
        vec.with_label_values(&[key.as_str()]).inc_by(counts(i));
    }

    let mut client_registry = prometheus_client::registry::Registry::default();
    let family = Family::<CustomerLabels, PcCounter>::default();
    client_registry.register("bench_requests", "Requests by customer.", family.clone());
    for (i, key) in keys.iter().enumerate() {
        family
            .get_or_create(&CustomerLabels {
                customer: key.clone(),
            })
            .inc_by(counts(i));
    }

    let text = std::cell::RefCell::new(String::new());
    let om = std::cell::RefCell::new(String::new());
    let measured_out = std::cell::RefCell::new(Vec::<u8>::new());
    let keep = std::cell::Cell::new(true);
    let mut measured_encoder = BufferedTextEncoder::new();
    let prom_out = std::cell::RefCell::new(Vec::<u8>::new());
    let client_out = std::cell::RefCell::new(String::new());
    let name = MetricName::from_str("bench_requests_total");

    let mut contenders = vec![
        Contender {
            name: "ours (Prometheus text)",
            encode: Box::new(|| {
                let mut out = text.borrow_mut();
                out.clear();
                registry.encode_into(Format::PrometheusText, &mut out);
                out.len()
            }),
            output: Box::new(|| text.borrow().clone()),
        },
        Contender {
            name: "ours (OpenMetrics)",
            encode: Box::new(|| {
                let mut out = om.borrow_mut();
                out.clear();
                registry.encode_into(Format::OpenMetrics, &mut out);
                out.len()
            }),
            output: Box::new(|| om.borrow().clone()),
        },
        Contender {
            name: "ours: the reads alone",
            encode: Box::new(|| black_box(registry.snapshots()).len()),
            output: Box::new(String::new),
        },
        Contender {
            name: "measured CounterVec",
            encode: Box::new(|| {
                // HELP as its `MetricGroup` derive writes it from a doc
                // comment, so that every contender writes the same lines.
                measured_encoder
                    .write_help(name, "Requests by customer.")
                    .expect("infallible");
                measured
                    .collect_family_into(name, &mut measured_encoder)
                    .expect("infallible");
                let bytes = measured_encoder.finish();
                // The first output only, for the check: not a copy per encode.
                if keep.replace(false) {
                    *measured_out.borrow_mut() = bytes.to_vec();
                }
                bytes.len()
            }),
            output: Box::new(|| String::from_utf8_lossy(&measured_out.borrow()).into_owned()),
        },
        Contender {
            name: "prometheus IntCounterVec",
            encode: Box::new(|| {
                let families = prometheus_registry.gather();
                let mut out = prom_out.borrow_mut();
                out.clear();
                TextEncoder::new()
                    .encode(&families, &mut *out)
                    .expect("encodes");
                out.len()
            }),
            output: Box::new(|| String::from_utf8_lossy(&prom_out.borrow()).into_owned()),
        },
        Contender {
            name: "prometheus-client Family (OM)",
            encode: Box::new(|| {
                let mut out = client_out.borrow_mut();
                out.clear();
                prometheus_client::encoding::text::encode(&mut *out, &client_registry)
                    .expect("encodes");
                out.len()
            }),
            output: Box::new(|| client_out.borrow().clone()),
        },
    ];
    report(
        "keyed",
        n,
        rounds,
        round,
        &mut contenders,
        |name, output| {
            let samples = output
                .lines()
                .filter(|l| l.starts_with("bench_requests_total{customer="))
                .count();
            assert_eq!(samples, n, "{name} wrote {samples} series, expected {n}");
        },
    );
}

/// The plain shape: 10,000 counter families without labels.
fn plain_row(rounds: usize, round: Duration) {
    const FAMILIES: usize = 10_000;
    let registry = Registry::new();
    register_plain(&registry);

    let names: Vec<String> = (0..FAMILIES)
        .map(|i| format!("p{:02}_f{:02}_total", i / 100, i % 100))
        .collect();
    let measured: Vec<measured::Counter> = (0..FAMILIES)
        .map(|_| {
            let counter = measured::Counter::new();
            counter.inc_by(7);
            counter
        })
        .collect();
    let measured_names: Vec<&MetricName> = names
        .iter()
        .map(|n| MetricName::try_from_str(n).expect("a valid name"))
        .collect();

    let prometheus_registry = prometheus::Registry::new();
    for name in &names {
        let counter = IntCounter::new(name.as_str(), "One of 100 counters.").expect("valid");
        counter.inc_by(7);
        prometheus_registry
            .register(Box::new(counter))
            .expect("registers");
    }

    let mut client_registry = prometheus_client::registry::Registry::default();
    for name in &names {
        let counter = PcCounter::<u64>::default();
        counter.inc_by(7);
        let family = name.strip_suffix("_total").expect("a counter name");
        client_registry.register(family, "One of 100 counters.", counter);
    }

    let text = std::cell::RefCell::new(String::new());
    let om = std::cell::RefCell::new(String::new());
    let measured_out = std::cell::RefCell::new(Vec::<u8>::new());
    let keep = std::cell::Cell::new(true);
    let mut measured_encoder = BufferedTextEncoder::new();
    let prom_out = std::cell::RefCell::new(Vec::<u8>::new());
    let client_out = std::cell::RefCell::new(String::new());

    let mut contenders = vec![
        Contender {
            name: "ours (Prometheus text)",
            encode: Box::new(|| {
                let mut out = text.borrow_mut();
                out.clear();
                registry.encode_into(Format::PrometheusText, &mut out);
                out.len()
            }),
            output: Box::new(|| text.borrow().clone()),
        },
        Contender {
            name: "ours (OpenMetrics)",
            encode: Box::new(|| {
                let mut out = om.borrow_mut();
                out.clear();
                registry.encode_into(Format::OpenMetrics, &mut out);
                out.len()
            }),
            output: Box::new(|| om.borrow().clone()),
        },
        Contender {
            name: "ours: the reads alone",
            encode: Box::new(|| black_box(registry.snapshots()).len()),
            output: Box::new(String::new),
        },
        Contender {
            name: "measured Counter x10,000",
            encode: Box::new(|| {
                for (counter, name) in measured.iter().zip(&measured_names) {
                    measured_encoder
                        .write_help(*name, "One of 100 counters.")
                        .expect("infallible");
                    counter
                        .collect_family_into(*name, &mut measured_encoder)
                        .expect("infallible");
                }
                let bytes = measured_encoder.finish();
                if keep.replace(false) {
                    *measured_out.borrow_mut() = bytes.to_vec();
                }
                bytes.len()
            }),
            output: Box::new(|| String::from_utf8_lossy(&measured_out.borrow()).into_owned()),
        },
        Contender {
            name: "prometheus IntCounter x10,000",
            encode: Box::new(|| {
                let families = prometheus_registry.gather();
                let mut out = prom_out.borrow_mut();
                out.clear();
                TextEncoder::new()
                    .encode(&families, &mut *out)
                    .expect("encodes");
                out.len()
            }),
            output: Box::new(|| String::from_utf8_lossy(&prom_out.borrow()).into_owned()),
        },
        Contender {
            name: "prometheus-client Counter x10,000",
            encode: Box::new(|| {
                let mut out = client_out.borrow_mut();
                out.clear();
                prometheus_client::encoding::text::encode(&mut *out, &client_registry)
                    .expect("encodes");
                out.len()
            }),
            output: Box::new(|| client_out.borrow().clone()),
        },
    ];
    report(
        "plain",
        FAMILIES,
        rounds,
        round,
        &mut contenders,
        |name, output| {
            let samples = output
                .lines()
                .filter(|l| l.starts_with('p') && l.contains("_total 7"))
                .count();
            assert_eq!(samples, FAMILIES, "{name} wrote {samples} series");
        },
    );
}

/// Checks each contender's output, times the row and prints it.
fn report(
    shape: &str,
    series: usize,
    rounds: usize,
    round: Duration,
    contenders: &mut [Contender<'_>],
    check: impl Fn(&str, &str),
) {
    // Warm up (buffers reach their size, tables publish), check, calibrate.
    let mut iterations = Vec::new();
    let mut bytes = Vec::new();
    for contender in contenders.iter_mut() {
        let written = (contender.encode)();
        // The row of our reads alone writes nothing: it splits our time.
        if !contender.name.contains("reads alone") {
            assert!(
                written > series * 20,
                "{} wrote {written} bytes",
                contender.name
            );
            check(contender.name, &(contender.output)());
        }
        let start = Instant::now();
        let mut n = 0_u32;
        while start.elapsed() < round / 4 || n == 0 {
            black_box((contender.encode)());
            n += 1;
        }
        let each = start.elapsed() / n;
        iterations.push(((round.as_secs_f64() / each.as_secs_f64()) as u32).max(1));
        bytes.push(written);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); contenders.len()];
    for _ in 0..rounds {
        for (i, contender) in contenders.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..iterations[i] {
                black_box((contender.encode)());
            }
            times[i].push(start.elapsed().as_secs_f64() / f64::from(iterations[i]));
        }
    }
    let medians: Vec<f64> = times
        .into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect();
    let find = |prefix: &str| {
        contenders
            .iter()
            .position(|c| c.name.starts_with(prefix))
            .map(|i| medians[i])
            .expect("a contender")
    };
    let (measured, prometheus) = (find("measured"), find("prometheus "));
    for (i, contender) in contenders.iter().enumerate() {
        let bytes = if contender.name.contains("reads alone") {
            "-".to_owned()
        } else {
            bytes[i].to_string()
        };
        println!(
            "{:<6} {:>7}  {:<32} {:>11.1} {:>10.1} {:>8.2} {:>8.2} {:>10}",
            shape,
            series,
            contender.name,
            medians[i] * 1e6,
            medians[i] * 1e9 / series as f64,
            medians[i] / measured,
            medians[i] / prometheus,
            bytes
        );
    }
}
