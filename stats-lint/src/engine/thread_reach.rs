//! Which functions of the package may let what they touch reach another
//! thread: a small call graph over the package's own functions.
//!
//! A test's own `Arc` of a package type (`let engine = Arc::new(Engine::new())`)
//! is shared only if some code the test runs hands it to another thread or
//! leaves it where another test finds it. A function *escapes* when its body
//! starts a thread, names a `static` of the package that can be changed
//! after it is set (see `Facts::may_carry`) or installs something global (a
//! logger, a subscriber), or when a function of the package it may call
//! escapes. Calls are resolved by path where the path names the
//! package's function; a method call to the receiver's type's method where
//! that type is known (`self`, a typed parameter, a constructed binding, a
//! field of one), to none where it is another crate's type, and otherwise
//! by name (every method of that name that takes `self`), so the answer
//! errs towards "escapes". Code of other crates is taken at its word: a callback it runs
//! on its own threads is not seen (see the README's known limits).
//!
//! Tasks are told apart from threads: `tokio::spawn` under `#[tokio::test]`
//! (a current-thread runtime) runs on the test's own thread.

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;

/// Names whose call or mention starts work on another thread (a task
/// spawned on a runtime, a multi-thread one included, is spawned by name).
pub(crate) const THREAD_NAMES: &[&str] = &[
    "spawn",
    "spawn_blocking",
    "spawn_ok",
    "scope",
    "rayon",
    "par_iter",
    "par_iter_mut",
    "into_par_iter",
    "par_bridge",
    "par_chunks",
    "par_chunks_mut",
    "par_extend",
];

/// Names that leave a value where every thread finds it.
const GLOBAL_NAMES: &[&str] = &[
    "set_global_default",
    "set_global",
    "set_logger",
    "set_boxed_logger",
];

/// Crates whose `thread::spawn` runs a model thread on the caller's thread.
const MODEL_CHECKERS: &[&str] = &["loom", "shuttle"];

/// Path segments that make a `spawn` a task of an async runtime.
const TASK_PATHS: &[&str] = &["tokio", "task", "actix_rt", "rt", "ntex", "runtime"];

/// What one function's body does and calls, before names are resolved.
#[derive(Debug)]
pub(crate) struct RawBody {
    /// `Self`'s path as written, for methods.
    pub(crate) self_ty: Option<Vec<String>>,
    pub(crate) module: String,
    pub(crate) name: String,
    /// A test: whether its runtime runs tasks on its thread (`#[tokio::test]`).
    pub(crate) test: Option<bool>,
    /// Code only tests run: a test target, a `#[cfg(test)]` module, impl or function.
    pub(crate) test_code: bool,
    /// Takes `self`: a method call of its name may run it (an associated
    /// function is run only by a path or a macro's call).
    pub(crate) method: bool,
    pub(crate) scan: BodyScan,
}

/// The facts a body gives without name resolution.
#[derive(Debug, Default)]
pub(crate) struct BodyScan {
    /// Starts a thread or installs a global.
    escapes: bool,
    /// Spawns a task of an async runtime.
    spawns_task: bool,
    /// Calls by path (`Engine::new`, `helper`, `Self::open`).
    path_calls: Vec<Vec<String>>,
    /// Names called as methods (`x.get(1)`).
    methods_called: HashSet<String>,
    /// Names called inside a macro that is not read as expressions: a
    /// function's or a method's.
    names_called: HashSet<String>,
    /// Names that may be a `static` (every path's last segment and every
    /// identifier in a macro).
    names_mentioned: HashSet<String>,
    /// Names called inside a macro (`assert!(send(2) > 0)`): a function's or
    /// a method's, unless the body binds the name itself (a closure).
    macro_calls: HashSet<String>,
    /// Names the body binds (`let send = |id| ..`, patterns, parameters).
    locals: HashSet<String>,
    /// Bindings whose type the initialiser tells: the name and the type.
    typed_locals: HashMap<String, LocalType>,
    /// Method calls on such a binding or on `self`: the type (`None` for
    /// `self`) and the method, resolved to that type's method when it has
    /// one (else to every method of the name).
    typed_calls: Vec<(Option<LocalType>, String)>,
}

/// What a binding's initialiser says of its type.
#[derive(Clone, Debug)]
enum LocalType {
    /// Made by a type's associated function or literal (`AsyncCron::new(..)`,
    /// `Store { .. }`): the type's path.
    Type(Vec<String>),
    /// Returned by a function (`crate::make_server()`): the function's path;
    /// the type is its written return type, once names are resolved.
    ReturnedBy(Vec<String>),
    /// A reference to a `static` (`&MEM_CACHE`): the static's path; the
    /// type is the package's struct its declared type holds.
    StaticRef(Vec<String>),
    /// A field of `self` (`None`) or of such a binding (`setup.terminal`):
    /// the type is the field's declared type.
    Field(Option<Box<LocalType>>, String),
}

