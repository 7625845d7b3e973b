//! The Prometheus text format and OpenMetrics output of a [`Registry`],
//! checked by the real `promtool` and by reading it back.
//!
//! # promtool
//!
//! `promtool check metrics` (Debian's `prometheus` package; `.ci/run`
//! installs it) reads its standard input with the Prometheus text format
//! 0.0.4 parser and then lints what it parsed. Its exit status tells the
//! two apart, and the tests rely on that:
//!
//! * 0: parsed, and no lint problem;
//! * 3: parsed, with lint problems, one per line on stderr as
//!   `{metric} {problem}` (`foo counter metrics should have "_total"
//!   suffix`, `foo no help text`, unit and naming advice);
//! * 1: the input does not parse (`error while linting: text format parsing
//!   error in line N: ...`).
//!
//! What the tests assert: on the tables of this file, which are named the
//! way the linter asks (every field documented, no unit abbreviations, no
//! type names in metric names), promtool must exit 0: any lint problem
//! there comes from the encoder (a counter without `_total`, a missing
//! `HELP`) and fails the test. A lint about a name the user chose
//! (`latency_us`, an undocumented field) is the user's business, not the
//! encoder's: `lint_warnings_are_not_parse_errors` shows that such output
//! still parses (exit 3, never 1), and pins the exact problems promtool
//! reports so that a new one, perhaps caused by the encoder, shows up.
//!
//! promtool is never skipped: when it is missing the tests fail and say how
//! to install it.
//!
//! # OpenMetrics
//!
//! `promtool check metrics` in 2.42 has no OpenMetrics parser: it takes no
//! format flag and reads OpenMetrics input with the 0.0.4 parser. There,
//! `# EOF` is an ignored comment, a counter family `# TYPE foo counter`
//! with its sample `foo_total` reads as a family `foo` without samples
//! beside an untyped `foo_total` ("foo_total no help text"), and an
//! OpenMetrics `HELP` with an escaped double quote (`\"`, which
//! OpenMetrics requires) is a parse error ("invalid escape sequence
//! '\"'"). So `check metrics` can't judge OpenMetrics output.
//!
//! promtool does hold Prometheus's OpenMetrics parser, in its backfill:
//! `promtool tsdb create-blocks-from openmetrics` reads a file with it
//! (every sample needs a timestamp there, so the test appends one), and
//! `promtool tsdb dump` prints what was stored.
//! `openmetrics_round_trips_through_prometheus` checks that every series
//! comes back with its labels and value. That parser enforces the syntax,
//! the escapes and `# EOF` last, but takes a counter sample without
//! `_total` or an integer `le`; those rules are checked with this file's
//! own reader (`total_suffix_and_openmetrics_rules`: `# EOF` once and
//! last, counter families named without `_total` and sampled with it,
//! `le` as `{integer}.0`, one declaration per family, samples under their
//! family). A real Prometheus scraping OpenMetrics over HTTP is the
//! end-to-end test's job.
//!
//! Every test takes `SERIAL`: the library's health table is process-wide
//! and part of every exposition, and a test that reads with a zero deadline
//! or overflows a key set moves it, so tests that compare two encodings
//! must not run beside them.

use stats_core::{
    Format, Histogram, KeyLabel, Keyed, RegisterError, Registry, StatKey, StatTable, health,
};
use stats_tests::counting::{self, Counting};
use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Serialises the tests of this binary (see the module docs).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------
// The tables.

/// How a payment was made.
#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    Wallet,
    #[stat_key(rename = "bank_transfer")]
    Bank,
}

/// A hand-written key set whose `ALL` leaves `Missing` out: its increments
/// are the closed field's overflow, the one way a closed field has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Listed,
    Missing,
}

impl KeyLabel for Kind {
    fn label(&self) -> &str {
        match self {
            Self::Listed => "listed",
            Self::Missing => "missing",
        }
    }
}

impl StatKey for Kind {
    const ALL: &'static [Self] = &[Self::Listed];
    const LABELS: &'static [&'static str] = &["listed"];
    fn index(self) -> usize {
        0
    }
}

/// Every field shape.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "expo_orders")]
struct Orders {
    /// Orders created.
    created: u64,
    /// Orders shipped: the metric name already ends in `_total`.
    #[stat(name = "shipped_total")]
    shipped: u64,
    /// Orders being handled.
    #[stat(gauge)]
    in_flight: i64,
    /// Payment attempts by method.
    by_method: Keyed<Method>,
    /// Jobs by kind, one kind outside the key set.
    by_kind: Keyed<Kind>,
    #[doc = "Orders by region: \"quoted\", a back\\slash,\nand a second line."]
    #[stat(keyed(capacity = 64))]
    by_region: Keyed<String>,
    /// Time to ship, in ticks.
    #[stat(histogram(buckets = [1, 10, 100, 1_000_000]))]
    ship_delay: Histogram,
}

/// Keys a client chose, as hostile as keys get.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "expo_odd")]
struct Odd {
    /// Requests by a key the client chose.
    #[stat(keyed(capacity = 32, max_key_len = 24))]
    by_client: Keyed<String>,
}

/// A key set filled past its capacity.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "expo_full")]
struct Full {
    /// Sessions by user: room for 4 users.
    #[stat(keyed(capacity = 4, label = "user"))]
    by_user: Keyed<String>,
}

/// The longest key `Odd` stores, in bytes.
const MAX_KEY_LEN: usize = 24;

/// Keys `Odd` stores: every character the formats escape, characters they
/// don't, the empty key, and keys exactly `MAX_KEY_LEN` bytes long.
fn odd_keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        "",
        "\"",
        "\\",
        "\n",
        "a\"b\\c\nd",
        "\\n",
        "\\\"",
        "\"\"\\\\\n\n",
        "}",
        ",",
        "=",
        " ",
        "{x=\"y\"}",
        "\r\t",
        "é",
        "日本",
        "🦀",
        "# HELP x y",
    ]
    .map(str::to_owned)
    .to_vec();
    keys.push("x".repeat(MAX_KEY_LEN));
    keys.push("é".repeat(MAX_KEY_LEN / 2));
    keys
}

/// Keys longer than `MAX_KEY_LEN` bytes: overflow.
fn too_long_keys() -> Vec<String> {
    vec![
        "y".repeat(MAX_KEY_LEN + 1),
        "é".repeat(MAX_KEY_LEN / 2 + 1),
        "\"".repeat(1000),
        "\\\n".repeat(10_000),
    ]
}

/// The tables of most tests, with values in every series.
struct Fixture {
    orders: &'static OrdersTable,
    odd: Arc<OddTable>,
    full: Arc<FullTable>,
}

impl Fixture {
    fn new() -> Self {
        // A `'static` table, as most services hold theirs.
        let orders: &'static OrdersTable = Box::leak(Box::new(Orders::table()));
        orders.created().add(41);
        orders.shipped().add(7);
        orders.in_flight().set(-3);
        orders.by_method().add(Method::Card, 2);
        orders.by_method().add(Method::Bank, 5);
        orders.by_kind().inc(Kind::Listed);
        orders.by_kind().add(Kind::Missing, 2);
        for (region, n) in [("us-east", 3), ("eu-west", 1), ("ap-south", 2), ("af", 9)] {
            orders.by_region().add(region, n);
        }
        for value in [0, 1, 5, 10, 11, 500, 1_000_000, 2_000_000] {
            orders.ship_delay().observe(value);
        }

        let odd = Arc::new(Odd::table());
        // In reverse order, so that sorting is the encoder's doing.
        for (i, key) in odd_keys().iter().enumerate().rev() {
            odd.by_client().add(key, i as u64 + 1);
        }
        for key in too_long_keys() {
            odd.by_client().add(&key, 100);
        }

        let full = Arc::new(Full::table());
        for user in 0..10 {
            full.by_user().add(&format!("user-{user}"), user + 1);
        }
        Self { orders, odd, full }
    }

