//! `unsafe_sync_map`: `unsafe impl Sync`/`Send` for a type that holds a map
//! without a lock, and every mutation of that map from `&self`.

use crate::engine::{Cx, Guard, LintPass};
use crate::lints::{Mutation, MutationPass, declare_lint, diag, mutation_events, note_declaration};

declare_lint! {
    /// ### What it does
    /// Flags `unsafe impl Sync for T` where `T` is a struct of the same
    /// package that holds a map in an `UnsafeCell`, `RefCell` or `Cell` (or
    /// behind an `Rc`), and `unsafe impl Send for T` where the map is behind
    /// an `Rc`: the impls that let two threads reach one map with no lock.
    /// It also flags each mutation of such a cell-held map reached through
    /// `&self` (`unsafe { &mut *self.counts.get() }.insert(..)`,
    /// `self.cache.borrow_mut().clear()`): the places a reviewer must change.
    ///
    /// ### Why is this bad
    /// A `HashMap` does no synchronisation of its own. Declaring the wrapper
    /// `Sync` lets many threads reach the map through `&T`; a write through
    /// the cell while another thread reads or writes is a data race, and a
    /// rehash during a read reads freed memory. This is the compiler being
    /// switched off around exactly the bug it exists to catch.
    ///
    /// ### Known problems
    /// Only structs declared in the linted package are inspected, and generic
    /// wrappers (`Wrapper<T>`) only when a field names a map type. Not
    /// reported, to keep this deny-level lint free of false positives: a
    /// plain map field (through `&T` it can only be read, and moving it to
    /// another thread is sound), a map behind a `Mutex` or `RwLock`, and a
    /// struct with an `Atomic*` or `Mutex<()>` field beside the cell (most
    /// likely a hand-written lock; its mutations are not reported either).
    ///
    /// ### Example
    /// ```rust,no_run
    /// # use std::cell::UnsafeCell;
    /// # use std::collections::HashMap;
    /// struct Registry {
    ///     counts: UnsafeCell<HashMap<String, u64>>,
    /// }
    /// unsafe impl Sync for Registry {}
    /// ```
    ///
    /// ### Use instead
    /// ```text
    /// #[derive(StatTable, Default)]
    /// struct Registry {
    ///     #[stat(keyed(capacity = 1024))]
    ///     counts: Keyed<String>,
    /// }
    /// // RegistryTable is Send + Sync without any unsafe code
    /// ```
    pub static UNSAFE_SYNC_MAP = (
        "unsafe_sync_map",
        Correctness,
        Deny,
        "`unsafe impl Sync` or `Send` for a type that holds a map without a lock"
    );
}

/// The detection.
#[derive(Default)]
pub(crate) struct Pass;

impl MutationPass for Pass {
    fn check_mutation(&mut self, cx: &Cx<'_>, m: Mutation) {
        if !m.through(Guard::Cell) {
            return;
        }
        let d = diag(
            &UNSAFE_SYNC_MAP,
            format!(
                "{} mutates `{}` through `&self` of an `unsafe impl Sync` type, without a lock",
                m.what, m.map.owner.name
            ),
            m.site,
            "a data race if another thread holds the same reference",
        );
        let d = note_declaration(d, m.map.owner.decl.as_ref(), "the map is held here");
        cx.emit(d.help(
            "put the map behind a `Mutex`, or use `#[derive(StatTable)]` with a `Keyed` field for counters",
        ));
    }
}

impl LintPass for Pass {
    fn check_item(&mut self, cx: &Cx<'_>, item: &syn::Item) {
        let syn::Item::Impl(i) = item else {
            return;
        };
        let (Some(unsafety), Some((_, tr, _))) = (&i.unsafety, &i.trait_) else {
            return;
        };
        let trait_name = tr
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if trait_name != "Sync" && trait_name != "Send" {
            return;
        }
        let Some(strukt) = cx.type_path(&i.self_ty) else {
            return;
        };
        let Some(map_at) = cx.racy_map_field(&strukt, trait_name == "Sync") else {
            return;
        };
        let type_name = strukt.rsplit("::").next().unwrap_or(&strukt);
        let d = diag(
            &UNSAFE_SYNC_MAP,
            format!("`unsafe impl {trait_name}` for `{type_name}`, which holds a map without a lock"),
            cx.join(unsafety.span, syn::spanned::Spanned::span(&i.self_ty)),
            "this tells the compiler the map is safe to share",
        )
        .note("the map is held here", Some(map_at));
        cx.emit(d.help(
            "remove the impl and use `#[derive(StatTable)]` with a `Keyed` field, or put the map behind a `Mutex`",
        ));
    }

    mutation_events!();
}
