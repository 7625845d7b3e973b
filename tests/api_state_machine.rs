//! A state machine over the whole public API of a table: counters, gauges,
//! closed and open keyed fields, steps, resets, clears, two cursors and
//! live iterators, some operations run on other threads. Every operation is
//! applied to the table and to a plain model; after each one the snapshot,
//! the live handles and the version equal the model's, every cursor delta
//! equals the model's delta (cursors lose nothing across resets and clears,
//! open keyed fields included), gauges keep their level across a reset, and
//! an iterator made before a reset or a clear returns an error from
//! `try_next` ever after.
//!
//! A second part runs random sequences of commutative operations on one
//! table from several threads at once, and checks the exact totals against
//! the per-thread models merged.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use stats_core::{
    ClosedKeyedIter, Cursor, Iter, KeyLabel, Keyed, LabelValue, MetricKind, OpenKeyedIter, StatKey,
    StatTable, Table, Value,
};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Calls a method of gauge `g` (0: `g`, 1: `h`).
macro_rules! gauge {
    ($table:expr, $g:expr, $method:ident($($arg:expr),*)) => {
        if $g == 0 {
            $table.g().$method($($arg),*)
        } else {
            $table.h().$method($($arg),*)
        }
    };
}

/// A closed key set.
#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Method {
    Card,
    Wallet,
    Invoice,
}

/// The table under test: two counters, two gauges, a closed and an open
/// keyed field. The open field holds 4 keys of up to 12 bytes, and the key
/// pool has 7 such keys, so it fills up.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "sm")]
struct Stats {
    /// First counter.
    a: u64,
    /// Second counter.
    b: u64,
    /// First gauge.
    #[stat(gauge)]
    g: i64,
    /// Second gauge.
    #[stat(gauge)]
    h: i64,
    /// By method.
    by_method: Keyed<Method>,
    /// By region.
    #[stat(keyed(capacity = 4, max_key_len = 12))]
    by_region: Keyed<String>,
}

const CAPACITY: usize = 4;
const MAX_KEY_LEN: usize = 12;

/// The key pool: 7 keys of at most 12 bytes, then 3 longer ones.
const KEYS: [&str; 10] = [
    "",
    "eu",
    "us-east",
    "ap-south-1",
    "123456789012", // exactly the limit
    "é€",
    "nul\0",
    "1234567890123", // one byte over
    "€€€€€",         // 15 bytes
    "a long key that is far over the limit",
];

const TABLE_NAME: &str = "Stats";

/// Which iterator an operation makes.
#[derive(Clone, Copy, Debug)]
enum IterKind {
    /// `table.iter()`.
    Table,
    /// `table.by_method().iter()`.
    Closed,
    /// `table.by_region().iter()`.
    Open,
}

/// One `table.add(&step)`.
#[derive(Clone, Debug)]
struct StepSpec {
    a: u64,
    b: u64,
    g: i64,
    h: i64,
    methods: Vec<(usize, u64)>,
    /// Ignored by `table.add`: a closed key set has no overflow.
    closed_overflow: u64,
    regions: Vec<(usize, u64)>,
    overflow: u64,
}

/// One operation on the table.
#[derive(Clone, Debug)]
enum Op {
    IncA,
    AddA(u64),
    AddB(u64),
    /// `table.inc(StatsField::ALL[i])`.
    IncField(usize),
    /// `table.add_to(StatsField::ALL[i], n)`.
    AddToField(usize, u64),
    GaugeInc(usize),
    GaugeDec(usize),
    GaugeAdd(usize, i64),
    GaugeSet(usize, i64),
    ClosedInc(usize),
    ClosedAdd(usize, u64),
    OpenInc(usize),
    OpenAdd(usize, u64),
    Step(Box<StepSpec>),
    Reset,
    ClearClosed,
    ClearOpen,
    Delta(usize),
    /// Replaces cursor `i` by a new one, starting now.
    NewCursor(usize),
    /// A new iterator, read to the end with `try_next`.
    IterFull(IterKind),
    /// A new iterator, kept.
    MakeIter(IterKind),
    /// One `try_next` on a kept iterator.
    StepIter(usize),
    /// The inner operation on a new thread.
    OnThread(Box<Op>),
}

/// Counts for counters and closed keys: small, or anything (they wrap).
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0..100u64, 1 => any::<u64>()]
}

/// Counts for open keys: small, so the model of what a cursor that waited
/// through clears gets back can compare without wrapping.
fn open_count() -> impl Strategy<Value = u64> {
    0..1000u64
}

fn level() -> impl Strategy<Value = i64> {
    prop_oneof![3 => -100..100i64, 1 => any::<i64>()]
}