impl BodyScan {
    /// Reads a function's body (a closure inside it included), its
    /// parameters' written types known (`setup: &Setup`:
    /// `setup.clock.tick()` is `Clock::tick`).
    pub(crate) fn of(sig: Option<&syn::Signature>, block: &syn::Block) -> BodyScan {
        let mut s = BodyScan::default();
        for arg in sig.iter().flat_map(|sig| &sig.inputs) {
            if let syn::FnArg::Typed(pt) = arg
                && let Some(name) = bound_name(&pt.pat)
                && let Some(ty) = written_type(&pt.ty)
            {
                s.typed_locals.insert(name, ty);
            }
        }
        s.visit_block(block);
        let calls = std::mem::take(&mut s.macro_calls);
        s.names_called
            .extend(calls.into_iter().filter(|n| !s.locals.contains(n)));
        s
    }

    fn mention(&mut self, name: &str) {
        if THREAD_NAMES.contains(&name) || GLOBAL_NAMES.contains(&name) {
            self.escapes = true;
        } else if name == "spawn_local" {
            self.spawns_task = true;
        }
    }

    /// The type a method's receiver is known to have: `Some(None)` for
    /// `self`, the type's path for a typed parameter or a binding made by
    /// its constructor, and a field of one of these.
    fn receiver_type(&self, receiver: &syn::Expr) -> Option<Option<LocalType>> {
        match receiver {
            syn::Expr::Path(p) => {
                let id = p.path.get_ident()?;
                if id == "self" {
                    return Some(None);
                }
                self.typed_locals.get(&id.to_string()).cloned().map(Some)
            }
            // `self.client.get(..)`, `setup.terminal.draw(..)`: the field's type.
            syn::Expr::Field(f) => {
                let syn::Member::Named(field) = &f.member else {
                    return None;
                };
                let base = self.receiver_type(&f.base)?;
                Some(Some(LocalType::Field(
                    base.map(Box::new),
                    field.to_string(),
                )))
            }
            _ => None,
        }
    }

    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut prev: Option<String> = None;
        for t in tokens {
            match t {
                proc_macro2::TokenTree::Ident(i) => {
                    let name = i.to_string();
                    self.mention(&name);
                    self.names_mentioned.insert(name.clone());
                    prev = Some(name);
                    continue;
                }
                proc_macro2::TokenTree::Group(g) => {
                    if g.delimiter() == proc_macro2::Delimiter::Parenthesis
                        && let Some(name) = prev.take()
                    {
                        self.macro_calls.insert(name);
                    }
                    self.tokens(g.stream());
                }
                proc_macro2::TokenTree::Punct(_) | proc_macro2::TokenTree::Literal(_) => {}
            }
            prev = None;
        }
    }
}

