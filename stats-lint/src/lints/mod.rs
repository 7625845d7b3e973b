//! The lints: each lives in its own file under `src/lints/`, which holds its
//! declaration (name, group, default level and documentation, with Clippy's
//! headings What it does / Why is this bad / Known problems / Example / Use
//! instead) and its detection, a `Pass` that implements the engine's
//! `LintPass` events. `build.rs` finds the files and generates the registry
//! ([`LINTS`] and the passes); adding a lint touches one file and its UI test.
//!
//! The helpers below are shared by several lints (Clippy keeps such helpers
//! in `clippy_utils`).

use crate::diagnostic::{Diagnostic, Span};
use crate::engine::{Cx, Guard, Value};

pub use crate::diagnostic::Level;

include!(concat!(env!("OUT_DIR"), "/lints.rs"));

/// Lint groups, as in Clippy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Code that is outright wrong; deny by default, no false positives allowed.
    Correctness,
    /// Code that is most likely wrong or fragile; warn by default.
    Suspicious,
    /// Code that is slower than it needs to be; warn by default.
    Perf,
}

impl Group {
    /// The group's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Correctness => "correctness",
            Group::Suspicious => "suspicious",
            Group::Perf => "perf",
        }
    }
}

/// A lint's static description.
#[derive(Debug)]
pub struct Lint {
    /// The name, as used in `allow(stats_lint::NAME)` and on the command line.
    pub name: &'static str,
    /// The group.
    pub group: Group,
    /// The level when nothing configures it.
    pub default_level: Level,
    /// One line describing what the lint flags.
    pub summary: &'static str,
    /// The full documentation (markdown), from the lint's doc comment.
    pub docs: &'static str,
}

