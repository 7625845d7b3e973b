//! `counter_map`: a shared map of integers used as counters.

use crate::diagnostic::Diagnostic;
use crate::engine::Event;
use crate::lints::{declare_lint, diag, note_declaration};

declare_lint! {
    /// ### What it does
    /// Flags a map shared between threads whose values are used as counters:
    /// `*map.entry(k).or_insert(0) += 1`, `.or_insert(0)`, `.and_modify(|v| *v += 1)`,
    /// `*map.get_mut(k).unwrap() += n`, `map[k] += 1`, `*v += 1` on a value
    /// bound from `get_mut`/`entry`, or `fetch_add`/`fetch_sub` on an atomic
    /// looked up in the map. It reports once per map per function.
    ///
    /// ### Why is this bad
    /// A keyed counter table behind one lock serialises every increment
    /// (about 7 M/s on two cores against hundreds of millions for per-thread
    /// counters), and keys taken from request data grow the map without
    /// bound. A map of atomics read through a lock still takes the lock, and
    /// a new key still needs the write lock.
    ///
    /// ### Known problems
    /// Counter updates in a helper function that receives `&mut u64` are not
    /// recognised, and a value type is known only from the map's declared
    /// type or an integer literal on the right of `+=`.
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

/// The diagnostic for a counter event.
pub(crate) fn check(event: &Event) -> Option<Diagnostic> {
    let Event::Counter { site, owner } = event else {
        return None;
    };
    let mut d = diag(
        &COUNTER_MAP,
        format!("shared map `{}` is used as a table of counters", owner.name),
        site.clone(),
        Some("counter update on a shared map"),
    );
    d = note_declaration(d, owner.decl.as_ref(), "the counter map is declared here");
    Some(d.help(
        "use `#[derive(StatTable)]` with a `Keyed` field: lock-free increments and bounded memory",
    ))
}
