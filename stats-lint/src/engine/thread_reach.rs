//! Which functions of the package may let what they touch reach another
//! thread: a small call graph over the package's own functions.
//!
//! A test's own `Arc` of a package type (`let engine = Arc::new(Engine::new())`)
//! is shared only if some code the test runs hands it to another thread or
//! leaves it where another test finds it. A function *escapes* when its body
//! starts a thread, names a `static` of the package or installs something
//! global (a logger, a subscriber), or when a function of the package it may
//! call escapes. Calls are resolved by path where the path names the
//! package's function, and by name for method calls (every method of that
//! name: the receiver's type is not known here), so the answer errs towards
//! "escapes". Code of other crates is taken at its word: a callback it runs
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

/// Path segments that make a `spawn` a task of an async runtime.
const TASK_PATHS: &[&str] = &["tokio", "task", "actix_rt", "rt", "ntex", "runtime"];

/// What one function's body does and calls, before names are resolved.
#[derive(Debug)]
pub(crate) struct RawBody {
    /// `Self`'s path as written, for methods.
    pub(crate) self_ty: Option<Vec<String>>,
    pub(crate) module: String,
    pub(crate) name: String,
    /// A method (of an impl or a trait), found by name from a method call.
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
    /// Names called as methods, or called from inside a macro.
    names_called: HashSet<String>,
    /// Names that may be a `static` (every path's last segment and every
    /// identifier in a macro).
    names_mentioned: HashSet<String>,
}

impl BodyScan {
    /// Reads one body (a closure inside it included).
    pub(crate) fn of(block: &syn::Block) -> BodyScan {
        let mut s = BodyScan::default();
        s.visit_block(block);
        s
    }