impl<'ast> Visit<'ast> for BodyScan {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            let segs = super::facts::path_segs(&p.path);
            let last = segs.last().map(String::as_str);
            if last == Some("spawn") {
                // `tokio::spawn` is a task; a bare `spawn` is whatever its
                // `use` says, read once names are resolved. The visit of the
                // path must not take either for a thread.
                let task_path =
                    segs.len() > 1 && segs.iter().any(|s| TASK_PATHS.contains(&s.as_str()));
                if task_path {
                    self.spawns_task = true;
                } else {
                    self.path_calls.push(segs);
                }
                c.args.iter().for_each(|a| self.visit_expr(a));
                return;
            }
            self.path_calls.push(segs);
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(name) = bound_name(&l.pat) {
            match l.init.as_ref().and_then(|i| constructed_type(&i.expr)) {
                Some(ty) => {
                    self.typed_locals.insert(name, ty);
                }
                None => {
                    self.typed_locals.remove(&name);
                }
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if name == "spawn" && spawns_a_future(m) {
            // `handle.spawn(async move { .. })`, `set.spawn(serve(conn))`: a task.
            self.spawns_task = true;
        } else {
            self.mention(&name);
        }
        // `registry().with(layer).init()`: a subscriber made global.
        if (name == "init" || name == "try_init") && chain_calls(&m.receiver, "with") {
            self.escapes = true;
        }
        match self.receiver_type(&m.receiver) {
            Some(ty) => self.typed_calls.push((ty, name)),
            None => {
                self.methods_called.insert(name);
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        for s in &p.segments {
            self.mention(&s.ident.to_string());
        }
        if let Some(last) = p.segments.last() {
            self.names_mentioned.insert(last.ident.to_string());
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        // `vec![..]`, `assert_eq!(..)`, `format!(..)`: read as the
        // expressions they are, so `Span::from(x)` in one is a path call of
        // another crate, not a call of every `from` of the package.
        match m.parse_body_with(macro_exprs) {
            Ok(exprs) => {
                for e in &exprs {
                    <Self as Visit<'_>>::visit_expr(self, e);
                }
            }
            Err(_) => self.tokens(m.tokens.clone()),
        }
    }

    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.locals.insert(p.ident.to_string());
        syn::visit::visit_pat_ident(self, p);
    }
}

/// Visits a macro's arguments as the expressions they are, when they are a
/// list of them (`assert!(self.ids.insert(id, i).is_none())`).
pub(crate) fn visit_macro_args<V: for<'a> Visit<'a>>(v: &mut V, m: &syn::Macro) {
    if let Ok(exprs) = m.parse_body_with(macro_exprs) {
        for e in &exprs {
            v.visit_expr(e);
        }
    }
}

/// A macro's arguments as expressions: `a, b, c` or `elem; count`.
fn macro_exprs(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<syn::Expr>> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let first: syn::Expr = input.parse()?;
    if input.parse::<Option<syn::Token![;]>>()?.is_some() {
        let count: syn::Expr = input.parse()?;
        return Ok(vec![first, count]);
    }
    let mut exprs = vec![first];
    while input.parse::<Option<syn::Token![,]>>()?.is_some() {
        if input.is_empty() {
            break;
        }
        exprs.push(input.parse()?);
    }
    if input.is_empty() {
        Ok(exprs)
    } else {
        Err(input.error("not a list of expressions"))
    }
}

/// A parameter's type written as a path, through references: `&Setup`,
/// `&mut crate::Engine` (not `Self`, `impl Trait`, nor a one-letter name,
/// most often a type parameter).
fn written_type(ty: &syn::Type) -> Option<LocalType> {
    match ty {
        syn::Type::Reference(r) => written_type(&r.elem),
        syn::Type::Paren(p) => written_type(&p.elem),
        syn::Type::Path(tp) if tp.qself.is_none() => {
            let segs = super::facts::path_segs(&tp.path);
            let last = segs.last()?;
            (last != "Self" && last.len() > 1 && last.starts_with(char::is_uppercase))
                .then_some(LocalType::Type(segs))
        }
        _ => None,
    }
}

/// The name a `let` binds (`let cron`, `let mut cron: T`).
fn bound_name(p: &syn::Pat) -> Option<String> {
    match p {
        syn::Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.to_string()),
        syn::Pat::Type(pt) => bound_name(&pt.pat),
        _ => None,
    }
}

/// The type an initialiser builds by its own path: `T::new(..)`,
/// `T::new(..).await`, `T { .. }` (not a generic's or a trait's call).
fn constructed_type(e: &syn::Expr) -> Option<LocalType> {
    match e {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) if p.qself.is_none() => {
                let segs = super::facts::path_segs(&p.path);
                let (_, ty) = segs.split_last()?;
                if ty.last().is_some_and(|t| t.starts_with(char::is_uppercase)) {
                    Some(LocalType::Type(ty.to_vec()))
                } else {
                    Some(LocalType::ReturnedBy(segs))
                }
            }
            _ => None,
        },
        syn::Expr::Struct(st) if st.qself.is_none() => {
            Some(LocalType::Type(super::facts::path_segs(&st.path)))
        }
        syn::Expr::Reference(r) => match &*r.expr {
            syn::Expr::Path(p)
                if p.qself.is_none()
                    && p.path
                        .segments
                        .last()
                        .is_some_and(|s| super::facts::is_static_like(&s.ident.to_string())) =>
            {
                Some(LocalType::StaticRef(super::facts::path_segs(&p.path)))
            }
            _ => None,
        },
        syn::Expr::Await(a) => constructed_type(&a.base),
        syn::Expr::Paren(p) => constructed_type(&p.expr),
        _ => None,
    }
}

/// `x.spawn(async { .. })` or `x.spawn(run(..))`: what is spawned is a
/// future (an `async` block, or what a call returns), so `x` is a runtime,
/// its handle or a `JoinSet`. A thread's builder, a scope or a pool is
/// given a closure.
fn spawns_a_future(m: &syn::ExprMethodCall) -> bool {
    let [arg] = m.args.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    matches!(
        arg,
        syn::Expr::Async(_) | syn::Expr::Call(_) | syn::Expr::MethodCall(_)
    )
}

/// Whether a chain of method calls (`a.b().c()`) calls `method` on the way.
fn chain_calls(e: &syn::Expr, method: &str) -> bool {
    match e {
        syn::Expr::MethodCall(m) => m.method == method || chain_calls(&m.receiver, method),
        _ => false,
    }
}

/// The functions that run on one thread, by full path, after the calls are resolved.
#[derive(Debug, Default)]
pub(crate) struct Reach {
    /// Tests that, with every function of the package they may call, start
    /// no thread, name no `static` that can change and install no global;
    /// and test helpers that only those tests call.
    one_thread: HashSet<String>,
    /// Functions whose own body starts a thread or a task (a constructor
    /// that spawns a cleanup thread holding a clone of what it builds).
    starts_thread: HashSet<String>,
}

impl Reach {
    /// Whether the function (by full path) runs on one thread only, with
    /// values no other test reaches: see [`Reach::one_thread`].
    pub(crate) fn runs_on_one_thread(&self, full: &str) -> bool {
        self.one_thread.contains(full)
    }

    /// Whether the function (by full path) starts a thread or a task itself.
    pub(crate) fn starts_thread(&self, full: &str) -> bool {
        self.starts_thread.contains(full)
    }
}

