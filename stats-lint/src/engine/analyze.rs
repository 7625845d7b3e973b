//! Pass 2: walks each file's syntax tree with a scope of local bindings and
//! reports [`Event`]s: mutations of shared maps, lock-then-unwrap, counter
//! updates, `static mut` maps and `unsafe impl Sync`.
//!
//! A value is followed from its owner (a `static`, a binding, a struct field,
//! a parameter) through `clone()`, `Arc::clone`, `&`, `*`, `?`, `.await`,
//! `.unwrap()`, field access and `.lock()`/`.write()`/`.read()`, and through
//! guard bindings (`let mut g = MAP.lock().unwrap(); g.insert(..)`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use syn::spanned::Spanned;
use syn::visit::Visit;

use super::collect::Facts;
use super::ty::{self, Flavor, LOCK_NAMES, MAP_NAMES, SET_NAMES, Shape, WRAP_NAMES};
use super::{Event, Owner};
use crate::diagnostic::Span;

/// Methods of maps and sets that mutate them.
pub const MUTATING_METHODS: &[&str] = &[
    "insert",
    "entry",
    "entry_ref",
    "get_mut",
    "get_index_mut",
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
    "get_or_insert_with",
    "replace",
    "take",
    "reserve",
    "shrink_to_fit",
    "truncate",
    "sort_keys",
    "sort_by",
    "sort_unstable_keys",
];

const WRITE_LOCK: &[&str] = &[
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
];
const READ_LOCK: &[&str] = &["read", "try_read", "blocking_read", "read_arc"];
const TRANSPARENT: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_else",
    "as_mut",
    "as_deref_mut",
    "as_deref",
    "as_ref",
    "deref",
    "deref_mut",
    "borrow",
    "borrow_mut",
    "get_or_init",
    "force",
    "by_ref",
];
const OR_INSERT: &[&str] = &[
    "or_insert",
    "or_default",
    "or_insert_with",
    "or_insert_with_key",
];

#[derive(Clone, Copy, Debug)]
struct LockUse {
    write: bool,
    flavor: Flavor,
}

#[derive(Clone, Debug)]
struct Access {
    shape: Shape,
    shared: bool,
    lock: Option<LockUse>,
    owner: Owner,
    /// A value stored in the map (`get`, `get_mut`, `entry`, `m[k]`), not the map.
    value_of: bool,
}

impl Access {
    fn is_map(&self) -> bool {
        matches!(self.shape.peel().0, Shape::Map { .. })
    }

    fn map_value(&self) -> Option<&Shape> {
        match self.shape.peel().0 {
            Shape::Map { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The access to a value stored in this map.
    fn value(&self) -> Access {
        Access {
            value_of: true,
            shape: self.map_value().cloned().unwrap_or(Shape::Unknown),
            shared: self.shared,
            lock: self.lock,
            owner: self.owner.clone(),
        }
    }

    /// A value looked up in a shared map.
    fn shared_value(&self) -> bool {
        self.value_of && self.shared
    }

    fn shared_writable_map(&self) -> bool {
        self.shared && self.lock.is_some_and(|l| l.write) && self.is_map()
    }
}

/// Walks one file and returns its events.
pub fn analyze(file: &syn::File, path: &Path, facts: &Facts) -> Vec<Event> {
    let mut a = Analyzer {
        facts,
        file: path,
        scopes: vec![HashMap::new()],
        self_ty: None,
        spawn_base: None,
        events: Vec::new(),
        fn_id: 0,
        counters: HashSet::new(),
    };
    a.visit_file(file);
    a.events
}

struct Analyzer<'a> {
    facts: &'a Facts,
    file: &'a Path,
    scopes: Vec<HashMap<String, Option<Access>>>,
    self_ty: Option<String>,
    /// Inside the closure given to a scoped `s.spawn(..)`: the scope depth at
    /// which it starts; bindings from outer scopes are shared with the thread.
    spawn_base: Option<usize>,
    events: Vec<Event>,
    /// Which function body the walk is in (counts up).
    fn_id: usize,
    /// `(function, owner)` pairs already reported by `counter_map`: one
    /// finding per shared map per function.
    counters: HashSet<(usize, String)>,
}

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
        _ => e,
    }
}