fn iter_kind() -> impl Strategy<Value = IterKind> {
    prop_oneof![
        Just(IterKind::Table),
        Just(IterKind::Closed),
        Just(IterKind::Open)
    ]
}

fn step() -> impl Strategy<Value = StepSpec> {
    (
        (count(), count(), level(), level()),
        proptest::collection::vec((0..3usize, count()), 0..4),
        prop_oneof![3 => Just(0u64), 1 => 1..10u64],
        proptest::collection::vec((0..KEYS.len(), 1..1000u64), 0..5),
        prop_oneof![3 => Just(0u64), 1 => 1..10u64],
    )
        .prop_map(
            |((a, b, g, h), methods, closed_overflow, regions, overflow)| StepSpec {
                a,
                b,
                g,
                h,
                methods,
                closed_overflow,
                regions,
                overflow,
            },
        )
}

fn leaf() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    prop_oneof![
        2 => Just(Op::IncA),
        1 => count().prop_map(Op::AddA),
        1 => count().prop_map(Op::AddB),
        1 => (0..4usize).prop_map(Op::IncField),
        1 => (0..4usize, count()).prop_map(|(f, n)| Op::AddToField(f, n)),
        1 => (0..2usize).prop_map(Op::GaugeInc),
        1 => (0..2usize).prop_map(Op::GaugeDec),
        1 => (0..2usize, level()).prop_map(|(g, n)| Op::GaugeAdd(g, n)),
        1 => (0..2usize, level()).prop_map(|(g, n)| Op::GaugeSet(g, n)),
        2 => (0..3usize).prop_map(Op::ClosedInc),
        1 => (0..3usize, count()).prop_map(|(m, n)| Op::ClosedAdd(m, n)),
        4 => key.clone().prop_map(Op::OpenInc),
        2 => (key, open_count()).prop_map(|(k, n)| Op::OpenAdd(k, n)),
        2 => step().prop_map(|s| Op::Step(Box::new(s))),
        1 => Just(Op::Reset),
        1 => Just(Op::ClearClosed),
        2 => Just(Op::ClearOpen),
        3 => (0..2usize).prop_map(Op::Delta),
        1 => (0..2usize).prop_map(Op::NewCursor),
        1 => iter_kind().prop_map(Op::IterFull),
        1 => iter_kind().prop_map(Op::MakeIter),
        2 => (0..8usize).prop_map(Op::StepIter),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => leaf(),
        1 => leaf().prop_map(|op| Op::OnThread(Box::new(op))),
    ]
}

/// What one cursor has not reported yet, in the model.
#[derive(Clone, Debug, Default)]
struct CursorModel {
    /// Raw counters, closed keys and gauge levels at its last delta.
    raw: [u64; 2],
    closed: [u64; 3],
    gauges: [i64; 2],
    /// Open keyed increments since its last delta, by key, and overflow.
    open: BTreeMap<String, u64>,
    open_overflow: u64,
}

/// The table, computed the plain way.
#[derive(Clone, Debug, Default)]
struct Model {
    /// Counters since the table was built, and at the last reset.
    raw: [u64; 2],
    base: [u64; 2],
    gauges: [i64; 2],
    /// Closed keys since built, and at the last reset or clear.
    closed_raw: [u64; 3],
    closed_base: [u64; 3],
    /// The open field's keys in the order added, with their counts.
    open: Vec<(String, u64)>,
    open_overflow: u64,
    /// Destructive changes so far.
    version: u64,
    cursors: [CursorModel; 2],
}

impl Model {
    fn counter(&self, i: usize) -> u64 {
        self.raw[i].wrapping_sub(self.base[i])
    }

    fn closed(&self, m: usize) -> u64 {
        self.closed_raw[m].wrapping_sub(self.closed_base[m])
    }

    fn closed_keyed(&self) -> Keyed<Method> {
        Method::ALL
            .iter()
            .enumerate()
            .map(|(m, &method)| (method, self.closed(m)))
            .collect()
    }

    fn open_keyed(&self) -> Keyed<String> {
        let mut keyed: Keyed<String> = self.open.iter().cloned().collect();
        keyed.add_overflow(self.open_overflow);
        keyed
    }

    fn snapshot(&self) -> Stats {
        Stats {
            a: self.counter(0),
            b: self.counter(1),
            g: self.gauges[0],
            h: self.gauges[1],
            by_method: self.closed_keyed(),
            by_region: self.open_keyed(),
        }
    }

    fn add_counter(&mut self, i: usize, n: u64) {
        self.raw[i] = self.raw[i].wrapping_add(n);
    }

    fn add_gauge(&mut self, i: usize, n: i64) {
        self.gauges[i] = self.gauges[i].wrapping_add(n);
    }

    fn add_closed(&mut self, m: usize, n: u64) {
        self.closed_raw[m] = self.closed_raw[m].wrapping_add(n);
    }