/// What the call graph needs of the package's other facts.
pub(crate) trait Resolver {
    /// The full path a path stands for in a module.
    fn resolve(&self, module: &str, segs: &[String]) -> String;
    /// Whether a full path is a type or trait declared in the package.
    fn is_package_type(&self, full: &str) -> bool;
    /// Whether a name is a `static` (not a thread-local) of the package.
    fn is_static_name(&self, name: &str) -> bool;
    /// Whether a full path leads from `module` into another crate of the
    /// workspace, whose function bodies were not read.
    fn is_other_workspace_crate(&self, module: &str, full: &str) -> bool;
    /// The full path of the package's type a function (by full path)
    /// returns, when its return type is written as one.
    fn returned_type(&self, function: &str) -> Option<String>;
    /// The full path of the package's struct a `static` (by full path)
    /// holds, through `Lazy`, `Arc` and the like.
    fn static_type(&self, full: &str) -> Option<String>;
    /// Whose methods a field of the package's struct (by full path) has:
    /// the package's struct it holds (through `Arc`, `Box`, ..), or another
    /// crate's type with none of the package's types in it.
    fn field_type(&self, owner: &str, field: &str) -> Owner;
}

/// Resolves the calls of every body and propagates "escapes" from callee to caller.
pub(crate) fn build(bodies: Vec<RawBody>, r: &dyn Resolver) -> Reach {
    let keys: Vec<String> = bodies
        .iter()
        .map(|b| match &b.self_ty {
            Some(st) => format!("{}::{}", r.resolve(&b.module, st), b.name),
            None => format!("{}::{}", b.module, b.name),
        })
        .collect();
    let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        index.entry(k.as_str()).or_default().push(i);
    }
    // What each body does by itself, the bodies it calls by path, and the
    // names it calls by (a method call reaches every body of that name;
    // kept as names: a common name would make millions of edges).
    let n = bodies.len();
    let mut thread = vec![false; n];
    let mut task = vec![false; n];
    let mut spawns = vec![false; n];
    let mut calls: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut names: Vec<Vec<NameCall>> = vec![Vec::new(); n];
    for (i, b) in bodies.iter().enumerate() {
        let s = &b.scan;
        thread[i] = s.escapes || s.names_mentioned.iter().any(|n| r.is_static_name(n));
        task[i] = s.spawns_task;
        spawns[i] = s.escapes || s.spawns_task;
        names[i] = (s.methods_called.iter().map(|m| NameCall::method(m)))
            .chain(s.names_called.iter().map(|f| NameCall::any(f)))
            .collect();
        for (ty, method) in &s.typed_calls {
            // `cron.start()` after `let cron = AsyncCron::new()`, or
            // `self.start()`: that type's own method when it has one; a
            // method of another crate's type in a field (`self.client.get(..)`)
            // runs none of the package's.
            match receiver_owner(ty.as_ref(), b, r) {
                Owner::Foreign => {}
                owner => {
                    let found = match owner {
                        Owner::Type(o) => index.get(format!("{o}::{method}").as_str()),
                        _ => None,
                    };
                    match found {
                        Some(found) => calls[i].extend(found),
                        None => names[i].push(NameCall::method(method)),
                    }
                }
            }
        }
        for segs in &s.path_calls {
            match path_callees(b, segs, r, &index) {
                Callees::Known(found) => calls[i].extend(found),
                Callees::Methods(name) => names[i].push(NameCall::any(name)),
                Callees::Spawn { task_runtime } => {
                    spawns[i] = true;
                    if task_runtime {
                        task[i] = true;
                    } else {
                        thread[i] = true;
                    }
                }
                Callees::Unread => thread[i] = true,
                Callees::None => {}
            }
        }
    }
    // A library's test runs the library's code; a test target's test runs
    // the library's and its own target's (the library may call back into
    // the target's methods through a trait). Each is read apart.
    let base_either: Vec<bool> = thread.iter().zip(&task).map(|(a, b)| *a || *b).collect();
    let graph = Callers::new(&bodies, &calls, &names);
    let threads = graph.spread_by_target(&thread);
    let either = graph.spread_by_target(&base_either);
    // A test whose reach stays on its thread; then, to a fixed point, a
    // helper of test code that only such functions call.
    let mut one: Vec<bool> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| match b.test {
            Some(true) => !threads[i],
            Some(false) => !either[i],
            None => false,
        })
        .collect();
    let helper = |b: &RawBody| b.test.is_none() && b.test_code;
    let mut helpers_by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, b) in bodies.iter().enumerate().filter(|(_, b)| helper(b)) {
        helpers_by_name.entry(b.name.as_str()).or_default().push(i);
    }
    let mut callers: HashMap<usize, Vec<usize>> = HashMap::new();
    for c in 0..n {
        let by_name = names[c]
            .iter()
            .filter_map(|call| Some((call, helpers_by_name.get(call.name)?)))
            .flat_map(|(call, hs)| hs.iter().filter(|&&h| call.reaches(&bodies[h])))
            .filter(|&&h| reachable(&bodies[c], &bodies[h]));
        let by_path = calls[c].iter().filter(|&&h| helper(&bodies[h]));
        for &h in by_name.chain(by_path) {
            callers.entry(h).or_default().push(c);
        }
    }
    // The greatest fixed point: every called helper is assumed in, then
    // one called from outside is taken out, until none is. A helper that
    // calls itself (`fn get` whose body calls a map's `get`, read by name)
    // or a cycle of helpers that only such tests enter stays in.
    for &h in callers.keys() {
        one[h] = true;
    }
    loop {
        let mut shrank = false;
        for (&h, cs) in &callers {
            if one[h] && !cs.iter().all(|&c| one[c]) {
                one[h] = false;
                shrank = true;
            }
        }
        if !shrank {
            break;
        }
    }
    // Two bodies of one path (`cfg` twins): both must run on one thread.
    let mut by_key: HashMap<&str, bool> = HashMap::new();
    for (k, o) in keys.iter().zip(&one) {
        *by_key.entry(k.as_str()).or_insert(true) &= *o;
    }
    let starts_thread = keys
        .iter()
        .zip(&spawns)
        .filter(|(_, s)| **s)
        .map(|(k, _)| k.clone())
        .collect();
    Reach {
        one_thread: by_key
            .into_iter()
            .filter(|(_, o)| *o)
            .map(|(k, _)| k.to_string())
            .collect(),
        starts_thread,
    }
}

