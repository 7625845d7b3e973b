//! `poison_cascade`: `.lock().unwrap()` on a shared map's lock.

use crate::diagnostic::Diagnostic;
use crate::engine::Event;
use crate::lints::{declare_lint, diag, note_declaration};

declare_lint! {
    /// ### What it does
    /// Flags `.lock().unwrap()`, `.lock().expect(..)`, `.write().unwrap()` and
    /// `.write().expect(..)` on a `std::sync` lock that guards a map shared
    /// between threads.
    ///
    /// ### Why is this bad
    /// If any thread panics while it holds the guard, the lock is poisoned and
    /// from then on every `.lock().unwrap()` panics too: one bad request takes
    /// down every handler that touches the map, the same cascade as the
    /// incident this project answers.
    ///
    /// ### Known problems
    /// `.read().unwrap()` is not flagged, although a poisoned `RwLock` fails
    /// readers too. Locks are recognised by type name; a `Mutex` imported
    /// from `parking_lot`, `tokio`, `spin` or `async_lock` does not poison and
    /// is not flagged.
    ///
    /// ### Example
    /// ```rust,no_run
    /// # use std::collections::HashMap;
    /// # use std::sync::{LazyLock, Mutex};
    /// # static COUNTS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);
    /// let mut counts = COUNTS.lock().unwrap();
    /// ```
    ///
    /// ### Use instead
    /// ```text
    /// // a lock-free table: nothing to poison
    /// STATS.by_region().inc(region);
    /// // or keep going with the data of a poisoned lock
    /// let mut counts = COUNTS.lock().unwrap_or_else(PoisonError::into_inner);
    /// ```
    pub static POISON_CASCADE = (
        "poison_cascade",
        Suspicious,
        Warn,
        "`.lock().unwrap()` on a shared map's lock turns one panic into a panic in every caller"
    );
}

/// The diagnostic for a lock-then-unwrap event.
pub(crate) fn check(event: &Event) -> Option<Diagnostic> {
    let Event::LockUnwrap {
        site,
        lock,
        unwrap,
        owner,
    } = event
    else {
        return None;
    };
    let mut d = diag(
        &POISON_CASCADE,
        format!(
            "`.{lock}().{unwrap}()` on a shared map's lock panics in every caller once one holder has panicked"
        ),
        site.clone(),
        Some("panics if the lock is poisoned"),
    );
    d = note_declaration(
        d,
        owner.decl.as_ref(),
        format!("the lock is declared here, as `{}`", owner.name),
    );
    Some(d.help(
        "use a lock-free table (`#[derive(StatTable)]`), `parking_lot` locks (no poisoning), or handle the `PoisonError` with `.unwrap_or_else(PoisonError::into_inner)`",
    ))
}