    /// What `by_region().add(key, n)` does.
    fn add_open(&mut self, key: &str, n: u64) {
        if n == 0 {
            return;
        }
        let held = self.open.iter().position(|(k, _)| k == key);
        let counted = if key.len() > MAX_KEY_LEN {
            false
        } else if let Some(at) = held {
            self.open[at].1 = self.open[at].1.wrapping_add(n);
            true
        } else if self.open.len() < CAPACITY {
            self.open.push((key.to_owned(), n));
            true
        } else {
            false
        };
        if !counted {
            self.open_overflow = self.open_overflow.wrapping_add(n);
        }
        for cursor in &mut self.cursors {
            if counted {
                let pending = cursor.open.entry(key.to_owned()).or_default();
                *pending = pending.wrapping_add(n);
            } else {
                cursor.open_overflow = cursor.open_overflow.wrapping_add(n);
            }
        }
    }

    fn add_open_overflow(&mut self, n: u64) {
        self.open_overflow = self.open_overflow.wrapping_add(n);
        for cursor in &mut self.cursors {
            cursor.open_overflow = cursor.open_overflow.wrapping_add(n);
        }
    }

    fn clear_open(&mut self) {
        self.open.clear();
        self.open_overflow = 0;
    }

    /// The series `table.iter()` yields.
    fn series(&self) -> Vec<SeriesView> {
        let mut series = vec![
            (
                "sm_a",
                MetricKind::Counter,
                Value::Counter(self.counter(0)),
                None,
            ),
            (
                "sm_b",
                MetricKind::Counter,
                Value::Counter(self.counter(1)),
                None,
            ),
            (
                "sm_g",
                MetricKind::Gauge,
                Value::Gauge(self.gauges[0]),
                None,
            ),
            (
                "sm_h",
                MetricKind::Gauge,
                Value::Gauge(self.gauges[1]),
                None,
            ),
        ];
        for (m, method) in Method::ALL.iter().enumerate() {
            series.push((
                "sm_by_method",
                MetricKind::Counter,
                Value::Counter(self.closed(m)),
                Some((
                    "method",
                    LabelValue::Key(Cow::Owned(method.label().to_owned())),
                )),
            ));
        }
        for (key, n) in self.open.iter().filter(|(_, n)| *n != 0) {
            series.push((
                "sm_by_region",
                MetricKind::Counter,
                Value::Counter(*n),
                Some(("region", LabelValue::Key(key.clone().into()))),
            ));
        }
        series.push((
            "sm_by_region",
            MetricKind::Counter,
            Value::Counter(self.open_overflow),
            Some(("region", LabelValue::Overflow)),
        ));
        series
    }
}