/// Whose method a call on a receiver of a known kind runs.
pub(crate) enum Owner {
    /// The type's path (its method, when it has one of the name).
    Type(String),
    /// Another crate's type that holds none of the package's: no method
    /// of the package.
    Foreign,
    Unknown,
}

fn receiver_owner(ty: Option<&LocalType>, b: &RawBody, r: &dyn Resolver) -> Owner {
    let known = |o: Option<String>| o.map_or(Owner::Unknown, Owner::Type);
    match ty {
        Some(LocalType::Type(ty)) => Owner::Type(r.resolve(&b.module, ty)),
        Some(LocalType::ReturnedBy(f)) => known(r.returned_type(&r.resolve(&b.module, f))),
        Some(LocalType::StaticRef(st)) => known(r.static_type(&r.resolve(&b.module, st))),
        Some(LocalType::Field(base, field)) => match receiver_owner(base.as_deref(), b, r) {
            Owner::Type(owner) => r.field_type(&owner, field),
            Owner::Foreign | Owner::Unknown => Owner::Unknown,
        },
        None => known(b.self_ty.as_ref().map(|st| r.resolve(&b.module, st))),
    }
}

/// A call by name: a method call (`x.get(1)`) runs only a body that takes
/// `self`; a call inside a macro, or a trait's method by path, any body of
/// the name.
#[derive(Clone, Copy, Debug)]
struct NameCall<'a> {
    name: &'a str,
    method_only: bool,
}

impl<'a> NameCall<'a> {
    fn method(name: &'a str) -> Self {
        NameCall {
            name,
            method_only: true,
        }
    }

    fn any(name: &'a str) -> Self {
        NameCall {
            name,
            method_only: false,
        }
    }

    fn reaches(&self, callee: &RawBody) -> bool {
        callee.method || !self.method_only
    }
}

/// Whether `caller` runs in the test binary that `callee` is part of: its
/// own crate target's, or the library's called from a test target's.
fn reachable(caller: &RawBody, callee: &RawBody) -> bool {
    let (from, to) = (root_of(&caller.module), root_of(&callee.module));
    from == to || (to.contains(':') && !from.contains(':'))
}

/// Who calls each body, by path and by name: the call graph read backwards.
struct Callers<'a> {
    bodies: &'a [RawBody],
    names: &'a [Vec<NameCall<'a>>],
    calls: &'a [Vec<usize>],
    by_path: Vec<Vec<usize>>,
    /// The callers of each name, and whether each calls it as a method only.
    by_name: HashMap<&'a str, Vec<(usize, bool)>>,
    /// The library's bodies, then each other crate target's.
    lib: Vec<usize>,
    others: Vec<Vec<usize>>,
}