    fn mention(&mut self, name: &str) {
        if THREAD_NAMES.contains(&name) || GLOBAL_NAMES.contains(&name) {
            self.escapes = true;
        } else if name == "spawn_local" {
            self.spawns_task = true;
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
                        self.names_called.insert(name);
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
        self.names_called.insert(name);
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
        self.tokens(m.tokens.clone());
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

/// The escaping functions, by full path, after the calls are resolved.
#[derive(Debug, Default)]
pub(crate) struct Reach {
    /// Every function read, by full path.
    known: HashSet<String>,
    /// May reach another thread (or a static, or a global).
    threads: HashSet<String>,
    /// May do that, or spawn a task.
    threads_or_tasks: HashSet<String>,
}

impl Reach {
    /// Whether a test (by full path) runs only on its own thread and touches
    /// nothing another test can: every function of the package it may call
    /// starts no thread, names no `static` and installs no global. Under a
    /// current-thread runtime (`tasks_on_thread`) its tasks are its own too.
    pub(crate) fn stays_on_thread(&self, full: &str, tasks_on_thread: bool) -> bool {
        self.known.contains(full)
            && !if tasks_on_thread {
                &self.threads
            } else {
                &self.threads_or_tasks
            }
            .contains(full)
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
    let mut methods: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (b, k)) in bodies.iter().zip(&keys).enumerate() {
        index.entry(k.as_str()).or_default().push(i);
        by_name.entry(b.name.as_str()).or_default().push(i);
        if b.method {
            methods.entry(b.name.as_str()).or_default().push(i);
        }
    }
    // Callers of each body, and what each body does by itself.
    let mut callers: Vec<Vec<usize>> = vec![Vec::new(); bodies.len()];
    let mut thread = vec![false; bodies.len()];
    let mut task = vec![false; bodies.len()];
    for (i, b) in bodies.iter().enumerate() {
        let s = &b.scan;
        thread[i] = s.escapes || s.names_mentioned.iter().any(|n| r.is_static_name(n));
        task[i] = s.spawns_task;
        let mut callees: Vec<usize> = Vec::new();
        for name in &s.names_called {
            callees.extend(by_name.get(name.as_str()).into_iter().flatten());
        }
        for segs in &s.path_calls {
            match path_callees(b, segs, r, &index, &methods) {
                Callees::Known(found) => callees.extend(found),
                Callees::Spawn { task_runtime } => {
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
        // A library cannot call into a test, an example or a binary.
        let root = root_of(&b.module);
        for c in callees {
            let callee_root = root_of(&bodies[c].module);
            if callee_root == root || !callee_root.contains(':') {
                callers[c].push(i);
            }
        }
    }
    let spread = |mut marked: Vec<bool>| {
        let mut work: Vec<usize> = (0..marked.len()).filter(|&i| marked[i]).collect();
        while let Some(i) = work.pop() {
            for &c in &callers[i] {
                if !marked[c] {
                    marked[c] = true;
                    work.push(c);
                }
            }
        }
        marked
    };
    let threads = spread(thread.clone());
    let either: Vec<bool> = threads.iter().zip(&task).map(|(a, b)| *a || *b).collect();
    let either = spread(either);
    let set = |marked: &[bool]| -> HashSet<String> {
        keys.iter()
            .zip(marked)
            .filter(|(_, m)| **m)
            .map(|(k, _)| k.clone())
            .collect()
    };
    Reach {
        threads: set(&threads),
        threads_or_tasks: set(&either),
        known: keys.into_iter().collect(),
    }
}

/// The crate root of a module path (`demo`, `test:smoke`).
pub(crate) fn root_of(module: &str) -> &str {
    module.split("::").next().unwrap_or_default()
}

enum Callees {
    Known(Vec<usize>),
    /// A `spawn` by path, once its `use` is read.
    Spawn {
        task_runtime: bool,
    },
    /// A function of another crate of the workspace: not read, so it may escape.
    Unread,
    /// Code of another crate (std included).
    None,
}

fn path_callees(
    b: &RawBody,
    segs: &[String],
    r: &dyn Resolver,
    index: &HashMap<&str, Vec<usize>>,
    methods: &HashMap<&str, Vec<usize>>,
) -> Callees {
    let segs: Vec<String> = match (segs.first().map(String::as_str), &b.self_ty) {
        (Some("Self"), Some(st)) => st.iter().chain(&segs[1..]).cloned().collect(),
        _ => segs.to_vec(),
    };
    let full = r.resolve(&b.module, &segs);
    if let Some(found) = index.get(full.as_str()) {
        return Callees::Known(found.clone());
    }
    let Some((owner, last)) = full.rsplit_once("::") else {
        return Callees::None;
    };
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
        return Callees::Known(methods.get(last).cloned().unwrap_or_default());
    }
    Callees::None
}

#[cfg(test)]
mod tests {
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
                _ if ["tokio", "std", "sibling"].contains(&segs[0].as_str()) => segs.join("::"),
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
                    method: false,
                    scan: BodyScan::of(&f.block),
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
                                method: true,
                                scan: BodyScan::of(&f.block),
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
             fn t() { let e = Arc::new(Engine::new()); e.add(); assert_eq!(e.len(), 0); }",
        );
        assert!(r.stays_on_thread("crate::t", false));
    }

    #[test]
    fn a_thread_started_deep_down_reaches_the_test() {
        let r = reach(
            "impl Engine { fn new() -> Self { Self::start(); Engine {} }
                           fn start() { std::thread::spawn(|| ()); } }
             fn t() { let e = Engine::new(); }",
        );
        assert!(!r.stays_on_thread("crate::t", true));
    }

    #[test]
    fn a_method_call_reaches_every_method_of_that_name() {
        let r = reach(
            "impl A { fn run(&self) {} } impl B { fn run(&self) { spawn(|| ()); } }
             fn t(a: A) { a.run(); }",
        );
        assert!(!r.stays_on_thread("crate::t", true));
    }

    #[test]
    fn tokio_tasks_stay_on_a_current_thread_runtime() {
        let r = reach(
            "impl Engine { fn close(&self) { tokio::spawn(async move {}); } }
             fn t(e: Engine) { e.close(); }
             fn h() { Handle::current().spawn(async move {}); set.spawn(run(conn)); }
             fn b() { thread::Builder::new().spawn(move || ()); }
             fn p() { pool.spawn(job); }",
        );
        assert!(r.stays_on_thread("crate::t", true));
        assert!(!r.stays_on_thread("crate::t", false));
        assert!(r.stays_on_thread("crate::h", true));
        assert!(!r.stays_on_thread("crate::h", false));
        assert!(!r.stays_on_thread("crate::b", true));
        assert!(!r.stays_on_thread("crate::p", true));
    }

    #[test]
    fn statics_globals_macros_and_other_crates_of_the_workspace_escape() {
        let r = reach(
            "fn a() { assert!(SESSIONS.is_empty()); }
             fn b() { tracing_subscriber::registry().with(layer).init(); }
             fn f() { adapter.init(on_success); }
             fn c() { assert_eq!(helper(), 1); }
             fn helper() -> u32 { std::thread::scope(|s| 1) }
             fn d() { sibling::start(); }
             fn e() { sibling_free(); }
             fn g() { NEXT_ID.fetch_add(1, Relaxed); }",
        );
        for t in ["crate::a", "crate::b", "crate::c", "crate::d"] {
            assert!(!r.stays_on_thread(t, true), "{t}");
        }
        assert!(r.stays_on_thread("crate::e", true));
        assert!(r.stays_on_thread("crate::f", true));
        assert!(r.stays_on_thread("crate::g", true));
        assert!(!r.stays_on_thread("crate::unknown", true));
    }
}