/// A series without its help text: name, kind, value, label.
type SeriesView = (
    &'static str,
    MetricKind,
    Value,
    Option<(&'static str, LabelValue)>,
);

fn view(series: stats_core::Series) -> SeriesView {
    (
        series.name,
        series.kind,
        series.value,
        series.label.map(|label| (label.name, label.value)),
    )
}

/// A kept iterator.
enum LiveIter<'t> {
    Table(Iter<'t>),
    Closed(ClosedKeyedIter<'t, Method>),
    Open(OpenKeyedIter<'t>),
}

impl LiveIter<'_> {
    /// One `try_next`: `Ok(true)` if it yielded something.
    fn try_step(&mut self) -> Result<bool, stats_core::StaleIterator> {
        Ok(match self {
            Self::Table(iter) => iter.try_next()?.is_some(),
            Self::Closed(iter) => iter.try_next()?.is_some(),
            Self::Open(iter) => iter.try_next()?.is_some(),
        })
    }
}

/// A kept iterator, the version it was made at, and whether a reset or
/// clear ran since.
struct Kept<'t> {
    iter: LiveIter<'t>,
    made_at: u64,
    stale: bool,
}

/// Everything one test run holds: the table's readers and the model.
struct World<'t> {
    table: &'t StatsTable,
    cursors: [Cursor<'t, Stats>; 2],
    iters: Vec<Kept<'t>>,
    model: Model,
}

/// Most iterators kept at once.
const KEPT: usize = 4;

impl<'t> World<'t> {
    fn new(table: &'t StatsTable) -> Self {
        Self {
            table,
            // One plain, one from the start: on a fresh table the same.
            cursors: [table.cursor(), table.cursor().from_start()],
            iters: Vec::new(),
            model: Model::default(),
        }
    }

    fn destructive_change(&mut self) {
        self.model.version += 1;
        for kept in &mut self.iters {
            kept.stale = true;
        }
    }

    fn make_iter(&self, kind: IterKind) -> LiveIter<'t> {
        match kind {
            IterKind::Table => LiveIter::Table(self.table.iter()),
            IterKind::Closed => LiveIter::Closed(self.table.by_method().iter()),
            IterKind::Open => LiveIter::Open(self.table.by_region().iter()),
        }
    }

    #[allow(clippy::too_many_lines)] // one arm per operation reads best
    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let table = self.table;
        let model = &mut self.model;
        match op {
            Op::IncA => {
                table.a().inc();
                model.add_counter(0, 1);
            }
            Op::AddA(n) => {
                table.a().add(*n);
                model.add_counter(0, *n);
            }
            Op::AddB(n) => {
                table.b().add(*n);
                model.add_counter(1, *n);
            }
            Op::IncField(f) => {
                table.inc(StatsField::ALL[*f]);
                match f {
                    0 | 1 => model.add_counter(*f, 1),
                    _ => model.add_gauge(f - 2, 1),
                }
            }
            Op::AddToField(f, n) => {
                table.add_to(StatsField::ALL[*f], *n);
                match f {
                    0 | 1 => model.add_counter(*f, *n),
                    // Documented: values above i64::MAX wrap.
                    #[allow(clippy::cast_possible_wrap)]
                    _ => model.add_gauge(f - 2, *n as i64),
                }
            }
            Op::GaugeInc(g) => {
                gauge!(table, *g, inc());
                model.add_gauge(*g, 1);
            }
            Op::GaugeDec(g) => {
                gauge!(table, *g, dec());
                model.add_gauge(*g, -1);
            }
            Op::GaugeAdd(g, n) => {
                gauge!(table, *g, add(*n));
                model.add_gauge(*g, *n);
            }
            Op::GaugeSet(g, v) => {
                gauge!(table, *g, set(*v));
                model.gauges[*g] = *v;
            }
            Op::ClosedInc(m) => {
                table.by_method().inc(Method::ALL[*m]);
                model.add_closed(*m, 1);
            }
            Op::ClosedAdd(m, n) => {
                table.by_method().add(Method::ALL[*m], *n);
                model.add_closed(*m, *n);
            }
            Op::OpenInc(k) => {
                table.by_region().inc(KEYS[*k]);
                model.add_open(KEYS[*k], 1);
            }
            Op::OpenAdd(k, n) => {
                table.by_region().add(KEYS[*k], *n);
                model.add_open(KEYS[*k], *n);
            }
            Op::Step(spec) => {
                let mut step = Stats {
                    a: spec.a,
                    b: spec.b,
                    g: spec.g,
                    h: spec.h,
                    ..Stats::default()
                };
                let mut methods = [0u64; 3];
                for &(m, n) in &spec.methods {
                    step.by_method.add(Method::ALL[m], n);
                    methods[m] = methods[m].wrapping_add(n);
                }
                // A step's closed overflow is carried to the field's overflow
                // slot, which the model does not keep: see
                // `a_steps_closed_overflow_is_carried`.
                let _ = spec.closed_overflow;
                let mut regions: BTreeMap<&str, u64> = BTreeMap::new();
                for &(k, n) in &spec.regions {
                    step.by_region.add(KEYS[k].to_owned(), n);
                    *regions.entry(KEYS[k]).or_default() += n;
                }
                step.by_region.add_overflow(spec.overflow);
                table.add(&step);
                model.add_counter(0, spec.a);
                model.add_counter(1, spec.b);
                model.add_gauge(0, spec.g);
                model.add_gauge(1, spec.h);
                for (m, n) in methods.into_iter().enumerate() {
                    model.add_closed(m, n);
                }
                // Keys in byte order, as `Keyed` holds them; then overflow.
                for (key, n) in regions {
                    model.add_open(key, n);
                }
                model.add_open_overflow(spec.overflow);
            }
            Op::Reset => {
                table.reset();
                model.base = model.raw;
                model.closed_base = model.closed_raw;
                model.clear_open();
                self.destructive_change();
            }
            Op::ClearClosed => {
                table.by_method().clear();
                model.closed_base = model.closed_raw;
                self.destructive_change();
            }
            Op::ClearOpen => {
                table.by_region().clear();
                model.clear_open();
                self.destructive_change();
            }
            Op::Delta(c) => self.delta(*c)?,
            Op::NewCursor(c) => {
                self.cursors[*c] = table.cursor();
                model.cursors[*c] = CursorModel {
                    raw: model.raw,
                    closed: model.closed_raw,
                    gauges: model.gauges,
                    ..CursorModel::default()
                };
            }
            Op::IterFull(kind) => self.iterate_fully(*kind)?,
            Op::MakeIter(kind) => {
                if self.iters.len() == KEPT {
                    self.iters.remove(0);
                }
                let iter = self.make_iter(*kind);
                self.iters.push(Kept {
                    iter,
                    made_at: self.model.version,
                    stale: false,
                });
            }
            Op::StepIter(i) => {
                if !self.iters.is_empty() {
                    let at = i % self.iters.len();
                    let version = self.model.version;
                    let kept = &mut self.iters[at];
                    let result = kept.iter.try_step();
                    if kept.stale {
                        let stale = result.expect_err("stale iterator went on");
                        prop_assert_eq!(stale.table, TABLE_NAME);
                        prop_assert_eq!(stale.expected, kept.made_at);
                        prop_assert_eq!(stale.found, version);
                        // An error does not advance it: still stale.
                        prop_assert!(kept.iter.try_step().is_err());
                    } else {
                        prop_assert!(result.is_ok(), "fresh iterator went stale: {result:?}");
                    }
                }
            }
            Op::OnThread(inner) => {
                let outcome = std::thread::scope(|s| {
                    s.spawn(|| self.apply(inner))
                        .join()
                        .expect("the operation's thread panicked")
                });
                outcome?;
            }
        }
        Ok(())
    }

    fn delta(&mut self, c: usize) -> Result<(), TestCaseError> {
        let delta = self.cursors[c].delta();
        let model = &mut self.model;
        let last = std::mem::take(&mut model.cursors[c]);
        let closed: Keyed<Method> = Method::ALL
            .iter()
            .enumerate()
            .map(|(m, &method)| (method, model.closed_raw[m].wrapping_sub(last.closed[m])))
            .collect();
        let expected = Stats {
            a: model.raw[0].wrapping_sub(last.raw[0]),
            b: model.raw[1].wrapping_sub(last.raw[1]),
            g: model.gauges[0].wrapping_sub(last.gauges[0]),
            h: model.gauges[1].wrapping_sub(last.gauges[1]),
            by_method: closed,
            by_region: {
                let mut keyed: Keyed<String> = last.open.clone().into_iter().collect();
                keyed.add_overflow(last.open_overflow);
                keyed
            },
        };
        model.cursors[c] = CursorModel {
            raw: model.raw,
            closed: model.closed_raw,
            gauges: model.gauges,
            ..CursorModel::default()
        };
        if last.open.len() <= CAPACITY {
            // Clears keep up to `capacity` distinct keys for a cursor: with
            // no more than that pending, the delta is exact key for key.
            prop_assert_eq!(delta, expected, "cursor {}", c);
        } else {
            // More distinct keys than the capacity went through clears:
            // some may be reported as overflow, but every increment once.
            let (got, want) = (&delta.by_region, &expected.by_region);
            prop_assert_eq!(got.total(), want.total(), "cursor {} open total", c);
            for (key, n) in got.iter() {
                let pending = want.get(key.as_str()).unwrap_or(0);
                prop_assert!(n <= pending, "cursor {c}: {key:?} {n} > {pending}");
            }
            prop_assert!(got.overflow() >= want.overflow());
            let mut rest = delta.clone();
            rest.by_region = Keyed::default();
            let mut rest_expected = expected.clone();
            rest_expected.by_region = Keyed::default();
            prop_assert_eq!(rest, rest_expected, "cursor {}", c);
        }
        Ok(())
    }

    fn iterate_fully(&self, kind: IterKind) -> Result<(), TestCaseError> {
        let model = &self.model;
        match self.make_iter(kind) {
            LiveIter::Table(mut iter) => {
                let mut got = Vec::new();
                while let Some(series) = iter.try_next().expect("no change ran") {
                    got.push(view(series));
                }
                prop_assert_eq!(got, model.series());
                // Finished, and still not stale.
                prop_assert!(matches!(iter.try_next(), Ok(None)));
            }
            LiveIter::Closed(mut iter) => {
                let mut got = Vec::new();
                while let Some(pair) = iter.try_next().expect("no change ran") {
                    got.push(pair);
                }
                let want: Vec<(Method, u64)> =
                    model.closed_keyed().iter().map(|(m, n)| (*m, n)).collect();
                prop_assert_eq!(got, want);
            }
            LiveIter::Open(mut iter) => {
                let mut got = Vec::new();
                while let Some(pair) = iter.try_next().expect("no change ran") {
                    got.push(pair);
                }
                let want: Vec<(String, u64)> = model
                    .open
                    .iter()
                    .filter(|(_, n)| *n != 0)
                    .cloned()
                    .collect();
                prop_assert_eq!(got, want);
            }
        }
        Ok(())
    }

    /// The table's state equals the model's, through every reader.
    fn check(&self) -> Result<(), TestCaseError> {
        let table = self.table;
        let model = &self.model;
        let expected = model.snapshot();
        prop_assert_eq!(&table.snapshot(), &expected);
        prop_assert_eq!(&Table::snapshot(table), &expected);
        prop_assert_eq!(table.version(), model.version);
        prop_assert_eq!(table.a().get(), expected.a);
        prop_assert_eq!(table.b().get(), expected.b);
        prop_assert_eq!((table.g().get(), table.h().get()), (expected.g, expected.h));
        prop_assert_eq!(&table.by_method().snapshot(), &expected.by_method);
        for (m, &method) in Method::ALL.iter().enumerate() {
            prop_assert_eq!(table.by_method().get(method), model.closed(m));
        }
        prop_assert_eq!(table.by_method().overflow(), 0);
        let region = table.by_region();
        prop_assert_eq!(&region.snapshot(), &expected.by_region);
        prop_assert_eq!(region.len(), model.open.len());
        prop_assert_eq!(region.overflow(), model.open_overflow);
        prop_assert_eq!(
            (region.capacity(), region.max_key_len()),
            (CAPACITY, MAX_KEY_LEN)
        );
        for key in KEYS {
            let held = model.open.iter().find(|(k, _)| k == key).map(|(_, n)| *n);
            prop_assert_eq!(region.get(key), held, "get({:?})", key);
        }
        Ok(())
    }
}