impl<'a> Callers<'a> {
    fn new(bodies: &'a [RawBody], calls: &'a [Vec<usize>], names: &'a [Vec<NameCall<'a>>]) -> Self {
        let mut by_path = vec![Vec::new(); bodies.len()];
        let mut by_name: HashMap<&str, Vec<(usize, bool)>> = HashMap::new();
        for (c, (cs, ns)) in calls.iter().zip(names).enumerate() {
            for &callee in cs {
                by_path[callee].push(c);
            }
            for n in ns {
                by_name.entry(n.name).or_default().push((c, n.method_only));
            }
        }
        let mut lib = Vec::new();
        let mut others: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, b) in bodies.iter().enumerate() {
            let root = root_of(&b.module);
            if root.contains(':') {
                others.entry(root).or_default().push(i);
            } else {
                lib.push(i);
            }
        }
        Callers {
            bodies,
            names,
            calls,
            by_path,
            by_name,
            lib,
            others: others.into_values().collect(),
        }
    }

    /// Marks every body that may call a marked one. A library's test runs
    /// the library's code; a test target's runs the library's and its own
    /// (the library may call back into the target's methods through a
    /// trait): each target is read with the library's result as a start.
    fn spread_by_target(&self, base: &[bool]) -> Vec<bool> {
        let mut inside = vec![false; self.bodies.len()];
        for &i in &self.lib {
            inside[i] = true;
        }
        let mut lib_marked = base.to_vec();
        let lib_names = self.spread(&mut lib_marked, &inside, self.lib.clone(), HashSet::new());
        let mut out = lib_marked.clone();
        for own in &self.others {
            for &i in own {
                inside[i] = true;
            }
            let mut marked = lib_marked.clone();
            // The target's bodies that call a marked library body.
            let start: Vec<usize> = own
                .iter()
                .copied()
                .filter(|&i| {
                    base[i]
                        || self.calls[i].iter().any(|&c| marked[c])
                        || self.names[i].iter().any(|call| {
                            lib_names.contains(&(call.name, true))
                                || (!call.method_only && lib_names.contains(&(call.name, false)))
                        })
                })
                .collect();
            for &i in &start {
                marked[i] = true;
            }
            self.spread(&mut marked, &inside, start, lib_names.clone());
            for &i in own {
                out[i] = marked[i];
                inside[i] = false;
            }
        }
        out
    }

    /// From the marked bodies in `work`, marks their callers inside, to a
    /// fixed point; `done` holds the names (and whether a body of the name
    /// that takes `self` was among them) whose callers were marked already.
    /// Returns the marked names.
    fn spread<'s>(
        &'s self,
        marked: &mut [bool],
        inside: &[bool],
        mut work: Vec<usize>,
        mut done: HashSet<(&'s str, bool)>,
    ) -> HashSet<(&'s str, bool)> {
        work.retain(|&i| marked[i]);
        while let Some(b) = work.pop() {
            let body = &self.bodies[b];
            let name = body.name.as_str();
            let by_name = if done.insert((name, body.method)) {
                self.by_name.get(name).map_or(&[][..], Vec::as_slice)
            } else {
                &[]
            };
            let by_name = by_name
                .iter()
                .filter(|&&(_, method_only)| body.method || !method_only)
                .map(|(c, _)| c);
            for &c in self.by_path[b].iter().chain(by_name) {
                if inside[c] && !marked[c] {
                    marked[c] = true;
                    work.push(c);
                }
            }
        }
        done
    }
}

/// The crate root of a module path (`demo`, `test:smoke`).
pub(crate) fn root_of(module: &str) -> &str {
    module.split("::").next().unwrap_or_default()
}

enum Callees<'a> {
    Known(Vec<usize>),
    /// Every method of this name (`Handler::on_connect(..)`).
    Methods(&'a str),
    /// A `spawn` by path, once its `use` is read.
    Spawn {
        task_runtime: bool,
    },
    /// A function of another crate of the workspace: not read, so it may escape.
    Unread,
    /// Code of another crate (std included).
    None,
}

fn path_callees<'a>(
    b: &RawBody,
    written: &'a [String],
    r: &dyn Resolver,
    index: &HashMap<&str, Vec<usize>>,
) -> Callees<'a> {
    let segs: Vec<String> = match (written.first().map(String::as_str), &b.self_ty) {
        (Some("Self"), Some(st)) => st.iter().chain(&written[1..]).cloned().collect(),
        _ => written.to_vec(),
    };
    let full = r.resolve(&b.module, &segs);
    if let Some(found) = index.get(full.as_str()) {
        return Callees::Known(found.clone());
    }
    let Some((owner, last)) = full.rsplit_once("::") else {
        return Callees::None;
    };
    // The model checkers run their threads as coroutines on the test's own
    // thread (`loom::thread::spawn`, `shuttle::future::spawn`).
    if MODEL_CHECKERS.contains(&root_of(&full)) {
        return Callees::None;
    }
    if last == "spawn" {
        // `use tokio::spawn;` .. `spawn(fut)`, or `std::thread::spawn`.
        let task_runtime = full
            .split("::")
            .any(|s| TASK_PATHS.contains(&s) && s != "runtime");
        return Callees::Spawn { task_runtime };
    }
    if r.is_other_workspace_crate(&b.module, &full) {
        return Callees::Unread;
    }
    // `Handler::on_connect(..)`, a trait's or a generic impl's method.
    if segs.len() > 1 && r.is_package_type(owner) {
        return written
            .last()
            .map_or(Callees::None, |m| Callees::Methods(m.as_str()));
    }
    Callees::None
}

#[cfg(test)]
mod tests {
    use super::super::test_scope;
    use super::*;

    struct Flat {
        statics: Vec<&'static str>,
    }

