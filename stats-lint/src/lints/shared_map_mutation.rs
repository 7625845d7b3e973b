//! `shared_map_mutation`: a map shared between threads, mutated under a lock.

use crate::engine::{Cx, LintPass};
use crate::lints::{Mutation, MutationPass, declare_lint, diag, mutation_events, note_declaration};

declare_lint! {
    /// ### What it does
    /// Flags mutating calls (`insert`, `entry`, `get_mut`, `remove`, `clear`,
    /// `extend`, `retain`, `drain`, `iter_mut`, `mem::take`, index assignment,
    /// `*guard = HashMap::new()`, `guard.sessions = HashMap::new()`, ...) on a `HashMap`, `BTreeMap`, `HashSet`,
    /// `BTreeSet`, `hashbrown` or `indexmap` map that is shared between
    /// threads and held under a write
    /// lock (std, parking_lot or tokio): reached through a `static`, an `Arc`,
    /// a framework's shared state (axum `State`/`Extension`, actix
    /// `web::Data`), a field of a shared struct, `&self` of a type that holds
    /// a lock, a `&Mutex<..>` parameter, a function returning `&'static`, or a
    /// binding captured by a closure that runs on other threads (scoped
    /// spawns, rayon, framework handlers, a lock moved into `thread::spawn`).
    /// A `&mut self` method of the package's own type that mutates one of its
    /// map fields (directly or through its other `&mut self` methods) counts
    /// when it is called on a shared, locked value
    /// (`registry.write().unwrap().register(c)`), and so does the package's
    /// own type that derefs to a map (`impl DerefMut<Target = HashMap<..>>`).
    /// The package's own generic locks (a `&self` lock method that hands back
    /// a guard of the type parameter) and pointers (a `Deref` to the type
    /// parameter; shared when also `Clone` and `Sync` by hand) count as
    /// std's. A shared map handed as `&mut` to a function of the package
    /// that mutates it (`remove_from(&mut guard, key)`) is reported at the
    /// call.
    ///
    /// ### Why is this bad
    /// Every writer serialises on the one lock around the map: on two cores a
    /// `Mutex<HashMap<String, u64>>` manages about 7 M increments per second
    /// where thread-owned counters manage hundreds of millions. A panic while
    /// the guard is held poisons the lock for every later caller, and keys
    /// taken from requests make the map grow without bound.
    ///
    /// ### Known problems
    /// The linter reads syntax, not types: a map is recognised by its type
    /// name after resolving `use`s and aliases, and a value is followed
    /// through bindings, fields, parameters, `clone()`, closures and
    /// functions whose return type is written out, but not through generic
    /// code, trait objects or types of other crates. A struct that is shared
    /// anywhere in the package is treated as shared everywhere.
    ///
    /// ### Example
    /// ```rust,no_run
    /// # use std::collections::HashMap;
    /// # use std::sync::{LazyLock, Mutex};
    /// static HITS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);
    ///
    /// fn record(path: &str) {
    ///     HITS.lock().unwrap().insert(path.to_string(), 1);
    /// }
    /// ```
    ///
    /// ### Use instead
    /// ```text
    /// #[derive(StatTable, Default)]
    /// struct Hits {
    ///     #[stat(keyed(capacity = 1024))]
    ///     by_path: Keyed<String>,
    /// }
    ///
    /// static HITS: LazyLock<HitsTable> = LazyLock::new(Hits::table);
    ///
    /// fn record(path: &str) {
    ///     HITS.by_path().inc(path);
    /// }
    /// ```
    pub static SHARED_MAP_MUTATION = (
        "shared_map_mutation",
        Suspicious,
        Warn,
        "a map shared between threads is mutated under a lock"
    );
}

/// The detection.
#[derive(Default)]
pub(crate) struct Pass;

impl MutationPass for Pass {
    fn check_mutation(&mut self, cx: &Cx<'_>, m: Mutation) {
        if !(m.map.shared && m.map.write_locked()) || cx.per_test(&m.map) {
            return;
        }
        let d = diag(
            &SHARED_MAP_MUTATION,
            format!("{} mutates a map shared between threads", m.what),
            m.site,
            "every writer serialises on one lock here",
        );
        let d = note_declaration(
            d,
            m.map.owner.decl.as_ref(),
            format!("the shared map is declared here, as `{}`", m.map.owner.name),
        );
        cx.emit(d.help(
            "keep counters in `#[derive(StatTable)]` with a `Keyed` field, or use a concurrent map",
        ));
    }
}

impl LintPass for Pass {
    mutation_events!();
}