/// Declares a lint: the doc comment becomes both the rustdoc of the static
/// and the [`Lint::docs`] text printed by `--explain`.
macro_rules! declare_lint {
    (
        $(#[doc = $doc:literal])*
        pub static $ident:ident = ($name:literal, $group:ident, $level:ident, $summary:literal);
    ) => {
        $(#[doc = $doc])*
        pub static $ident: $crate::lints::Lint = $crate::lints::Lint {
            name: $name,
            group: $crate::lints::Group::$group,
            default_level: $crate::diagnostic::Level::$level,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
}
pub(crate) use declare_lint;

/// The pseudo-lint used for files that do not parse.
pub const SYNTAX_ERROR: &str = crate::engine::SYNTAX_ERROR;

/// Finds a lint by name (with or without the `stats_lint::` prefix).
pub fn find(name: &str) -> Option<&'static Lint> {
    let name = name.strip_prefix("stats_lint::").unwrap_or(name);
    LINTS.iter().copied().find(|l| l.name == name)
}

/// Builds a diagnostic for `lint` at its default level.
pub(crate) fn diag(lint: &'static Lint, message: String, span: Span, label: &str) -> Diagnostic {
    Diagnostic {
        lint: lint.name,
        level: lint.default_level,
        message,
        span,
        label: Some(label.to_string()),
        children: Vec::new(),
    }
}

/// Adds a note pointing at where the shared map or lock is declared, when
/// pass 1 found the declaration.
pub(crate) fn note_declaration(
    d: Diagnostic,
    decl: Option<&Span>,
    note: impl Into<String>,
) -> Diagnostic {
    match decl {
        Some(decl) => d.note(note, Some(decl.clone())),
        None => d,
    }
}

/// A place where a map is mutated: what mutates it and the map's value.
pub(crate) struct Mutation {
    /// The mutating call or assignment.
    pub(crate) site: Span,
    /// "`insert`", "index assignment", "`mem::take`", ...
    pub(crate) what: String,
    /// The map.
    pub(crate) map: Value,
}

impl Mutation {
    /// Whether the map is reached through `guard` (ignoring the lock's flavour and mode).
    pub(crate) fn through(&self, guard: Guard) -> bool {
        std::mem::discriminant(&self.map.guard) == std::mem::discriminant(&guard)
    }
}

/// `map.insert(..)` and every other mutating method of a map or set, and a
/// method of the package's own type that mutates a map handed to it as
/// `&mut` (`self.apply(&mut guard)`).
pub(crate) fn method_mutation(cx: &Cx<'_>, m: &syn::ExprMethodCall) -> Vec<Mutation> {
    if let Some(found) = receiver_mutation(cx, m) {
        return vec![found];
    }
    let name = m.method.to_string();
    if m.args.is_empty() || !cx.may_take_mut_param(&name) {
        return Vec::new();
    }
    let Some(receiver) = cx.value(&m.receiver) else {
        return Vec::new();
    };
    let crate::engine::Shape::Named(strukt) = receiver.shape.peel().0 else {
        return Vec::new();
    };
    helper_mutation(cx, &format!("{strukt}::{name}"), m.args.iter())
}

/// A mutation of the receiver: a map method, or a `&mut self` mutator of
/// the package's own type.
fn receiver_mutation(cx: &Cx<'_>, m: &syn::ExprMethodCall) -> Option<Mutation> {
    let name = m.method.to_string();
    let site = || cx.join(m.method.span(), m.paren_token.span.close());
    let receiver = if crate::engine::walk::MUTATING_METHODS.contains(&name.as_str()) {
        let map = cx.value(&m.receiver)?;
        if map.is_map() {
            return Some(Mutation {
                site: site(),
                what: format!("`{name}`"),
                map,
            });
        }
        // The package's own type that derefs to a map (`impl DerefMut<Target = HashMap<..>>`).
        if let Some(map) = cx.through_deref(&map, &name) {
            return Some(Mutation {
                site: site(),
                what: format!("`{name}`"),
                map,
            });
        }
        map
    } else if name == "get" {
        // hashlink's `LruCache::get` moves the entry it finds to the back.
        let map = cx.value(&m.receiver)?;
        if matches!(
            map.shape.peel().0,
            crate::engine::Shape::Map {
                reorders_on_get: true,
                ..
            }
        ) {
            return Some(Mutation {
                site: site(),
                what: "`get` (an `LruCache` lookup that moves the entry to the back)".to_string(),
                map,
            });
        }
        if !cx.may_be_mutator(&name) {
            return None;
        }
        map
    } else {
        if !cx.may_be_mutator(&name) {
            return None;
        }
        cx.value(&m.receiver)?
    };
    // A `&mut self` method of the package's own type that mutates one of its
    // map fields, called on a shared value (`registry.write().unwrap().register(c)`):
    // also when it is named like a map method (`set.insert(x)` on the package's own set).
    let crate::engine::Shape::Named(strukt) = receiver.shape.peel().0 else {
        return None;
    };
    let (field, decl) = cx.mutator(strukt, &name)?;
    let map = crate::engine::Shape::Map {
        value: Box::new(crate::engine::Shape::Unknown),
        reorders_on_get: false,
    };
    Some(Mutation {
        site: site(),
        what: format!("`{name}` (a `&mut self` method that mutates `{field}`)"),
        map: field_map(cx, receiver, &field, map, decl),
    })
}

/// A map handed as `&mut` to a function of the package that mutates it
/// (`remove_from(&mut guard, key)`, `Self::add_record(&mut inner, r)`,
/// `self.apply(&mut guard)`): the finding is where the shared map is handed
/// over, since the helper's own `&mut` parameter is exclusive there.
pub(crate) fn helper_mutation<'a>(
    cx: &Cx<'_>,
    function: &str,
    args: impl Iterator<Item = &'a syn::Expr>,
) -> Vec<Mutation> {
    let mutated = cx.param_mutations(function);
    if mutated.is_empty() {
        return Vec::new();
    }
    let name = function.rsplit("::").next().unwrap_or(function);
    // Of several maps handed over, those shared between threads, each where
    // it is handed (`merge(&mut a.lock()?, &mut b.lock()?)`), else the first.
    let mut found: Vec<Mutation> = Vec::new();
    let mut keep = |m: Mutation| {
        if m.map.shared {
            found.retain(|f| f.map.shared);
            if !found.iter().any(|f| f.site == m.site) {
                found.push(m);
            }
        } else if found.is_empty() {
            found.push(m);
        }
    };
    for (i, arg) in args.enumerate() {
        // The parameter is `&mut` (or a guard taken by value): whatever is
        // passed is the caller's map, `&mut g` or a `&mut` bound earlier.
        // What the helper mutates depends on what it is handed: the map
        // itself, or a field of the package's own type (`p.insert(..)`
        // is either).
        // `Some(&mut guard)` to an `Option<&mut T>` parameter.
        let arg = match arg {
            syn::Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Some")) =>
            {
                &c.args[0]
            }
            arg => arg,
        };
        for (_, field) in mutated.iter().filter(|(p, _)| *p == i) {
            let Some(v) = cx.value(arg) else {
                break;
            };
            let site = cx.span(syn::spanned::Spanned::span(arg));
            match field {
                None if v.is_map() => {
                    keep(Mutation {
                        site,
                        what: format!(
                            "`{name}` (a helper that mutates the map handed to it as `&mut`)"
                        ),
                        map: v,
                    });
                }
                // `tasks_mut()`: what the helper's accessor call hands back,
                // valued as if written on the argument here.
                Some(field) if field.contains("()") => {
                    let span = syn::spanned::Spanned::span(arg);
                    let arg = match arg {
                        syn::Expr::Reference(r) => (*r.expr).clone(),
                        arg => arg.clone(),
                    };
                    let place = crate::engine::walk::place_expr(arg, field, span);
                    let Some(map) = cx.value(&place).filter(Value::is_map) else {
                        continue;
                    };
                    keep(Mutation {
                        site,
                        what: format!(
                            "`{name}` (a helper that mutates `{field}` of what is handed to it as `&mut`)"
                        ),
                        map,
                    });
                }
                Some(field) => {
                    let crate::engine::Shape::Named(strukt) = v.shape.peel().0 else {
                        continue;
                    };
                    let Some((shape, decl)) = cx.field_path(strukt, field) else {
                        continue;
                    };
                    if shape.is_map() {
                        keep(Mutation {
                            site,
                            what: format!(
                                "`{name}` (a helper that mutates `{field}` of what is handed to it as `&mut`)"
                            ),
                            map: field_map(cx, v, field, shape, decl),
                        });
                        continue;
                    }
                    // A field holding the package's struct or enum with a map,
                    // replaced whole by the helper (`p.backend = Some(..)`;
                    // not one behind an `Arc`).
                    let (crate::engine::Shape::Named(held), false) = shape.peel() else {
                        continue;
                    };
                    let Some((inner, decl)) = cx.direct_map_field(held) else {
                        continue;
                    };
                    let Some((map_shape, _)) = cx.field_path(held, &inner) else {
                        continue;
                    };
                    let path = format!("{field}.{inner}");
                    keep(Mutation {
                        site,
                        what: format!(
                            "`{name}` (a helper that replaces `{field}`, its map `{inner}` with it, of what is handed to it as `&mut`)"
                        ),
                        map: field_map(cx, v, &path, map_shape, decl),
                    });
                }
                None => {}
            }
        }
    }
    found
}

/// `std::mem::take(&mut *map)`, `mem::replace`, `mem::swap`, and a call of
/// a function of the package that mutates a map it is handed as `&mut`.
pub(crate) fn call_mutation(cx: &Cx<'_>, c: &syn::ExprCall) -> Vec<Mutation> {
    let syn::Expr::Path(p) = &*c.func else {
        return Vec::new();
    };
    let full = cx.resolve(&p.path);
    let handed = helper_mutation(cx, &full, c.args.iter());
    if !handed.is_empty() {
        return handed;
    }
    mem_swap_mutation(cx, c, &full).into_iter().collect()
}

/// `std::mem::take(&mut *map)`, `mem::replace`, `mem::swap`.
fn mem_swap_mutation(cx: &Cx<'_>, c: &syn::ExprCall, full: &str) -> Option<Mutation> {
    let (module, name) = full.rsplit_once("::")?;
    if !module.ends_with("mem") || !matches!(name, "take" | "replace" | "swap") {
        return None;
    }
    let map = cx.value(c.args.first()?)?;
    let site = cx.span(syn::spanned::Spanned::span(c));
    if map.is_map() {
        return Some(Mutation {
            site,
            what: format!("`mem::{name}`"),
            map,
        });
    }
    // `mem::replace(&mut *guard, State::Ready)`: the package's struct or
    // enum replaced whole, its map with it.
    whole_value_mutation(cx, map, site, &format!("`mem::{name}` of the whole value"))
}

/// `map[k] = v` and `map[k] += n`.
pub(crate) fn index_mutation(cx: &Cx<'_>, lhs: &syn::Expr, whole: Span) -> Option<Mutation> {
    let mut lhs = lhs;
    while let syn::Expr::Paren(p) = lhs {
        lhs = &p.expr;
    }
    let syn::Expr::Index(ix) = lhs else {
        return None;
    };
    let map = cx.value(&ix.expr)?;
    map.is_map().then(|| Mutation {
        site: whole,
        what: "index assignment".to_string(),
        map,
    })
}

/// `*guard = HashMap::new()`, `guard.sessions = other`: the whole map
/// replaced through a guard or reference. A deref or a field: `guard = ..`
/// rebinds the guard. (A field of a value not shared yet, `state.map = ..`
/// while it is set up, is not shared, so not reported.)
pub(crate) fn replace_mutation(cx: &Cx<'_>, lhs: &syn::Expr, whole: Span) -> Option<Mutation> {
    let mut lhs = lhs;
    while let syn::Expr::Paren(p) = lhs {
        lhs = &p.expr;
    }
    if !matches!(lhs, syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)))
        && !matches!(lhs, syn::Expr::Field(_))
    {
        return None;
    }
    let map = cx.value(lhs)?;
    // A value looked up in a map of maps was reported at its lookup (`get_mut`, `entry`).
    if map.lookup.is_some() {
        return None;
    }
    if map.is_map() {
        return Some(Mutation {
            site: whole,
            what: "assignment of the whole map".to_string(),
            map,
        });
    }
    // `*guard = State { .. }`, `guard.caches = Caches::new()`.
    whole_value_mutation(cx, map, whole, "assignment of the whole value")
}

