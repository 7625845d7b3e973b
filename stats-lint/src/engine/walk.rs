//! Pass 2: walks each file's syntax tree with a scope of local bindings and
//! hands every event to the lint passes.
//!
//! A value is followed from its owner (a `static`, a binding, a struct field,
//! a parameter, a function's return type) through `clone()`, `Arc::clone`,
//! `&`, `*`, `?`, `.await`, `.unwrap()`, field access, indexing, map lookups
//! and `.lock()`/`.write()`/`.read()`, through guard bindings
//! (`let mut g = MAP.lock().unwrap(); g.insert(..)`), poison recovery
//! (`Err(p) => p.into_inner()`) and a poison error propagated (`.map_err(..)?`).
//!
//! Sharing: a value is shared between threads when it is reached through a
//! `static`, an `Arc` (or a framework's shared state: axum `State` and
//! `Extension`, actix `web::Data`), a struct that is shared somewhere in the
//! package, `&self` of a type that holds a lock or has `unsafe impl Sync`, a
//! `&Mutex<..>` parameter, or a binding captured by a closure that runs on
//! other threads (scoped spawns, rayon's parallel iterators, framework
//! handlers; a lock moved into `thread::spawn` or `tokio::spawn`).

use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::path::Path;

use syn::spanned::Spanned;
use syn::visit::Visit;

use super::facts::{Facts, FnFact, macro_items, path_segs};
use super::macro_rules::LocalMacros;
use super::ty::{self, Flavor, Shape};
use super::{Cx, LintPass, Owner, test_scope};
use crate::diagnostic::{Diagnostic, Pos, Span};

/// Methods of maps and sets that mutate them.
pub(crate) const MUTATING_METHODS: &[&str] = &[
    "insert",
    "insert_unique",
    "entry",
    "find_entry",
    "find_mut",
    "entry_ref",
    "raw_entry_mut",
    "get_mut",
    "get_index_mut",
    // indexmap's, which hands out the key too (it may be renamed).
    "get_index_mut2",
    "get_disjoint_mut",
    "get_many_mut",
    "remove",
    "remove_entry",
    "swap_remove",
    "swap_remove_entry",
    "shift_remove",
    "shift_remove_entry",
    "shift_insert",
    "insert_full",
    "insert_before",
    "try_insert",
    "clear",
    "extend",
    "retain",
    "drain",
    "extract_if",
    "append",
    "split_off",
    "pop_first",
    "pop_last",
    "pop",
    "first_entry",
    "last_entry",
    "iter_mut",
    "values_mut",
    "range_mut",
    "get_full_mut",
    "swap_remove_index",
    "shift_remove_index",
    "move_index",
    "swap_indices",
    "sort_unstable_by",
    "get_or_insert_with",
    "replace",
    "take",
    "reserve",
    "shrink_to_fit",
    "truncate",
    "sort_keys",
    "sort_by",
    "sort_unstable_keys",
    // linked-hash-map, hashlink: reordering a linked map writes it.
    "get_refresh",
    "pop_front",
    "pop_back",
    "to_back",
    "to_front",
];

pub(crate) const WRITE_LOCK: &[&str] = &[
    "lock",
    "write",
    "try_lock",
    "try_write",
    "blocking_lock",
    "blocking_write",
    "lock_arc",
    "write_arc",
    "try_lock_for",
    "try_write_for",
    "lock_owned",
    "write_owned",
];
pub(crate) const READ_LOCK: &[&str] = &[
    "read",
    "try_read",
    "blocking_read",
    "read_arc",
    "read_owned",
    "upgradable_read",
];
const TRANSPARENT: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_unchecked",
    // `m.try_lock().ok()`: the guard, in an `Option`.
    "ok",
    // `opt.as_ref().ok_or(e)?`, anyhow's `opt.context("..")?`: what the `Option` holds.
    "ok_or",
    "ok_or_else",
    "context",
    "with_context",
    "as_mut",
    "as_deref_mut",
    "as_deref",
    "as_ref",
    "deref",
    "deref_mut",
    "get_or_init",
    "get_or_try_init",
    "force",
    "by_ref",
    // `#[pin_project]`'s projections keep the fields by their names
    "project",
    "project_ref",
    "upgrade",
    // `a.or_else(|| b)`: the first alternative says what both hold.
    "or_else",
    "or",
];
/// The most iterator adapters between a loop or a closure and the
/// sequence whose elements they yield ([`Walker::iter_elements`]).
const MAX_ADAPTERS: usize = 4;

/// Whether a method of another crate's trait on a lock, by its name, takes
/// the lock (`safe_lock`, `lock_timeout`: a write guard; `read_now`: a read
/// guard), and not a query or release (`is_locked`, `force_unlock`).
fn foreign_lock_method(name: &str) -> Option<bool> {
    if name.starts_with("is_") || name.contains("unlock") || name.contains("poison") {
        return None;
    }
    if name.contains("lock") || name.contains("write") {
        Some(!name.contains("read"))
    } else if name.contains("read") {
        Some(false)
    } else {
        None
    }
}

const CELL_ACCESS: &[&str] = &[
    "get",
    "get_mut",
    "borrow",
    "borrow_mut",
    "try_borrow",
    "try_borrow_mut",
    "as_ptr",
];
const MAP_LOOKUP: &[&str] = &[
    "get",
    "get_mut",
    "entry",
    "entry_ref",
    "get_index_mut",
    "first_entry",
    "last_entry",
];
const ENTRY_VALUE: &[&str] = &[
    "or_insert",
    "or_default",
    "or_insert_with",
    "or_insert_with_key",
    "and_modify",
    "unwrap_or_default",
];

/// Web frameworks whose handlers run concurrently: a closure given to one
/// of their functions shares what it captures.
const FRAMEWORKS: &[&str] = &[
    "axum",
    "actix_web",
    "warp",
    "rouille",
    "tide",
    "poem",
    "salvo",
    "rocket",
    "hyper",
    "tower",
    "gotham",
    "iron",
    "nickel",
    "tiny_http",
];

/// How a lock is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Guard {
    /// Reached without a guard: a `static` or a binding read directly.
    None,
    /// Behind a lock guard.
    Lock {
        /// A write guard (`lock`, `write`), not a read guard.
        write: bool,
        /// Which lock implementation.
        flavor: Flavor,
    },
    /// A `static mut`, reached without a lock.
    StaticMut,
    /// Inside a cell of a type with `unsafe impl Sync`, reached from `&self`.
    Cell,
}

/// What the engine knows about an expression's value.
#[derive(Clone, Debug)]
pub(crate) struct Value {
    /// Its shape.
    pub(crate) shape: Shape,
    /// Whether two threads can reach it.
    pub(crate) shared: bool,
    /// Reached through `&mut` or owned: sharing of its struct type does not apply.
    pub(crate) exclusive: bool,
    /// The guard it is reached through.
    pub(crate) guard: Guard,
    /// Who owns it.
    pub(crate) owner: Owner,
    /// For a value stored in a map: the lookup that found it (`entry(k)`, `get_mut(k)`, `m[k]`).
    pub(crate) lookup: Option<Span>,
    /// Reached through a field of a type with `unsafe impl Sync`.
    pub(crate) in_unsafe_sync: bool,
    /// A local built here that never leaves its function (`confined`): the
    /// `Arc`s in its fields are its own.
    pub(crate) confined: bool,
}

impl Value {
    fn new(shape: Shape, owner: Owner) -> Value {
        Value {
            shape,
            shared: false,
            exclusive: false,
            guard: Guard::None,
            owner,
            lookup: None,
            in_unsafe_sync: false,
            confined: false,
        }
    }

    /// Whether the value is a map or set.
    pub(crate) fn is_map(&self) -> bool {
        self.shape.is_map()
    }

    /// Whether it is reached through a write guard of a lock.
    pub(crate) fn write_locked(&self) -> bool {
        matches!(self.guard, Guard::Lock { write: true, .. })
    }

    fn map_value(&self, lookup: Span) -> Value {
        let shape = match self.shape.peel().0 {
            Shape::Map { value, .. } => (**value).clone(),
            _ => Shape::Unknown,
        };
        Value {
            shape,
            lookup: Some(lookup),
            ..self.clone()
        }
    }
}

/// How a closure run on other threads shares the bindings it captures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Capture {
    /// Called concurrently (scoped spawns, parallel iterators, handlers): every capture.
    All,
    /// Moved into one other thread (`thread::spawn`): only a captured
    /// reference to a lock is shared; a lock moved in belongs to that thread.
    Locks,
}

/// A method call's receiver, valued at most once.
struct Receiver<'e> {
    expr: &'e syn::Expr,
    value: OnceCell<Option<Value>>,
}

impl<'e> Receiver<'e> {
    fn new(expr: &'e syn::Expr) -> Self {
        Receiver {
            expr,
            value: OnceCell::new(),
        }
    }

    fn value(&self, w: &Walker<'_>) -> Option<Value> {
        self.value.get_or_init(|| w.value(self.expr)).clone()
    }
}

pub(crate) struct Walker<'a> {
    pub(crate) facts: &'a Facts,
    pub(crate) file: &'a Path,
    module: String,
    scopes: Vec<HashMap<String, Option<Value>>>,
    self_ty: Option<String>,
    /// `impl .. for Arc<Store>` (or `for &RwLock<Store>`): `self` is shared,
    /// also as `&mut self`.
    self_is_arc: Option<Shape>,
    /// The shapes of the type arguments of a concrete impl
    /// (`impl<I> Db<MultiThreaded, I>`: `[MultiThreaded, unknown]`): a field
    /// of a type parameter (`cfs: T`) has its argument's shape there.
    self_args: Vec<Shape>,
    /// In an `extern "C"` function: what its raw pointer parameters point
    /// to is the foreign caller's, which may call from any thread.
    extern_abi: bool,
    /// Inside a closure run on other threads: the scope depth at which it
    /// starts; bindings from outer scopes are captured.
    spawn_base: Option<(usize, Capture)>,
    /// Inside the closure given to `thread::scope`: the scope depth at which
    /// it starts and the names its scoped spawns capture, which the scope's
    /// own thread shares with them until the scope ends.
    scope_shared: Option<(usize, HashSet<String>)>,
    /// Closures bound to a name in scope (`let make = |..| { .. }`): the
    /// scope depth, the name, and the value their body ends with.
    local_fns: Vec<(usize, String, Value)>,
    /// Functions declared in the enclosing blocks that return `&'static`:
    /// (name, where declared, return type). Their bodies see them too.
    static_fns: Vec<(String, Span, syn::Type)>,
    /// Set while a closure bound to a name is walked: its body's final value.
    tail: Option<Option<Value>>,
    /// What the package's function about to be given the closure being
    /// walked passes to its parameters (`World::current(|world| ..)` with
    /// `fn current<R>(f: impl FnOnce(&mut World) -> R)`).
    closure_params: Option<Vec<Option<Value>>>,
    /// Closure parameters bound while [`Walker::value`] evaluates a
    /// combinator's closure body (`opt.map(|x| x.lock())`), innermost last.
    params: RefCell<Vec<(String, Value)>>,
    /// Inside a private `#[cfg(test)]` module that starts no thread or
    /// task: the module's span.
    single_threaded_test: Option<Span>,
    /// Inside a `#[test]` function that starts no thread or task: its span.
    single_threaded_test_fn: Option<Span>,
    /// Inside a test that, with every function of the package it may call,
    /// starts no thread, names no `static` that can change and installs no
    /// global, or a test helper only such tests call
    /// ([`super::thread_reach`]): whatever it locks is its own.
    self_contained_test: bool,
    /// The function whose body is walked.
    fn_span: Option<Span>,
    body_id: usize,
    /// The file's own `macro_rules!` so far, expanded where invoked.
    macros: LocalMacros,
    passes: Vec<Box<dyn LintPass>>,
    out: RefCell<Vec<Diagnostic>>,
    /// Expressions valued so far in this file: past `budget` (normally
    /// [`VALUE_BUDGET`]), none is, and the file is noted as linted in part.
    steps: std::cell::Cell<u64>,
    budget: u64,
}

/// How many expressions one file may value: a guard against a shape whose
/// cost grows faster than its size, which would otherwise stall the whole
/// run. The largest file of 2,546 registry crates values about 52,000; a
/// 3,000-link method chain of `tests/ui/closure_chain.rs`'s kind, 4.5
/// million (in 4.5 s).
pub(crate) const VALUE_BUDGET: u64 = 5_000_000;

/// What walking one file gave.
pub(crate) struct FileWalk {
    pub(crate) found: Vec<Diagnostic>,
    /// Invocations of the package's macros left unexpanded.
    pub(crate) over_budget: Vec<super::macro_rules::Unexpanded>,
    /// The file asked for more values than its budget: the rest of it was
    /// walked without values, so findings may be missing.
    pub(crate) cut_short: bool,
}

/// Walks one file and returns what it found and the passes (whose state
/// carries over to the next file of the package).
pub(crate) fn walk_file(
    file: &syn::File,
    path: &Path,
    module: &str,
    private_test: bool,
    facts: &Facts,
    passes: Vec<Box<dyn LintPass>>,
    budget: u64,
) -> (FileWalk, Vec<Box<dyn LintPass>>) {
    let mut w = Walker {
        facts,
        file: path,
        module: module.to_string(),
        scopes: vec![HashMap::new()],
        self_ty: None,
        self_is_arc: None,
        self_args: Vec::new(),
        extern_abi: false,
        spawn_base: None,
        scope_shared: None,
        local_fns: Vec::new(),
        static_fns: Vec::new(),
        tail: None,
        closure_params: None,
        params: RefCell::new(Vec::new()),
        single_threaded_test: None,
        single_threaded_test_fn: None,
        self_contained_test: false,
        fn_span: None,
        body_id: 0,
        macros: LocalMacros::new(facts.crate_macros.clone()),
        passes,
        out: RefCell::new(Vec::new()),
        steps: std::cell::Cell::new(0),
        budget,
    };
    // The file of a private `#[cfg(test)] mod x;`: judged as the same
    // code in an inline test module is.
    if private_test
        && (!test_scope::starts_threads(&file.items)
            || test_scope::tasks_stay_on_test_threads(&file.items))
    {
        w.single_threaded_test = Some(Span {
            file: path.to_path_buf(),
            start: Pos { line: 1, column: 1 },
            end: Pos {
                line: usize::MAX,
                column: usize::MAX,
            },
        });
    }
    w.visit_file(file);
    let over_budget = std::mem::take(&mut w.macros.over_budget);
    let walk = FileWalk {
        found: w.out.into_inner(),
        over_budget,
        cut_short: w.steps.get() > budget,
    };
    (walk, w.passes)
}

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
        _ => e,
    }
}

