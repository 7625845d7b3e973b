//! `counter_map`: a shared map of integers used as counters.

use std::collections::HashSet;


use crate::engine::facts::has_compound_add;
use crate::engine::{Cx, Guard, LintPass, Owner, Shape, Value};
use crate::lints::{declare_lint, diag, note_declaration};

declare_lint! {
    /// ### What it does
    /// Flags a map shared between threads and held under a lock whose values
    /// are used as counters: `*map.entry(k).or_insert(0) += 1`,
    /// `.or_insert(0)`, `.and_modify(|v| *v += 1)`, `*map.get_mut(k).unwrap() += n`,
    /// `map[k] += 1`, `*v += 1` on a value bound from `get_mut`/`entry`, or
    /// `fetch_add`/`fetch_sub` on an atomic looked up under a lock (also an
    /// atomic field of a looked-up struct whose fields are all counters). The
    /// finding sits on the lookup (`entry`, `get_mut`, `map[k]`) that makes
    /// the map a counter table, once per map per function.
    ///
    /// ### Why is this bad
    /// A keyed counter table behind one lock serialises every increment
    /// (about 7 M/s on two cores against hundreds of millions for per-thread
    /// counters), and keys taken from request data grow the map without
    /// bound. A map of atomics read through a lock still takes the lock, and
    /// a new key still needs the write lock.
    ///
    /// ### Known problems
    /// A `&mut self` method of the package's type that counts in one of its
    /// map fields is reported where it is called on a shared, locked value;
    /// counter updates in a helper function that receives `&mut u64` are not
    /// recognised, and a value type is known only from the map's declared
    /// type or an integer literal on the right of `+=`. A map of atomics read
    /// without any lock (a fixed key set built once) is lock-free and is not
    /// reported, and neither is a map reached through `&mut self`.
    ///
    /// ### Example
    /// ```rust,no_run
    /// # use std::collections::HashMap;
    /// # use std::sync::{Arc, Mutex};
    /// # let region = String::from("eu-west");
    /// let by_region: Arc<Mutex<HashMap<String, u64>>> = Default::default();
    /// *by_region.lock().unwrap().entry(region).or_insert(0) += 1;
    /// ```
    ///
    /// ### Use instead
    /// ```text
    /// #[derive(StatTable, Default)]
    /// struct OrderStats {
    ///     #[stat(keyed(capacity = 256))]
    ///     by_region: Keyed<String>,
    /// }
    /// let table = OrderStats::table();
    /// table.by_region().inc(region);
    /// ```
    pub static COUNTER_MAP = (
        "counter_map",
        Perf,
        Warn,
        "a shared map of integers is used as a table of counters"
    );
}

/// The detection: remembers which maps were reported in which function body.
#[derive(Default)]
pub(crate) struct Pass {
    reported: HashSet<(std::path::PathBuf, usize, String)>,
}

/// A value looked up in a map that is shared and held under a lock.
fn in_counter_table(v: &Value) -> bool {
    v.lookup.is_some() && v.shared && matches!(v.guard, Guard::Lock { .. })
}

fn is_int_lit(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Int(_)),
        syn::Expr::Paren(p) => is_int_lit(&p.expr),
        _ => false,
    }
}


impl Pass {
    fn report(&mut self, cx: &Cx<'_>, v: Value) {
        if cx.per_test(&v) {
            return;
        }
        let Some(lookup) = v.lookup else {
            return;
        };
        // Function bodies are numbered per file.
        if !self
            .reported
            .insert((lookup.file.clone(), cx.body_id(), v.owner.name.clone()))
        {
            return;
        }
        let d = diag(
            &COUNTER_MAP,
            format!("shared map `{}` is used as a table of counters", v.owner.name),
            lookup,
            "counter lookup in a shared map",
        );
        let d = note_declaration(d, v.owner.decl.as_ref(), "the counter map is declared here");
        cx.emit(d.help(
            "use `#[derive(StatTable)]` with a `Keyed` field: lock-free increments and bounded memory",
        ));
    }
}

impl Pass {
    /// `metrics.lock().unwrap().add_path(p)` where the package's own
    /// `add_path(&mut self, ..)` counts in its map field: the finding is on
    /// the call, the lookup being in the method.
    fn counting_method(&mut self, cx: &Cx<'_>, m: &syn::ExprMethodCall) {
        let name = m.method.to_string();
        let Some(receiver) = cx.value(&m.receiver) else {
            return;
        };
        let Shape::Named(strukt) = receiver.shape.peel().0 else {
            return;
        };
        let Some(field) = cx.counter_method(strukt, &name) else {
            return;
        };
        let shared = receiver.shared || receiver.shape.peel().1;
        if !shared || !matches!(receiver.guard, Guard::Lock { .. }) {
            return;
        }
        let decl = cx.field(strukt, &field).map(|(_, d)| d);
        let site = cx.join(m.method.span(), m.paren_token.span.close());
        self.report(
            cx,
            Value {
                lookup: Some(site),
                owner: Owner {
                    name: format!("{}.{field}", receiver.owner.name),
                    decl: decl.or(receiver.owner.decl.clone()),
                },
                ..receiver
            },
        );
    }
}

impl LintPass for Pass {
    fn check_method_call(&mut self, cx: &Cx<'_>, m: &syn::ExprMethodCall) {
        if cx.may_be_counter_method(&m.method.to_string()) {
            self.counting_method(cx, m);
        }
        let counter = match m.method.to_string().as_str() {
            "or_insert" => m.args.first().is_some_and(is_int_lit),
            "fetch_add" | "fetch_sub" => true,
            "and_modify" => m.args.first().is_some_and(has_compound_add),
            _ => false,
        };
        if counter
            && let Some(v) = cx.value(&m.receiver)
            && in_counter_table(&v)
            // A map whose value is known to be something else (a struct) is no counter table.
            && matches!(v.shape.peel().0, Shape::Int | Shape::Atomic | Shape::Unknown)
        {
            self.report(cx, v);
        }
        // `counter.success.fetch_add(1, ..)` where `counter` is a map's value
        // looked up under the lock and a struct of counters only (not a
        // registry entry with a restart count among its other state).
        if matches!(m.method.to_string().as_str(), "fetch_add" | "fetch_sub")
            && let syn::Expr::Field(f) = &*m.receiver
            && let Some(v) = cx.value(&f.base)
            && in_counter_table(&v)
            && matches!(v.shape.peel().0, Shape::Named(s) if cx.only_counters(s))
        {
            self.report(cx, v);
        }
    }

    fn check_binary(&mut self, cx: &Cx<'_>, b: &syn::ExprBinary) {
        if !matches!(b.op, syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_)) {
            return;
        }
        if let Some(v) = cx.value(&b.left)
            && in_counter_table(&v)
            && (v.shape.is_numeric() || is_int_lit(&b.right))
        {
            self.report(cx, v);
        }
    }
}
