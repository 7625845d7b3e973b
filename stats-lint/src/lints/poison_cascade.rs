//! `poison_cascade`: `.lock().unwrap()` on a shared map's lock.

use std::collections::HashMap;

use crate::engine::{Cx, Flavor, Guard, LintPass};
use crate::lints::{declare_lint, diag, note_declaration};

declare_lint! {
    /// ### What it does
    /// Flags `.lock().unwrap()`, `.write().unwrap()` and `.read().unwrap()`
    /// (or `.expect(..)`, also after `.as_mut()`/`.as_ref()`) on a
    /// `std::sync` lock (or the package's own lock whose lock method hands
    /// back an `Option`/`Result` that a poisoned std lock inside makes
    /// `None`/`Err`) that guards a map shared
    /// between threads: a map, or a struct of the package that owns one (not
    /// a map behind an `Arc` or another lock inside the guarded value, which
    /// the guard cannot mutate).
    ///
    /// ### Why is this bad
    /// If any thread panics while it holds the guard, the lock is poisoned and
    /// from then on every `.lock().unwrap()` panics too: one bad request takes
    /// down every handler that touches the map, the same cascade as the
    /// incident this project answers. A poisoned `RwLock` fails readers too,
    /// so `.read().unwrap()` is part of the cascade.
    ///
    /// ### Known problems
    /// Locks are recognised by type after resolving `use`s: a `Mutex`
    /// imported from `parking_lot`, `tokio`, `spin` or `async_lock` does not
    /// poison and is not flagged, and a `Mutex` whose import cannot be seen
    /// (a glob import of another crate) is taken for `std::sync::Mutex`.
    /// Recovering from poison (`Err(p) => p.into_inner()`,
    /// `.unwrap_or_else(PoisonError::into_inner)`) is not flagged.
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

/// The detection.
#[derive(Default)]
pub(crate) struct Pass {
    /// Names bound to a lock's result before it is unwrapped
    /// (`let guard = shared.lock();`), with the lock method.
    lock_results: HashMap<String, String>,
}

/// `m.lock()`, `m.write()`, `m.read()`: the method.
fn lock_method(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Paren(p) => lock_method(&p.expr),
        syn::Expr::MethodCall(c) if c.args.is_empty() => {
            let name = c.method.to_string();
            matches!(name.as_str(), "lock" | "write" | "read").then_some(name)
        }
        _ => None,
    }
}

impl LintPass for Pass {
    fn check_local(&mut self, _cx: &Cx<'_>, l: &syn::Local) {
        let pat = match &l.pat {
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        let syn::Pat::Ident(pi) = pat else {
            return;
        };
        let name = pi.ident.to_string();
        match l.init.as_ref().and_then(|i| lock_method(&i.expr)) {
            Some(lock) => self.lock_results.insert(name, lock),
            None => self.lock_results.remove(&name),
        };
    }

    fn check_method_call(&mut self, cx: &Cx<'_>, m: &syn::ExprMethodCall) {
        let unwrap = m.method.to_string();
        if unwrap != "unwrap" && unwrap != "expect" {
            return;
        }
        let mut receiver = &*m.receiver;
        while let syn::Expr::Paren(p) = receiver {
            receiver = &p.expr;
        }
        // `.lock().as_mut().unwrap()` panics on a poisoned lock as well.
        let mut between = String::new();
        let mut locked = receiver;
        if let syn::Expr::MethodCall(c) = receiver
            && matches!(c.method.to_string().as_str(), "as_mut" | "as_ref")
        {
            between = format!(".{}()", c.method);
            locked = &c.receiver;
        }
        // The lock call, or a name bound to its result
        // (`let guard = m.lock(); guard.as_ref().expect(..)`).
        let (lock, start) = match locked {
            syn::Expr::MethodCall(c) => (c.method.to_string(), c.method.span()),
            syn::Expr::Path(p) => match p.path.get_ident() {
                Some(id) => match self.lock_results.get(&id.to_string()) {
                    Some(lock) => (lock.clone(), id.span()),
                    None => return,
                },
                None => return,
            },
            _ => return,
        };
        if !matches!(lock.as_str(), "lock" | "write" | "read") {
            return;
        }
        let Some(value) = cx.value(receiver) else {
            return;
        };
        let std_lock = matches!(
            value.guard,
            Guard::Lock {
                flavor: Flavor::Std,
                ..
            }
        );
        if !(value.shared && std_lock && cx.owns_map(&value.shape)) || cx.per_test(&value) {
            return;
        }
        let end = m.paren_token.span.close();
        // The finding goes on the line of the call that panics when the chain
        // is split over several lines.
        let site = if start.start().line == m.method.span().start().line {
            cx.join(start, end)
        } else {
            cx.join(m.method.span(), end)
        };
        let d = diag(
            &POISON_CASCADE,
            format!(
                "`.{lock}(){between}.{unwrap}()` on a shared map's lock panics in every caller once one holder has panicked"
            ),
            site,
            "panics if the lock is poisoned",
        );
        let d = note_declaration(
            d,
            value.owner.decl.as_ref(),
            format!("the lock is declared here, as `{}`", value.owner.name),
        );
        cx.emit(d.help(
            "use a lock-free table (`#[derive(StatTable)]`), `parking_lot` locks (no poisoning), or handle the `PoisonError` with `.unwrap_or_else(PoisonError::into_inner)`",
        ));
    }
}