proptest! {
    // A fixed number of cases, and no regression files written into the
    // source tree: a failure prints its minimal input instead.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any sequence of operations gives the model's snapshots, deltas,
    /// series and staleness.
    #[test]
    fn table_follows_the_model(ops in proptest::collection::vec(op(), 1..80)) {
        let table = Stats::table();
        let mut world = World::new(&table);
        world.check()?;
        for op in &ops {
            world.apply(op)?;
            world.check()?;
        }
        // Both cursors, at the end, report what the model has pending.
        world.apply(&Op::Delta(0))?;
        world.apply(&Op::Delta(1))?;
        world.check()?;
    }
}

/// `Keyed::add_overflow`: `table.add` carries a step's overflow to a closed
/// field's overflow too, so adding a snapshot to another table keeps every
/// count.
#[test]
fn a_steps_closed_overflow_is_carried() {
    let table = Stats::table();
    let mut step = Stats::default();
    step.by_method.add(Method::Card, 2);
    step.by_method.add_overflow(5);
    table.add(&step);
    let snapshot = table.snapshot();
    assert_eq!(snapshot.by_method.get(&Method::Card), Some(2));
    assert_eq!(table.by_method().overflow(), 5, "ClosedKeyed::overflow");
    assert_eq!(snapshot.by_method.overflow(), 5, "snapshot overflow");
    assert_eq!(snapshot.by_method.total(), 7);
}

