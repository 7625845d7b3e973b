//! `unsafe_sync_map`: `unsafe impl Sync`/`Send` for a type that holds a map.

use crate::diagnostic::Diagnostic;
use crate::engine::Event;
use crate::lints::{declare_lint, diag};

declare_lint! {
    /// ### What it does
    /// Flags `unsafe impl Sync for T` where `T` is a struct of the same crate
    /// that holds a map in an `UnsafeCell`, `RefCell` or `Cell` (or behind an
    /// `Rc`), and `unsafe impl Send for T` where the map is behind an `Rc`:
    /// the impls that let two threads reach one map with no lock.
    ///
    /// ### Why is this bad
    /// A `HashMap` does no synchronisation of its own. Declaring the wrapper
    /// `Sync` lets many threads reach the map through `&T`; a write through
    /// the cell while another thread reads or writes is a data race, and a
    /// rehash during a read reads freed memory. This is the compiler being
    /// switched off around exactly the bug it exists to catch.
    ///
    /// ### Known problems
    /// Only structs declared in the linted crate are inspected, and generic
    /// wrappers (`Wrapper<T>`) only when a field names a map type. Not
    /// reported, to keep this deny-level lint free of false positives: a
    /// plain map field (through `&T` it can only be read, and moving it to
    /// another thread is sound), a map behind a `Mutex` or `RwLock`, and a
    /// struct with an `Atomic*` field beside the cell (most likely a
    /// hand-written lock). A hand-written lock without an atomic field is
    /// reported; suppress it with a reason.
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

/// The diagnostic for an `unsafe impl` event.
pub(crate) fn check(event: &Event) -> Option<Diagnostic> {
    let Event::UnsafeImpl {
        site,
        trait_name,
        type_name,
        map_at,
    } = event
    else {
        return None;
    };
    let mut d = diag(
        &UNSAFE_SYNC_MAP,
        format!("`unsafe impl {trait_name}` for `{type_name}`, which holds a map without a lock"),
        site.clone(),
        Some("this tells the compiler the map is safe to share"),
    );
    if let Some(at) = map_at {
        d = d.note("the map is held here", Some(at.clone()));
    }
    Some(d.help(
        "remove the impl and use `#[derive(StatTable)]` with a `Keyed` field, or put the map behind a `Mutex`",
    ))
}
