//! `static_mut_map`: a `static mut` whose type holds a map.

use crate::diagnostic::Diagnostic;
use crate::engine::Event;
use crate::lints::{declare_lint, diag};

declare_lint! {
    /// ### What it does
    /// Flags a `static mut` item whose type holds a `HashMap`, `BTreeMap`,
    /// `HashSet`, `BTreeSet`, `hashbrown` or `indexmap` collection, directly
    /// or inside `Option`, `Vec`, a struct of the same crate or a type alias.
    ///
    /// ### Why is this bad
    /// Every access to a `static mut` needs `unsafe`, and two threads that
    /// touch the map at once are a data race: undefined behaviour the
    /// compiler was told to ignore. A rehash during a concurrent read reads
    /// freed memory. Since the 2024 edition, rustc's `static_mut_refs` lint
    /// denies references to a `static mut` by default for this reason.
    ///
    /// ### Known problems
    /// A program that touches the map from one thread only is not racy, but
    /// nothing checks that it stays so. Map types are recognised by name
    /// (after `use` renames and type aliases of the crate).
    ///
    /// ### Example
    /// ```rust,no_run
    /// # use std::collections::HashMap;
    /// static mut CACHE: Option<HashMap<String, u64>> = None;
    /// ```
    ///
    /// ### Use instead
    /// ```text
    /// // counters: a lock-free table
    /// static STATS: LazyLock<RequestStatsTable> = LazyLock::new(RequestStats::table);
    /// // any other map: a lock the compiler checks
    /// static CACHE: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);
    /// ```
    pub static STATIC_MUT_MAP = (
        "static_mut_map",
        Correctness,
        Deny,
        "a `static mut` holds a map"
    );
}

/// The diagnostic for a `static mut` event.
pub(crate) fn check(event: &Event) -> Option<Diagnostic> {
    let Event::StaticMut { site, name } = event else {
        return None;
    };
    Some(
        diag(
            &STATIC_MUT_MAP,
            format!("`static mut {name}` holds a map that any thread can reach without a lock"),
            site.clone(),
            Some("every access to this map is a potential data race"),
        )
        .note(
            "concurrent access to a `static mut` is undefined behaviour the compiler does not check",
            None,
        )
        .help(
            "use `#[derive(StatTable)]` with a `Keyed` field for counters, or a `static` `LazyLock<Mutex<_>>`",
        ),
    )
}