    fn registry(&self) -> Registry {
        let registry = Registry::new();
        registry.register(self.orders).expect("orders register");
        registry
            .register(Arc::clone(&self.odd))
            .expect("odd registers");
        registry
            .register(Arc::clone(&self.full))
            .expect("full registers");
        registry
    }

    /// The series of the fixture's tables, in the order the encoder
    /// writes them, from their snapshots.
    fn expected(&self, format: Format) -> Vec<(Series, i128)> {
        let mut expected = Expected::new(format);
        let orders = self.orders.snapshot();
        expected.counter("expo_orders_created", orders.created);
        expected.counter("expo_orders_shipped_total", orders.shipped);
        expected.gauge("expo_orders_in_flight", orders.in_flight);
        expected.closed("expo_orders_by_method", "method", &orders.by_method);
        expected.closed("expo_orders_by_kind", "kind", &orders.by_kind);
        expected.open("expo_orders_by_region", "region", &orders.by_region);
        expected.histogram("expo_orders_ship_delay", &orders.ship_delay);
        expected.open(
            "expo_odd_by_client",
            "client",
            &self.odd.snapshot().by_client,
        );
        expected.open("expo_full_by_user", "user", &self.full.snapshot().by_user);
        expected.series
    }
}

// ---------------------------------------------------------------------
// What the encoder must write, built from snapshots.

/// A sample's name and labels.
type Series = (String, Vec<(String, String)>);

struct Expected {
    format: Format,
    series: Vec<(Series, i128)>,
}

impl Expected {
    fn new(format: Format) -> Self {
        Self {
            format,
            series: Vec::new(),
        }
    }

    fn push(&mut self, name: String, label: Option<(&str, &str)>, value: impl Into<i128>) {
        let labels = label
            .map(|(l, v)| vec![(l.to_owned(), v.to_owned())])
            .unwrap_or_default();
        self.series.push(((name, labels), value.into()));
    }

    /// The sample name of a counter metric: `_total` once.
    fn total(metric: &str) -> String {
        format!("{}_total", metric.strip_suffix("_total").unwrap_or(metric))
    }

    fn counter(&mut self, metric: &str, value: u64) {
        self.push(Self::total(metric), None, value);
    }

    fn gauge(&mut self, metric: &str, value: i64) {
        self.push(metric.to_owned(), None, value);
    }

    fn closed<K: StatKey>(&mut self, metric: &str, label: &str, keyed: &Keyed<K>) {
        for (key, value) in K::ALL.iter().zip(K::LABELS) {
            let count = keyed.get(key).unwrap_or(0);
            self.push(Self::total(metric), Some((label, value)), count);
        }
        if keyed.overflow() != 0 {
            self.counter(&format!("{metric}_overflow"), keyed.overflow());
        }
    }

    fn open(&mut self, metric: &str, label: &str, keyed: &Keyed<String>) {
        let mut keys: Vec<(&String, u64)> = keyed.iter().collect();
        keys.sort();
        for (key, count) in keys {
            self.push(Self::total(metric), Some((label, key)), count);
        }
        self.counter(&format!("{metric}_overflow"), keyed.overflow());
    }

    fn histogram(&mut self, metric: &str, histogram: &Histogram) {
        for (bound, count) in histogram.cumulative() {
            let le = match (bound, self.format) {
                (None, _) => "+Inf".to_owned(),
                (Some(b), Format::OpenMetrics) => format!("{b}.0"),
                (Some(b), _) => b.to_string(),
            };
            self.push(format!("{metric}_bucket"), Some(("le", &le)), count);
        }
        self.push(format!("{metric}_sum"), None, histogram.sum());
        self.push(format!("{metric}_count"), None, histogram.count());
    }
}

// ---------------------------------------------------------------------
// A reader of both formats, strict about what this encoder promises.

/// A metric family as declared by `# TYPE` (and `# HELP`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Family {
    name: String,
    kind: String,
    help: Option<String>,
}

/// What an exposition says, in order.
#[derive(Debug, Default)]
struct Exposition {
    families: Vec<Family>,
    /// Each sample with the index of its family.
    samples: Vec<(usize, Series, i128)>,
}

impl Exposition {
    /// Reads `text`, panicking with the line on anything either format
    /// (as this encoder writes it) forbids.
    fn parse(text: &str, format: Format) -> Self {
        let om = format == Format::OpenMetrics;
        assert!(text.ends_with('\n'), "the exposition must end in a newline");
        if om {
            assert!(
                text.ends_with("\n# EOF\n") || text == "# EOF\n",
                "OpenMetrics must end with `# EOF`"
            );
        }
        let mut out = Self::default();
        let mut seen_series: HashMap<Series, usize> = HashMap::new();
        // Families whose samples were written: a family's samples are
        // contiguous and come after its metadata.
        let mut closed_families: Vec<String> = Vec::new();
        let mut pending_help: Option<(String, String)> = None;
        let lines: Vec<&str> = text
            .strip_suffix('\n')
            .unwrap_or(text)
            .split('\n')
            .collect();
        for (number, line) in lines.iter().enumerate() {
            let at = || format!("line {}: {line:?}", number + 1);
            assert!(!line.is_empty(), "empty line at {}", at());
            if *line == "# EOF" {
                assert!(om, "`# EOF` in the Prometheus text format at {}", at());
                assert_eq!(number + 1, lines.len(), "`# EOF` is not last at {}", at());
                continue;
            }
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
                assert!(is_metric_name(name), "bad HELP name at {}", at());
                let help = unescape(help, if om { "\\\"n" } else { "\\n" })
                    .unwrap_or_else(|e| panic!("{e} at {}", at()));
                if om {
                    // After its TYPE.
                    let families = out.families.len();
                    assert!(
                        out.samples.last().is_none_or(|s| s.0 + 1 < families),
                        "HELP after samples at {}",
                        at()
                    );
                    let family = out.families.last_mut().expect("HELP before any TYPE");
                    assert_eq!(family.name, name, "HELP of another family at {}", at());
                    assert!(family.help.is_none(), "second HELP at {}", at());
                    family.help = Some(help);
                } else {
                    assert!(pending_help.is_none(), "two HELP lines at {}", at());
                    pending_help = Some((name.to_owned(), help));
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
                assert!(is_metric_name(name), "bad TYPE name at {}", at());
                assert!(
                    ["counter", "gauge", "histogram"].contains(&kind),
                    "unexpected type at {}",
                    at()
                );
                assert!(
                    out.families.iter().all(|f| f.name != name),
                    "family declared twice at {}",
                    at()
                );
                let help = pending_help.take().map(|(help_name, help)| {
                    assert_eq!(help_name, name, "HELP of another family at {}", at());
                    help
                });
                if let Some(last) = out.families.last() {
                    closed_families.push(last.name.clone());
                }
                out.families.push(Family {
                    name: name.to_owned(),
                    kind: kind.to_owned(),
                    help,
                });
                continue;
            }
            assert!(!line.starts_with('#'), "unexpected comment at {}", at());
            assert!(pending_help.is_none(), "HELP without TYPE at {}", at());
            let (series, value) = parse_sample(line).unwrap_or_else(|e| panic!("{e} at {}", at()));
            let index = out
                .families
                .len()
                .checked_sub(1)
                .expect("a sample before any TYPE");
            let family = &out.families[index];
            assert!(
                sample_belongs(&family.name, &family.kind, &series.0, format),
                "sample {} outside its family {} ({}) at {}",
                series.0,
                family.name,
                family.kind,
                at()
            );
            assert!(
                !closed_families.contains(&family.name),
                "family samples not contiguous at {}",
                at()
            );
            if let Some(previous) = seen_series.insert(series.clone(), number) {
                panic!(
                    "series repeated (first on line {}) at {}",
                    previous + 1,
                    at()
                );
            }
            out.samples.push((index, series, value));
        }
        out
    }