fn is_int_lit(e: &syn::Expr) -> bool {
    matches!(strip(e), syn::Expr::Lit(l) if matches!(l.lit, syn::Lit::Int(_)))
}

impl Analyzer<'_> {
    fn span(&self, s: proc_macro2::Span) -> Span {
        Span::from_pm2(self.file, s)
    }

    fn join(&self, a: proc_macro2::Span, b: proc_macro2::Span) -> Span {
        Span::join(self.file, a, b)
    }

    fn bind(&mut self, name: String, acc: Option<Access>) {
        if let Some(top) = self.scopes.last_mut() {
            top.insert(name, acc);
        }
    }

    fn lookup(&self, name: &str) -> Option<Access> {
        for (depth, scope) in self.scopes.iter().enumerate().rev() {
            if let Some(b) = scope.get(name) {
                let mut acc = b.clone()?;
                // Captured by a scoped thread: borrowed by every thread the scope spawns.
                if self.spawn_base.is_some_and(|base| depth < base) {
                    acc.shared = true;
                }
                return Some(acc);
            }
        }
        self.static_access(name)
    }

    fn static_access(&self, name: &str) -> Option<Access> {
        let s = self.facts.statics.get(name)?;
        if s.thread_local {
            return None;
        }
        Some(Access {
            value_of: false,
            shape: self.facts.shape_of(&s.ty, None),
            shared: !s.mutable,
            lock: None,
            owner: Owner {
                name: name.to_string(),
                decl: Some(s.decl.clone()),
            },
        })
    }

    /// Follows an expression back to a known owner.
    fn access(&self, e: &syn::Expr) -> Option<Access> {
        match e {
            syn::Expr::Path(p) if p.qself.is_none() => {
                let segs = &p.path.segments;
                let last = segs.last()?.ident.to_string();
                if segs.len() == 1 {
                    self.lookup(&last)
                } else {
                    self.static_access(&last)
                }
            }
            syn::Expr::Paren(p) => self.access(&p.expr),
            syn::Expr::Group(g) => self.access(&g.expr),
            syn::Expr::Reference(r) => self.access(&r.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.access(&u.expr),
            syn::Expr::Try(t) => self.access(&t.expr),
            syn::Expr::Await(a) => self.access(&a.base),
            syn::Expr::Field(f) => {
                let base = self.access(&f.base)?;
                let (inner, arc) = base.shape.peel();
                let Shape::Named(s) = inner else {
                    return None;
                };
                let fname = match &f.member {
                    syn::Member::Named(i) => i.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                let (shape, decl) = self.facts.field(s, &fname)?;
                let shared = base.shared || arc || self.facts.shared_structs.contains(s);
                Some(Access {
                    value_of: false,
                    shape,
                    shared,
                    lock: base.lock,
                    owner: Owner {
                        name: format!("{}.{}", base.owner.name, fname),
                        decl: Some(decl),
                    },
                })
            }
            syn::Expr::MethodCall(m) => self.method_access(m),
            syn::Expr::Index(ix) => {
                let a = self.access(&ix.expr)?;
                a.is_map().then(|| a.value())
            }
            syn::Expr::Call(c) => {
                // Arc::clone(&x)
                let syn::Expr::Path(p) = &*c.func else {
                    return None;
                };
                let n = p.path.segments.len();
                if n >= 2
                    && p.path.segments[n - 1].ident == "clone"
                    && p.path.segments[n - 2].ident == "Arc"
                {
                    self.access(c.args.first()?)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn method_access(&self, m: &syn::ExprMethodCall) -> Option<Access> {
        let name = m.method.to_string();
        let n = name.as_str();
        if WRITE_LOCK.contains(&n) || READ_LOCK.contains(&n) {
            let base = self.access(&m.receiver)?;
            let (inner, arc) = base.shape.peel();
            let Shape::Lock { flavor, inner } = inner else {
                return None;
            };
            return Some(Access {
                value_of: false,
                shape: (**inner).clone(),
                shared: base.shared || arc,
                lock: Some(LockUse {
                    write: WRITE_LOCK.contains(&n),
                    flavor: *flavor,
                }),
                owner: base.owner,
            });
        }
        if TRANSPARENT.contains(&n) {
            return self.access(&m.receiver);
        }
        if matches!(n, "get" | "get_mut" | "entry" | "get_or_insert_with") {
            let a = self.access(&m.receiver)?;
            return if a.is_map() {
                Some(a.value())
            } else if n == "get" {
                // OnceLock::get and the like
                Some(a)
            } else {
                None
            };
        }
        if OR_INSERT.contains(&n) || n == "and_modify" || n == "unwrap_or_default" {
            return self.access(&m.receiver);
        }
        if n == "clone" {
            let a = self.access(&m.receiver)?;
            // Cloning through a guard copies the map: the copy is not shared.
            return if a.lock.is_some() { None } else { Some(a) };
        }
        None
    }

    /// The shape of a constructor expression (`Arc::new(Mutex::new(HashMap::new()))`).
    fn infer(&self, e: &syn::Expr) -> Shape {
        match e {
            syn::Expr::Paren(p) => self.infer(&p.expr),
            syn::Expr::Reference(r) => Shape::Wrap(Box::new(self.infer(&r.expr))),
            syn::Expr::Struct(s) => match s.path.segments.last() {
                Some(l) if self.facts.structs.contains_key(&l.ident.to_string()) => {
                    Shape::Named(l.ident.to_string())
                }
                _ => Shape::Unknown,
            },
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else {
                    return Shape::Unknown;
                };
                let segs = &p.path.segments;
                let n = segs.len();
                let arg0 = || {
                    c.args
                        .first()
                        .map(|a| self.infer(a))
                        .unwrap_or(Shape::Unknown)
                };
                if n == 1 {
                    return if segs[0].ident == "Some" {
                        Shape::Wrap(Box::new(arg0()))
                    } else {
                        Shape::Unknown
                    };
                }
                let ty_seg = &segs[n - 2];
                let mut ty_path: syn::Path = p.path.clone();
                ty_path.segments.pop();
                ty_path.segments.pop_punct();
                let (tname, full) = self.facts.resolve(&ty_path);
                let t = tname.as_str();
                if t == "Arc" {
                    Shape::Arc(Box::new(arg0()))
                } else if LOCK_NAMES.contains(&t) {
                    Shape::Lock {
                        flavor: ty::flavor_of_path(&full),
                        inner: Box::new(arg0()),
                    }
                } else if MAP_NAMES.contains(&t) || SET_NAMES.contains(&t) {
                    let args = ty::type_args(ty_seg);
                    let value = match (MAP_NAMES.contains(&t), args.get(1)) {
                        (true, Some(v)) => self.facts.shape_of(v, self.self_ty.as_deref()),
                        _ => Shape::Unknown,
                    };
                    Shape::Map {
                        name: tname.clone(),
                        value: Box::new(value),
                    }
                } else if WRAP_NAMES.contains(&t) {
                    Shape::Wrap(Box::new(Shape::Unknown))
                } else if self.facts.structs.contains_key(t) {
                    Shape::Named(tname.clone())
                } else if t == "Self" {
                    self.self_ty
                        .clone()
                        .map(Shape::Named)
                        .unwrap_or(Shape::Unknown)
                } else {
                    Shape::Unknown
                }
            }
            _ => Shape::Unknown,
        }
    }

    fn bind_pat(&mut self, pat: &syn::Pat, access: Option<Access>, ty: Option<&syn::Type>) {
        match pat {
            syn::Pat::Ident(pi) => {
                let name = pi.ident.to_string();
                let acc = match (access, ty) {
                    (Some(a), _) => Some(a),
                    (None, Some(t)) => {
                        let shape = self.facts.shape_of(t, self.self_ty.as_deref());
                        let mutable_ref =
                            matches!(t, syn::Type::Reference(r) if r.mutability.is_some());
                        (!matches!(shape, Shape::Unknown | Shape::Int | Shape::Atomic)
                            && !mutable_ref)
                            .then(|| Access {
                                value_of: false,
                                shape,
                                shared: false,
                                lock: None,
                                owner: Owner {
                                    name: name.clone(),
                                    decl: Some(self.span(pi.ident.span())),
                                },
                            })
                    }
                    (None, None) => None,
                };
                if let Some((_, sub)) = &pi.subpat {
                    self.bind_pat(sub, None, None);
                }
                self.bind(name, acc);
            }
            syn::Pat::Type(pt) => self.bind_pat(&pt.pat, access, Some(&pt.ty)),
            syn::Pat::Reference(r) => {
                let inner = match ty {
                    Some(syn::Type::Reference(tr)) => Some(&*tr.elem),
                    _ => None,
                };
                self.bind_pat(&r.pat, access, inner)
            }
            syn::Pat::Paren(p) => self.bind_pat(&p.pat, access, ty),
            syn::Pat::TupleStruct(ts)
                if ts.elems.len() == 1
                    && ts.path.segments.last().is_some_and(|l| {
                        matches!(
                            l.ident.to_string().as_str(),
                            "Ok" | "Some" | "State" | "Extension" | "Data"
                        )
                    }) =>
            {
                let inner_ty = match ty {
                    Some(syn::Type::Path(tp)) => tp
                        .path
                        .segments
                        .last()
                        .and_then(|s| ty::type_args(s).first().copied()),
                    _ => None,
                };
                self.bind_pat(&ts.elems[0], access, inner_ty)
            }
            other => {
                let mut names = Vec::new();
                pat_idents(other, &mut names);
                for n in names {
                    self.bind(n, None);
                }
            }
        }
    }

    fn owner_for(&self, pat: &syn::Pat) -> Option<Owner> {
        match pat {
            syn::Pat::Ident(pi) => Some(Owner {
                name: pi.ident.to_string(),
                decl: Some(self.span(pi.ident.span())),
            }),
            syn::Pat::Type(pt) => self.owner_for(&pt.pat),
            _ => None,
        }
    }

    fn with_scope(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push(HashMap::new());
        f(self);
        self.scopes.pop();
    }

    fn with_fn_scope(&mut self, inputs: &[&syn::FnArg], f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        let saved_spawn = self.spawn_base.take();
        self.fn_id += 1;
        for arg in inputs {
            match arg {
                syn::FnArg::Receiver(r) => {
                    let Some(st) = self.self_ty.clone() else {
                        continue;
                    };
                    let exclusive = r.reference.is_some() && r.mutability.is_some();
                    let shape = if r.colon_token.is_some() {
                        self.facts.shape_of(&r.ty, Some(&st))
                    } else {
                        Shape::Named(st.clone())
                    };
                    let shared = !exclusive && self.facts.shared_structs.contains(&st);
                    self.bind(
                        "self".to_string(),
                        Some(Access {
                            value_of: false,
                            shape,
                            shared,
                            lock: None,
                            owner: Owner {
                                name: "self".to_string(),
                                decl: None,
                            },
                        }),
                    );
                }
                syn::FnArg::Typed(pt) => self.bind_pat(&pt.pat, None, Some(&pt.ty)),
            }
        }
        f(self);
        self.scopes = saved;
        self.spawn_base = saved_spawn;
    }

    fn push_counter(&mut self, site: Span, owner: Owner) {
        if self.counters.insert((self.fn_id, owner.name.clone())) {
            self.events.push(Event::Counter { site, owner });
        }
    }
}

/// Whether a closure body contains `+=` or `-=`.
fn has_compound_add(e: &syn::Expr) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if matches!(b.op, syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_)) {
                self.0 = true;
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut v = V(false);
    v.visit_expr(e);
    v.0
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

fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for Analyzer<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let inputs: Vec<&syn::FnArg> = f.sig.inputs.iter().collect();
        self.with_fn_scope(&inputs, |a| a.visit_block(&f.block));
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let inputs: Vec<&syn::FnArg> = f.sig.inputs.iter().collect();
        self.with_fn_scope(&inputs, |a| a.visit_block(&f.block));
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(b) = &f.default {
            let inputs: Vec<&syn::FnArg> = f.sig.inputs.iter().collect();
            self.with_fn_scope(&inputs, |a| a.visit_block(b));
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if let (Some(unsafety), Some((_, tr, _))) = (&i.unsafety, &i.trait_) {
            let tname = tr
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            if (tname == "Sync" || tname == "Send")
                && let Some(sname) = type_name(&i.self_ty)
                && let Some(map_at) =
                    self.facts
                        .racy_map_field(&sname, tname == "Sync", &mut HashSet::new())
            {
                self.events.push(Event::UnsafeImpl {
                    site: self.join(unsafety.span, i.self_ty.span()),
                    trait_name: tname,
                    type_name: sname,
                    map_at: Some(map_at),
                });
            }
        }
        let saved = self
            .self_ty
            .replace(type_name(&i.self_ty).unwrap_or_default());
        for item in &i.items {
            self.visit_impl_item(item);
        }
        self.self_ty = saved;
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        let saved = self.self_ty.take();
        syn::visit::visit_item_trait(self, t);
        self.self_ty = saved;
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        if matches!(s.mutability, syn::StaticMutability::Mut(_)) {
            let shape = self.facts.shape_of(&s.ty, None);
            if self.facts.holds_map(&shape, &mut HashSet::new()) {
                self.events.push(Event::StaticMut {
                    site: self.join(s.static_token.span, s.ty.span()),
                    name: s.ident.to_string(),
                });
            }
        }
        syn::visit::visit_item_static(self, s);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.with_scope(|a| {
            for s in &b.stmts {
                a.visit_stmt(s);
            }
        });
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        let mut acc = None;
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, div)) = &init.diverge {
                self.visit_expr(div);
            }
            acc = self.access(&init.expr);
            // With a type annotation, the type says more than the constructor.
            if acc.is_none() && !matches!(l.pat, syn::Pat::Type(_)) {
                let shape = self.infer(&init.expr);
                if !matches!(shape, Shape::Unknown)
                    && let Some(owner) = self.owner_for(&l.pat)
                {
                    acc = Some(Access {
                        value_of: false,
                        shape,
                        shared: false,
                        lock: None,
                        owner,
                    });
                }
            }
        }
        self.bind_pat(&l.pat, acc, None);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.with_scope(|a| {
            for p in &c.inputs {
                a.bind_pat(p, None, None);
            }
            a.visit_expr(&c.body);
        });
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.with_scope(|a| {
            a.visit_expr(&i.cond);
            a.visit_block(&i.then_branch);
        });
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.with_scope(|a| {
            a.visit_expr(&w.cond);
            a.visit_block(&w.body);
        });
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.visit_expr(&l.expr);
        let acc = self.access(&l.expr);
        self.bind_pat(&l.pat, acc, None);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        self.visit_expr(&m.expr);
        let acc = self.access(&m.expr);
        for arm in &m.arms {
            self.with_scope(|a| {
                a.bind_pat(&arm.pat, acc.clone(), None);
                if let Some((_, g)) = &arm.guard {
                    a.visit_expr(g);
                }
                a.visit_expr(&arm.body);
            });
        }
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.with_scope(|a| {
            a.bind_pat(&f.pat, None, None);
            a.visit_block(&f.body);
        });
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        let n = name.as_str();
        let end = m.paren_token.span.close();
        if MUTATING_METHODS.contains(&n)
            && let Some(a) = self.access(&m.receiver)
            && a.shared_writable_map()
        {
            self.events.push(Event::Mutation {
                site: self.join(m.method.span(), end),
                what: format!("`{n}`"),
                owner: a.owner,
            });
        }
        if (n == "unwrap" || n == "expect")
            && let syn::Expr::MethodCall(inner) = strip(&m.receiver)
            && (inner.method == "lock" || inner.method == "write")
            && let Some(a) = self.access(&m.receiver)
            && a.shared
            && a.lock.is_some_and(|l| l.flavor == Flavor::Std)
            && self.facts.holds_map(&a.shape, &mut HashSet::new())
        {
            self.events.push(Event::LockUnwrap {
                site: self.join(inner.method.span(), end),
                lock: inner.method.to_string(),
                unwrap: name.clone(),
                owner: a.owner,
            });
        }
        let counter = match n {
            "or_insert" => m.args.first().is_some_and(is_int_lit),
            "fetch_add" | "fetch_sub" => true,
            "and_modify" => m.args.first().is_some_and(has_compound_add),
            _ => false,
        };
        if counter
            && let Some(a) = self.access(&m.receiver)
            && a.shared_value()
        {
            let site = self.join(m.method.span(), end);
            self.push_counter(site, a.owner);
        }
        // `s.spawn(|| ..)` on a thread scope (std::thread::scope, rayon::scope):
        // the closure borrows the locals around it.
        if n == "spawn"
            && matches!(strip(&m.receiver), syn::Expr::Path(p) if p.path.segments.len() == 1)
            && let Some(syn::Expr::Closure(c)) = m.args.first()
        {
            self.visit_expr(&m.receiver);
            let saved = self.spawn_base.replace(self.scopes.len());
            self.visit_expr_closure(c);
            self.spawn_base = saved;
            return;
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if matches!(b.op, syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_)) {
            let lhs = strip(&b.left);
            if let syn::Expr::Index(ix) = lhs
                && let Some(a) = self.access(&ix.expr)
                && a.shared_writable_map()
            {
                self.events.push(Event::Mutation {
                    site: self.span(b.span()),
                    what: "index assignment".to_string(),
                    owner: a.owner.clone(),
                });
            }
            if let Some(a) = self.access(lhs)
                && a.shared_value()
                && (a.shape.is_numeric() || is_int_lit(&b.right))
            {
                self.push_counter(self.span(b.span()), a.owner);
            }
        }
        syn::visit::visit_expr_binary(self, b);
    }

    fn visit_expr_assign(&mut self, asg: &'ast syn::ExprAssign) {
        if let syn::Expr::Index(ix) = strip(&asg.left)
            && let Some(a) = self.access(&ix.expr)
            && a.shared_writable_map()
        {
            self.events.push(Event::Mutation {
                site: self.span(asg.span()),
                what: "index assignment".to_string(),
                owner: a.owner,
            });
        }
        syn::visit::visit_expr_assign(self, asg);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            let segs = &p.path.segments;
            let n = segs.len();
            if n >= 2
                && segs[n - 2].ident == "mem"
                && matches!(
                    segs[n - 1].ident.to_string().as_str(),
                    "take" | "replace" | "swap"
                )
                && let Some(arg) = c.args.first()
                && let Some(a) = self.access(arg)
                && a.shared_writable_map()
            {
                self.events.push(Event::Mutation {
                    site: self.span(c.span()),
                    what: format!("`mem::{}`", segs[n - 1].ident),
                    owner: a.owner,
                });
            }
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let Some(last) = m.path.segments.last() else {
            return;
        };
        if last.ident == "lazy_static" || last.ident == "thread_local" {
            return;
        }
        // Most macros (`println!`, `assert_eq!`, `vec!`, `write!`) take
        // comma-separated expressions: look inside those.
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(exprs) = syn::parse::Parser::parse2(parser, m.tokens.clone()) {
            for e in &exprs {
                self.visit_expr(e);
            }
        }
    }
}