/// A macro body with `$var` replaced by `(arg)`.
fn substitute(
    body: proc_macro2::TokenStream,
    var: &str,
    arg: &proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    use proc_macro2::{Delimiter, Group, TokenTree as T};
    let mut out = Vec::new();
    let mut it = body.into_iter().peekable();
    while let Some(tt) = it.next() {
        match tt {
            T::Punct(p)
                if p.as_char() == '$' && matches!(it.peek(), Some(T::Ident(v)) if v == var) =>
            {
                it.next();
                out.push(T::Group(Group::new(Delimiter::Parenthesis, arg.clone())));
            }
            // `$crate::error::ERR_LOCK`: the package's own path.
            T::Punct(p)
                if p.as_char() == '$' && matches!(it.peek(), Some(T::Ident(v)) if v == "crate") => {
            }
            T::Group(g) => {
                let mut ng = Group::new(g.delimiter(), substitute(g.stream(), var, arg));
                ng.set_span(g.span());
                out.push(T::Group(ng));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// An `Arc` or `Rc`, maybe behind references and transparent wrappers.
fn is_pointer(s: &Shape) -> bool {
    match s {
        Shape::Wrap(i) => is_pointer(i),
        Shape::Arc(_) | Shape::Rc(_) => true,
        _ => false,
    }
}

pub(super) fn member_name(m: &syn::Member) -> String {
    match m {
        syn::Member::Named(i) => i.to_string(),
        syn::Member::Unnamed(i) => i.index.to_string(),
    }
}

impl<'a> Walker<'a> {
    pub(crate) fn body_id(&self) -> usize {
        self.body_id
    }

    fn span(&self, s: proc_macro2::Span) -> Span {
        Span::from_pm2(self.file, s)
    }

    fn dispatch(&mut self, f: impl Fn(&mut dyn LintPass, &Cx<'_>)) {
        let mut passes = std::mem::take(&mut self.passes);
        {
            let cx = Cx {
                walker: self,
                out: &self.out,
            };
            for p in passes.iter_mut() {
                f(p.as_mut(), &cx);
            }
        }
        self.passes = passes;
    }

    pub(crate) fn resolve(&self, path: &syn::Path) -> String {
        self.facts
            .full_path(path, &self.module, self.self_ty.as_deref())
    }

    /// The shapes of an impl's self-type arguments; one that is the impl's
    /// own type parameter (`I` of `impl<I> Db<Multi, I>`) is unknown.
    fn concrete_args(&self, i: &syn::ItemImpl) -> Vec<Shape> {
        let syn::Type::Path(tp) = &*i.self_ty else {
            return Vec::new();
        };
        let Some(last) = tp.path.segments.last() else {
            return Vec::new();
        };
        ty::type_args(last)
            .into_iter()
            .map(|arg| match arg {
                syn::Type::Path(p)
                    if p.path
                        .get_ident()
                        .is_some_and(|id| i.generics.type_params().any(|g| g.ident == *id)) =>
                {
                    Shape::Unknown
                }
                _ => self.shape_of_type(arg),
            })
            .collect()
    }

    pub(crate) fn shape_of_type(&self, ty: &syn::Type) -> Shape {
        self.facts
            .shape_of(ty, &self.module, self.self_ty.as_deref())
    }

    /// `let mut found = vec![]; .. found.push(f.clone());`: a vector whose
    /// `let` says nothing of its elements holds what is pushed into it, when
    /// that is a lock or an `Arc` (`for f in found { f.write()..}` later).
    fn type_by_push(&mut self, m: &syn::ExprMethodCall) {
        if !["push", "push_back", "push_front"]
            .iter()
            .any(|n| m.method == n)
        {
            return;
        }
        let [arg] = m.args.iter().collect::<Vec<_>>()[..] else {
            return;
        };
        let syn::Expr::Path(p) = strip(&m.receiver) else {
            return;
        };
        let Some(name) = p.path.get_ident().map(ToString::to_string) else {
            return;
        };
        // Only a binding the walker holds no value for.
        let Some(scope) = self.scopes.iter().rposition(|s| s.contains_key(&name)) else {
            return;
        };
        if self.scopes[scope].get(&name).is_some_and(Option::is_some) {
            return;
        }
        let Some(v) = self.value(arg) else {
            return;
        };
        if !matches!(v.shape.peel(), (Shape::Lock { .. }, _) | (_, true)) {
            return;
        }
        let v = Value {
            shape: Shape::Seq(Box::new(v.shape.clone())),
            guard: Guard::None,
            lookup: None,
            ..v
        };
        self.scopes[scope].insert(name, Some(v));
    }

    fn bind(&mut self, name: String, value: Option<Value>) {
        if let Some(top) = self.scopes.last_mut() {
            top.insert(name, value);
        }
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        if let Some((_, v)) = self.params.borrow().iter().rev().find(|(n, _)| n == name) {
            return Some(v.clone());
        }
        for (depth, scope) in self.scopes.iter().enumerate().rev() {
            if let Some(b) = scope.get(name) {
                let mut v = b.clone()?;
                let spawned = self.spawn_base.is_some_and(|(base, capture)| {
                    depth < base
                        && (capture == Capture::All
                            || (matches!(v.shape, Shape::Wrap(_)) && self.holds_lock_value(&v)))
                });
                let scoped = self
                    .scope_shared
                    .as_ref()
                    .is_some_and(|(base, names)| depth < *base && names.contains(name));
                if spawned || scoped {
                    v.shared = true;
                    v.exclusive = false;
                    v.confined = false;
                }
                return Some(v);
            }
        }
        if !self.facts.may_name_static(&self.module, name) {
            return None;
        }
        let full = self.facts.resolve(&self.module, &[name.to_string()]);
        self.static_value(&full)
    }

    fn holds_lock_value(&self, v: &Value) -> bool {
        let mut cur = v.shape.peel().0;
        loop {
            match cur {
                Shape::Lock { .. } => return true,
                Shape::Seq(i) => cur = i.peel().0,
                Shape::Named(n) => return self.facts.holds_lock(n),
                _ => return false,
            }
        }
    }

    /// What `CTX.with(|ctx| ..)` (also `with_borrow`, `with_borrow_mut`)
    /// of a `thread_local!` gives its closure: this thread's value, not
    /// shared itself, though an `Arc` in it is.
    fn thread_local_with(&self, m: &syn::ExprMethodCall) -> Option<Value> {
        let cell = match m.method.to_string().as_str() {
            "with" => false,
            "with_borrow" | "with_borrow_mut" => true,
            _ => return None,
        };
        let syn::Expr::Path(p) = &*m.receiver else {
            return None;
        };
        let full = self.resolve(&p.path);
        let (key, s) = self.facts.static_seen_from(&full, self.fn_span.as_ref())?;
        if !s.thread_local {
            return None;
        }
        let mut shape = self.facts.shape_of(&s.ty, &s.module, None);
        // Each thread's initialiser makes its own `Arc` (mry's
        // `STATIC_MOCKS: Arc<Mutex<StaticMocks>>`); one in a field was put
        // there from elsewhere.
        if let Shape::Arc(inner) = shape {
            shape = *inner;
        }
        if cell && let Shape::Cell(inner) = shape {
            shape = *inner;
        }
        let name = key.rsplit("::").next().unwrap_or(key).to_string();
        Some(Value::new(
            Shape::Wrap(Box::new(shape)),
            Owner {
                name,
                decl: Some(s.decl.clone()),
            },
        ))
    }

    fn static_value(&self, full: &str) -> Option<Value> {
        let (key, s) = self.facts.static_seen_from(full, self.fn_span.as_ref())?;
        if s.thread_local {
            return None;
        }
        // A static declared in a function body is named only in that body.
        if let Some(scope) = &s.fn_scope
            && !self.fn_span.as_ref().is_some_and(|f| scope.contains(f))
        {
            return None;
        }
        let name = key.rsplit("::").next().unwrap_or(key).to_string();
        let mut v = Value::new(
            self.facts.shape_of(&s.ty, &s.module, None),
            Owner {
                name,
                decl: Some(s.decl.clone()),
            },
        );
        v.shared = true;
        if s.mutable {
            v.guard = Guard::StaticMut;
        }
        Some(v)
    }

    /// Follows an expression back to a known owner.
    pub(crate) fn value(&self, e: &syn::Expr) -> Option<Value> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > self.budget {
            return None;
        }
        match e {
            syn::Expr::Path(p) if p.qself.is_none() => {
                if p.path.segments.len() == 1 && p.path.leading_colon.is_none() {
                    self.lookup(&p.path.segments[0].ident.to_string())
                } else {
                    self.static_value(&self.resolve(&p.path))
                }
            }
            syn::Expr::Paren(p) => self.value(&p.expr),
            syn::Expr::Group(g) => self.value(&g.expr),
            syn::Expr::Reference(r) => self.value(&r.expr),
            syn::Expr::RawAddr(r) => self.value(&r.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.value(&u.expr),
            syn::Expr::Try(t) => self.value(&t.expr),
            syn::Expr::Await(a) => self.value(&a.base),
            syn::Expr::Cast(c) => {
                let mut v = self.value(&c.expr)?;
                // `data as *mut WatchMap` of an `extern "C"` callback's
                // `*mut c_void`: the pointee is the cast's.
                if let syn::Type::Ptr(p) = &*c.ty
                    && opaque(&v.shape)
                {
                    let shape = self
                        .facts
                        .shape_of(&p.elem, &self.module, self.self_ty.as_deref());
                    if !opaque(&shape) {
                        v.shape = shape;
                    }
                }
                Some(v)
            }
            syn::Expr::Unsafe(u) => self.block_value(&u.block),
            syn::Expr::Block(b) => self.block_value(&b.block),
            syn::Expr::Field(f) => self.field_value(f),
            syn::Expr::MethodCall(m) => self.method_value(m),
            syn::Expr::Index(ix) => {
                let mut base = self.value(&ix.expr)?;
                if let Some(map) = self.through_deref(&base, "index") {
                    base = map;
                }
                let (inner, arc) = base.shape.peel();
                match inner {
                    Shape::Map { .. } => Some(base.map_value(self.span(ix.span()))),
                    Shape::Seq(elem) => Some(Value {
                        shape: (**elem).clone(),
                        shared: base.shared || arc,
                        ..base.clone()
                    }),
                    _ => None,
                }
            }
            syn::Expr::Call(c) => self.call_value(c),
            syn::Expr::Macro(m) => self.macro_value(&m.mac),
            syn::Expr::Match(mt) => self.match_value(mt),
            syn::Expr::Tuple(t) => self.tuple_value(t),
            _ => None,
        }
    }

    /// The value of an expression, or of the constructor it is
    /// (`Arc::new(Mutex::new(HashMap::new()))`).
    fn value_or_built(&self, e: &syn::Expr) -> Option<Value> {
        self.value(e).or_else(|| {
            let shape = self.infer(e, 0);
            (!shape.is_unknown()).then(|| {
                Value::new(
                    shape,
                    Owner {
                        name: String::new(),
                        decl: None,
                    },
                )
            })
        })
    }

    /// A tuple built here (`(layer, seen)`), for the values taken out of it
    /// later: only the shapes of its elements carry over (an `Arc` in it is
    /// shared wherever it goes), not a guard or an owner.
    fn tuple_value(&self, t: &syn::ExprTuple) -> Option<Value> {
        let shapes: Vec<Shape> = t
            .elems
            .iter()
            .map(|e| self.value_or_built(e).map_or(Shape::Unknown, |v| v.shape))
            .collect();
        if shapes.iter().all(Shape::is_unknown) {
            return None;
        }
        Some(Value::new(
            Shape::Tuple(shapes),
            Owner {
                name: String::new(),
                decl: None,
            },
        ))
    }

    /// Poison recovery written as a `match` on a lock result
    /// (`match m.lock() { Ok(g) => g, Err(p) => p.into_inner() }`) yields the guard.
    fn match_value(&self, mt: &syn::ExprMatch) -> Option<Value> {
        let v = self.value(&mt.expr)?;
        if !matches!(v.guard, Guard::Lock { .. }) {
            return None;
        }
        let yields_guard = |arm: &syn::Arm| {
            let syn::Pat::TupleStruct(ts) = &arm.pat else {
                return false;
            };
            let Some(last) = ts.path.segments.last() else {
                return false;
            };
            if ts.elems.len() != 1 || !(last.ident == "Ok" || last.ident == "Err") {
                return false;
            }
            let Some(name) = ts.elems.first().and_then(pat_name) else {
                return false;
            };
            let mut body = &*arm.body;
            while let syn::Expr::Block(b) = body
                && let [syn::Stmt::Expr(e, None)] = b.block.stmts.as_slice()
            {
                body = e;
            }
            let is_name =
                |e: &syn::Expr| matches!(strip(e), syn::Expr::Path(p) if p.path.is_ident(&name));
            match body {
                syn::Expr::MethodCall(call) if last.ident == "Err" => {
                    call.method == "into_inner" && is_name(&call.receiver)
                }
                e => last.ident == "Ok" && is_name(e),
            }
        };
        mt.arms.iter().any(yields_guard).then_some(v)
    }

    /// A macro used as a value: a local lock helper (`lock!(self.map)`,
    /// `macro_rules! lock { ($m:expr) => { $m.lock().unwrap() } }`) is
    /// expanded; another (`try_lock!(self.by_id.write(), else return)`) is
    /// taken to yield its first argument, unless it is a std macro that
    /// builds something else.
    fn macro_value(&self, m: &syn::Macro) -> Option<Value> {
        let name = m.path.segments.last()?.ident.to_string();
        const NOT_TRANSPARENT: &[&str] = &[
            "vec",
            "format",
            "format_args",
            "concat",
            "stringify",
            "include",
            "include_str",
            "include_bytes",
            "env",
            "option_env",
            "matches",
            "line",
            "file",
            "column",
            "module_path",
            "cfg",
            "write",
            "writeln",
            "print",
            "println",
            "eprint",
            "eprintln",
            "panic",
            "todo",
            "unimplemented",
            "unreachable",
            "assert",
            "assert_eq",
            "assert_ne",
            "debug_assert",
            "debug_assert_eq",
            "debug_assert_ne",
            "thread_local",
            "lazy_static",
        ];
        if m.path.segments.len() == 1
            && let Some(lock) = self.facts.lock_macro(&name)
        {
            // A local lock helper (`lock!(self.map)`): its body with the argument put in.
            syn::parse2::<syn::Expr>(m.tokens.clone()).ok()?;
            let body = substitute(lock.body.clone(), &lock.var, &m.tokens);
            return self.value(&syn::parse2::<syn::Expr>(body).ok()?);
        }
        if NOT_TRANSPARENT.contains(&name.as_str()) {
            return None;
        }
        let first = syn::parse::Parser::parse2(
            |input: syn::parse::ParseStream<'_>| {
                let e: syn::Expr = input.parse()?;
                let _rest: proc_macro2::TokenStream = input.parse()?;
                Ok(e)
            },
            m.tokens.clone(),
        )
        .ok()?;
        self.value(&first)
    }

    /// A value of the package's own type that derefs to a map
    /// (`impl Deref<Target = HashMap<..>>`), seen as that map for a call of
    /// `method`, unless the type has a method of that name itself.
    pub(crate) fn through_deref(&self, v: &Value, method: &str) -> Option<Value> {
        let mut shape = v.shape.clone();
        let mut arc = false;
        // A short chain of derefs (a wrapper of a wrapper of a map).
        for _ in 0..4 {
            let (inner, crossed) = shape.peel();
            arc |= crossed;
            let Shape::Named(ty) = inner else {
                return None;
            };
            let target = self.facts.deref_target(ty, method)?;
            if target.is_map() {
                return Some(Value {
                    shape: target,
                    shared: v.shared || arc,
                    lookup: None,
                    ..v.clone()
                });
            }
            shape = target;
        }
        None
    }

    /// What a `for` loop binds for each element of what it iterates: a
    /// sequence's element (`for shard in &self.shards`, `.iter()`), a map's
    /// `(key, value)` pair (`.iter()`, `.iter_mut()`, `&map`) or value
    /// (`.values()`), and `enumerate()`'s `(index, element)`.
    fn loop_element(&self, e: &syn::Expr) -> Option<Value> {
        let pair = |value: Value| Value {
            shape: Shape::Tuple(vec![Shape::Unknown, value.shape.clone()]),
            ..value
        };
        let map_values = |map: &syn::Expr| {
            let v = self.value(map)?;
            let (Shape::Map { value, .. }, arc) = v.shape.peel() else {
                return None;
            };
            Some(Value {
                shape: (**value).clone(),
                shared: v.shared || arc,
                lookup: None,
                ..v.clone()
            })
        };
        match strip(e) {
            syn::Expr::MethodCall(m) if m.args.is_empty() => match m.method.to_string().as_str() {
                "enumerate" => return self.loop_element(&m.receiver).map(pair),
                "values" | "values_mut" | "into_values" => return map_values(&m.receiver),
                "iter" | "iter_mut" | "into_iter" | "drain" => {
                    if let Some(value) = map_values(&m.receiver) {
                        return Some(pair(value));
                    }
                }
                _ => {}
            },
            syn::Expr::Reference(r) => {
                if let Some(value) = map_values(&r.expr) {
                    return Some(pair(value));
                }
            }
            _ => {}
        }
        if let syn::Expr::MethodCall(m) = strip(e)
            && m.method != "iter"
            && m.method != "iter_mut"
            && m.method != "into_iter"
            && let Some(elem) = self.iter_elements(e, 0)
        {
            return Some(elem);
        }
        let v = self.value(e)?;
        match v.shape.peel() {
            (Shape::Seq(elem), arc) => Some(Value {
                shape: (**elem).clone(),
                shared: v.shared || arc,
                ..v.clone()
            }),
            _ => None,
        }
    }

    fn block_value(&self, b: &syn::Block) -> Option<Value> {
        match b.stmts.as_slice() {
            [syn::Stmt::Expr(e, None)] => self.value(e),
            _ => None,
        }
    }

    fn field_value(&self, f: &syn::ExprField) -> Option<Value> {
        let mut base = self.value(&f.base)?;
        let name = member_name(&f.member);
        // `core.field` on the package's newtype over an `Arc` that derefs to
        // its content (`struct Core(Arc<Inner>)`): a field of the shared `Inner`;
        // on one that derefs to another of its structs by value, its field.
        let deref = match base.shape.peel().0 {
            Shape::Named(s) if self.facts.field(s, &name).is_none() => self
                .facts
                .deref_arc(s)
                .or_else(|| self.facts.deref_struct(s)),
            _ => None,
        };
        if let Some(target) = deref {
            base.shape = target;
        }
        let (inner, arc) = base.shape.peel();
        let (shape, decl, strukt) = match inner {
            Shape::Named(s) => {
                let (shape, decl) = if self.self_ty.as_deref() == Some(s.as_str()) {
                    self.facts.field_with_args(s, &name, &self.self_args)?
                } else {
                    self.facts.field(s, &name)?
                };
                (shape, Some(decl), Some(s.clone()))
            }
            Shape::Tuple(elems) => {
                let i: usize = name.parse().ok()?;
                (elems.get(i)?.clone(), None, None)
            }
            _ => return None,
        };
        let struct_shared = strukt
            .as_deref()
            .is_some_and(|s| self.facts.is_shared_struct(s));
        // A `&T` field of a struct we have to ourselves still points at a
        // `T` that others may reach: a lock behind it is shared.
        let shared_ref = strukt
            .as_deref()
            .is_some_and(|s| self.facts.field_is_shared_ref(s, &name));
        // An `Arc` field of a program's struct that no other owner gets.
        let kept_arc = strukt
            .as_deref()
            .is_some_and(|s| self.facts.arc_field_kept(s, &name));
        let mut shared = base.shared || (arc && !kept_arc) || (struct_shared && !base.exclusive);
        if shared_ref {
            shared |= self.holds_lock_value(&Value::new(shape.clone(), base.owner.clone()));
        }
        let mut shape = shape;
        // A field of a local that never leaves its function: an `Arc` made
        // for it in the constructor has no other owner.
        let confined = base.confined && !arc && !shared_ref;
        if (confined || kept_arc)
            && let Shape::Arc(inner) = shape
        {
            shape = *inner;
        }
        let mut guard = base.guard;
        let mut by_ref = false;
        if let Some(s) = strukt.as_deref()
            && let Some((write, flavor, inner, r)) = self.facts.field_guard(s, &name)
        {
            // A guard kept in a field (`guard: MutexGuard<'a, &'static Registry>`):
            // the guarded value, and as with a `&T` field, a lock behind a
            // shared reference in it is shared.
            shape = inner;
            guard = Guard::Lock { write, flavor };
            by_ref = r;
            if r {
                shared |= self.holds_lock_value(&Value::new(shape.clone(), base.owner.clone()));
            }
            // A guard of a struct that is shared elsewhere (`internal:
            // MutexGuard<'a, Inner>` from a cloneable store's
            // `Arc<Mutex<Inner>>`): other threads lock it too.
            if let Shape::Named(t) = shape.peel().0
                && self.facts.is_shared_struct(t)
            {
                shared = true;
                by_ref = true;
            }
        }
        Some(Value {
            shape,
            shared,
            exclusive: (base.exclusive || confined) && !arc && !shared_ref && !by_ref,
            guard,
            owner: Owner {
                name: format!("{}.{}", base.owner.name, name),
                decl: decl.or(base.owner.decl),
            },
            lookup: None,
            in_unsafe_sync: strukt
                .as_deref()
                .is_some_and(|s| self.facts.is_unguarded_sync(s)),
            confined,
        })
    }

    fn call_value(&self, c: &syn::ExprCall) -> Option<Value> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let n = p.path.segments.len();
        let last = p.path.segments.last()?.ident.to_string();
        if n == 1
            && let Some(v) = self.local_fn(&last)
        {
            return Some(v);
        }
        if n == 1
            && let Some((_, decl, ret)) = self.static_fns.iter().rev().find(|(f, ..)| *f == last)
        {
            // `fn repository() -> &'static Mutex<..> { static R: .. }` declared
            // in a block: what it returns is its static, judged as the static.
            let mut v = call_result(
                &last,
                self.facts.shape_of(ret, &self.module, None),
                self.facts.static_declared_in(decl).cloned(),
            );
            v.shared = true;
            return Some(v);
        }
        if n == 1 && last == "Some" && c.args.len() == 1 {
            // `Some(f.clone())`: an `Option` of it, as an `Option` field is.
            let v = self.value(&c.args[0])?;
            return Some(Value {
                shape: Shape::Wrap(Box::new(v.shape.clone())),
                lookup: None,
                ..v
            });
        }
        if last == "block_on" && c.args.len() == 1 {
            // `futures::executor::block_on(lock.write())`: what `.await` gives.
            return self.value(&c.args[0]);
        }
        if n >= 2 && last == "clone" {
            // Arc::clone(&x), Rc::clone(&x), Clone::clone(&x), State::clone(&guard)
            return clone_of(self.value(c.args.first()?)?);
        }
        if n >= 2
            && last == "upgrade"
            && p.path.segments[n - 2]
                .ident
                .to_string()
                .ends_with("UpgradableReadGuard")
        {
            // parking_lot's `RwLockUpgradableReadGuard::upgrade(g)`: a write guard.
            let v = self.value(c.args.first()?)?;
            let Guard::Lock { flavor, .. } = v.guard else {
                return None;
            };
            return Some(Value {
                guard: Guard::Lock {
                    write: true,
                    flavor,
                },
                ..v
            });
        }
        if !self.facts.may_be_function(&last) {
            return None;
        }
        let full = self.resolve(&p.path);
        let f = self.facts.function(&full)?;
        if let Some((write, flavor, shape, _)) =
            self.facts
                .returned_guard(&f.ret, &f.module, f.self_ty.as_deref())
        {
            // `fn graph() -> impl DerefMut<Target = DiGraph>` takes nothing
            // to lock: the guard it returns, when its body takes a lock (not
            // a `RefCell` borrow), can only be of a `static`.
            if c.args.is_empty() && f.locks {
                let mut v = call_result(&last, shape, None);
                v.shared = true;
                v.guard = Guard::Lock { write, flavor };
                return Some(v);
            }
            // `fn lock_relations(m: &Arc<Mutex<T>>) -> MutexGuard<'_, T>`: the
            // guard is shared as the lock handed to it is.
            let arg = self.value(c.args.first()?)?;
            let (Shape::Lock { inner, .. }, arc) = arg.shape.peel() else {
                return None;
            };
            // `fn mutex_lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T>`: the
            // guarded value is what the lock handed to it holds.
            let shape = if shape.is_unknown() {
                (**inner).clone()
            } else {
                shape
            };
            return Some(Value {
                shape,
                shared: arg.shared || arc,
                exclusive: arg.exclusive && !arc,
                guard: Guard::Lock { write, flavor },
                owner: arg.owner,
                lookup: None,
                in_unsafe_sync: false,
                confined: false,
            });
        }
        let shape = self.facts.shape_of(&f.ret, &f.module, f.self_ty.as_deref());
        if let Some(decl) = self.static_mut_handed_out(f) {
            // `fn profiler() -> &'static mut Profiler { unsafe { PROFILER.. } }`:
            // the `static mut` itself, unguarded.
            let mut v = call_result(&last, shape, Some(decl));
            v.shared = true;
            v.guard = Guard::StaticMut;
            return Some(v);
        }
        let is_static_ref = is_static_ref(&f.ret);
        let mut v = call_result(&last, shape, None);
        v.shared = is_static_ref;
        // A value returned by value (`let s = Store::new()`) belongs to the
        // caller until it shares it (an `Arc` around it, a capture by a
        // closure run on other threads): sharing of its struct type elsewhere
        // in the package does not apply.
        v.exclusive = !matches!(&f.ret, syn::Type::Reference(_));
        Some(v)
    }

    /// The declaration of the one `static mut` a function returning
    /// `&'static mut T` names in its body, if it names exactly one.
    fn static_mut_handed_out(&self, f: &FnFact) -> Option<Span> {
        let mut found = f.static_mut_candidates.iter().filter_map(|name| {
            let full = self.facts.resolve(&f.module, std::slice::from_ref(name));
            let (_, s) = self.facts.static_at(&full)?;
            (s.mutable && !s.thread_local && s.fn_scope.is_none()).then(|| s.decl.clone())
        });
        let one = found.next()?;
        found.next().is_none().then_some(one)
    }

    /// Whether a value of this shape is of the package's own type with a
    /// recorded method of this name: that method, not the std one the
    /// name suggests, says what the call gives.
    fn has_own_method(&self, shape: &Shape, n: &str) -> bool {
        matches!(shape.peel().0, Shape::Named(s)
            if self.facts.function(&format!("{s}::{n}")).is_some())
    }

    fn method_value(&self, m: &syn::ExprMethodCall) -> Option<Value> {
        // Valued once: the closure helpers and the method itself all ask for
        // it, and a chain of `.map(|x| ..)` would otherwise be walked again
        // at each link, twice as long for each one more.
        let recv = Receiver::new(&m.receiver);
        let name = m.method.to_string();
        let n = name.as_str();
        if n == "block_on" && m.args.len() == 1 {
            // `runtime.block_on(lock.write())`: what `.await` gives.
            return self.value(&m.args[0]);
        }
        // `opt.as_ref().map(lock_rel)`: the function called with what the
        // `Option` holds, as `map(|r| lock_rel(r))` is.
        if matches!(n, "map" | "and_then")
            && let [syn::Expr::Path(f)] = m.args.iter().collect::<Vec<_>>()[..]
            && f.path.segments.last().is_some_and(|s| {
                s.ident
                    .to_string()
                    .starts_with(|c: char| c.is_lowercase() || c == '_')
            })
        {
            let call = syn::ExprCall {
                attrs: Vec::new(),
                func: Box::new(syn::Expr::Path(f.clone())),
                paren_token: syn::token::Paren::default(),
                args: std::iter::once((*m.receiver).clone()).collect(),
            };
            if let Some(v) = self.call_value(&call) {
                return Some(v);
            }
        }
        // A lock method, or the package's own trait method on a lock that
        // hands back its guard (`SSTORAGE.safe_lock()`).
        let lock_call = if WRITE_LOCK.contains(&n) || READ_LOCK.contains(&n) {
            Some(WRITE_LOCK.contains(&n))
        } else {
            self.facts.lock_ext_method(n).or_else(|| {
                // Another crate's extension trait on a lock of a known type
                // (fyrox_core's `SafeLock::safe_lock` on a `parking_lot::Mutex`
                // field): a method named like a lock method hands back its guard.
                let write = foreign_lock_method(n)?;
                let base = recv.value(self)?;
                matches!(base.shape.peel().0, Shape::Lock { .. }).then_some(write)
            })
        };
        if let Some(write) = lock_call
            && let base = recv.value(self)?
            // The package's own method of a lock method's name (`async fn
            // write(&self) -> ShardWriter<'_, K, V>` on a shard): its return
            // type says what it gives, further down.
            && !self.has_own_method(&base.shape, n)
        {
            let (inner, mut arc) = base.shape.peel();
            // The package's own type that derefs to a lock
            // (`struct Shared(Arc<Mutex<State>>)` with `Deref<Target = Mutex<State>>`).
            let derefed = match inner {
                Shape::Named(s) => self
                    .facts
                    .deref_target(s, n)
                    .map(|target| self.facts.deref_arc(s).unwrap_or(target)),
                _ => None,
            };
            let inner = match &derefed {
                Some(target) => {
                    let (target, through_arc) = target.peel();
                    arc |= through_arc;
                    target
                }
                None => inner,
            };
            let Shape::Lock { flavor, inner } = inner else {
                return None;
            };
            return Some(Value {
                shape: (**inner).clone(),
                shared: base.shared || arc,
                exclusive: base.exclusive && !arc,
                guard: Guard::Lock {
                    write,
                    flavor: *flavor,
                },
                owner: base.owner,
                lookup: None,
                in_unsafe_sync: false,
                confined: false,
            });
        }
        if n == "into_inner" {
            // `PoisonError::into_inner` yields the guard; `Mutex::into_inner` consumes the lock.
            let base = recv.value(self)?;
            return matches!(base.guard, Guard::Lock { .. }).then_some(base);
        }
        if TRANSPARENT.contains(&n) || self.facts.is_option_ext_method(n) {
            let base = recv.value(self)?;
            // The package's own method of that name wins
            // (`fn get_or_init(&self) -> &RwLock<..>` on its own type).
            if !self.has_own_method(&base.shape, n) {
                return Some(base);
            }
        }
        if matches!(n, "state" | "try_state")
            && let Some(tf) = &m.turbofish
            && let [syn::GenericArgument::Type(ty)] = &tf.args.iter().collect::<Vec<_>>()[..]
            && let Shape::Named(full) = self.shape_of_type(ty)
        {
            // tauri's `app.state::<StoreState>()`: the state the framework
            // manages for every window and command, shared as an `Arc` is.
            let name = full.rsplit("::").next().unwrap_or(&full).to_string();
            let mut v = Value::new(
                Shape::Arc(Box::new(Shape::Named(full))),
                Owner {
                    name: format!("{n}::<{name}>()"),
                    decl: None,
                },
            );
            v.shared = true;
            return Some(v);
        }
        if matches!(n, "load" | "load_full")
            && let Some(base) = recv.value(self)
            && !base.shape.is_numeric()
            && !self.has_own_method(&base.shape, n)
        {
            // `ArcSwap::load()`: the `Arc` it holds (an atomic's `load` is a number).
            return Some(base);
        }
        if n == "map_err" {
            // `m.write().map_err(|_| MyError)?`: the guard, its poison error
            // turned into the caller's error (propagated, not a panic).
            let base = recv.value(self)?;
            return matches!(base.guard, Guard::Lock { .. }).then_some(base);
        }
        if matches!(n, "replace" | "take")
            && let Some(base) = recv.value(self)
            && matches!(base.guard, Guard::Lock { .. })
            && let Shape::Wrap(_) = &base.shape
        {
            // `guard.replace(x)` / `guard.take()` on an `Option` under a lock:
            // the old value, moved out of the guard (its own `Arc`s still shared).
            return Some(Value {
                guard: Guard::None,
                lookup: None,
                ..base
            });
        }
        if matches!(
            n,
            "get_or_insert_with" | "get_or_insert" | "get_or_insert_default"
        ) && let Some(base) = recv.value(self)
            && let Shape::Wrap(inner) = &base.shape
        {
            // `guard.field.get_or_insert_with(..)` on an `Option`: what is inside it.
            return Some(Value {
                shape: (**inner).clone(),
                lookup: None,
                ..base.clone()
            });
        }
        if matches!(n, "map" | "and_then")
            && let [arg] = m.args.iter().collect::<Vec<_>>().as_slice()
        {
            match arg {
                // `opt.as_ref().and_then(Weak::upgrade)`, `.and_then(OnceLock::get)`
                syn::Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "upgrade")
                        || (n == "and_then"
                            && p.path.segments.len() == 2
                            && p.path.segments[0].ident == "OnceLock"
                            && p.path.segments[1].ident == "get") =>
                {
                    return recv.value(self);
                }
                syn::Expr::Closure(c) => {
                    if let Some(v) = self.closure_result(m, c, &recv) {
                        return Some(v);
                    }
                }
                _ => {}
            }
        }
        if self.facts.is_upgrade_method(n)
            && let Some(base) = recv.value(self)
            && is_pointer(&base.shape)
        {
            // The package's own `Weak` wrapper (`WeakOpt::upgrade`), seen as its pointer.
            return Some(base);
        }
        if ENTRY_VALUE.contains(&n) {
            return recv.value(self);
        }
        let mut base = recv.value(self)?;
        // A method of `Inner` called on the package's newtype `Core(Arc<Inner>)`
        // that derefs to it.
        let deref = match base.shape.peel().0 {
            Shape::Named(s) if self.facts.function(&format!("{s}::{n}")).is_none() => self
                .facts
                .deref_arc(s)
                .filter(|t| matches!(t.peel().0, Shape::Named(i) if self.facts.function(&format!("{i}::{n}")).is_some())),
            _ => None,
        };
        if let Some(target) = deref {
            base.shape = target;
        }
        if MAP_LOOKUP.contains(&n)
            && let Some(map) = self.through_deref(&base, n)
        {
            base = map;
        }
        let (inner, arc) = base.shape.peel();
        // `Pin<&mut Self>::get_mut()`, `OnceLock::get_mut()`: the wrapped value
        // itself, unless the package's type has a method of that name.
        if matches!(n, "get_mut" | "get_ref")
            && matches!(base.shape, Shape::Wrap(_))
            && matches!(inner, Shape::Named(_))
            && !self.has_own_method(inner, n)
        {
            return Some(base.clone());
        }
        // `lock.borrow_mut()` with `std::borrow::BorrowMut` in scope: the
        // guarded value, as `deref_mut()` gives it (a `RefCell` inside is
        // borrowed below instead).
        if matches!(n, "borrow" | "borrow_mut")
            && matches!(base.guard, Guard::Lock { .. })
            && !matches!(inner, Shape::Cell(_))
            && !self.has_own_method(inner, n)
        {
            return Some(base.clone());
        }
        match inner {
            Shape::Map { .. } if MAP_LOOKUP.contains(&n) => {
                let site = Span::join(self.file, m.method.span(), m.paren_token.span.close());
                let mut v = base.map_value(site);
                v.shared |= arc;
                Some(v)
            }
            Shape::Cell(cell_inner) if CELL_ACCESS.contains(&n) => {
                let guard = match base.guard {
                    Guard::Lock { .. } | Guard::StaticMut => base.guard,
                    Guard::None | Guard::Cell => {
                        if base.in_unsafe_sync && (base.shared || arc) && !base.exclusive {
                            Guard::Cell
                        } else {
                            Guard::None
                        }
                    }
                };
                Some(Value {
                    shape: (**cell_inner).clone(),
                    shared: (base.shared || arc) && guard != Guard::None,
                    guard,
                    ..base.clone()
                })
            }
            Shape::Seq(elem)
                if matches!(
                    n,
                    "get"
                        | "get_mut"
                        | "get_unchecked"
                        | "get_unchecked_mut"
                        | "first"
                        | "first_mut"
                        | "last"
                        | "last_mut"
                        // Of its iterator: `set.iter().find(|p| ..)`.
                        | "find"
                        | "next"
                        | "next_back"
                        | "nth"
                        | "max_by_key"
                        | "min_by_key"
                        | "max_by"
                        | "min_by"
                ) =>
            {
                Some(Value {
                    shape: (**elem).clone(),
                    shared: base.shared || arc,
                    ..base.clone()
                })
            }
            // An iterator over its elements, also filtered or reordered.
            Shape::Seq(_)
                if matches!(
                    n,
                    "iter"
                        | "iter_mut"
                        | "filter"
                        | "rev"
                        | "skip"
                        | "take"
                        | "step_by"
                        | "peekable"
                ) =>
            {
                Some(base.clone())
            }
            Shape::Entry(value) if matches!(n, "get" | "get_mut" | "into_mut") => Some(Value {
                shape: (**value).clone(),
                ..base.clone()
            }),
            Shape::Named(s) if n != "clone" && self.facts.may_be_function(n) => {
                // An accessor of the package's own type (`fn sessions(&self) -> &Mutex<..>`),
                // also of a type it derefs to (`dyn SessionLike` of rmqtt's
                // `SessionState -> Session -> _Session`).
                let (s, f) = self.method_through_derefs(s, n)?;
                let s = s.as_str();
                if let Some((write, flavor, shape, _)) =
                    self.facts
                        .returned_guard(&f.ret, &f.module, f.self_ty.as_deref())
                {
                    // `fn lock_inner(&self) -> MutexGuard<'_, Inner>`: a guard of
                    // `self`'s lock, shared as `self` is.
                    // A lock in a struct behind an `Arc` field of `self`
                    // (`self.inner.record.lock()`) is shared whoever `self` is.
                    let behind_arc = self.facts.arc_field_holds_lock(s);
                    if !behind_arc && !self.holds_lock_value(&base) {
                        return None;
                    }
                    // As for its fields: a struct shared elsewhere is shared
                    // here unless this value is known to be its holder's own.
                    let struct_shared = self.facts.is_shared_struct(s) && !base.exclusive;
                    return Some(Value {
                        shape,
                        shared: base.shared || arc || behind_arc || struct_shared,
                        exclusive: base.exclusive && !arc && !behind_arc,
                        guard: Guard::Lock { write, flavor },
                        owner: Owner {
                            name: format!("{}.{n}()", base.owner.name),
                            decl: base.owner.decl.clone(),
                        },
                        lookup: None,
                        in_unsafe_sync: false,
                        confined: false,
                    });
                }
                let shape = self.facts.shape_of(&f.ret, &f.module, f.self_ty.as_deref());
                // `fn map(&self) -> &mut HashMap<..>` of an `unsafe impl Sync`
                // type: only a cell gives `&mut` out of `&self`.
                let cell = matches!(&f.ret, syn::Type::Reference(r) if r.mutability.is_some())
                    && base.guard == Guard::None
                    && (base.shared || arc)
                    && !base.exclusive
                    && self.facts.is_unguarded_sync(s);
                Some(Value {
                    shape,
                    guard: if cell { Guard::Cell } else { base.guard },
                    in_unsafe_sync: base.in_unsafe_sync || cell,
                    shared: base.shared || arc,
                    owner: Owner {
                        name: format!("{}.{n}()", base.owner.name),
                        decl: base.owner.decl.clone(),
                    },
                    lookup: None,
                    ..base.clone()
                })
            }
            _ if n == "get" => Some(base.clone()), // OnceLock::get and the like
            _ if n == "clone" => clone_of(base.clone()),
            _ => None,
        }
    }

    /// The package's method `n` of type `s`, or of the type `s` derefs to
    /// (a few links deep) when `s` has none of that name: that type's path
    /// and the method.
    fn method_through_derefs(&self, s: &str, n: &str) -> Option<(String, &FnFact)> {
        let mut at = s.to_string();
        for _ in 0..4 {
            if let Some(f) = self.facts.function(&format!("{at}::{n}")) {
                return Some((at, f));
            }
            let target = self.facts.deref_target(&at, n)?;
            let Shape::Named(next) = target.peel().0 else {
                return None;
            };
            if *next == at {
                return None;
            }
            at = next.clone();
        }
        None
    }

    /// The shape of a constructor expression (`Arc::new(Mutex::new(HashMap::new()))`).
    /// What a call chain builds when its value is not followed:
    /// `opt.map_or_else(IndexMap::new, |f| ..)` (the default's constructor),
    /// `iter.collect::<IndexMap<_, _>>()` (the type asked for).
    fn infer_built(&self, m: &syn::ExprMethodCall, depth: usize) -> Shape {
        match m.method.to_string().as_str() {
            "map_or_else" | "unwrap_or_else" => match m.args.first() {
                Some(syn::Expr::Path(f)) if f.path.segments.len() >= 2 => {
                    let call = syn::Expr::Call(syn::ExprCall {
                        attrs: Vec::new(),
                        func: Box::new(syn::Expr::Path(f.clone())),
                        paren_token: syn::token::Paren::default(),
                        args: syn::punctuated::Punctuated::new(),
                    });
                    self.infer(&call, depth + 1)
                }
                _ => Shape::Unknown,
            },
            "collect" => match m.turbofish.as_ref().and_then(|t| t.args.first()) {
                Some(syn::GenericArgument::Type(t)) => self.shape_of_type(t),
                _ => Shape::Unknown,
            },
            _ => Shape::Unknown,
        }
    }

    fn infer(&self, e: &syn::Expr, depth: usize) -> Shape {
        if depth > 16 {
            return Shape::Unknown;
        }
        match e {
            syn::Expr::Paren(p) => self.infer(&p.expr, depth + 1),
            syn::Expr::Reference(r) => Shape::Wrap(Box::new(self.infer(&r.expr, depth + 1))),
            // `Arc::new(Mutex::new(map))`: the binding says what it holds.
            syn::Expr::Path(_) | syn::Expr::Field(_) => {
                self.value(e).map(|v| v.shape).unwrap_or(Shape::Unknown)
            }
            syn::Expr::MethodCall(m) => match self.value(e) {
                Some(v) => v.shape,
                None => self.infer_built(m, depth),
            },
            syn::Expr::Struct(s) => {
                let full = self.resolve(&s.path);
                match self.facts.classify(&full, 0, |_| Shape::Unknown, 0) {
                    named @ Shape::Named(_) => named,
                    _ => Shape::Unknown,
                }
            }
            syn::Expr::Array(a) => Shape::Seq(Box::new(
                a.elems
                    .first()
                    .map(|x| self.infer(x, depth + 1))
                    .unwrap_or(Shape::Unknown),
            )),
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else {
                    return Shape::Unknown;
                };
                let segs = &p.path.segments;
                let n = segs.len();
                let arg0 = || {
                    c.args
                        .first()
                        .map(|a| self.infer(a, depth + 1))
                        .unwrap_or(Shape::Unknown)
                };
                if n == 1 {
                    if segs[0].ident == "Some" {
                        return Shape::Wrap(Box::new(arg0()));
                    }
                    // A tuple struct of the package (`SendPtr(p)`), or what a
                    // function of the package returns (`make_cache(1)`).
                    let full = self.resolve(&p.path);
                    return match self.facts.classify(&full, 0, |_| Shape::Unknown, 0) {
                        named @ Shape::Named(_) => named,
                        _ => self.returned_shape(&full),
                    };
                }
                let mut ty_path: syn::Path = p.path.clone();
                ty_path.segments.pop();
                ty_path.segments.pop_punct();
                let full = self.resolve(&ty_path);
                let type_args: Vec<&syn::Type> = ty_path
                    .segments
                    .last()
                    .map(ty::type_args)
                    .unwrap_or_default();
                let shape = self.facts.classify(
                    &full,
                    type_args.len(),
                    |i| {
                        type_args
                            .get(i)
                            .map(|t| self.shape_of_type(t))
                            .unwrap_or(Shape::Unknown)
                    },
                    0,
                );
                if shape.is_unknown() {
                    // `cache::make(1)`: a function of the package.
                    return self.returned_shape(&self.resolve(&p.path));
                }
                // `Alias::default()` of `type Alias = Arc<Mutex<..>>`: the alias says what is inside.
                if c.args.is_empty() {
                    return shape;
                }
                match shape {
                    // The argument says what is inside.
                    Shape::Arc(_) => Shape::Arc(Box::new(arg0())),
                    Shape::Lock { flavor, .. } => Shape::Lock {
                        flavor,
                        inner: Box::new(arg0()),
                    },
                    Shape::Wrap(_) => Shape::Wrap(Box::new(Shape::Unknown)),
                    Shape::Cell(_) => Shape::Cell(Box::new(arg0())),
                    other => other,
                }
            }
            _ => Shape::Unknown,
        }
    }

    /// The shape a function of the package (by full path) returns by value.
    fn returned_shape(&self, full: &str) -> Shape {
        match self.facts.function(full) {
            Some(f) if !matches!(f.ret, syn::Type::Reference(_)) => {
                self.facts.shape_of(&f.ret, &f.module, f.self_ty.as_deref())
            }
            _ => Shape::Unknown,
        }
    }

    fn value_from_type(&self, ty: &syn::Type, owner: Owner) -> Option<Value> {
        self.value_of_typed(ty, self.shape_of_type(ty), owner)
    }

    /// A value of the type `ty`, whose shape is `shape`.
    fn value_of_typed(&self, ty: &syn::Type, shape: Shape, owner: Owner) -> Option<Value> {
        if shape.is_unknown() {
            return None;
        }
        let mut v = Value::new(shape, owner);
        if let syn::Type::Reference(r) = ty {
            if r.mutability.is_some() {
                v.exclusive = true;
            } else {
                // A lock behind a shared reference was made to be shared,
                // but in a program that keeps the struct holding it.
                let kept =
                    matches!(v.shape.peel().0, Shape::Named(n) if self.facts.kept_by_program(n));
                v.shared = (self.holds_lock_value(&v) && !kept)
                    || matches!(v.shape.peel().0, Shape::Named(n) if self.facts.is_unsafe_sync(n));
            }
        }
        Some(v)
    }

    /// The expression an invocation of the package's macro writes, expanded
    /// again while it is another such invocation (`get!(write on self)` that
    /// writes `get! { @expect self.write() }`).
    fn expand_expr(&mut self, mac: &syn::Macro) -> Option<syn::Expr> {
        let mut expanded = self.macros.expr(mac)?;
        let mut nested = 0;
        while let syn::Expr::Macro(inner) = &expanded
            && nested < 4
            && let Some(next) = self.macros.expr(&inner.mac)
        {
            expanded = next;
            nested += 1;
        }
        Some(expanded)
    }

    /// A call's arguments, each closure among them with its parameters
    /// bound to what `given` says the callee passes it (by argument index).
    fn visit_args_giving<'e>(
        &mut self,
        args: impl Iterator<Item = &'e syn::Expr>,
        given: impl Fn(&Self, usize, &syn::ExprClosure) -> Option<Vec<Option<Value>>>,
    ) {
        for (i, a) in args.enumerate() {
            if let Some(c) = closure_arg(a) {
                self.closure_params = given(self, i, c);
            }
            self.visit_expr(a);
            self.closure_params = None;
        }
    }

    /// What the package's function `full` passes to the closure `c` given
    /// as its argument `arg`, typed by its signature.
    fn callback_values(
        &self,
        full: &str,
        arg: usize,
        c: &syn::ExprClosure,
    ) -> Option<Vec<Option<Value>>> {
        let cb = self.facts.callbacks(full)?;
        let (_, types) = cb.args.iter().find(|(i, _)| *i == arg)?;
        let values = c
            .inputs
            .iter()
            .zip(types)
            .map(|(p, ty)| {
                let owner = Owner {
                    name: pat_name(p).unwrap_or_default(),
                    decl: Some(self.span(p.span())),
                };
                let shape = self.facts.shape_of(ty, &cb.module, cb.self_ty.as_deref());
                self.value_of_typed(ty, shape, owner)
            })
            .collect();
        Some(values)
    }

    fn bind_pat(&mut self, pat: &syn::Pat, value: Option<Value>, ty: Option<&syn::Type>) {
        match pat {
            syn::Pat::Ident(pi) => {
                let name = pi.ident.to_string();
                let owner = Owner {
                    name: name.clone(),
                    decl: Some(self.span(pi.ident.span())),
                };
                let v = match (value, ty) {
                    // What a function returned (`let s = Store::new();`) is
                    // declared here, by this name.
                    (Some(v), _)
                        if v.owner.decl.is_none()
                            && v.guard == Guard::None
                            && is_call_name(&v.owner.name) =>
                    {
                        Some(Value { owner, ..v })
                    }
                    // `let wm: &WatchMap = &*(data as *mut _);`: the written
                    // type says what an untyped pointer points to.
                    (Some(v), Some(t)) if opaque(&v.shape) => {
                        match self.value_from_type(t, owner.clone()) {
                            Some(typed) if !opaque(&typed.shape) => Some(Value {
                                shape: typed.shape,
                                ..v
                            }),
                            _ => Some(v),
                        }
                    }
                    (Some(v), _) => Some(v),
                    (None, Some(t)) => self.value_from_type(t, owner),
                    (None, None) => None,
                };
                if let Some((_, sub)) = &pi.subpat {
                    self.bind_pat(sub, None, None);
                }
                self.bind(name, v);
            }
            syn::Pat::Type(pt) => self.bind_pat(&pt.pat, value, Some(&pt.ty)),
            syn::Pat::Reference(r) => {
                let inner = match ty {
                    Some(syn::Type::Reference(tr)) => Some(&*tr.elem),
                    _ => None,
                };
                self.bind_pat(&r.pat, value, inner)
            }
            syn::Pat::Paren(p) => self.bind_pat(&p.pat, value, ty),
            syn::Pat::TupleStruct(ts)
                if ts.elems.len() == 1
                    && ts.path.segments.last().is_some_and(|l| {
                        matches!(
                            l.ident.to_string().as_str(),
                            "Ok" | "Some" | "Err" | "State" | "Extension" | "Data"
                        ) || self.option_like_variant(&l.ident.to_string(), value.as_ref())
                    }) =>
            {
                let is_err = ts.path.segments.last().is_some_and(|l| l.ident == "Err");
                let value = match (value, ty) {
                    // `Err(p)` of a lock result: the poison error, which holds the guard.
                    (Some(v), _) if is_err => matches!(v.guard, Guard::Lock { .. }).then_some(v),
                    (Some(v), _) => Some(v),
                    (None, Some(t)) => {
                        let owner = Owner {
                            name: pat_name(&ts.elems[0]).unwrap_or_default(),
                            decl: Some(self.span(ts.elems[0].span())),
                        };
                        self.value_from_type(t, owner).map(|mut v| {
                            if let Shape::Arc(inner) | Shape::Wrap(inner) = &v.shape {
                                v.shared |= matches!(v.shape, Shape::Arc(_));
                                v.shape = (**inner).clone();
                            }
                            v
                        })
                    }
                    (None, None) => None,
                };
                self.bind_pat(&ts.elems[0], value, None)
            }
            // `Entry::Occupied(mut e)` of a map lookup: the entry, whose value is the counter.
            syn::Pat::TupleStruct(ts)
                if ts.elems.len() == 1
                    && ts
                        .path
                        .segments
                        .last()
                        .is_some_and(|l| l.ident == "Occupied")
                    && value.as_ref().is_some_and(|v| v.lookup.is_some()) =>
            {
                let value = value.map(|v| Value {
                    shape: Shape::Entry(Box::new(v.shape.clone())),
                    ..v
                });
                self.bind_pat(&ts.elems[0], value, None)
            }
            // `let (n, _) = e.get_mut();` on a tuple value looked up in a map,
            // `let (node, _) = root.get_child_mut(p);` from a method of the
            // guarded value, `let (shard, hash) = self.shard_for(key)`.
            syn::Pat::Tuple(t)
                if value.as_ref().is_some_and(
                    |v| matches!(v.shape.peel().0, Shape::Tuple(e) if e.len() == t.elems.len()),
                ) =>
            {
                let Some(v) = value else { return };
                let Shape::Tuple(elems) = v.shape.peel().0.clone() else {
                    return;
                };
                for (p, shape) in t.elems.iter().zip(elems) {
                    let mut element = Value { shape, ..v.clone() };
                    // A tuple built in the code: each element is its own binding.
                    if v.owner.name.is_empty() {
                        element.owner = Owner {
                            name: pat_name(p).unwrap_or_default(),
                            decl: Some(self.span(p.span())),
                        };
                    }
                    self.bind_pat(p, Some(element), None);
                }
            }
            other if self.bind_variant(other, value.as_ref()) => {}
            other => {
                let mut names = Vec::new();
                pat_idents(other, &mut names);
                for n in names {
                    self.bind(n, None);
                }
            }
        }
    }

    /// The value of a `match`, `if let .. else` or block initialiser: the
    /// first branch that does not diverge and resolves, with its pattern
    /// bound (`match get() { Some(p) => p.clone(), None => return }`); of a
    /// `match`, the first arm that gives the guard of a shared lock if any.
    fn flow_value(&mut self, e: &syn::Expr) -> Option<Value> {
        if let Some(v) = self.value(e) {
            return Some(v);
        }
        match e {
            syn::Expr::Paren(p) => self.flow_value(&p.expr),
            syn::Expr::Match(mt) => {
                let scrutinee = self.value(&mt.expr);
                let arms: Vec<Value> = mt
                    .arms
                    .iter()
                    .filter(|a| !diverges(&a.body))
                    .filter_map(|arm| {
                        let mut out = None;
                        self.with_scope(|w| {
                            w.bind_pat(&arm.pat, scrutinee.clone(), None);
                            out = w.flow_value(&arm.body);
                        });
                        out
                    })
                    .collect();
                // `match given { Some(g) => g, None => &mut self.pool.write().unwrap() }`:
                // the arm that takes a shared lock, wherever it stands.
                let shared_guard = arms
                    .iter()
                    .position(|v| v.shared && matches!(v.guard, Guard::Lock { .. }));
                let mut arms = arms.into_iter();
                match shared_guard {
                    Some(i) => arms.nth(i),
                    None => arms.next(),
                }
            }
            syn::Expr::If(i) => {
                let mut out = None;
                if !diverges_block(&i.then_branch) {
                    self.with_scope(|w| {
                        if let syn::Expr::Let(l) = &*i.cond {
                            let v = w.value(&l.expr);
                            w.bind_pat(&l.pat, v, None);
                        }
                        out = w.flow_block(&i.then_branch);
                    });
                }
                match &i.else_branch {
                    Some((_, e)) if out.is_none() && !diverges(e) => self.flow_value(e),
                    _ => out,
                }
            }
            syn::Expr::Block(b) if b.label.is_none() => self.flow_block(&b.block),
            _ => None,
        }
    }

    /// The value a block ends with, its `let`s bound on the way
    /// (`{ drop(set); self.inner.set.write().unwrap() }`).
    fn flow_block(&mut self, b: &syn::Block) -> Option<Value> {
        let (Some(syn::Stmt::Expr(tail, None)), before) = (b.stmts.last(), &b.stmts[..]) else {
            return None;
        };
        let before = &before[..before.len() - 1];
        if before.is_empty() {
            return self.flow_value(tail);
        }
        let mut out = None;
        self.with_scope(|w| {
            for s in before {
                if let syn::Stmt::Local(l) = s {
                    let v = l.init.as_ref().and_then(|i| w.flow_value(&i.expr));
                    w.bind_pat(&l.pat, v, None);
                }
            }
            out = w.flow_value(tail);
        });
        out
    }

    /// A `select!` branch: its future and condition in the enclosing scope,
    /// its handler with the pattern's bindings (untyped: they hold the
    /// future's output).
    fn visit_select_branch(&mut self, b: &super::select::Branch) {
        if let Some(fut) = &b.fut {
            self.visit_expr(fut);
        }
        self.with_scope(|w| {
            if let Some(pat) = &b.pat {
                w.bind_pat(pat, None, None);
            }
            if let Some(cond) = &b.cond {
                w.visit_expr(cond);
            }
            w.visit_expr(&b.handler);
        });
    }

    fn with_scope(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push(HashMap::new());
        f(self);
        self.scopes.pop();
        let depth = self.scopes.len();
        self.local_fns.retain(|(d, _, _)| *d <= depth);
    }

    /// See [`super::Cx::per_test`]: a value declared inside such a module
    /// (a test's local, a field of a test double declared there), not a
    /// `static`. A value of a type declared elsewhere may be handed to code
    /// of the package that starts threads, and is judged as usual.
    /// A `static` declared inside a `#[test]` function that starts no
    /// thread or task is that test's own too (its other values are judged
    /// as usual: the test may hand them to a library that starts threads).
    ///
    /// In a test that with all it calls stays on its own thread and names
    /// no `static`, every value is the test's own.
    pub(crate) fn per_test(&self, v: &Value) -> bool {
        if self.self_contained_test {
            return true;
        }
        let Some(decl) = &v.owner.decl else {
            return false;
        };
        if self
            .single_threaded_test_fn
            .as_ref()
            .is_some_and(|f| f.contains(decl))
            && self.facts.is_static_decl(decl)
        {
            return true;
        }
        self.single_threaded_test
            .as_ref()
            .is_some_and(|module| module.contains(decl))
            && !self.facts.is_static_decl(decl)
    }

    /// Whether `variant` matched against `value` takes out what the
    /// package's `Option`-like generic enum holds (`Phase::Running(g)` of a
    /// `Phase<Globals>`), not a field of an enum of that value's own type.
    fn option_like_variant(&self, variant: &str, value: Option<&Value>) -> bool {
        if !self.facts.is_option_like_variant(variant) {
            return false;
        }
        match value.map(|v| v.shape.peel().0) {
            Some(Shape::Named(s)) => self.facts.field(s, &format!("{variant}::0")).is_none(),
            _ => true,
        }
    }

    /// `State::Requests(map)` or `State::Ready { pool }` matched against a
    /// value of the package's enum: each binding gets the variant's field,
    /// guarded and shared as the value is. Whether it bound anything.
    fn bind_variant(&mut self, pat: &syn::Pat, value: Option<&Value>) -> bool {
        let Some(v) = value else {
            return false;
        };
        let (Shape::Named(strukt), arc) = v.shape.peel() else {
            return false;
        };
        let (path, fields): (&syn::Path, Vec<(String, &syn::Pat)>) = match pat {
            syn::Pat::TupleStruct(ts) => (
                &ts.path,
                ts.elems
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i.to_string(), p))
                    .collect(),
            ),
            syn::Pat::Struct(ps) => (
                &ps.path,
                ps.fields
                    .iter()
                    .map(|f| (member_name(&f.member), &*f.pat))
                    .collect(),
            ),
            _ => return false,
        };
        let Some(variant) = path.segments.last().map(|s| s.ident.to_string()) else {
            return false;
        };
        // The struct itself destructured (`let State { docs, .. } = &mut *g;`),
        // or one of an enum's variants.
        let whole = variant == "Self" || strukt.rsplit("::").next() == Some(variant.as_str());
        let keyed: Vec<(String, &syn::Pat)> = fields
            .into_iter()
            .map(|(f, p)| (if whole { f } else { format!("{variant}::{f}") }, p))
            .collect();
        if keyed
            .iter()
            .all(|(key, _)| self.facts.field(strukt, key).is_none())
        {
            return false;
        }
        for (key, p) in keyed {
            let field = self.facts.field(strukt, &key);
            let name = if whole {
                format!("{}.{key}", v.owner.name)
            } else {
                format!("{}.{variant}", v.owner.name)
            };
            let elem = field.map(|(shape, decl)| Value {
                shape,
                shared: v.shared || arc,
                exclusive: v.exclusive && !arc,
                owner: Owner {
                    name,
                    decl: Some(decl),
                },
                lookup: None,
                ..v.clone()
            });
            self.bind_pat(p, elem, None);
        }
        true
    }

    /// The value a closure bound to `name` in scope returns.
    fn local_fn(&self, name: &str) -> Option<Value> {
        let (_, _, v) = self.local_fns.iter().rev().find(|(_, n, _)| n == name)?;
        Some(v.clone())
    }

    fn with_fn_scope(&mut self, inputs: &[&syn::FnArg], f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        let saved_spawn = self.spawn_base.take();
        let saved_fns = std::mem::take(&mut self.local_fns);
        self.body_id += 1;
        for arg in inputs {
            match arg {
                syn::FnArg::Receiver(r) => {
                    // `impl Consign for &RwLock<Table>` has no path of its own.
                    let Some(st) = self
                        .self_ty
                        .clone()
                        .or_else(|| self.self_is_arc.as_ref().map(|_| String::new()))
                    else {
                        continue;
                    };
                    let owner = Owner {
                        name: "self".to_string(),
                        decl: None,
                    };
                    let v = if let Some(arc) = &self.self_is_arc {
                        // `impl RaftStorage for Arc<MemStore>`: every clone
                        // shares it, whatever the receiver.
                        let mut v = Value::new(arc.clone(), owner);
                        v.shared = true;
                        Some(v)
                    } else if r.colon_token.is_some() {
                        self.value_from_type(&r.ty, owner)
                    } else {
                        // `impl Trait for Alias` where the alias is `Mutex<HashMap<..>>`.
                        let shape = match self.facts.classify(&st, 0, |_| Shape::Unknown, 0) {
                            Shape::Unknown => Shape::Named(st.clone()),
                            known => known,
                        };
                        let mut v = Value::new(shape, owner);
                        match (&r.reference, &r.mutability) {
                            (Some(_), Some(_)) | (None, _) => v.exclusive = true,
                            (Some(_), None) => {
                                v.shared = self.facts.is_shared_struct(&st)
                                    || self.facts.is_unsafe_sync(&st)
                                    || (!self.facts.kept_by_program(&st)
                                        && (self.facts.holds_lock(&st)
                                            || self.holds_lock_value(&v)));
                            }
                        }
                        Some(v)
                    };
                    self.bind("self".to_string(), v);
                }
                syn::FnArg::Typed(pt) => {
                    self.bind_pat(&pt.pat, None, Some(&pt.ty));
                    if self.extern_abi
                        && matches!(&*pt.ty, syn::Type::Ptr(_))
                        && let Some(name) = pat_name(&pt.pat)
                        && let Some(Some(v)) = self.scopes.last().and_then(|s| s.get(&name))
                    {
                        let v = Value {
                            shared: true,
                            exclusive: false,
                            ..v.clone()
                        };
                        self.bind(name, Some(v));
                    }
                }
            }
        }
        f(self);
        self.scopes = saved;
        self.spawn_base = saved_spawn;
        self.local_fns = saved_fns;
    }

    fn in_module(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        let inner = format!("{}::{name}", self.module);
        let saved = std::mem::replace(&mut self.module, inner);
        let saved_self = self.self_ty.take();
        let saved_scopes = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        f(self);
        self.module = saved;
        self.self_ty = saved_self;
        self.scopes = saved_scopes;
    }

    /// Walks a closure or async block that runs on other threads.
    fn visit_captured(&mut self, e: &syn::Expr, capture: Capture) {
        let saved = self.spawn_base.replace((self.scopes.len(), capture));
        self.visit_expr(e);
        self.spawn_base = saved;
    }

    /// For `x.lock().map(|g| ..)` (also `and_then`, `inspect`, `map_or_else`,
    /// ...): the guard the closure is given.
    fn guard_for_closure(&self, m: &syn::ExprMethodCall, recv: &Receiver<'_>) -> Option<Value> {
        let n = m.method.to_string();
        if !matches!(
            n.as_str(),
            "map" | "and_then" | "inspect" | "map_or" | "map_or_else" | "is_ok_and"
        ) || !m.args.iter().any(|a| closure_arg(a).is_some())
        {
            return None;
        }
        let syn::Expr::MethodCall(lock) = strip(&m.receiver) else {
            return None;
        };
        let l = lock.method.to_string();
        if !(WRITE_LOCK.contains(&l.as_str()) || READ_LOCK.contains(&l.as_str())) {
            return None;
        }
        recv.value(self)
            .filter(|v| matches!(v.guard, Guard::Lock { .. }))
    }

    /// The value an `Option` combinator's one-parameter closure is given
    /// (`opt.as_ref().map(|c| ..)`): the receiver's, when it is an `Option`.
    fn option_for_closure(&self, m: &syn::ExprMethodCall, recv: &Receiver<'_>) -> Option<Value> {
        let n = m.method.to_string();
        if !matches!(
            n.as_str(),
            "map" | "and_then" | "inspect" | "is_some_and" | "filter"
        ) {
            return None;
        }
        let [syn::Expr::Closure(c)] = m.args.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        if c.inputs.len() != 1 {
            return None;
        }
        // `map.get_mut(&k).and_then(|inner| inner.remove(..))`: the value
        // the lookup found, as `let inner = map.get_mut(&k)?;` binds it.
        // `docs.get(&k).and_then(|d| d.main.clone())`: the value found, read.
        let lookup = match strip(&m.receiver) {
            syn::Expr::MethodCall(l) if l.method == "get_mut" => Some(true),
            syn::Expr::MethodCall(l) if l.method == "get" => Some(false),
            _ => None,
        };
        let v = recv.value(self)?;
        if let Some(found_mut) = lookup
            && v.lookup.is_some()
        {
            return (!matches!(v.shape, Shape::Wrap(_))).then(|| Value {
                lookup: if found_mut { v.lookup.clone() } else { None },
                ..v
            });
        }
        (matches!(v.shape, Shape::Wrap(_))
            && !matches!(v.shape.peel().0, Shape::Seq(_))
            && v.lookup.is_none())
        .then_some(v)
    }

    /// `let q = Arc::new(Mutex::new(Default::default()))`: a lock whose
    /// constructor does not say what it holds takes the type of the struct
    /// field it, or a clone of it, is put in further down the block
    /// (`Flusher { queue: q }`, `Flusher { queue: q.clone() }`).
    fn refine_from_later(&mut self, l: &syn::Local, rest: &[syn::Stmt]) {
        let Some(name) = pat_name(&l.pat) else {
            return;
        };
        let Some(Some(v)) = self.scopes.last().and_then(|s| s.get(&name)) else {
            return;
        };
        if !matches!(v.shape.peel().0, Shape::Lock { inner, .. } if inner.is_unknown()) {
            return;
        }
        struct Find<'n> {
            name: &'n str,
            found: Option<(syn::Path, String)>,
        }
        impl<'ast> Visit<'ast> for Find<'_> {
            fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
                // `queue: q`, also a clone of it (`count: count.clone()`,
                // `count: Arc::clone(&count)`).
                let names = |e: &syn::Expr| match strip(e) {
                    syn::Expr::Path(p) => p.path.is_ident(self.name),
                    syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => {
                        matches!(strip(&m.receiver), syn::Expr::Path(p) if p.path.is_ident(self.name))
                    }
                    syn::Expr::Call(c) => {
                        matches!(&*c.func, syn::Expr::Path(f)
                            if f.path.segments.last().is_some_and(|s| s.ident == "clone"))
                            && matches!(c.args.first(), Some(syn::Expr::Reference(r))
                                if matches!(strip(&r.expr), syn::Expr::Path(p) if p.path.is_ident(self.name)))
                    }
                    _ => false,
                };
                for f in &e.fields {
                    if self.found.is_none() && names(&f.expr) {
                        self.found = Some((e.path.clone(), member_name(&f.member)));
                    }
                }
                syn::visit::visit_expr_struct(self, e);
            }
        }
        let mut find = Find {
            name: &name,
            found: None,
        };
        for s in rest {
            find.visit_stmt(s);
        }
        let Some((path, field)) = find.found else {
            return;
        };
        let Some((shape, _)) = self.facts.field(&self.resolve(&path), &field) else {
            return;
        };
        if matches!(shape.peel().0, Shape::Lock { .. }) {
            let v = Value { shape, ..v.clone() };
            self.bind(name, Some(v));
        }
    }

    /// `let m = Arc::new(..);`: until the statement that first clones,
    /// moves, captures or hands on `m` (or binds the name again), no other
    /// thread can hold the `Arc`, so `m` is bound to what it points to.
    /// Returns where that statement is in `rest` and the `Arc` value to bind
    /// there again.
    fn fresh_arc(&mut self, l: &syn::Local, rest: &[syn::Stmt]) -> Option<(usize, String, Value)> {
        let name = pat_name(&l.pat)?;
        let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
        let syn::Expr::Call(c) = strip(&init.expr) else {
            return None;
        };
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let segs = path_segs(&p.path);
        let [.., ty, ctor] = &segs[..] else {
            return None;
        };
        // `Arc::new(..)`, or `Default::default()` into a binding typed `Arc<..>`.
        let arc_ctor = ty == "Arc" && matches!(ctor.as_str(), "new" | "default" | "from");
        let default_ctor = ty == "Default" && ctor == "default";
        if !(arc_ctor || default_ctor) {
            return None;
        }
        let Some(Some(v)) = self.scopes.last().and_then(|s| s.get(&name)) else {
            return None;
        };
        let Shape::Arc(inner) = &v.shape else {
            return None;
        };
        let at = rest
            .iter()
            .position(|s| {
                !super::confined::confined(&name, std::slice::from_ref(s))
                    || matches!(s, syn::Stmt::Local(l) if pat_binds(&l.pat, &name))
            })
            .unwrap_or(rest.len());
        if at == 0 {
            return None;
        }
        let shared = v.clone();
        let own = Value {
            shape: (**inner).clone(),
            shared: false,
            exclusive: true,
            ..v.clone()
        };
        self.bind(name.clone(), Some(own));
        Some((at, name, shared))
    }

    /// `let s = Store::new();` (or `Store { .. }`) whose binding never leaves
    /// the function: see [`super::confined`].
    fn confine_from_later(&mut self, l: &syn::Local, rest: &[syn::Stmt]) {
        // `let s = ..`, or, in a test that starts no thread, each binding of
        // `let (s, tx) = make_pair();` (elsewhere a function returning a
        // pair may have handed a clone to a thread it started).
        let names: Vec<String> = match pat_name(&l.pat) {
            Some(name) => vec![name],
            None if self.single_threaded_test_fn.is_none() => return,
            None => match &l.pat {
                syn::Pat::Tuple(t) => t.elems.iter().filter_map(pat_name).collect(),
                syn::Pat::Type(pt) => match &*pt.pat {
                    syn::Pat::Tuple(t) => t.elems.iter().filter_map(pat_name).collect(),
                    _ => return,
                },
                _ => return,
            },
        };
        let Some(init) = &l.init else {
            return;
        };
        // `Store::new()`, `Store { .. }`, `Provider::builder().build()`, also
        // as the value of an `if`/`match`/block (`let m = if .. { Mapping
        // { .. } } else { return None };`).
        if init.diverge.is_some()
            || !matches!(
                strip(&init.expr),
                syn::Expr::Call(_)
                    | syn::Expr::Struct(_)
                    | syn::Expr::MethodCall(_)
                    | syn::Expr::If(_)
                    | syn::Expr::Match(_)
                    | syn::Expr::Block(_)
            )
        {
            return;
        }
        // `MemoryBackend::new(ttl)` that spawns a cleanup thread holding a
        // clone of the `Arc` it puts in the value: shared from the start.
        if let syn::Expr::Call(c) = strip(&init.expr)
            && let syn::Expr::Path(p) = &*c.func
            && self.facts.starts_thread(&self.resolve(&p.path))
        {
            return;
        }
        for name in names {
            self.confine_binding(name, rest);
        }
    }

    fn confine_binding(&mut self, name: String, rest: &[syn::Stmt]) {
        let Some(Some(v)) = self.scopes.last().and_then(|s| s.get(&name)) else {
            return;
        };
        // Only a value made here is confined: one borrowed out of another
        // (`let host = world.hosts.get_mut(&k).unwrap();`) keeps its owner's
        // name and declaration, and shares that owner's `Arc`s.
        let borrowed = v.owner.name != name && v.owner.decl.is_some();
        if !v.exclusive || !matches!(v.shape, Shape::Named(_)) || borrowed {
            return;
        }
        // `let store = memory_store(); Pool::new(store.clone())`: its clone
        // shares the `Arc`s in its fields, so it is no longer this function's alone.
        if super::confined::cloned(&name, rest) {
            let v = Value {
                exclusive: false,
                ..v.clone()
            };
            self.bind(name, Some(v));
            return;
        }
        if !super::confined::confined(&name, rest) {
            return;
        }
        let v = Value {
            confined: true,
            ..v.clone()
        };
        self.bind(name, Some(v));
    }

    /// What a combinator's one-parameter closure returns
    /// (`opt.map(|x| x.lock())`): its body's value with the parameter
    /// bound to what [`Walker::closure_param`] says it is.
    fn closure_result(
        &self,
        m: &syn::ExprMethodCall,
        c: &syn::ExprClosure,
        recv: &Receiver<'_>,
    ) -> Option<Value> {
        let [param] = c.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let name = pat_name(param)?;
        let v = self.closure_param(m, recv)?;
        self.params.borrow_mut().push((name, v));
        let body = match &*c.body {
            syn::Expr::Block(b) => self.block_value(&b.block),
            e => self.value(e),
        };
        self.params.borrow_mut().pop();
        body
    }

    /// The value a combinator's closure is given as its first parameter:
    /// the guard of a lock result (`m.lock().map(|mut g| ..)`), what an
    /// `Option` holds (`opt.as_ref().map(|c| ..)`), or the receiver itself
    /// when the closure takes a lock through its parameter
    /// (`upgraded.and_then(|a| a.lock().ok())`).
    fn closure_param(&self, m: &syn::ExprMethodCall, recv: &Receiver<'_>) -> Option<Value> {
        self.guard_for_closure(m, recv)
            .or_else(|| self.element_for_closure(m))
            .or_else(|| self.option_for_closure(m, recv))
            .or_else(|| self.lock_in_closure(m, recv))
            .or_else(|| self.helper_guard_for_closure(m, recv))
    }

    /// `REG.borrow_mut(|inner| inner.entry(k))` where the package's own
    /// `borrow_mut` locks a field of `self` and calls its closure parameter
    /// with the guard: the closure is given that guard.
    fn helper_guard_for_closure(
        &self,
        m: &syn::ExprMethodCall,
        recv: &Receiver<'_>,
    ) -> Option<Value> {
        // Checked by name first: valuing the receiver of every iterator
        // adapter's call would walk its chain again at each link.
        if !self.facts.may_hand_guard_to_closure(&m.method.to_string())
            || !m.args.iter().any(|a| closure_arg(a).is_some())
        {
            return None;
        }
        let receiver = recv.value(self)?;
        let Shape::Named(s) = receiver.shape.peel().0 else {
            return None;
        };
        let g = self.facts.closure_guard(&format!("{s}::{}", m.method))?;
        let span = m.method.span();
        // `receiver.0.1` for the helper's `(self.0).1`, `receiver.get_or_init()`
        // for its `self.get_or_init()`.
        let field = place_expr((*m.receiver).clone(), &g.field, span);
        let Some(lock) = &g.lock else {
            // `fn with_config<F: FnOnce(&RwLock<Config>)>(&self, f: F) { f(&self.config) }`:
            // the closure is given the lock itself.
            return self
                .value(&field)
                .filter(|v| matches!(v.shape.peel().0, Shape::Lock { .. }));
        };
        // The helper's own `receiver.field.lock()`, valued as written there.
        let lock = place_expr(field, &format!("{lock}()"), span);
        // What the helper hands on of the guarded value (`c.data` for
        // egui's `data_mut`, which forwards to `write`).
        let given = place_expr(lock, &g.then, span);
        self.value(&given)
            .filter(|v| matches!(v.guard, Guard::Lock { .. }))
    }

    /// `shards.iter().for_each(|s| s.write().clear())`: an iterator
    /// adapter's closure is given the elements of the vector or array it
    /// iterates, shared as the vector is.
    fn element_for_closure(&self, m: &syn::ExprMethodCall) -> Option<Value> {
        if !matches!(
            m.method.to_string().as_str(),
            "for_each"
                | "try_for_each"
                | "map"
                | "filter_map"
                | "flat_map"
                | "any"
                | "all"
                | "find"
                | "filter"
                | "inspect"
                | "position"
        ) {
            return None;
        }
        self.iter_elements(&m.receiver, 0)
    }

    /// The elements an iterator chain yields, when it starts from a
    /// vector, an array or a map's values and goes through adapters that
    /// keep or map its elements (`docs.values().filter_map(|d|
    /// d.main.clone())` yields what `main` holds, shared as `docs` is).
    fn iter_elements(&self, e: &syn::Expr, depth: usize) -> Option<Value> {
        // A chain is followed a few adapters back: each link of a long one
        // (3,000 `.map(|x| x + 1)`) would otherwise walk all those before it.
        if depth > MAX_ADAPTERS {
            return None;
        }
        let syn::Expr::MethodCall(it) = strip(e) else {
            return None;
        };
        let of = |base: Value, shape: &Shape, arc: bool| Value {
            shape: shape.clone(),
            shared: base.shared || arc,
            lookup: None,
            ..base
        };
        // Compared without allocating: this is asked at each link of every chain.
        let is = |names: &[&str]| names.iter().any(|n| it.method == n);
        if is(&["iter", "iter_mut", "into_iter"]) {
            let base = self.value(&it.receiver)?;
            let (Shape::Seq(elem), arc) = base.shape.peel() else {
                return None;
            };
            let elem = (**elem).clone();
            return Some(of(base, &elem, arc));
        }
        if is(&["values", "values_mut", "into_values"]) {
            let base = self.value(&it.receiver)?;
            let (Shape::Map { value, .. }, arc) = base.shape.peel() else {
                return None;
            };
            let value = (**value).clone();
            return Some(of(base, &value, arc));
        }
        if is(&[
            "filter",
            "rev",
            "skip",
            "take",
            "step_by",
            "peekable",
            "cloned",
            "copied",
            "inspect",
            "skip_while",
            "take_while",
            "by_ref",
        ]) {
            return self.iter_elements(&it.receiver, depth + 1);
        }
        // `filter_map(|d| d.main.clone())`: what the `Option` holds;
        // `flat_map`, what the sequence or `Option` holds; `map`, the value.
        if !is(&["map", "filter_map", "flat_map"]) {
            return None;
        }
        // What the links before give first: most chains give nothing.
        let elem = self.iter_elements(&it.receiver, depth + 1)?;
        let [syn::Expr::Closure(c)] = it.args.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let [param] = c.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let name = pat_name(param)?;
        self.params.borrow_mut().push((name, elem));
        let body = match &*c.body {
            syn::Expr::Block(b) => self.block_value(&b.block),
            e => self.value(e),
        };
        self.params.borrow_mut().pop();
        let body = body?;
        if it.method == "map" {
            return Some(body);
        }
        match body.shape.clone() {
            Shape::Wrap(inner) | Shape::Seq(inner) => Some(Value {
                shape: *inner,
                ..body
            }),
            _ => None,
        }
    }

    /// `x.map(|p| p.lock())`, `x.and_then(|p| p.upgrade()?.write().ok())`:
    /// a closure whose body locks (or upgrades) what its parameter is; the
    /// parameter is then the receiver's value.
    fn lock_in_closure(&self, m: &syn::ExprMethodCall, recv: &Receiver<'_>) -> Option<Value> {
        if !matches!(m.method.to_string().as_str(), "map" | "and_then") {
            return None;
        }
        let [syn::Expr::Closure(c)] = m.args.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let [param] = c.inputs.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let name = pat_name(param)?;
        let mut takes_lock = false;
        let mut cur = &*c.body;
        loop {
            match cur {
                syn::Expr::MethodCall(mc) => {
                    let l = mc.method.to_string();
                    takes_lock |= WRITE_LOCK.contains(&l.as_str())
                        || READ_LOCK.contains(&l.as_str())
                        || l == "upgrade";
                    cur = &mc.receiver;
                }
                syn::Expr::Field(f) => cur = &f.base,
                syn::Expr::Try(t) => cur = &t.expr,
                syn::Expr::Paren(p) => cur = &p.expr,
                syn::Expr::Path(p) if p.path.is_ident(&name) => break,
                _ => return None,
            }
        }
        if !takes_lock {
            return None;
        }
        recv.value(self)
    }

    /// How a closure given to a function with this full path shares its captures.
    fn capture_of_fn(&self, full: &str) -> Option<Capture> {
        let last = full.rsplit("::").next().unwrap_or(full);
        let krate = full.split("::").next().unwrap_or("");
        if krate == "rayon" || FRAMEWORKS.contains(&krate) {
            return Some(Capture::All);
        }
        match last {
            "spawn" | "spawn_blocking" => Some(Capture::Locks),
            "start_server" | "service_fn" | "make_service_fn" | "fn_service" => Some(Capture::All),
            _ => None,
        }
    }

    /// How a closure given to a method call shares its captures.
    fn capture_of_method(&self, m: &syn::ExprMethodCall) -> Option<Capture> {
        let n = m.method.to_string();
        // `Builder::new().spawn_scoped(s, || ..)`: a scoped thread, which
        // borrows the locals around it.
        if n == "spawn_scoped" {
            return Some(Capture::All);
        }
        if n == "spawn" {
            // `s.spawn(|| ..)` on a thread scope borrows the locals around it;
            // `Builder::new().spawn(move || ..)` moves them.
            return Some(
                if matches!(strip(&m.receiver), syn::Expr::Path(p) if p.path.segments.len() == 1) {
                    Capture::All
                } else {
                    Capture::Locks
                },
            );
        }
        // Parallel iterators and framework builders anywhere down the chain.
        let mut cur = &*m.receiver;
        loop {
            match strip(cur) {
                syn::Expr::MethodCall(inner) => {
                    let name = inner.method.to_string();
                    if name.starts_with("par_") || name == "into_par_iter" {
                        return Some(Capture::All);
                    }
                    cur = &inner.receiver;
                }
                syn::Expr::Call(c) => {
                    if let syn::Expr::Path(p) = &*c.func {
                        let full = self.resolve(&p.path);
                        let krate = full.split("::").next().unwrap_or("");
                        if FRAMEWORKS.contains(&krate) {
                            return Some(Capture::All);
                        }
                    }
                    return None;
                }
                _ => return None,
            }
        }
    }
}