/// `Cursor::from_start`: "Makes the next delta cover everything the table
/// has counted since it was built, as if this cursor had existed from the
/// start." A cursor that existed from the start sees open keyed counts that
/// a clear emptied (the `Cursor` docs: the clear hands what it emptied to
/// every cursor of the table).
#[test]
fn a_cursor_from_the_start_covers_open_keys_cleared_before_it() {
    let table = Stats::table();
    let mut from_birth = table.cursor();
    table.a().inc();
    table.by_method().inc(Method::Wallet);
    table.by_region().inc("eu");
    table.by_region().inc(KEYS[9]); // too long: overflow
    table.reset();
    table.by_region().add("us-east", 2);
    let mut from_start = table.cursor().from_start();

    let mut expected = Stats {
        a: 1,
        ..Stats::default()
    };
    expected.by_method.add(Method::Wallet, 1);
    expected.by_region.add("eu".to_owned(), 1);
    expected.by_region.add("us-east".to_owned(), 2);
    expected.by_region.add_overflow(1);
    // The cursor that did exist from the start sees all of it...
    assert_eq!(from_birth.delta(), expected, "a cursor made at the start");
    // ...while one made later `from_start` has everything but the open
    // keys that a clear emptied before it existed, as its docs say.
    let mut later = expected.clone();
    later.by_region = Keyed::new();
    later.by_region.add("us-east".to_owned(), 2);
    later.by_region.add_overflow(1);
    assert_eq!(
        from_start.delta(),
        later,
        "Cursor::from_start after a reset"
    );
}

/// The table of the concurrent part: an open field with room for every
/// key of the pool, and one with room for 4 of its 7 storable keys.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "cc")]
struct Shared {
    /// First counter.
    a: u64,
    /// Second counter.
    b: u64,
    /// A gauge.
    #[stat(gauge)]
    g: i64,
    /// By method.
    by_method: Keyed<Method>,
    /// By region: room for the whole pool.
    #[stat(keyed(capacity = 16, max_key_len = 12))]
    by_region: Keyed<String>,
    /// By region again: fills up, and which keys win is a race.
    #[stat(keyed(capacity = 4, max_key_len = 12))]
    by_tight: Keyed<String>,
}

