//! `static_mut_map`: a `static mut` whose type holds a map, and every
//! mutation of that map.

use crate::engine::{Cx, Guard, LintPass};
use crate::lints::{Mutation, MutationPass, declare_lint, diag, mutation_events, note_declaration};

declare_lint! {
    /// ### What it does
    /// Flags a `static mut` item whose type holds a `HashMap`, `BTreeMap`,
    /// `HashSet`, `BTreeSet`, `hashbrown` or `indexmap` collection, directly
    /// or inside `Option`, `Vec`, a struct of the same package or a type
    /// alias, and every place that mutates that map without a lock
    /// (`CACHE.as_mut().unwrap().insert(..)`, `CACHE.get_or_insert_with(..)`):
    /// the places a reviewer must change.
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
    /// (after `use`s and type aliases of the package). A mutation through a
    /// raw pointer kept in a binding (`let p = &raw mut CACHE;`) is seen only
    /// when the pointer is used in the same expression.
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

/// The detection.
#[derive(Default)]
pub(crate) struct Pass;

impl MutationPass for Pass {
    fn check_mutation(&mut self, cx: &Cx<'_>, m: Mutation) {
        if !m.through(Guard::StaticMut) {
            return;
        }
        let d = diag(
            &STATIC_MUT_MAP,
            format!(
                "{} mutates `static mut {}` without a lock",
                m.what, m.map.owner.name
            ),
            m.site,
            "a data race if another thread touches the map",
        );
        let d = note_declaration(d, m.map.owner.decl.as_ref(), "the `static mut` is declared here");
        cx.emit(d.help(
            "use `#[derive(StatTable)]` with a `Keyed` field for counters, or a `static` `LazyLock<Mutex<_>>`",
        ));
    }
}

impl LintPass for Pass {
    fn check_item(&mut self, cx: &Cx<'_>, item: &syn::Item) {
        let syn::Item::Static(s) = item else {
            return;
        };
        if !matches!(s.mutability, syn::StaticMutability::Mut(_)) {
            return;
        }
        // A raw pointer (`static mut STATE: *mut State`, set once under a
        // `Once`) holds no map itself: what it points to is judged where it
        // is used.
        if matches!(&*s.ty, syn::Type::Ptr(_)) || !cx.holds_map(&cx.shape_of(&s.ty)) {
            return;
        }
        let d = diag(
            &STATIC_MUT_MAP,
            format!(
                "`static mut {}` holds a map that any thread can reach without a lock",
                s.ident
            ),
            cx.join(s.static_token.span, syn::spanned::Spanned::span(&s.ty)),
            "every access to this map is a potential data race",
        )
        .note(
            "concurrent access to a `static mut` is undefined behaviour the compiler does not check",
            None,
        );
        cx.emit(d.help(
            "use `#[derive(StatTable)]` with a `Keyed` field for counters, or a `static` `LazyLock<Mutex<_>>`",
        ));
    }

    mutation_events!();
}