/// Puts `with` at the root of a chain of method calls and fields.
/// A branch that leaves instead of yielding a value (`return`, `break`,
/// `continue`, `panic!` and the like), also as a block's last statement.
fn diverges(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_) => true,
        syn::Expr::Macro(m) => m.mac.path.segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "panic" | "unreachable" | "todo" | "unimplemented"
            )
        }),
        syn::Expr::Block(b) => diverges_block(&b.block),
        syn::Expr::Paren(p) => diverges(&p.expr),
        _ => false,
    }
}

fn diverges_block(b: &syn::Block) -> bool {
    match b.stmts.last() {
        Some(syn::Stmt::Expr(e, _)) => diverges(e),
        Some(syn::Stmt::Macro(m)) => diverges(&syn::Expr::Macro(syn::ExprMacro {
            attrs: Vec::new(),
            mac: m.mac.clone(),
        })),
        _ => false,
    }
}

/// The expression an initialiser's value comes from: through an `if`, a
/// `match` or a block, the first branch's tail that does not diverge
/// (`if let Some(ip) = ips.first() { Mapping { .. } } else { return None }`).
/// The futures of `join!(a, b, ..)` (tokio's, futures', or imported),
/// which yields a tuple of what each yields.
fn joined_futures(e: &syn::Expr) -> Option<Vec<syn::Expr>> {
    let syn::Expr::Macro(m) = strip(e) else {
        return None;
    };
    let segs: Vec<String> = m
        .mac
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segs
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["join"] | ["tokio" | "futures", "join"] => {}
        _ => return None,
    }
    let futures = m
        .mac
        .parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    Some(futures.into_iter().collect())
}