/// A commutative operation: the order of threads' operations does not
/// change the totals (the tight field's per-key split aside).
#[derive(Clone, Debug)]
enum Commutative {
    IncA,
    AddA(u64),
    AddB(u64),
    GaugeInc,
    GaugeDec,
    GaugeAdd(i64),
    ClosedInc(usize),
    ClosedAdd(usize, u64),
    OpenInc(usize),
    OpenAdd(usize, u64),
    TightInc(usize),
    /// `table.add(&step)`: a, b, g, one method, one region, one tight key.
    Step(u64, u64, i64, usize, usize, usize),
}

fn commutative() -> impl Strategy<Value = Commutative> {
    let key = 0..KEYS.len();
    prop_oneof![
        2 => Just(Commutative::IncA),
        1 => (0..1000u64).prop_map(Commutative::AddA),
        1 => (0..1000u64).prop_map(Commutative::AddB),
        1 => Just(Commutative::GaugeInc),
        1 => Just(Commutative::GaugeDec),
        1 => (-1000..1000i64).prop_map(Commutative::GaugeAdd),
        1 => (0..3usize).prop_map(Commutative::ClosedInc),
        1 => (0..3usize, 0..1000u64).prop_map(|(m, n)| Commutative::ClosedAdd(m, n)),
        3 => key.clone().prop_map(Commutative::OpenInc),
        1 => (key.clone(), 0..1000u64).prop_map(|(k, n)| Commutative::OpenAdd(k, n)),
        2 => key.clone().prop_map(Commutative::TightInc),
        1 => (0..100u64, 0..100u64, -100..100i64, 0..3usize, key.clone(), key)
            .prop_map(|(a, b, g, m, k, t)| Commutative::Step(a, b, g, m, k, t)),
    ]
}

/// What one thread added: counters, gauge, closed and open keys. The
/// tight field by key (whoever wins a place, every increment is counted
/// under its key or in the overflow).
#[derive(Clone, Debug, Default)]
struct Totals {
    a: u64,
    b: u64,
    g: i64,
    methods: [u64; 3],
    regions: BTreeMap<&'static str, u64>,
    region_overflow: u64,
    tight: BTreeMap<&'static str, u64>,
    tight_overflow: u64,
}

impl Totals {
    fn region(&mut self, key: &'static str, n: u64) {
        if n == 0 {
            return;
        }
        if key.len() > MAX_KEY_LEN {
            self.region_overflow += n;
        } else {
            *self.regions.entry(key).or_default() += n;
        }
    }

    fn tight(&mut self, key: &'static str, n: u64) {
        if key.len() > MAX_KEY_LEN {
            self.tight_overflow += n;
        } else {
            *self.tight.entry(key).or_default() += n;
        }
    }

    fn merge(&mut self, other: &Self) {
        self.a += other.a;
        self.b += other.b;
        self.g += other.g;
        for (m, n) in other.methods.iter().enumerate() {
            self.methods[m] += n;
        }
        for (key, n) in &other.regions {
            *self.regions.entry(key).or_default() += n;
        }
        self.region_overflow += other.region_overflow;
        for (key, n) in &other.tight {
            *self.tight.entry(key).or_default() += n;
        }
        self.tight_overflow += other.tight_overflow;
    }
}

fn run_commutative(table: &SharedTable, op: &Commutative, totals: &mut Totals) {
    match *op {
        Commutative::IncA => {
            table.a().inc();
            totals.a += 1;
        }
        Commutative::AddA(n) => {
            table.a().add(n);
            totals.a += n;
        }
        Commutative::AddB(n) => {
            table.b().add(n);
            totals.b += n;
        }
        Commutative::GaugeInc => {
            table.g().inc();
            totals.g += 1;
        }
        Commutative::GaugeDec => {
            table.g().dec();
            totals.g -= 1;
        }
        Commutative::GaugeAdd(n) => {
            table.g().add(n);
            totals.g += n;
        }
        Commutative::ClosedInc(m) => {
            table.by_method().inc(Method::ALL[m]);
            totals.methods[m] += 1;
        }
        Commutative::ClosedAdd(m, n) => {
            table.by_method().add(Method::ALL[m], n);
            totals.methods[m] += n;
        }
        Commutative::OpenInc(k) => {
            table.by_region().inc(KEYS[k]);
            totals.region(KEYS[k], 1);
        }
        Commutative::OpenAdd(k, n) => {
            table.by_region().add(KEYS[k], n);
            totals.region(KEYS[k], n);
        }
        Commutative::TightInc(k) => {
            table.by_tight().inc(KEYS[k]);
            totals.tight(KEYS[k], 1);
        }
        Commutative::Step(a, b, g, m, k, t) => {
            let mut step = Shared {
                a,
                b,
                g,
                ..Shared::default()
            };
            step.by_method.add(Method::ALL[m], 1);
            step.by_region.add(KEYS[k].to_owned(), 1);
            step.by_tight.add(KEYS[t].to_owned(), 1);
            table.add(&step);
            totals.a += a;
            totals.b += b;
            totals.g += g;
            totals.methods[m] += 1;
            totals.region(KEYS[k], 1);
            totals.tight(KEYS[t], 1);
        }
    }
}