    impl Resolver for Flat {
        fn resolve(&self, module: &str, segs: &[String]) -> String {
            match segs {
                [one] if one == "spawn" => "std::thread::spawn".into(),
                [one] => format!("{module}::{one}"),
                _ if segs[0] == "crate" => segs.join("::"),
                _ if ["tokio", "std", "sibling", "loom", "shuttle"].contains(&segs[0].as_str()) => {
                    segs.join("::")
                }
                _ => format!("{module}::{}", segs.join("::")),
            }
        }
        fn is_package_type(&self, full: &str) -> bool {
            full.starts_with("crate::")
        }
        fn is_static_name(&self, name: &str) -> bool {
            self.statics.contains(&name)
        }
        fn is_other_workspace_crate(&self, _module: &str, full: &str) -> bool {
            full.starts_with("sibling::")
        }
        fn returned_type(&self, _function: &str) -> Option<String> {
            None
        }
        fn static_type(&self, _full: &str) -> Option<String> {
            None
        }
        fn field_type(&self, _owner: &str, field: &str) -> Owner {
            match field {
                "client" => Owner::Foreign,
                "engine" => Owner::Type("crate::Engine".into()),
                _ => Owner::Unknown,
            }
        }
    }

    fn reach(src: &str) -> Reach {
        let file: syn::File = syn::parse_str(src).expect("a file");
        let mut bodies = Vec::new();
        for item in &file.items {
            match item {
                syn::Item::Fn(f) => bodies.push(RawBody {
                    self_ty: None,
                    module: "crate".into(),
                    name: f.sig.ident.to_string(),
                    test: test_scope::is_test_fn(&f.attrs)
                        .then(|| test_scope::runs_tasks_on_its_thread(&f.attrs)),
                    test_code: true,
                    method: f.sig.receiver().is_some(),
                    scan: BodyScan::of(Some(&f.sig), &f.block),
                }),
                syn::Item::Impl(i) => {
                    let syn::Type::Path(tp) = &*i.self_ty else {
                        continue;
                    };
                    for it in &i.items {
                        if let syn::ImplItem::Fn(f) = it {
                            bodies.push(RawBody {
                                self_ty: Some(super::super::facts::path_segs(&tp.path)),
                                module: "crate".into(),
                                name: f.sig.ident.to_string(),
                                test: None,
                                test_code: false,
                                method: f.sig.receiver().is_some(),
                                scan: BodyScan::of(Some(&f.sig), &f.block),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        build(
            bodies,
            &Flat {
                statics: vec!["SESSIONS"],
            },
        )
    }

    #[test]
    fn a_test_that_only_calls_quiet_code_stays() {
        let r = reach(
            "impl Engine { fn new() -> Self { Engine {} } fn add(&self) { self.m.lock(); } }
             #[test] fn t() { let e = Arc::new(Engine::new()); e.add(); assert_eq!(e.len(), 0); }",
        );
        assert!(r.runs_on_one_thread("crate::t"));
    }

    #[test]
    fn a_thread_started_deep_down_reaches_the_test() {
        let r = reach(
            "impl Engine { fn new() -> Self { Self::start(); Engine {} }
                           fn start() { std::thread::spawn(|| ()); } }
             #[tokio::test] async fn t() { let e = Engine::new(); }",
        );
        assert!(!r.runs_on_one_thread("crate::t"));
    }

    #[test]
    fn model_checker_threads_stay_on_the_test_thread() {
        let r = reach(
            "#[test] fn t() { loom::model(|| { loom::thread::spawn(move || ()); }); }
             #[test] fn u() { shuttle::check_random(|| { shuttle::thread::spawn(|| ()); }, 100); }",
        );
        assert!(r.runs_on_one_thread("crate::t"));
        assert!(r.runs_on_one_thread("crate::u"));
    }

    #[test]
    fn a_method_call_reaches_every_method_of_that_name() {
        let r = reach(
            "impl A { fn run(&self) {} } impl B { fn run(&self) { spawn(|| ()); } }
             #[tokio::test] async fn t(a: A) { a.run(); }",
        );
        assert!(!r.runs_on_one_thread("crate::t"));
    }

    #[test]
    fn tokio_tasks_stay_on_a_current_thread_runtime() {
        let r = reach(
            "impl Engine { fn close(&self) { tokio::spawn(async move {}); } }
             #[tokio::test] async fn t(e: Engine) { e.close(); }
             #[test] fn t_sync(e: Engine) { e.close(); }
             #[tokio::test] async fn h() { Handle::current().spawn(async move {}); set.spawn(run(conn)); }
             #[test] fn h_sync() { Handle::current().spawn(async move {}); }
             #[tokio::test] async fn b() { thread::Builder::new().spawn(move || ()); }
             #[tokio::test] async fn p() { pool.spawn(job); }",
        );
        assert!(r.runs_on_one_thread("crate::t"));
        assert!(!r.runs_on_one_thread("crate::t_sync"));
        assert!(r.runs_on_one_thread("crate::h"));
        assert!(!r.runs_on_one_thread("crate::h_sync"));
        assert!(!r.runs_on_one_thread("crate::b"));
        assert!(!r.runs_on_one_thread("crate::p"));
    }

    #[test]
    fn statics_globals_macros_and_other_crates_of_the_workspace_escape() {
        let r = reach(
            "#[test] fn a() { assert!(SESSIONS.is_empty()); }
             #[test] fn b() { tracing_subscriber::registry().with(layer).init(); }
             #[test] fn f() { adapter.init(on_success); }
             #[test] fn c() { assert_eq!(helper(), 1); }
             fn helper() -> u32 { std::thread::scope(|s| 1) }
             #[test] fn d() { sibling::start(); }
             #[test] fn e() { sibling_free(); }
             fn not_a_test() {}",
        );
        for t in [
            "crate::a",
            "crate::b",
            "crate::c",
            "crate::d",
            "crate::not_a_test",
        ] {
            assert!(!r.runs_on_one_thread(t), "{t}");
        }
        assert!(r.runs_on_one_thread("crate::e"));
        assert!(r.runs_on_one_thread("crate::f"));
    }

    #[test]
    fn each_crate_target_is_read_with_the_library_only() {
        let body =
            |module: &str, self_ty: Option<&str>, name: &str, test: bool, src: &str| RawBody {
                self_ty: self_ty.map(|t| vec![t.to_string()]),
                module: module.into(),
                name: name.into(),
                test: test.then_some(false),
                test_code: module.starts_with("test:"),
                method: self_ty.is_some(),
                scan: BodyScan::of(None, &syn::parse_str(src).expect("a block")),
            };
        let r = build(
            vec![
                // The library calls back whatever handler it is given.
                body("crate", None, "run", false, "{ h.handle(); }"),
                body("crate", None, "lib_test", true, "{ run(h); }"),
                body(
                    "test:it",
                    Some("Worker"),
                    "handle",
                    false,
                    "{ std::thread::spawn(|| ()); }",
                ),
                body("test:it", None, "it_test", true, "{ crate::run(w); }"),
                body("test:other", None, "other_test", true, "{ crate::run(w); }"),
            ],
            &Flat { statics: vec![] },
        );
        assert!(r.runs_on_one_thread("crate::lib_test"));
        assert!(!r.runs_on_one_thread("test:it::it_test"));
        assert!(r.runs_on_one_thread("test:other::other_test"));
    }

    #[test]
    fn helpers_only_such_tests_call_run_on_one_thread_too() {
        let r = reach(
            "fn basic(n: usize) { fixture(n); }
             fn fixture(n: usize) {}
             fn shared(n: usize) {}
             #[test] fn t() { basic(1); shared(1); }
             #[test] fn u() { basic(2); }
             #[test] fn v() { shared(2); std::thread::spawn(|| ()); }
             fn unused() {}",
        );
        assert!(r.runs_on_one_thread("crate::basic"));
        assert!(r.runs_on_one_thread("crate::fixture"));
        assert!(!r.runs_on_one_thread("crate::shared"));
        assert!(!r.runs_on_one_thread("crate::unused"));
    }

    #[test]
    fn a_method_on_a_binding_of_a_known_type_is_that_types() {
        let r = reach(
            "impl AsyncCron { fn new() -> Self { AsyncCron } fn start(&self) { tokio::spawn(async {}); } }
             impl Cron { fn new() -> Self { Cron } fn start(&self) { std::thread::spawn(|| ()); }
                         fn run(&self) { self.start(); } }
             #[tokio::test] async fn t() { let cron = AsyncCron::new(); cron.start(); }
             #[tokio::test] async fn u() { let cron = Cron::new(); cron.start(); }
             #[tokio::test] async fn v() { let cron = Cron::new(); cron.run(); }
             #[tokio::test] async fn w(c: Unknown) { c.start(); }",
        );
        assert!(r.runs_on_one_thread("crate::t"));
        assert!(!r.runs_on_one_thread("crate::u"));
        assert!(!r.runs_on_one_thread("crate::v"));
        assert!(!r.runs_on_one_thread("crate::w"));
    }

    #[test]
    fn a_local_closure_called_in_a_macro_is_not_a_method() {
        let r = reach(
            "impl Conn { fn send(&self) { std::thread::spawn(|| ()); } }
             #[tokio::test] async fn t() { let send = |id: u64| id + 1; assert!(send(2) > 0); }
             #[tokio::test] async fn u(c: Conn) { assert!(c.send(2)); }",
        );
        assert!(r.runs_on_one_thread("crate::t"));
        assert!(!r.runs_on_one_thread("crate::u"));
    }

    #[test]
    fn helpers_that_call_themselves_or_each_other_stay_with_their_tests() {
        let r = reach(
            "fn get(n: usize) { if n > 0 { get(n - 1) } }
             fn ping(n: usize) { pong(n) }
             fn pong(n: usize) { ping(n) }
             fn walk(n: usize) { walk(n); ping(n); }
             #[test] fn t() { get(3); ping(1); }
             #[test] fn v() { walk(1); std::thread::spawn(|| ()); }",
        );
        assert!(r.runs_on_one_thread("crate::get"));
        assert!(!r.runs_on_one_thread("crate::walk"));
        // `walk` is called from a test with threads and calls `ping`.
        assert!(!r.runs_on_one_thread("crate::ping"));
        assert!(!r.runs_on_one_thread("crate::pong"));
    }
}
