//! `shared_map_mutation`: a map shared between threads, mutated under a lock.

use crate::diagnostic::Diagnostic;
use crate::engine::Event;
use crate::lints::{declare_lint, diag, note_declaration};

declare_lint! {
    /// ### What it does
    /// Flags mutating calls (`insert`, `entry`, `get_mut`, `remove`, `clear`,
    /// `extend`, `retain`, `drain`, `iter_mut`, index assignment, ...) on a
    /// `HashMap`, `BTreeMap`, `HashSet`, `BTreeSet`, `hashbrown` or `indexmap`
    /// map that is shared between threads: reached through a `static` (behind
    /// `Mutex`, `RwLock`, `LazyLock`, `OnceLock`, `once_cell::sync::Lazy`,
    /// `lazy_static!`, parking_lot or tokio locks) or through an
    /// `Arc<Mutex<_>>` / `Arc<RwLock<_>>` held in a binding, a struct field, a
    /// function parameter (including `axum::extract::State`) or a type alias,
    /// including clones moved into `thread::spawn` or `tokio::spawn`, and
    /// locals borrowed by scoped threads (`std::thread::scope`, `rayon::scope`).
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
    /// name (after `use` renames and type aliases in the same crate), and a
    /// value is followed through bindings, fields, parameters, `clone()` and
    /// closures, but not through function return values or generic code.
    /// A `&Mutex<HashMap<..>>` parameter of a function that scoped threads
    /// call is not recognised (a local borrowed by `s.spawn(|| ..)` is).
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

/// The diagnostic for a mutation event.
pub(crate) fn check(event: &Event) -> Option<Diagnostic> {
    let Event::Mutation { site, what, owner } = event else {
        return None;
    };
    let mut d = diag(
        &SHARED_MAP_MUTATION,
        format!("{what} mutates a map shared between threads"),
        site.clone(),
        Some("every writer serialises on one lock here"),
    );
    d = note_declaration(
        d,
        owner.decl.as_ref(),
        format!("the shared map is declared here, as `{}`", owner.name),
    );
    Some(d.help(
        "keep counters in `#[derive(StatTable)]` with a `Keyed` field, or use a concurrent map",
    ))
}