    /// The samples of families whose name does not start with `stats_`
    /// (the library's health table, which other tests move).
    fn user_series(&self) -> Vec<(Series, i128)> {
        self.samples
            .iter()
            .filter(|(family, ..)| !self.families[*family].name.starts_with("stats_"))
            .map(|(_, series, value)| (series.clone(), *value))
            .collect()
    }

    /// The samples that only grow: counters', and histograms' buckets,
    /// sums and counts; `le` written as in the Prometheus text format, so
    /// that both formats name a bucket alike.
    fn monotonic(&self) -> BTreeMap<Series, i128> {
        self.samples
            .iter()
            .filter(|(family, ..)| self.families[*family].kind != "gauge")
            .map(|(_, (name, labels), value)| {
                let labels = labels
                    .iter()
                    .map(|(label, v)| match (label.as_str(), v.strip_suffix(".0")) {
                        ("le", Some(integer)) => (label.clone(), integer.to_owned()),
                        _ => (label.clone(), v.clone()),
                    })
                    .collect();
                ((name.clone(), labels), *value)
            })
            .collect()
    }
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Whether a sample named `sample` belongs to family `family` of `kind`.
fn sample_belongs(family: &str, kind: &str, sample: &str, format: Format) -> bool {
    match (kind, format) {
        ("counter", Format::OpenMetrics) => sample.strip_suffix("_total") == Some(family),
        ("counter", _) => sample == family && family.ends_with("_total"),
        ("histogram", _) => sample
            .strip_prefix(family)
            .is_some_and(|suffix| ["_bucket", "_sum", "_count"].contains(&suffix)),
        _ => sample == family,
    }
}

/// Undoes the escapes of `text`: a backslash followed by one of `allowed`
/// (`n` meaning a newline); any other backslash is an error.
fn unescape(text: &str, allowed: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            assert!(c != '\n', "a raw newline");
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') if allowed.contains('n') => out.push('\n'),
            Some(e @ ('\\' | '"')) if allowed.contains(e) => out.push(e),
            other => return Err(format!("invalid escape \\{other:?}")),
        }
    }
    Ok(out)
}

/// `name{label="value",...} value`.
fn parse_sample(line: &str) -> Result<(Series, i128), String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| "a sample without a value".to_owned())?;
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err(format!("bad metric name {name:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        loop {
            let (label, after) = rest
                .split_once("=\"")
                .ok_or_else(|| "a label without `=\"`".to_owned())?;
            if !is_metric_name(label) || label.contains(':') {
                return Err(format!("bad label name {label:?}"));
            }
            // The value ends at the first double quote not escaped.
            let mut end = None;
            let mut escaped = false;
            for (i, b) in after.bytes().enumerate() {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.ok_or_else(|| "an unterminated label value".to_owned())?;
            let value = unescape(&after[..end], "\\\"n")?;
            labels.push((label.to_owned(), value));
            rest = &after[end + 1..];
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
            } else if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            } else {
                return Err("a label not followed by `,` or `}`".to_owned());
            }
        }
    }
    let value = rest
        .strip_prefix(' ')
        .ok_or_else(|| "no space before the value".to_owned())?;
    let value: i128 = value
        .parse()
        .map_err(|_| format!("value {value:?} is not an integer"))?;
    Ok(((name.to_owned(), labels), value))
}

// ---------------------------------------------------------------------
// promtool.

/// What `promtool check metrics` said.
struct Promtool {
    /// Its exit status: 0 clean, 3 lint problems, 1 a parse error.
    code: Option<i32>,
    stderr: String,
}

/// Runs `promtool check metrics` on `exposition`. Fails (never skips) when
/// promtool is missing.
fn promtool(exposition: &str) -> Promtool {
    let mut child = Command::new(promtool_program())
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| promtool_missing(&e));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = exposition.to_owned();
    // Write from another thread: promtool may answer before reading it all.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().expect("promtool runs");
    writer.join().expect("the writer thread");
    Promtool {
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned()
            + &String::from_utf8_lossy(&output.stdout),
    }
}

/// promtool must parse `exposition` and find no lint problem.
fn assert_promtool_clean(what: &str, exposition: &str) {
    let result = promtool(exposition);
    assert_eq!(
        result.code,
        Some(0),
        "promtool check metrics on {what}: exit {:?} (1: parse error, 3: lint problems)\n\
         {}\n--- input:\n{exposition}",
        result.code,
        result.stderr
    );
}

// ---------------------------------------------------------------------
// The tests.

#[test]
fn promtool_accepts_every_shape() {
    let _serial = serial();
    let fixture = Fixture::new();

    // Each shape alone (with the health table), then all together.
    let alone = [
        ("the health table alone", Registry::new()),
        ("every shape of Orders", {
            let r = Registry::new();
            r.register(fixture.orders).expect("registers");
            r
        }),
        ("odd keys and their overflow", {
            let r = Registry::new();
            r.register(Arc::clone(&fixture.odd)).expect("registers");
            r
        }),
        ("a full key set", {
            let r = Registry::new();
            r.register(Arc::clone(&fixture.full)).expect("registers");
            r
        }),
        ("several tables", fixture.registry()),
    ];
    for (what, registry) in alone {
        let text = registry.encode_text();
        assert_promtool_clean(what, &text);
        // And the reader here agrees it is well formed.
        Exposition::parse(&text, Format::PrometheusText);
        Exposition::parse(&registry.encode_openmetrics(), Format::OpenMetrics);
    }

    // Tables that were never written to: zero series, no keys.
    let empty = Registry::new();
    empty
        .register(Arc::new(Orders::table()))
        .expect("registers");
    empty.register(Arc::new(Odd::table())).expect("registers");
    assert_promtool_clean("empty tables", &empty.encode_text());

    // Series that only a reset leaves: after a reset, then more writes.
    let reset = Arc::new(Orders::table());
    reset.by_region().inc("before");
    reset.reset();
    reset.by_region().inc("after");
    let registry = Registry::new();
    registry.register(Arc::clone(&reset)).expect("registers");
    assert_promtool_clean("a reset table", &registry.encode_text());
}