fn flow_tail(e: &syn::Expr) -> &syn::Expr {
    fn tail(b: &syn::Block) -> Option<&syn::Expr> {
        match b.stmts.last() {
            Some(syn::Stmt::Expr(t, None)) => Some(t),
            _ => None,
        }
    }
    let next = match e {
        syn::Expr::Paren(p) => Some(&*p.expr),
        syn::Expr::Block(b) if b.label.is_none() => tail(&b.block),
        syn::Expr::If(i) if !diverges_block(&i.then_branch) => tail(&i.then_branch),
        syn::Expr::If(i) => i.else_branch.as_ref().map(|(_, e)| &**e),
        syn::Expr::Match(m) => m.arms.iter().find(|a| !diverges(&a.body)).map(|a| &*a.body),
        _ => None,
    };
    next.map_or(e, flow_tail)
}

/// What a call of the function `name` gives, owned by the call (`registry()`).
fn call_result(name: &str, shape: Shape, decl: Option<Span>) -> Value {
    Value::new(
        shape,
        Owner {
            name: format!("{name}()"),
            decl,
        },
    )
}

/// An owner named by a function call alone (`new()`, `registry()`).
fn is_call_name(name: &str) -> bool {
    name.strip_suffix("()")
        .is_some_and(|f| !f.is_empty() && f.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// `base.a.b()` for the path `a.b()`: fields, and method calls taking no
/// argument (a path the facts recorded, valued as if written here).
pub(crate) fn place_expr(base: syn::Expr, path: &str, span: proc_macro2::Span) -> syn::Expr {
    path.split('.')
        .filter(|seg| !seg.is_empty())
        .fold(base, |base, seg| match seg.strip_suffix("()") {
            Some(method) => syn::Expr::MethodCall(syn::ExprMethodCall {
                attrs: Vec::new(),
                receiver: Box::new(base),
                dot_token: syn::Token![.](span),
                method: syn::Ident::new(method, span),
                turbofish: None,
                paren_token: syn::token::Paren(span),
                args: syn::punctuated::Punctuated::new(),
            }),
            None => syn::Expr::Field(syn::ExprField {
                attrs: Vec::new(),
                base: Box::new(base),
                dot_token: syn::Token![.](span),
                member: match seg.parse::<u32>() {
                    Ok(index) => syn::Member::Unnamed(syn::Index { index, span }),
                    Err(_) => syn::Member::Named(syn::Ident::new(seg, span)),
                },
            }),
        })
}

/// What a clone of `v` is: another handle of the same value for an `Arc`
/// (no longer under the guard it was reached through), the value itself
/// otherwise, but for a value reached through a lock guard: its copy is
/// the caller's own, not shared (`let mut data = State::clone(&guard);`).
fn clone_of(v: Value) -> Option<Value> {
    // `Arc<T>`, also in an `Option` (`d.main.clone()` of an
    // `Option<Arc<RwLock<..>>>` read through a guard): another owner of it.
    let mut shape = &v.shape;
    while let Shape::Wrap(inner) = shape {
        shape = inner;
    }
    if matches!(shape, Shape::Arc(_)) {
        return Some(Value {
            guard: Guard::None,
            shared: true,
            ..v
        });
    }
    (!matches!(v.guard, Guard::Lock { .. })).then_some(v)
}

/// Whether a pattern binds `name` anywhere in it (`(a, name)`, `Some(name)`).
fn pat_binds(p: &syn::Pat, name: &str) -> bool {
    struct Find<'n>(&'n str, bool);
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.1 |= i.ident == self.0;
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let mut f = Find(name, false);
    f.visit_pat(p);
    f.1
}

fn pat_name(p: &syn::Pat) -> Option<String> {
    match p {
        syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
        syn::Pat::Type(pt) => pat_name(&pt.pat),
        _ => None,
    }
}

fn pat_idents(p: &syn::Pat, out: &mut Vec<String>) {
    struct V<'o>(&'o mut Vec<String>);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.push(i.ident.to_string());
            syn::visit::visit_pat_ident(self, i);
        }
    }
    V(out).visit_pat(p);
}