/// Times each thread runs its sequence, for more interleavings.
const REPEATS: usize = 8;
const THREADS: usize = 4;

/// Sums of a reader's deltas.
fn merge_delta(sum: &mut Shared, delta: &Shared) {
    sum.a = sum.a.wrapping_add(delta.a);
    sum.b = sum.b.wrapping_add(delta.b);
    sum.g = sum.g.wrapping_add(delta.g);
    sum.by_method.merge(&delta.by_method);
    sum.by_region.merge(&delta.by_region);
    sum.by_tight.merge(&delta.by_tight);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Threads running commutative sequences at once, while a reader takes
    /// snapshots and deltas: exact totals, counts that never go down, and
    /// deltas that add up to the final snapshot.
    #[test]
    fn concurrent_sequences_give_exact_totals(
        sequences in proptest::collection::vec(
            proptest::collection::vec(commutative(), 0..150),
            THREADS,
        )
    ) {
        let table = Shared::table();
        let done = std::sync::atomic::AtomicBool::new(false);
        // Made before any writer starts, so its deltas cover every write.
        let mut cursor = table.cursor();
        let (per_thread, deltas) = std::thread::scope(|s| {
            let cursor = &mut cursor;
            let reader = s.spawn(|| {
                let mut sum = Shared::default();
                let mut last = Shared::default();
                while !done.load(std::sync::atomic::Ordering::Acquire) {
                    let now = table.snapshot();
                    assert!(now.a >= last.a && now.b >= last.b, "a counter went down");
                    for method in Method::ALL {
                        let (before, after) = (
                            last.by_method.get(method).unwrap_or(0),
                            now.by_method.get(method).unwrap_or(0),
                        );
                        assert!(after >= before, "{method:?} went down");
                    }
                    for (key, n) in last.by_region.iter() {
                        let after = now.by_region.get(key.as_str()).unwrap_or(0);
                        assert!(after >= n, "{key:?} went down: {n} -> {after}");
                    }
                    assert!(now.by_region.overflow() >= last.by_region.overflow());
                    assert!(now.by_tight.total() >= last.by_tight.total());
                    last = now;
                    merge_delta(&mut sum, &cursor.delta());
                }
                sum
            });
            let writers: Vec<_> = sequences
                .iter()
                .map(|ops| {
                    let table = &table;
                    s.spawn(move || {
                        let mut totals = Totals::default();
                        for _ in 0..REPEATS {
                            for op in ops {
                                run_commutative(table, op, &mut totals);
                            }
                        }
                        totals
                    })
                })
                .collect();
            let per_thread: Vec<Totals> =
                writers.into_iter().map(|w| w.join().expect("a writer panicked")).collect();
            done.store(true, std::sync::atomic::Ordering::Release);
            (per_thread, reader.join().expect("the reader panicked"))
        });
        let mut totals = Totals::default();
        for thread in &per_thread {
            totals.merge(thread);
        }

        let snapshot = table.snapshot();
        prop_assert_eq!((snapshot.a, snapshot.b, snapshot.g), (totals.a, totals.b, totals.g));
        let methods: Keyed<Method> = Method::ALL
            .iter()
            .zip(totals.methods)
            .map(|(&m, n)| (m, n))
            .collect();
        prop_assert_eq!(&snapshot.by_method, &methods);
        let mut regions: Keyed<String> =
            totals.regions.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
        regions.add_overflow(totals.region_overflow);
        prop_assert_eq!(&snapshot.by_region, &regions);

        // The tight field: at most 4 keys, each with at most its
        // increments, the rest in the overflow, nothing lost.
        let tight = &snapshot.by_tight;
        let tight_total: u64 = totals.tight.values().sum::<u64>() + totals.tight_overflow;
        prop_assert_eq!(tight.total(), tight_total);
        prop_assert!(tight.len() <= CAPACITY.min(totals.tight.len()));
        for (key, n) in tight.iter() {
            let made = totals.tight.get(key.as_str()).copied().unwrap_or(0);
            prop_assert!(n <= made, "{:?}: {} counted, {} made", key, n, made);
        }
        prop_assert!(tight.overflow() >= totals.tight_overflow);

        // The reader's deltas, plus one last, add up to the snapshot.
        let mut sum = deltas;
        merge_delta(&mut sum, &cursor.delta());
        prop_assert_eq!(&sum, &snapshot);
    }
}