#[test]
fn values_parse_back_to_the_snapshot() {
    let _serial = serial();
    let fixture = Fixture::new();
    let registry = fixture.registry();
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        let mut text = String::new();
        registry.encode_into(format, &mut text);
        let parsed = Exposition::parse(&text, format);
        // Order and values at once: fields in declaration order, tables in
        // registration order, keys sorted.
        let expected = fixture.expected(format);
        let got = parsed.user_series();
        if got != expected {
            for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert_eq!(g, e, "{format:?}: series {i} differs\n{text}");
            }
            panic!(
                "{format:?}: {} series, expected {}\n{text}",
                got.len(),
                expected.len()
            );
        }

        // Spot checks, against the values written rather than the snapshot.
        let value = |name: &str, labels: &[(&str, &str)]| {
            let labels: Vec<(String, String)> = labels
                .iter()
                .map(|(l, v)| ((*l).to_owned(), (*v).to_owned()))
                .collect();
            got.iter()
                .find(|((n, l), _)| n == name && *l == labels)
                .map(|(_, v)| *v)
        };
        assert_eq!(value("expo_orders_created_total", &[]), Some(41));
        assert_eq!(value("expo_orders_shipped_total", &[]), Some(7));
        assert_eq!(value("expo_orders_in_flight", &[]), Some(-3));
        let method = |m| value("expo_orders_by_method_total", &[("method", m)]);
        assert_eq!(
            (method("card"), method("wallet"), method("bank_transfer")),
            (Some(2), Some(0), Some(5))
        );
        assert_eq!(value("expo_orders_by_kind_overflow_total", &[]), Some(2));
        assert_eq!(value("expo_orders_by_region_overflow_total", &[]), Some(0));
        assert_eq!(value("expo_orders_ship_delay_count", &[]), Some(8));
        assert_eq!(value("expo_orders_ship_delay_sum", &[]), Some(3_000_527));
        let inf = value("expo_orders_ship_delay_bucket", &[("le", "+Inf")]);
        assert_eq!(inf, Some(8));
        let too_long: i128 = 100 * too_long_keys().len() as i128;
        assert_eq!(
            value("expo_odd_by_client_overflow_total", &[]),
            Some(too_long)
        );
        for (i, key) in odd_keys().iter().enumerate() {
            assert_eq!(
                value("expo_odd_by_client_total", &[("client", key)]),
                Some(i as i128 + 1),
                "{key:?}"
            );
        }
        // Full: 4 users stored, and the other 6 users' increments overflow;
        // nothing lost.
        let users: Vec<_> = got
            .iter()
            .filter(|((n, _), _)| n == "expo_full_by_user_total")
            .collect();
        assert_eq!(users.len(), 4, "{users:?}");
        let overflow = value("expo_full_by_user_overflow_total", &[]).expect("overflow series");
        assert!(overflow > 0);
        let stored: i128 = users.iter().map(|(_, v)| v).sum();
        assert_eq!(stored + overflow, (1..=10).sum::<i128>());

        // The health table comes last, every field of it.
        let families = &parsed.families;
        let first_health = families
            .iter()
            .position(|f| f.name.starts_with("stats_"))
            .expect("the health table is exported");
        assert!(
            families[first_health..]
                .iter()
                .all(|f| f.name.starts_with("stats_"))
        );
        let health_samples = parsed.samples.iter().filter(|(f, ..)| *f >= first_health);
        let names: Vec<&str> = health_samples.map(|(_, (n, _), _)| n.as_str()).collect();
        for name in [
            "stats_write_blocked_total",
            "stats_breaker_trips_total",
            "stats_breaker_state",
            "stats_snapshot_timeout_total",
            "stats_snapshot_retries_total",
            "stats_stale_iterator_total",
            "stats_keyed_overflow_total",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        let health_now = health();
        let exported = |name: &str| value_of(&parsed, name);
        assert_eq!(
            exported("stats_write_blocked_total"),
            Some(i128::from(health_now.write_blocked))
        );
        assert_eq!(
            exported("stats_keyed_overflow_total"),
            Some(i128::from(health_now.keyed_overflow))
        );
    }
}

/// The value of the sample `name` without labels.
fn value_of(parsed: &Exposition, name: &str) -> Option<i128> {
    parsed
        .samples
        .iter()
        .find(|(_, (n, l), _)| n == name && l.is_empty())
        .map(|(.., v)| *v)
}