/// Whether a token stream holds a `.` or a `=` at any depth.
fn has_dot_or_eq(tokens: proc_macro2::TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Punct(p) => matches!(p.as_char(), '.' | '='),
        proc_macro2::TokenTree::Group(g) => has_dot_or_eq(g.stream()),
        _ => false,
    })
}

/// A shape that says nothing of what is behind it (`*mut c_void`, `_`).
fn opaque(shape: &Shape) -> bool {
    match shape.peel().0 {
        Shape::Unknown => true,
        Shape::Named(n) => n == "c_void" || n.ends_with("::c_void"),
        _ => false,
    }
}

/// `&'static T`.
fn is_static_ref(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Reference(r)
        if r.lifetime.as_ref().is_some_and(|l| l.ident == "static"))
}

/// `std::thread::scope`, crossbeam's and rayon's `scope`: a closure whose
/// threads are joined before it returns.
fn is_thread_scope(full: &str) -> bool {
    matches!(
        full,
        "std::thread::scope"
            | "crossbeam::scope"
            | "crossbeam::thread::scope"
            | "crossbeam_utils::thread::scope"
            | "rayon::scope"
            | "rayon::in_place_scope"
            | "rayon_core::scope"
    )
}

/// The names the closures given to a scope's `spawn` mention
/// (`s.spawn(|| set.lock()..)`): the locals they may capture.
fn scoped_captures(closure: &syn::ExprClosure) -> HashSet<String> {
    struct Spawns<'s> {
        scope: &'s str,
        names: HashSet<String>,
    }
    impl<'ast> Visit<'ast> for Spawns<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "spawn"
                && matches!(strip(&m.receiver), syn::Expr::Path(p) if p.path.is_ident(self.scope))
            {
                struct Names<'n>(&'n mut HashSet<String>);
                impl<'ast> Visit<'ast> for Names<'_> {
                    fn visit_path(&mut self, p: &'ast syn::Path) {
                        if let Some(id) = p.get_ident() {
                            self.0.insert(id.to_string());
                        }
                    }
                }
                for a in &m.args {
                    Names(&mut self.names).visit_expr(a);
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let Some(scope) = closure.inputs.first().and_then(pat_name) else {
        return HashSet::new();
    };
    let mut v = Spawns {
        scope: &scope,
        names: HashSet::new(),
    };
    v.visit_expr(&closure.body);
    v.names
}