/// The package's struct replaced whole, its map with it (not an `Arc` to
/// one replaced: the struct it pointed to is left as it was).
fn whole_value_mutation(cx: &Cx<'_>, v: Value, site: Span, what: &str) -> Option<Mutation> {
    let (crate::engine::Shape::Named(strukt), false) = v.shape.peel() else {
        return None;
    };
    let (field, decl) = cx.direct_map_field(strukt)?;
    let (shape, _) = cx.field_path(strukt, &field)?;
    Some(Mutation {
        site,
        what: format!("{what} (its map `{field}` with it)"),
        map: field_map(cx, v, &field, shape, decl),
    })
}

/// The map in `field` of `v`, a value of the package's struct: shared as
/// `v` is (or through an `Arc` around it), unless `v` stays in one test.
fn field_map(cx: &Cx<'_>, v: Value, field: &str, shape: crate::engine::Shape, decl: Span) -> Value {
    let shared = (v.shared || v.shape.peel().1) && !cx.per_test(&v);
    Value {
        shape,
        shared,
        owner: crate::engine::Owner {
            name: format!("{}.{field}", v.owner.name),
            decl: Some(decl),
        },
        ..v
    }
}

/// Whether a binary operator is a compound assignment (`+=`, `|=`, ...).
pub(crate) fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// Every map mutation at a method call, call, assignment or compound
/// assignment: the lints that report mutations share this walk of the events.
pub(crate) trait MutationPass {
    /// Called for each mutation of a map.
    fn check_mutation(&mut self, cx: &Cx<'_>, mutation: Mutation);
}

/// Implements the mutation events of `LintPass` for a [`MutationPass`].
macro_rules! mutation_events {
    () => {
        fn check_method_call(&mut self, cx: &$crate::engine::Cx<'_>, call: &syn::ExprMethodCall) {
            for m in $crate::lints::method_mutation(cx, call) {
                $crate::lints::MutationPass::check_mutation(self, cx, m);
            }
        }
        fn check_call(&mut self, cx: &$crate::engine::Cx<'_>, call: &syn::ExprCall) {
            for m in $crate::lints::call_mutation(cx, call) {
                $crate::lints::MutationPass::check_mutation(self, cx, m);
            }
        }
        fn check_assign(&mut self, cx: &$crate::engine::Cx<'_>, assign: &syn::ExprAssign) {
            let whole = || cx.span(syn::spanned::Spanned::span(assign));
            if let Some(m) = $crate::lints::index_mutation(cx, &assign.left, whole())
                .or_else(|| $crate::lints::replace_mutation(cx, &assign.left, whole()))
            {
                $crate::lints::MutationPass::check_mutation(self, cx, m);
            }
        }
        fn check_binary(&mut self, cx: &$crate::engine::Cx<'_>, binary: &syn::ExprBinary) {
            if $crate::lints::is_compound_assign(&binary.op) {
                let whole = cx.span(syn::spanned::Spanned::span(binary));
                if let Some(m) = $crate::lints::index_mutation(cx, &binary.left, whole) {
                    $crate::lints::MutationPass::check_mutation(self, cx, m);
                }
            }
        }
    };
}
pub(crate) use mutation_events;