#[test]
fn odd_keys_are_escaped() {
    let _serial = serial();
    let fixture = Fixture::new();
    let registry = Registry::new();
    registry
        .register(Arc::clone(&fixture.odd))
        .expect("registers");
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        let mut text = String::new();
        registry.encode_into(format, &mut text);
        // Written out by hand: the reader above could share a mistake with
        // the encoder.
        for (key, escaped) in [
            ("", r#"client="""#),
            ("\"", r#"client="\"""#),
            ("\\", r#"client="\\""#),
            ("\n", r#"client="\n""#),
            ("a\"b\\c\nd", r#"client="a\"b\\c\nd""#),
            ("\\n", r#"client="\\n""#),
            ("\\\"", r#"client="\\\"""#),
            ("\"\"\\\\\n\n", r#"client="\"\"\\\\\n\n""#),
            ("{x=\"y\"}", r#"client="{x=\"y\"}""#),
            ("\r\t", "client=\"\r\t\""),
            ("日本", r#"client="日本""#),
            ("🦀", r#"client="🦀""#),
        ] {
            let line = format!("expo_odd_by_client_total{{{escaped}}} ");
            assert_eq!(
                text.matches(&line).count(),
                1,
                "{format:?}: key {key:?} should be written as {line:?}\n{text}"
            );
        }
        // No raw newline inside a sample: every line is a comment or
        // starts with a metric name.
        for line in text.lines() {
            assert!(
                line.starts_with('#') || line.starts_with("expo_") || line.starts_with("stats_"),
                "{format:?}: a key broke a line: {line:?}"
            );
        }
        // Keys longer than max_key_len are no series of their own.
        assert!(!text.contains(&"y".repeat(MAX_KEY_LEN + 1)));
        assert!(text.contains(&format!("client=\"{}\"", "x".repeat(MAX_KEY_LEN))));
        assert!(text.contains(&format!("client=\"{}\"", "é".repeat(MAX_KEY_LEN / 2))));
    }

    // HELP: backslash and newline escaped in both formats, double quotes
    // only in OpenMetrics.
    let orders = Registry::new();
    orders.register(fixture.orders).expect("registers");
    let text = orders.encode_text();
    let help = "Orders by region: \"quoted\", a back\\\\slash,\\nand a second line.";
    assert!(
        text.contains(&format!("# HELP expo_orders_by_region_total {help}\n")),
        "{text}"
    );
    let om = orders.encode_openmetrics();
    let help = "Orders by region: \\\"quoted\\\", a back\\\\slash,\\nand a second line.";
    assert!(
        om.contains(&format!("# HELP expo_orders_by_region {help}\n")),
        "{om}"
    );
    for (format, text) in [(Format::PrometheusText, &text), (Format::OpenMetrics, &om)] {
        let parsed = Exposition::parse(text, format);
        let family = parsed
            .families
            .iter()
            .find(|f| f.name.starts_with("expo_orders_by_region"))
            .expect("the family");
        assert_eq!(
            family.help.as_deref(),
            Some("Orders by region: \"quoted\", a back\\slash,\nand a second line.")
        );
    }
}

#[test]
fn encoding_is_deterministic_and_sorted() {
    let _serial = serial();
    let fixture = Fixture::new();
    let registry = fixture.registry();
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        let mut first = String::new();
        registry.encode_into(format, &mut first);
        let mut second = String::new();
        registry.encode_into(format, &mut second);
        assert_eq!(
            first, second,
            "{format:?}: two encodings of still tables differ"
        );

        // encode_into appends, and a reused buffer gives the same text.
        let mut buffer = String::from("kept\n");
        registry.encode_into(format, &mut buffer);
        assert_eq!(buffer.strip_prefix("kept\n"), Some(first.as_str()));
        buffer.clear();
        registry.encode_into(format, &mut buffer);
        assert_eq!(buffer, first);

        // Open keys sorted by their bytes, whatever the insertion order.
        let parsed = Exposition::parse(&first, format);
        for family in ["expo_orders_by_region_total", "expo_odd_by_client_total"] {
            let keys: Vec<&str> = parsed
                .samples
                .iter()
                .filter(|(_, (n, _), _)| n == family)
                .map(|(_, (_, labels), _)| labels[0].1.as_str())
                .collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            assert_eq!(keys, sorted, "{format:?}: {family} keys not sorted");
            assert!(keys.len() > 3);
        }

        // Families in declaration order, tables in registration order.
        let families: Vec<&str> = parsed
            .families
            .iter()
            .map(|f| f.name.as_str())
            .filter(|n| !n.starts_with("stats_"))
            .collect();
        let om = format == Format::OpenMetrics;
        let total = |family: &'static str| -> String {
            if om {
                family.to_owned()
            } else {
                format!("{family}_total")
            }
        };
        let expected = [
            total("expo_orders_created"),
            total("expo_orders_shipped"),
            "expo_orders_in_flight".to_owned(),
            total("expo_orders_by_method"),
            total("expo_orders_by_kind"),
            total("expo_orders_by_kind_overflow"),
            total("expo_orders_by_region"),
            total("expo_orders_by_region_overflow"),
            "expo_orders_ship_delay".to_owned(),
            total("expo_odd_by_client"),
            total("expo_odd_by_client_overflow"),
            total("expo_full_by_user"),
            total("expo_full_by_user_overflow"),
        ];
        assert_eq!(families, expected, "{format:?}");
    }

    // Registration order, not name order: the same tables the other way.
    let reversed = Registry::new();
    reversed
        .register(Arc::clone(&fixture.full))
        .expect("registers");
    reversed.register(fixture.orders).expect("registers");
    let text = reversed.encode_text();
    let full_at = text.find("expo_full_").expect("full");
    let orders_at = text.find("expo_orders_").expect("orders");
    let health_at = text.find("stats_").expect("health");
    assert!(full_at < orders_at && orders_at < health_at);
}

#[test]
fn total_suffix_and_openmetrics_rules() {
    let _serial = serial();
    let fixture = Fixture::new();
    let registry = fixture.registry();

    // Prometheus text: a counter's family and sample are both
    // `{family}_total`, never `_total_total`.
    let text = registry.encode_text();
    let parsed = Exposition::parse(&text, Format::PrometheusText);
    for family in &parsed.families {
        let counter = family.kind == "counter";
        assert_eq!(family.name.ends_with("_total"), counter, "{family:?}");
        assert!(!family.name.contains("_total_"), "{family:?}");
    }
    assert!(
        text.contains("# TYPE expo_orders_shipped_total counter\nexpo_orders_shipped_total 7\n")
    );
    assert!(!text.contains("# EOF"));
    // Histogram bounds as integers, then +Inf.
    assert!(text.contains(
        "expo_orders_ship_delay_bucket{le=\"1\"} 2\n\
         expo_orders_ship_delay_bucket{le=\"10\"} 4\n\
         expo_orders_ship_delay_bucket{le=\"100\"} 5\n\
         expo_orders_ship_delay_bucket{le=\"1000000\"} 7\n\
         expo_orders_ship_delay_bucket{le=\"+Inf\"} 8\n\
         expo_orders_ship_delay_sum 3000527\n\
         expo_orders_ship_delay_count 8\n"
    ));

    // OpenMetrics: counter families without `_total`, samples with it once;
    // `# EOF` once and last.
    let om = registry.encode_openmetrics();
    let parsed = Exposition::parse(&om, Format::OpenMetrics);
    for family in &parsed.families {
        assert!(!family.name.ends_with("_total"), "{family:?}");
        // Every family of these tables and the health table is documented.
        assert!(family.help.is_some(), "{family:?}");
    }
    for (family, (name, _), _) in &parsed.samples {
        if parsed.families[*family].kind == "counter" {
            assert!(name.ends_with("_total") && !name.ends_with("_total_total"));
        }
    }
    assert_eq!(om.matches("# EOF").count(), 1);
    assert!(om.ends_with("\n# EOF\n"));
    assert!(om.contains("# TYPE expo_orders_shipped counter\n"));
    assert!(om.contains("\nexpo_orders_shipped_total 7\n"));
    // `le` as canonical floats: each bound parses as a float, is written
    // `{integer}.0`, and they rise to `+Inf`.
    let les: Vec<&str> = parsed
        .samples
        .iter()
        .filter(|(_, (n, _), _)| n == "expo_orders_ship_delay_bucket")
        .map(|(_, (_, l), _)| l[0].1.as_str())
        .collect();
    assert_eq!(les, ["1.0", "10.0", "100.0", "1000000.0", "+Inf"]);
    let bounds: Vec<f64> = les.iter().map(|le| le.parse().expect("a float")).collect();
    assert!(bounds.windows(2).all(|w| w[0] < w[1]), "{bounds:?}");
    // The overflow family of a closed field appears only when it counts;
    // an open field's always.
    let quiet = Registry::new();
    quiet
        .register(Arc::new(Orders::table()))
        .expect("registers");
    let quiet_text = quiet.encode_text();
    assert!(!quiet_text.contains("expo_orders_by_method_overflow"));
    assert!(!quiet_text.contains("expo_orders_by_kind_overflow"));
    assert!(quiet_text.contains("expo_orders_by_region_overflow_total 0\n"));
}

/// Prometheus's own OpenMetrics parser, through promtool's backfill:
/// `promtool tsdb create-blocks-from openmetrics` reads a file with the
/// parser a scrape of `application/openmetrics-text` uses, into TSDB
/// blocks, and `promtool tsdb dump` prints what it stored. The backfill
/// wants a timestamp on every sample, so one is appended to each sample
/// line; nothing else of the output changes. That parser checks syntax,
/// escapes and `# EOF` (and nothing after it) but is lenient about names
/// (it takes a counter sample without `_total`), which
/// `total_suffix_and_openmetrics_rules` checks instead.
#[test]
fn openmetrics_round_trips_through_prometheus() {
    let _serial = serial();
    let fixture = Fixture::new();
    let registry = fixture.registry();
    let om = registry.encode_openmetrics();
    const AT: &str = "1700000000";
    let stamped: String = om
        .lines()
        .map(|line| {
            if line.starts_with('#') {
                format!("{line}\n")
            } else {
                format!("{line} {AT}\n")
            }
        })
        .collect();

    let dir = std::env::temp_dir().join(format!(
        "stats-exposition-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let input = dir.join("scrape.om");
    std::fs::write(&input, &stamped).expect("writes the input");
    let blocks = dir.join("blocks");
    let created = run_promtool(&[
        "tsdb".as_ref(),
        "create-blocks-from".as_ref(),
        "openmetrics".as_ref(),
        "-q".as_ref(),
        input.as_os_str(),
        blocks.as_os_str(),
    ]);
    assert!(
        created.status.success(),
        "Prometheus's OpenMetrics parser refused the output:\n{}\n--- input:\n{stamped}",
        String::from_utf8_lossy(&created.stderr)
    );
    // `tsdb dump` reads a data directory, which has a WAL.
    std::fs::create_dir_all(blocks.join("wal")).expect("an empty WAL");
    let dumped = run_promtool(&["tsdb".as_ref(), "dump".as_ref(), blocks.as_os_str()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        dumped.status.success(),
        "promtool tsdb dump: {}",
        String::from_utf8_lossy(&dumped.stderr)
    );
    let dump = String::from_utf8(dumped.stdout).expect("UTF-8");

    // What Prometheus stored, against the snapshots: same series, same
    // values. A label with an empty value is no label to Prometheus, so
    // the empty key's series is stored without its label (the overflow is
    // a family of its own, so nothing collides with it).
    let mut stored: BTreeMap<Series, f64> = BTreeMap::new();
    for line in dump.lines() {
        let (series, value) = parse_dump_line(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        if !series.0.starts_with("stats_") {
            assert!(stored.insert(series, value).is_none(), "{line}");
        }
    }
    let expected: BTreeMap<Series, f64> = fixture
        .expected(Format::OpenMetrics)
        .into_iter()
        .map(|((name, labels), value)| {
            let labels = labels.into_iter().filter(|(_, v)| !v.is_empty()).collect();
            #[allow(clippy::cast_precision_loss)] // the values are far below 2^53
            ((name, labels), value as f64)
        })
        .collect();
    assert_eq!(expected.len(), fixture.expected(Format::OpenMetrics).len());
    if stored != expected {
        for (series, value) in &expected {
            assert_eq!(stored.get(series), Some(value), "{series:?}\n{dump}");
        }
        panic!("Prometheus stored series that were not expected:\n{dump}");
    }
}

/// Runs promtool with `args`; fails (never skips) when it is missing.
fn run_promtool(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(promtool_program())
        .args(args)
        .output()
        .unwrap_or_else(|e| promtool_missing(&e))
}

/// promtool: `PROMTOOL`, or `promtool` on the `PATH`.
fn promtool_program() -> String {
    std::env::var("PROMTOOL").unwrap_or_else(|_| "promtool".to_owned())
}

/// Fails the test: promtool could not be run.
fn promtool_missing(error: &std::io::Error) -> ! {
    panic!(
        "cannot run `{}` ({error}): these tests need promtool, from Debian's `prometheus` \
         package (`apt-get update && apt-get install -y prometheus`), or its path in \
         PROMTOOL; they never skip",
        promtool_program()
    )
}

/// A line of `promtool tsdb dump`: `{__name__="x", l="v"} value timestamp`,
/// label values quoted as Go quotes strings.
fn parse_dump_line(line: &str) -> Result<(Series, f64), String> {
    let mut rest = line.strip_prefix('{').ok_or("no `{`")?;
    let mut name = None;
    let mut labels = Vec::new();
    loop {
        let (label, after) = rest.split_once("=\"").ok_or("no `=\"`")?;
        let (value, after) = go_unquote(after)?;
        if label == "__name__" {
            name = Some(value);
        } else {
            labels.push((label.to_owned(), value));
        }
        if let Some(after) = after.strip_prefix(", ") {
            rest = after;
        } else {
            rest = after.strip_prefix("} ").ok_or("no `} `")?;
            break;
        }
    }
    let value = rest.split(' ').next().ok_or("no value")?;
    let value: f64 = value.parse().map_err(|_| format!("value {value:?}"))?;
    labels.sort();
    Ok(((name.ok_or("no __name__")?, labels), value))
}

/// Reads a Go-quoted string up to its closing quote (the opening one
/// already read); returns it and what follows.
fn go_unquote(text: &str) -> Result<(String, &str), String> {
    let mut bytes = Vec::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                let value = String::from_utf8(bytes).map_err(|e| e.to_string())?;
                return Ok((value, &text[at + 1..]));
            }
            '\\' => {
                let (_, escape) = chars.next().ok_or("a lone backslash")?;
                let mut hex = |digits: usize| -> Result<u32, String> {
                    let digits: String = (0..digits)
                        .filter_map(|_| chars.next())
                        .map(|(_, c)| c)
                        .collect();
                    u32::from_str_radix(&digits, 16).map_err(|e| e.to_string())
                };
                match escape {
                    'n' => bytes.push(b'\n'),
                    'r' => bytes.push(b'\r'),
                    't' => bytes.push(b'\t'),
                    'a' => bytes.push(0x07),
                    'b' => bytes.push(0x08),
                    'f' => bytes.push(0x0c),
                    'v' => bytes.push(0x0b),
                    '\\' | '"' | '\'' => bytes.push(escape as u8),
                    'x' => bytes.push(u8::try_from(hex(2)?).map_err(|e| e.to_string())?),
                    'u' | 'U' => {
                        let code = hex(if escape == 'u' { 4 } else { 8 })?;
                        let c = char::from_u32(code).ok_or("not a char")?;
                        bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    }
                    other => return Err(format!("unknown escape \\{other}")),
                }
            }
            c => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    Err("an unterminated string".to_owned())
}

/// A table whose names promtool's linter dislikes: an abbreviated unit and
/// an undocumented field. The user chose them; they must still parse.
#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "expo_lint")]
struct Lint {
    /// Latency, in microseconds.
    #[stat(histogram(buckets = [10, 100]))]
    latency_us: Histogram,
    undocumented: u64,
}

#[test]
fn lint_warnings_are_not_parse_errors() {
    let _serial = serial();
    let table = Arc::new(Lint::table());
    table.latency_us().observe(50);
    table.undocumented().inc();
    let registry = Registry::new();
    registry.register(Arc::clone(&table)).expect("registers");
    let text = registry.encode_text();
    let result = promtool(&text);
    assert_eq!(
        result.code,
        Some(3),
        "expected lint problems only (exit 3), got {:?}:\n{}\n--- input:\n{text}",
        result.code,
        result.stderr
    );
    let mut problems: Vec<&str> = result.stderr.lines().collect();
    problems.sort_unstable();
    assert_eq!(
        problems, EXPECTED_LINT_PROBLEMS,
        "promtool's lint problems changed; a new one may be the encoder's:\n{text}"
    );
    // The whole exposition still reads back.
    Exposition::parse(&text, Format::PrometheusText);
}

/// What promtool 2.42 says about `Lint`, sorted.
const EXPECTED_LINT_PROBLEMS: &[&str] = &[
    "expo_lint_latency_us metric names should not contain abbreviated units",
    "expo_lint_undocumented_total no help text",
];

#[test]
fn registry_rejects_duplicate_names() {
    let _serial = serial();

    /// A second table with the prefix and a field of `Orders`.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "expo_orders")]
    struct Clash {
        /// Orders created, again.
        created: u64,
    }

    /// A table whose counter is the `_total` of another of its counters.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "expo_self")]
    struct SelfClash {
        /// Jobs.
        jobs: u64,
        /// Jobs, again.
        jobs_total: u64,
    }

    /// A counter named like a keyed field's overflow family.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "expo_overflow")]
    struct OverflowClash {
        /// Requests by route.
        #[stat(keyed(capacity = 4))]
        by_route: Keyed<String>,
        /// Not an overflow.
        by_route_overflow: u64,
    }

    /// A gauge named like a histogram's count.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "expo_hist")]
    struct HistogramClash {
        /// Sizes.
        #[stat(histogram(buckets = [1]))]
        size: Histogram,
        /// Not the count.
        #[stat(gauge)]
        size_count: i64,
    }

    /// A table named like the library's health table.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "stats")]
    struct HealthClash {
        /// Not the library's.
        write_blocked: u64,
    }

    /// A keyed field whose label name histograms reserve.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "expo_label")]
    struct LabelClash {
        /// By le.
        #[stat(keyed(capacity = 4, label = "le"))]
        by_le: Keyed<String>,
    }

    let registry = Registry::new();
    let orders = Arc::new(Orders::table());
    registry.register(Arc::clone(&orders)).expect("registers");
    let before = registry.encode_text();

    // The same table twice.
    assert_eq!(
        registry.register(Arc::clone(&orders)),
        Err(RegisterError::AlreadyRegistered { table: "Orders" }),
        "the same table twice"
    );
    // Another instance of the same struct: every name clashes.
    match registry.register(Arc::new(Orders::table())) {
        Err(RegisterError::DuplicateName { first, second, .. }) => {
            assert_eq!((first, second), ("Orders", "Orders"));
        }
        other => panic!("another instance of the same struct: {other:?}"),
    }
    // Another table with one of its names.
    let err = registry
        .register(Arc::new(Clash::table()))
        .expect_err("a name taken by another table");
    assert_eq!(
        err,
        RegisterError::DuplicateName {
            name: "expo_orders_created".to_owned(),
            first: "Orders",
            second: "Clash",
        }
    );
    assert!(err.to_string().contains("expo_orders_created"), "{err}");
    // Names that collide inside one table.
    for (table, result) in [
        ("SelfClash", registry.register(Arc::new(SelfClash::table()))),
        (
            "OverflowClash",
            registry.register(Arc::new(OverflowClash::table())),
        ),
        (
            "HistogramClash",
            registry.register(Arc::new(HistogramClash::table())),
        ),
    ] {
        match result {
            Err(RegisterError::DuplicateName { first, second, .. }) => {
                assert_eq!((first, second), (table, table));
            }
            other => panic!("{table}: {other:?}"),
        }
    }
    // The health table's names.
    match registry.register(Arc::new(HealthClash::table())) {
        Err(RegisterError::DuplicateName {
            name,
            first,
            second,
        }) => {
            assert_eq!(second, "HealthClash");
            assert_eq!(first, "Health");
            assert!(name.starts_with("stats_write_blocked"), "{name}");
        }
        other => panic!("the health table's names: {other:?}"),
    }
    // A reserved label name.
    assert!(matches!(
        registry.register(Arc::new(LabelClash::table())),
        Err(RegisterError::InvalidLabelName { label: "le", .. })
    ));
    // A refused table leaves the registry as it was.
    assert_eq!(registry.encode_text(), before);
}

/// Sets its flag when dropped.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[test]
fn scrapes_never_go_backwards() {
    let _serial = serial();

    /// What the writers bump.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "expo_mono")]
    struct Mono {
        /// Events.
        events: u64,
        /// Events by method.
        by_method: Keyed<Method>,
        /// Events by shard: 12 shards, room for 8.
        #[stat(keyed(capacity = 8))]
        by_shard: Keyed<String>,
        /// Event sizes.
        #[stat(histogram(buckets = [10, 100]))]
        size: Histogram,
        /// Events in progress.
        #[stat(gauge)]
        in_progress: i64,
    }

    const SCRAPES: usize = 1_000;
    let table = Arc::new(Mono::table());
    let fresh = Registry::new();
    fresh.register(Arc::clone(&table)).expect("registers");
    // Never waits: every scrape falls back to the last published snapshot.
    let stale = Registry::with_deadline(Duration::ZERO);
    stale.register(Arc::clone(&table)).expect("registers");

    // The most each series has shown in a scrape that has ended: a scrape
    // that starts later must show at least as much.
    let floor: Mutex<BTreeMap<Series, i128>> = Mutex::new(BTreeMap::new());
    let scrape = |registry: &Registry, format: Format, buffer: &mut String| {
        let before = floor.lock().unwrap_or_else(PoisonError::into_inner).clone();
        buffer.clear();
        registry.encode_into(format, buffer);
        let now = Exposition::parse(buffer, format).monotonic();
        for (series, was) in &before {
            let is = now.get(series).copied();
            assert!(
                is.is_some_and(|is| is >= *was),
                "{series:?} went from {was} to {is:?} ({format:?}, deadline {:?})",
                registry.deadline()
            );
        }
        let events = now
            .get(&("expo_mono_events_total".to_owned(), Vec::new()))
            .copied();
        let mut floor = floor.lock().unwrap_or_else(PoisonError::into_inner);
        for (series, value) in now {
            let at = floor.entry(series).or_insert(value);
            *at = (*at).max(value);
        }
        events.expect("the events counter")
    };

    let timeouts_before = health().snapshot_timeout;
    let stop = AtomicBool::new(false);
    let written = std::thread::scope(|s| {
        // Stops the other threads however this one leaves the scope: a
        // failed assertion must fail the test, not hang it.
        let _stop = StopOnDrop(&stop);
        let writers: Vec<_> = (0..4u64)
            .map(|writer| {
                let (table, stop) = (&table, &stop);
                s.spawn(move || {
                    let shards: Vec<String> = (0..12).map(|i| format!("shard-{i}")).collect();
                    let methods = [Method::Card, Method::Wallet, Method::Bank];
                    let mut i = writer;
                    while !stop.load(Ordering::Relaxed) {
                        table.in_progress().inc();
                        table.events().inc();
                        table.by_method().inc(methods[(i % 3) as usize]);
                        table.by_shard().inc(&shards[(i % 12) as usize]);
                        table.size().observe(i % 200);
                        table.in_progress().dec();
                        i += 4;
                        // A little work between events, as a service has:
                        // a writer that never pauses keeps every copy of
                        // its row retrying until the deadline.
                        for _ in 0..64 {
                            std::hint::spin_loop();
                        }
                    }
                    (i - writer) / 4
                })
            })
            .collect();
        // A second scraper, so that scrapes race each other's publication.
        let other = s.spawn(|| {
            let mut buffer = String::new();
            let mut n = 0_u64;
            while !stop.load(Ordering::Relaxed) {
                let (registry, format) = if n.is_multiple_of(2) {
                    (&stale, Format::OpenMetrics)
                } else {
                    (&fresh, Format::PrometheusText)
                };
                let _ = scrape(registry, format, &mut buffer);
                n += 1;
            }
        });
        let mut buffer = String::new();
        let mut stale_scrapes = 0;
        let mut last = 0;
        for n in 0..SCRAPES {
            // One in three scrapes never waits; formats alternate.
            let registry = if n % 3 == 2 {
                stale_scrapes += 1;
                &stale
            } else {
                &fresh
            };
            let format = if n.is_multiple_of(2) {
                Format::PrometheusText
            } else {
                Format::OpenMetrics
            };
            last = scrape(registry, format, &mut buffer);
        }
        // The scrapes see the writers, not one frozen snapshot: once the
        // writers have moved on, a fresh scrape shows it. (How many of the
        // scrapes above saw new events depends on the scheduler: a loaded
        // 2-core machine may run the scraper for long stretches alone.)
        let waited = std::time::Instant::now();
        while scrape(&fresh, Format::PrometheusText, &mut buffer) <= last {
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "no scrape saw an event after {last} in 60 s"
            );
            std::thread::yield_now();
        }
        stop.store(true, Ordering::Relaxed);
        other.join().expect("the second scraper");
        let written: u64 = writers
            .into_iter()
            .map(|w| w.join().expect("a writer"))
            .sum();
        assert!(health().snapshot_timeout - timeouts_before >= stale_scrapes);
        written
    });

    // Quiet now: a fresh scrape shows exactly what was written.
    let text = fresh.encode_text();
    let parsed = Exposition::parse(&text, Format::PrometheusText);
    assert_eq!(
        value_of(&parsed, "expo_mono_events_total"),
        Some(i128::from(written))
    );
    assert_eq!(
        value_of(&parsed, "expo_mono_size_count"),
        Some(i128::from(written))
    );
    assert_eq!(value_of(&parsed, "expo_mono_in_progress"), Some(0));
    let shards: i128 = parsed
        .samples
        .iter()
        .filter(|(_, (n, _), _)| {
            n == "expo_mono_by_shard_total" || n == "expo_mono_by_shard_overflow_total"
        })
        .map(|(.., v)| v)
        .sum();
    assert_eq!(shards, i128::from(written));
    assert!(written > 0);
    // And the stale registry shows what that fresh scrape published.
    let stale_text = stale.encode_text();
    assert_eq!(
        Exposition::parse(&stale_text, Format::PrometheusText).user_series(),
        parsed.user_series(),
        "the last published snapshot\n{stale_text}"
    );
}

/// A scrape allocates nothing per series: with a reused buffer, the
/// allocations of one encode (the reads of the tables) are the same at
/// 1,000, 10,000 and 100,000 series. Counted here rather than in
/// `stats-core/benches/encode.rs`, which can't hold a counting allocator
/// (stats-core forbids `unsafe_code`); the peers' counts are printed for
/// the bench's table (`--nocapture`), not asserted.
#[test]
fn encoding_allocates_nothing_per_series() {
    let _serial = serial();

    /// 1,000 keys.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "expo_k1")]
    struct K1 {
        /// Requests by key.
        #[stat(keyed(capacity = 1_000, max_key_len = 16))]
        by_key: Keyed<String>,
    }

    /// 10,000 keys.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "expo_k10")]
    struct K10 {
        /// Requests by key.
        #[stat(keyed(capacity = 10_000, max_key_len = 16))]
        by_key: Keyed<String>,
    }

    /// 100,000 keys.
    #[derive(StatTable, Debug, Default)]
    #[stat_table(prefix = "expo_k100")]
    struct K100 {
        /// Requests by key.
        #[stat(keyed(capacity = 100_000, max_key_len = 16))]
        by_key: Keyed<String>,
    }

    fn fill(keys: usize, add: impl Fn(&str, u64)) {
        for i in 0..keys {
            add(&format!("key-{i:06}"), i as u64 + 1);
        }
    }

    let k1 = Arc::new(K1::table());
    fill(1_000, |k, n| k1.by_key().add(k, n));
    let k10 = Arc::new(K10::table());
    fill(10_000, |k, n| k10.by_key().add(k, n));
    let k100 = Arc::new(K100::table());
    fill(100_000, |k, n| k100.by_key().add(k, n));
    let registries = [Registry::new(), Registry::new(), Registry::new()];
    registries[0].register(Arc::clone(&k1)).expect("registers");
    registries[1].register(Arc::clone(&k10)).expect("registers");
    registries[2]
        .register(Arc::clone(&k100))
        .expect("registers");

    let mut report = Vec::new();
    let mut growing = Vec::new();
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        let mut counts = Vec::new();
        for (registry, keys) in registries.iter().zip([1_000, 10_000, 100_000]) {
            let mut buffer = String::new();
            // Warm: the buffer reaches its size, the table publishes.
            registry.encode_into(format, &mut buffer);
            buffer.clear();
            registry.encode_into(format, &mut buffer);
            let capacity = buffer.capacity();
            let ((), _, allocations) = counting::measure(|| {
                buffer.clear();
                registry.encode_into(format, &mut buffer);
            });
            assert_eq!(buffer.capacity(), capacity, "the reused buffer grew");
            // The reads alone, to tell the reads' allocations from the text's.
            let (_, _, reads) = counting::measure(|| registry.snapshots());
            let series = buffer.lines().filter(|l| !l.starts_with('#')).count();
            assert!(series > keys);
            report.push(format!(
                "ours, {format:?}: {keys} keys ({series} series, {} bytes): \
                 {allocations} allocations ({reads} of them the reads)",
                buffer.len()
            ));
            counts.push(allocations);
        }
        if counts.windows(2).any(|w| w[0] != w[1]) {
            growing.push(format!("{format:?}: {counts:?}"));
        }
    }

    // The peers, encoding the same keys the way a `/metrics` handler does.
    for keys in [1_000, 10_000] {
        let registry = prometheus::Registry::new();
        let vec = prometheus::IntCounterVec::new(
            prometheus::Opts::new("expo_peer_by_key_total", "Requests by key."),
            &["key"],
        )
        .expect("a valid vec");
        registry.register(Box::new(vec.clone())).expect("registers");
        fill(keys, |k, n| vec.with_label_values(&[k]).inc_by(n));
        let mut buffer = Vec::new();
        let encode = |buffer: &mut Vec<u8>| {
            use prometheus::Encoder as _;
            buffer.clear();
            let families = registry.gather();
            prometheus::TextEncoder::new()
                .encode(&families, buffer)
                .expect("encodes");
        };
        encode(&mut buffer);
        let ((), _, allocations) = counting::measure(|| encode(&mut buffer));
        report.push(format!(
            "prometheus IntCounterVec: {keys} keys: {allocations} allocations"
        ));

        let mut registry = prometheus_client::registry::Registry::default();
        let family = prometheus_client::metrics::family::Family::<
            Vec<(String, String)>,
            prometheus_client::metrics::counter::Counter,
        >::default();
        registry.register("expo_peer_by_key", "Requests by key.", family.clone());
        fill(keys, |k, n| {
            family
                .get_or_create(&vec![("key".to_owned(), k.to_owned())])
                .inc_by(n);
        });
        let mut buffer = String::new();
        let encode = |buffer: &mut String| {
            buffer.clear();
            prometheus_client::encoding::text::encode(buffer, &registry).expect("encodes");
        };
        encode(&mut buffer);
        let ((), _, allocations) = counting::measure(|| encode(&mut buffer));
        report.push(format!(
            "prometheus-client Family: {keys} keys: {allocations} allocations"
        ));
    }
    println!("{}", report.join("\n"));
    assert!(
        growing.is_empty(),
        "allocations per encode grow with the series: {growing:?} (a buffer of \
         the read that grows by doubling, not per series, still makes the \
         count depend on the series)\n{}",
        report.join("\n")
    );
}