fn is_thread_closure(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Closure(_) | syn::Expr::Async(_))
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        self.dispatch(|p, cx| p.check_item(cx, i));
        syn::visit::visit_item(self, i);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let inputs: Vec<&syn::FnArg> = f.sig.inputs.iter().collect();
        let saved = self.self_ty.take();
        let span = self.span(f.span());
        let saved_fn = self.fn_span.replace(span.clone());
        let saved_test = self.single_threaded_test_fn.clone();
        if self.single_threaded_test_fn.is_none()
            && test_scope::is_test_fn(&f.attrs)
            && !test_scope::block_starts_threads(&f.block)
        {
            self.single_threaded_test_fn = Some(span);
        }
        let saved_contained = self.self_contained_test;
        let full = format!("{}::{}", self.module, f.sig.ident);
        // A function declared inside a test that stays on one thread is
        // part of it: the call graph read its body with the test's.
        self.self_contained_test =
            (saved_fn.is_some() && saved_contained) || self.facts.runs_on_one_thread(&full);
        let saved_abi = std::mem::replace(&mut self.extern_abi, f.sig.abi.is_some());
        self.with_fn_scope(&inputs, |w| w.visit_block(&f.block));
        self.extern_abi = saved_abi;
        self.self_ty = saved;
        self.fn_span = saved_fn;
        self.single_threaded_test_fn = saved_test;
        self.self_contained_test = saved_contained;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let inputs: Vec<&syn::FnArg> = f.sig.inputs.iter().collect();
        let saved_fn = self.fn_span.replace(self.span(f.span()));
        let saved_contained = self.self_contained_test;
        self.self_contained_test = (saved_fn.is_some() && saved_contained)
            || self.self_ty.as_ref().is_some_and(|st| {
                self.facts
                    .runs_on_one_thread(&format!("{st}::{}", f.sig.ident))
            });
        self.with_fn_scope(&inputs, |w| w.visit_block(&f.block));
        self.fn_span = saved_fn;
        self.self_contained_test = saved_contained;
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(b) = &f.default {
            let inputs: Vec<&syn::FnArg> = f.sig.inputs.iter().collect();
            self.with_fn_scope(&inputs, |w| w.visit_block(b));
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let self_ty = match &*i.self_ty {
            syn::Type::Path(tp) => Some(self.resolve(&tp.path)),
            _ => None,
        };
        // `impl Consign for &RwLock<Table>`: a shared lock, as a `&RwLock`
        // parameter is.
        let arc = match self.shape_of_type(&i.self_ty) {
            arc @ Shape::Arc(_) => Some(arc),
            Shape::Wrap(lock)
                if matches!(&*i.self_ty, syn::Type::Reference(r) if r.mutability.is_none())
                    && matches!(*lock, Shape::Lock { .. }) =>
            {
                Some(*lock)
            }
            _ => None,
        };
        let args = self.concrete_args(i);
        let saved = std::mem::replace(&mut self.self_ty, self_ty);
        let saved_arc = std::mem::replace(&mut self.self_is_arc, arc);
        let saved_args = std::mem::replace(&mut self.self_args, args);
        for item in &i.items {
            self.visit_impl_item(item);
        }
        self.self_ty = saved;
        self.self_is_arc = saved_arc;
        self.self_args = saved_args;
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        let saved = self.self_ty.take();
        syn::visit::visit_item_trait(self, t);
        self.self_ty = saved;
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if let Some((_, items)) = &m.content {
            let name = m.ident.to_string();
            let saved = self.single_threaded_test.clone();
            // A private test module: its fixtures serve its own tests (a `pub`
            // one may lend them to tests that start threads elsewhere).
            if self.single_threaded_test.is_none()
                && matches!(m.vis, syn::Visibility::Inherited)
                && test_scope::is_cfg_test(&m.attrs)
                && (!test_scope::starts_threads(items)
                    || test_scope::tasks_stay_on_test_threads(items))
            {
                self.single_threaded_test = Some(self.span(m.span()));
            }
            self.in_module(&name, |w| {
                for i in items {
                    w.visit_item(i);
                }
            });
            self.single_threaded_test = saved;
        }
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        if let Some(ident) = &m.ident
            && m.mac.path.is_ident("macro_rules")
        {
            let feature_only = m.attrs.iter().any(super::facts::is_cfg_feature);
            self.macros
                .define_cfg(&ident.to_string(), m.mac.tokens.clone(), feature_only);
        }
        if let Some(items) = self.macros.items(&m.mac) {
            self.macros.depth += 1;
            for i in &items {
                self.visit_item(i);
            }
            self.macros.depth -= 1;
        } else if let Some(items) = macro_items(&m.mac) {
            for i in &items {
                self.visit_item(i);
            }
        } else {
            self.visit_macro(&m.mac);
        }
    }

    fn visit_impl_item_macro(&mut self, m: &'ast syn::ImplItemMacro) {
        if let Some(items) = self.macros.impl_items(&m.mac) {
            self.macros.depth += 1;
            for i in &items {
                self.visit_impl_item(i);
            }
            self.macros.depth -= 1;
        } else {
            syn::visit::visit_impl_item_macro(self, m);
        }
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        let outer_fns = self.static_fns.len();
        for s in &b.stmts {
            if let syn::Stmt::Item(syn::Item::Fn(f)) = s
                && let syn::ReturnType::Type(_, ret) = &f.sig.output
                && is_static_ref(ret)
            {
                let decl = self.span(f.span());
                self.static_fns
                    .push((f.sig.ident.to_string(), decl, (**ret).clone()));
            }
        }
        self.with_scope(|w| {
            // Fresh `Arc`s not handed on yet: (statement that hands it on, name, its value).
            let mut fresh: Vec<(usize, String, Value)> = Vec::new();
            for (i, s) in b.stmts.iter().enumerate() {
                for (_, name, v) in fresh.extract_if(.., |(at, _, _)| *at == i) {
                    w.bind(name, Some(v));
                }
                w.visit_stmt(s);
                if let syn::Stmt::Local(l) = s {
                    w.refine_from_later(l, &b.stmts[i + 1..]);
                    w.confine_from_later(l, &b.stmts[i + 1..]);
                    if let Some((at, name, v)) = w.fresh_arc(l, &b.stmts[i + 1..]) {
                        fresh.push((i + 1 + at, name, v));
                    }
                }
            }
            // The final value of a named closure's body, while its locals are in scope.
            // (Blocks inside it finish first; the body's own block overwrites them.)
            if w.tail.is_some() {
                let value = match b.stmts.last() {
                    Some(syn::Stmt::Expr(e, None)) => w.value_or_built(e),
                    _ => None,
                };
                w.tail = Some(value);
            }
        });
        self.static_fns.truncate(outer_fns);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        let mut value = None;
        if let Some(init) = &l.init
            && matches!(strip(&init.expr), syn::Expr::Closure(_))
            && let Some(name) = pat_name(&l.pat)
        {
            // `let make = |..| { ..; (layer, seen) }`: remember what it returns.
            let saved = self.tail.replace(None);
            self.visit_expr(&init.expr);
            let tail = std::mem::replace(&mut self.tail, saved).flatten();
            self.bind(name.clone(), None);
            if let Some(mut v) = tail {
                v.owner = Owner {
                    name: format!("{name}()"),
                    decl: None,
                };
                self.local_fns.push((self.scopes.len(), name, v));
            }
            return;
        }
        if let Some(init) = &l.init
            && let syn::Pat::Tuple(t) = &l.pat
            && let Some(futures) = joined_futures(&init.expr)
            && futures.len() == t.elems.len()
        {
            // `let (config, mut docs) = tokio::join!(a.read(), b.lock());`:
            // each name is what its future yields, a guard among them.
            for (p, future) in t.elems.iter().zip(&futures) {
                self.visit_expr(future);
                let value = self.flow_value(future);
                self.bind_pat(p, value, None);
            }
            self.dispatch(|p, cx| p.check_local(cx, l));
            return;
        }
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, div)) = &init.diverge {
                self.visit_expr(div);
            }
            value = self.flow_value(&init.expr);
            // `let cache = arc_mut!(HashMap::new());`: what the package's own
            // macro writes, when it builds what the binding holds.
            if let syn::Expr::Macro(m) = strip(&init.expr)
                && let Some(expanded) = self.expand_expr(&m.mac)
                && let Some(v) = self.flow_value(&expanded).or_else(|| {
                    let shape = self.infer(&expanded, 0);
                    (!shape.is_unknown()).then(|| {
                        Value::new(
                            shape,
                            Owner {
                                name: pat_name(&l.pat).unwrap_or_default(),
                                decl: Some(self.span(l.pat.span())),
                            },
                        )
                    })
                })
            {
                value = Some(v);
            }
            // With a type annotation, the type says more than the constructor.
            if value.is_none()
                && !matches!(l.pat, syn::Pat::Type(_))
                && let Some(name) = pat_name(&l.pat)
            {
                let shape = self.infer(flow_tail(&init.expr), 0);
                if !matches!(shape, Shape::Unknown) {
                    let mut v = Value::new(
                        shape,
                        Owner {
                            name,
                            decl: Some(self.span(l.pat.span())),
                        },
                    );
                    // A struct built here (`Store { .. }`, `Store::default()`) is owned by this function.
                    v.exclusive = matches!(v.shape, Shape::Named(_));
                    value = Some(v);
                }
            }
        }
        self.dispatch(|p, cx| p.check_local(cx, l));
        self.bind_pat(&l.pat, value, None);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        let given = self.closure_params.take().unwrap_or_default();
        self.with_scope(|w| {
            for (i, p) in c.inputs.iter().enumerate() {
                let value = given.get(i).cloned().flatten();
                w.bind_pat(p, value.filter(|_| !matches!(p, syn::Pat::Type(_))), None);
            }
            w.visit_expr(&c.body);
            if w.tail.is_some() && !matches!(&*c.body, syn::Expr::Block(_)) {
                w.tail = Some(w.value_or_built(&c.body));
            }
        });
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.with_scope(|w| {
            w.visit_expr(&i.cond);
            w.visit_block(&i.then_branch);
        });
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }

    fn visit_expr_while(&mut self, wh: &'ast syn::ExprWhile) {
        self.with_scope(|w| {
            w.visit_expr(&wh.cond);
            w.visit_block(&wh.body);
        });
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.visit_expr(&l.expr);
        let v = self.value(&l.expr);
        self.bind_pat(&l.pat, v, None);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        self.visit_expr(&m.expr);
        let v = self.value(&m.expr);
        // `match Pinger::new(..) { Ok((pinger, rx)) => { .. } }`: what the arm
        // binds out of a value the call made is confined to the arm as a
        // `let` binding is to its block.
        let made_here = matches!(
            strip(&m.expr),
            syn::Expr::Call(_) | syn::Expr::MethodCall(_)
        );
        for arm in &m.arms {
            self.with_scope(|w| {
                w.bind_pat(&arm.pat, v.clone(), None);
                if made_here && let syn::Expr::Block(b) = &*arm.body {
                    let mut names = Vec::new();
                    pat_idents(&arm.pat, &mut names);
                    for name in names {
                        w.confine_binding(name, &b.block.stmts);
                    }
                }
                if let Some((_, g)) = &arm.guard {
                    w.visit_expr(g);
                }
                w.visit_expr(&arm.body);
            });
        }
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        // `for (k, v) in &mut map` is `map.iter_mut()` (`IntoIterator for
        // &mut HashMap`): the loop mutates the map's values like it.
        if let syn::Expr::Reference(r) = strip(&f.expr)
            && let Some(mutability) = r.mutability
        {
            let call = syn::ExprMethodCall {
                attrs: Vec::new(),
                receiver: r.expr.clone(),
                dot_token: syn::Token![.](r.and_token.span),
                method: syn::Ident::new("iter_mut", r.and_token.span),
                turbofish: None,
                paren_token: syn::token::Paren(mutability.span),
                args: syn::punctuated::Punctuated::new(),
            };
            self.dispatch(|p, cx| p.check_method_call(cx, &call));
        }
        let elem = self.loop_element(&f.expr);
        self.with_scope(|w| {
            w.bind_pat(&f.pat, elem, None);
            w.visit_block(&f.body);
        });
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.dispatch(|p, cx| p.check_method_call(cx, m));
        self.type_by_push(m);
        let capture = if m.args.iter().any(is_thread_closure) {
            self.capture_of_method(m)
        } else {
            None
        };
        match capture {
            Some(capture) => {
                self.visit_expr(&m.receiver);
                for a in &m.args {
                    if is_thread_closure(a) {
                        self.visit_captured(a, capture);
                    } else {
                        self.visit_expr(a);
                    }
                }
            }
            None => {
                if let Some(param) = self.closure_param(m, &Receiver::new(&m.receiver)) {
                    // `m.lock().map(|mut g| g.insert(..))`, `opt.map(|c|
                    // c.0.values.read())`: the closure's first parameter is
                    // the guard, or what the receiver holds.
                    self.visit_expr(&m.receiver);
                    for a in &m.args {
                        match a {
                            syn::Expr::Closure(c) => self.with_scope(|w| {
                                for (i, p) in c.inputs.iter().enumerate() {
                                    w.bind_pat(p, (i == 0).then(|| param.clone()), None);
                                }
                                w.visit_expr(&c.body);
                            }),
                            other => self.visit_expr(other),
                        }
                    }
                } else if let Some(local) = self.thread_local_with(m) {
                    self.visit_expr(&m.receiver);
                    self.visit_args_giving(m.args.iter(), |_, _, _| {
                        Some(vec![Some(local.clone())])
                    });
                } else if self.facts.may_take_closure(&m.method.to_string())
                    && m.args.iter().any(|a| closure_arg(a).is_some())
                    && let Some(Value {
                        shape: Shape::Named(s),
                        ..
                    }) = self.value(&m.receiver).map(|v| Value {
                        shape: v.shape.peel().0.clone(),
                        ..v
                    })
                {
                    // `self.with_state(|s| ..)`: the package's method says
                    // what its closure is given.
                    let full = format!("{s}::{}", m.method);
                    self.visit_expr(&m.receiver);
                    self.visit_args_giving(m.args.iter(), |w, i, c| w.callback_values(&full, i, c));
                } else {
                    syn::visit::visit_expr_method_call(self, m);
                }
            }
        }
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.dispatch(|p, cx| p.check_call(cx, c));
        if let syn::Expr::Path(p) = &*c.func
            && let [syn::Expr::Closure(body)] = c.args.iter().collect::<Vec<_>>()[..]
            && is_thread_scope(&self.resolve(&p.path))
        {
            let names = scoped_captures(body);
            let saved = self.scope_shared.replace((self.scopes.len(), names));
            self.visit_expr_closure(body);
            self.scope_shared = saved;
            return;
        }
        let capture = match &*c.func {
            syn::Expr::Path(p) if c.args.iter().any(is_thread_closure) => {
                self.capture_of_fn(&self.resolve(&p.path))
            }
            _ => None,
        };
        match capture {
            Some(capture) => {
                self.visit_expr(&c.func);
                for a in &c.args {
                    if is_thread_closure(a) {
                        self.visit_captured(a, capture);
                    } else {
                        self.visit_expr(a);
                    }
                }
            }
            None => match &*c.func {
                // `World::current(|world| ..)`: the closure is given what
                // the function's signature says.
                syn::Expr::Path(p) if c.args.iter().any(|a| closure_arg(a).is_some()) => {
                    let full = self.resolve(&p.path);
                    self.visit_expr(&c.func);
                    self.visit_args_giving(c.args.iter(), |w, i, c| w.callback_values(&full, i, c));
                }
                _ => syn::visit::visit_expr_call(self, c),
            },
        }
    }

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        self.dispatch(|p, cx| p.check_binary(cx, b));
        syn::visit::visit_expr_binary(self, b);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        self.dispatch(|p, cx| p.check_assign(cx, a));
        syn::visit::visit_expr_assign(self, a);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let Some(last) = m.path.segments.last() else {
            return;
        };
        // The file's own `macro_rules!` in a function body: its statements,
        // in a scope of their own (the macro's `let`s are hygienic).
        if let Some(stmts) = self.macros.stmts(m) {
            self.macros.depth += 1;
            self.with_scope(|w| {
                for s in &stmts {
                    w.visit_stmt(s);
                }
            });
            self.macros.depth -= 1;
            return;
        }
        if last.ident == "lazy_static" || last.ident == "thread_local" {
            // The initialisers run on first use, on any thread.
            if let Ok(statics) =
                syn::parse::Parser::parse2(super::facts::parse_macro_statics, m.tokens.clone())
            {
                for s in &statics {
                    self.with_fn_scope(&[], |w| w.visit_expr(&s.init));
                }
            }
            return;
        }
        // `select!` branches; a body that does not parse as one falls
        // through to the comma-separated reading below.
        if (last.ident == "select" || last.ident == "select_biased")
            && let Some(branches) = super::select::branches(m.tokens.clone())
        {
            for b in &branches {
                self.visit_select_branch(b);
            }
            return;
        }
        // Most macros (`println!`, `assert_eq!`, `vec!`, `write!`) take
        // comma-separated expressions: look inside those that could hold an
        // event (a method call or an assignment needs a `.` or a `=`).
        if !has_dot_or_eq(m.tokens.clone()) {
            return;
        }
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        // `tracing`'s fields (`debug!(target: "t", ?sid, n = %len, ..)`)
        // read as plain expressions once their sigils and keys are dropped.
        let exprs = syn::parse::Parser::parse2(parser, m.tokens.clone())
            .or_else(|_| syn::parse::Parser::parse2(parser, tracing_fields(m.tokens.clone())));
        if let Ok(exprs) = exprs {
            for e in &exprs {
                self.visit_expr(e);
            }
        }
    }
}

