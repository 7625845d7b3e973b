//! Property test: any sequence of writes, resets and deltas, some of them
//! from other threads, gives the same snapshots and deltas as a plain model.

use proptest::prelude::*;
use stats_core::StatTable;

/// The table under test.
#[derive(StatTable, Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Stats {
    /// First counter.
    a: u64,
    /// Second counter.
    b: u64,
    /// A gauge.
    #[stat(gauge)]
    g: i64,
}

/// One step of a test run.
#[derive(Clone, Debug)]
enum Op {
    IncA,
    AddB(u64),
    AddTo(usize, u64),
    Step(u64, u64, i64),
    SetG(i64),
    AddG(i64),
    Reset,
    Delta(usize),
    /// Run the inner op on a new thread (which may reuse an old row).
    OnThread(Box<Op>),
}

fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        Just(Op::IncA),
        any::<u64>().prop_map(Op::AddB),
        (0..3usize, any::<u64>()).prop_map(|(f, n)| Op::AddTo(f, n)),
        (0..1000u64, any::<u64>(), any::<i64>()).prop_map(|(a, b, g)| Op::Step(a, b, g)),
        any::<i64>().prop_map(Op::SetG),
        any::<i64>().prop_map(Op::AddG),
        Just(Op::Reset),
        (0..2usize).prop_map(Op::Delta),
    ];
    prop_oneof![
        4 => leaf.clone(),
        1 => leaf.prop_map(|op| Op::OnThread(Box::new(op))),
    ]
}

/// What the table should hold, computed the plain way.
#[derive(Default)]
struct Model {
    /// Counters since the table was built (what cursors see).
    raw: [u64; 2],
    /// Counters at the last reset.
    baseline: [u64; 2],
    gauge: i64,
    /// Per cursor: raw counters and gauge at its previous delta.
    cursors: [([u64; 2], i64); 2],
}

impl Model {
    fn snapshot(&self) -> Stats {
        Stats {
            a: self.raw[0].wrapping_sub(self.baseline[0]),
            b: self.raw[1].wrapping_sub(self.baseline[1]),
            g: self.gauge,
        }
    }
}

fn apply(table: &StatsTable, model: &mut Model, op: &Op) {
    match op {
        Op::IncA => {
            table.a().inc();
            model.raw[0] = model.raw[0].wrapping_add(1);
        }
        Op::AddB(n) => {
            table.b().add(*n);
            model.raw[1] = model.raw[1].wrapping_add(*n);
        }
        Op::AddTo(field, n) => {
            table.add_to(StatsField::ALL[*field], *n);
            match field {
                0 | 1 => model.raw[*field] = model.raw[*field].wrapping_add(*n),
                #[allow(clippy::cast_possible_wrap)]
                _ => model.gauge = model.gauge.wrapping_add(*n as i64),
            }
        }
        Op::Step(a, b, g) => {
            table.add(&Stats {
                a: *a,
                b: *b,
                g: *g,
            });
            model.raw[0] = model.raw[0].wrapping_add(*a);
            model.raw[1] = model.raw[1].wrapping_add(*b);
            model.gauge = model.gauge.wrapping_add(*g);
        }
        Op::SetG(v) => {
            table.g().set(*v);
            model.gauge = *v;
        }
        Op::AddG(v) => {
            table.g().add(*v);
            model.gauge = model.gauge.wrapping_add(*v);
        }
        Op::Reset => {
            table.reset();
            model.baseline = model.raw;
            // A gauge is a level: a reset leaves it alone.
        }
        Op::Delta(_) | Op::OnThread(_) => unreachable!("handled by the caller"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn table_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let table = Stats::table();
        let mut cursors = [table.cursor(), table.cursor()];
        let mut model = Model::default();
        for op in &ops {
            match op {
                Op::Delta(i) => {
                    let (last_raw, last_gauge) = model.cursors[*i];
                    let expected = Stats {
                        a: model.raw[0].wrapping_sub(last_raw[0]),
                        b: model.raw[1].wrapping_sub(last_raw[1]),
                        g: model.gauge.wrapping_sub(last_gauge),
                    };
                    prop_assert_eq!(cursors[*i].delta(), expected);
                    model.cursors[*i] = (model.raw, model.gauge);
                }
                Op::OnThread(inner) if !matches!(**inner, Op::Delta(_)) => {
                    std::thread::scope(|s| {
                        s.spawn(|| apply(&table, &mut model, inner));
                    });
                }
                Op::OnThread(_) => {}
                other => apply(&table, &mut model, other),
            }
            prop_assert_eq!(table.snapshot(), model.snapshot());
        }
    }
}