/// A closure given as an argument, also by reference (`&|k, h| ..`).
fn closure_arg(a: &syn::Expr) -> Option<&syn::ExprClosure> {
    match a {
        syn::Expr::Closure(c) => Some(c),
        syn::Expr::Reference(r) => closure_arg(&r.expr),
        syn::Expr::Paren(p) => closure_arg(&p.expr),
        _ => None,
    }
}

/// A `tracing` macro's arguments with the `?`/`%` sigil of a field value
/// and a leading `target:`/`parent:`/`name:` key removed, so that each
/// reads as an expression (`?sid` as `sid`, `n = %len` as `n = len`).
fn tracing_fields(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::TokenTree as T;
    let tokens: Vec<T> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    let mut at_start = true;
    while i < tokens.len() {
        let t = &tokens[i];
        let after_eq = matches!(out.last(), Some(T::Punct(p)) if p.as_char() == '=');
        match t {
            T::Punct(p) if matches!(p.as_char(), '?' | '%') && (at_start || after_eq) => {
                i += 1;
                continue;
            }
            // `target: expr`: a key, then one `:` (not the `::` of a path).
            T::Ident(key)
                if at_start
                    && matches!(key.to_string().as_str(), "target" | "parent" | "name")
                    && matches!(tokens.get(i + 1), Some(T::Punct(c)) if c.as_char() == ':')
                    && !matches!(tokens.get(i + 2), Some(T::Punct(c)) if c.as_char() == ':') =>
            {
                i += 2;
                continue;
            }
            _ => {}
        }
        at_start = matches!(t, T::Punct(p) if p.as_char() == ',');
        out.push(t.clone());
        i += 1;
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::facts::FileInput;

    fn walk(src: &str, budget: u64) -> FileWalk {
        let ast = syn::parse_file(src).unwrap();
        let path = Path::new("lib.rs");
        let mut facts = Facts::default();
        facts.add_file(FileInput {
            display: path,
            module: "app",
            ast: &ast,
            test_code: false,
        });
        facts.finish();
        walk_file(
            &ast,
            path,
            "app",
            false,
            &facts,
            crate::lints::passes(),
            budget,
        )
        .0
    }

    /// A file that asks for more values than its budget is cut short, and
    /// says so; what came before the cut is kept.
    #[test]
    fn a_file_over_its_budget_is_cut_short() {
        let src = "use std::collections::HashMap;\nuse std::sync::Mutex;\n\
                   static M: Mutex<Option<HashMap<u8, u8>>> = Mutex::new(None);\n\
                   pub fn first() { M.lock().unwrap().as_mut().unwrap().insert(1, 1); }\n\
                   pub fn chain(v: Vec<u8>) -> usize { v.iter().map(|x| x + 1).map(|x| x + 1).map(|x| x + 1).count() }\n\
                   pub fn last() { M.lock().unwrap().as_mut().unwrap().insert(2, 2); }\n";
        let whole = walk(src, VALUE_BUDGET);
        assert!(!whole.cut_short);
        let lines =
            |w: &FileWalk| -> Vec<usize> { w.found.iter().map(|d| d.span.start.line).collect() };
        assert!(
            lines(&whole).contains(&4) && lines(&whole).contains(&6),
            "{:?}",
            lines(&whole)
        );
        let cut = walk(src, 12);
        assert!(cut.cut_short);
        assert!(lines(&cut).contains(&4), "{:?}", lines(&cut));
        assert!(!lines(&cut).contains(&6), "{:?}", lines(&cut));
    }
}
