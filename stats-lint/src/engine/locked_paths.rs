//! Which other crates a package puts in its locks: the paths written in a
//! lock's type arguments (`RwLock<naia_shared::DiffHandler>`) and in the
//! arguments of a lock's constructor (`Mutex::new(CookieStore::default())`).
//! Only those dependencies are read for their facts: another crate's type
//! matters to the lints when the package locks it (its private fields are
//! out of the package's reach otherwise), and reading every dependency
//! would cost many times the package's own lint.

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;

use super::facts::{Facts, constructed_type, macro_items};
use super::ty::{LOCK_NAMES, Shape};

/// The paths a package's files put in locks, each with its module.
#[derive(Default)]
pub(crate) struct LockedPaths {
    paths: Vec<(String, Vec<String>)>,
    /// Generic types and the paths of their type arguments
    /// (`matchbox_signaling::StateObj<ServerState>`): another crate's
    /// generic around the package's own struct that holds a map may be its
    /// alias of a lock.
    generics: Vec<Generic>,
}

/// A generic type as written: its module, its path, its type arguments' paths.
struct Generic {
    module: String,
    outer: Vec<String>,
    args: Vec<Vec<String>>,
}

impl LockedPaths {
    /// Collects the locked paths of one file of `module`.
    pub(crate) fn collect(&mut self, ast: &syn::File, module: &str) {
        let mut v = Finder {
            module,
            out: &mut self.paths,
            generics: &mut self.generics,
            depth: 0,
            locals: HashMap::new(),
        };
        v.visit_file(ast);
    }

    /// The crates those paths lead to, by the name the package's code uses
    /// for them: a path's first segment once resolved; for a name that does
    /// not resolve, the crates its module glob-imports.
    /// The package's own aliases and structs in a lock are followed into
    /// (`Mutex<Shard>` with `type Shard = lru::LruCache<..>`, `Mutex<State>`
    /// with a field of another crate's type), to a depth of four.
    pub(crate) fn crates(&self, facts: &Facts) -> HashSet<String> {
        let mut roots = HashSet::new();
        let mut seen = HashSet::new();
        let mut work: Vec<(String, Vec<String>, usize)> = self
            .paths
            .iter()
            .map(|(m, segs)| (m.clone(), segs.clone(), 0))
            .collect();
        while let Some((module, segs, depth)) = work.pop() {
            let full = facts.resolve(&module, &segs);
            if segs.len() == 1 && full == segs[0] {
                roots.extend(facts.glob_roots(&module));
                continue;
            }
            if let Some(root) = full.split("::").next() {
                roots.insert(root.to_string());
            }
            if depth < 4 && seen.insert(full.clone()) {
                for (m, ty) in facts.types_held_by(&full) {
                    let mut all = AllPaths(Vec::new());
                    all.visit_type(ty);
                    work.extend(
                        all.0
                            .into_iter()
                            .map(|segs| (m.to_string(), segs, depth + 1)),
                    );
                }
            }
        }
        for Generic {
            module,
            outer,
            args,
        } in &self.generics
        {
            let full = facts.resolve(module, outer);
            let Some((root, _)) = full.split_once("::") else {
                continue;
            };
            if root == module.split("::").next().unwrap_or(module) {
                continue;
            }
            let holds_map = args.iter().any(|arg| {
                let arg = facts.resolve(module, arg);
                facts.holds_map(&Shape::Named(arg), &mut HashSet::new())
            });
            if holds_map {
                roots.insert(root.to_string());
            }
        }
        roots
    }
}

/// The crates named in the field types of a library's own structs
/// (`collection: fontique::Collection`) or in its re-exports (`pub use
/// serde_amqp::primitives::*`): those of its dependencies whose types it
/// holds or hands on as its own.
pub(crate) fn held_and_reexported_crates(facts: &Facts) -> HashSet<String> {
    let mut roots = facts.reexported_roots();
    for (module, ty) in facts.own_field_types() {
        let mut all = AllPaths(Vec::new());
        all.visit_type(ty);
        for segs in all.0 {
            let full = facts.resolve(module, &segs);
            if let Some((root, _)) = full.split_once("::")
                && !matches!(root, "crate" | "self" | "super" | "std" | "core" | "alloc")
            {
                roots.insert(root.to_string());
            }
        }
    }
    roots
}

struct Finder<'a> {
    module: &'a str,
    out: &'a mut Vec<(String, Vec<String>)>,
    generics: &'a mut Vec<Generic>,
    depth: usize,
    /// The current function's `let`s and the paths of their initialisers
    /// and written types: `let cr = Crossroads::new(); Mutex::new(cr)`.
    locals: HashMap<String, Vec<Vec<String>>>,
}

impl Finder<'_> {
    /// Every path inside a lock's type argument or constructor argument.
    fn paths_in(&mut self, visit: impl FnOnce(&mut AllPaths)) {
        let mut all = AllPaths(Vec::new());
        visit(&mut all);
        for segs in all.0 {
            self.out.push((self.module.to_string(), segs));
        }
    }
}

fn is_lock(seg: &syn::PathSegment) -> bool {
    LOCK_NAMES.iter().any(|n| seg.ident == n)
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_type_path(&mut self, tp: &'ast syn::TypePath) {
        if let Some(last) = tp.path.segments.last()
            && is_lock(last)
            && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        {
            self.paths_in(|all| all.visit_angle_bracketed_generic_arguments(args));
        } else if tp.qself.is_none()
            && let Some(last) = tp.path.segments.last()
            && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        {
            let arg_paths: Vec<Vec<String>> = args
                .args
                .iter()
                .filter_map(|a| match a {
                    syn::GenericArgument::Type(syn::Type::Path(p)) if p.qself.is_none() => Some(
                        p.path
                            .segments
                            .iter()
                            .map(|s| s.ident.to_string())
                            .collect(),
                    ),
                    _ => None,
                })
                .collect();
            if !arg_paths.is_empty() {
                let outer = tp
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                self.generics.push(Generic {
                    module: self.module.to_string(),
                    outer,
                    args: arg_paths,
                });
            }
        }
        syn::visit::visit_type_path(self, tp);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        // `Mutex::new(x)`, `RwLock::default()`, `parking_lot::Mutex::const_new(x)`.
        if let syn::Expr::Path(p) = &*call.func
            && let [.., ty, _ctor] = p.path.segments.iter().collect::<Vec<_>>().as_slice()
            && is_lock(ty)
        {
            self.paths_in(|all| call.args.iter().for_each(|a| all.visit_expr(a)));
            // `Mutex::new(cr)` of `let cr = Crossroads::new();`.
            for a in &call.args {
                if let syn::Expr::Path(p) = a
                    && let Some(id) = p.path.get_ident()
                    && let Some(paths) = self.locals.get(&id.to_string())
                {
                    let module = self.module.to_string();
                    self.out
                        .extend(paths.iter().map(|segs| (module.clone(), segs.clone())));
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        syn::visit::visit_local(self, l);
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            pat => (pat, None),
        };
        if let syn::Pat::Ident(pi) = pat {
            // The type the initialiser builds (`Crossroads::new()`,
            // `Store { .. }`, through `?` and `.unwrap()`) and the written
            // type: not every path of the initialiser, which in a large
            // unit would be many paths to resolve for nothing.
            let mut paths = Vec::new();
            if let Some(init) = &l.init
                && let Some(segs) = constructed_type(&init.expr)
            {
                paths.push(segs);
            }
            if let Some(ty) = ty {
                let mut all = AllPaths(Vec::new());
                all.visit_type(ty);
                paths.extend(all.0);
            }
            if paths.is_empty() {
                self.locals.remove(&pi.ident.to_string());
            } else {
                self.locals.insert(pi.ident.to_string(), paths);
            }
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let saved = std::mem::take(&mut self.locals);
        syn::visit::visit_item_fn(self, f);
        self.locals = saved;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let saved = std::mem::take(&mut self.locals);
        syn::visit::visit_impl_item_fn(self, f);
        self.locals = saved;
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        // An inline module's paths resolve in that module.
        let Some((_, items)) = &m.content else {
            return;
        };
        let name = m.ident.to_string();
        let module = format!(
            "{}::{}",
            self.module,
            name.strip_prefix("r#").unwrap_or(&name)
        );
        let mut inner = Finder {
            module: &module,
            out: self.out,
            generics: self.generics,
            depth: self.depth,
            locals: HashMap::new(),
        };
        for item in items {
            inner.visit_item(item);
        }
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        // `lazy_static! { static ref M: Mutex<..> = .. }` is not item
        // syntax: a body that names a lock gives every path in it.
        let name = m.mac.path.segments.last().map(|s| s.ident.to_string());
        if matches!(name.as_deref(), Some("lazy_static" | "thread_local")) {
            let paths = token_paths(m.mac.tokens.clone());
            if paths
                .iter()
                .flatten()
                .any(|s| LOCK_NAMES.contains(&s.as_str()))
            {
                self.out
                    .extend(paths.into_iter().map(|p| (self.module.to_string(), p)));
            }
            return;
        }
        // `cfg_if!` and other macros around items.
        if self.depth < 4
            && let Some(items) = macro_items(&m.mac)
        {
            self.depth += 1;
            for item in &items {
                self.visit_item(item);
            }
            self.depth -= 1;
        }
    }
}

/// The paths of a token stream (`a::b::C`, `D`), by their identifiers.
fn token_paths(tokens: proc_macro2::TokenStream) -> Vec<Vec<String>> {
    use proc_macro2::TokenTree;
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut colons = 0;
    let mut flush = |current: &mut Vec<String>| {
        if !current.is_empty() {
            out.push(std::mem::take(current));
        }
    };
    let mut stack = vec![tokens.into_iter()];
    while let Some(top) = stack.last_mut() {
        let Some(tt) = top.next() else {
            stack.pop();
            flush(&mut current);
            continue;
        };
        match tt {
            TokenTree::Ident(i) if colons == 2 || current.is_empty() => {
                current.push(i.to_string());
                colons = 0;
            }
            TokenTree::Ident(i) => {
                flush(&mut current);
                current.push(i.to_string());
                colons = 0;
            }
            TokenTree::Punct(p) if p.as_char() == ':' && !current.is_empty() => colons += 1,
            TokenTree::Group(g) => {
                flush(&mut current);
                colons = 0;
                stack.push(g.stream().into_iter());
            }
            _ => {
                flush(&mut current);
                colons = 0;
            }
        }
    }
    out
}

/// Every path in a subtree, as its segments' names.
struct AllPaths(Vec<Vec<String>>);

impl<'ast> Visit<'ast> for AllPaths {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if !segs.is_empty() {
            self.0.push(segs);
        }
        syn::visit::visit_path(self, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::facts::FileInput;

    fn crates(src: &str) -> Vec<String> {
        let ast = syn::parse_file(src).unwrap();
        let mut facts = Facts::default();
        facts.add_file(FileInput {
            display: std::path::Path::new("lib.rs"),
            module: "app",
            ast: &ast,
            test_code: false,
        });
        let mut locked = LockedPaths::default();
        locked.collect(&ast, "app");
        let mut got: Vec<String> = locked.crates(&facts).into_iter().collect();
        got.sort();
        got
    }

    #[test]
    fn the_crates_a_package_locks() {
        let src = "use naia_shared::DiffHandler;\nuse cookie_store::CookieStore;\nuse bevy::prelude::*;\n\
            struct Client { h: Arc<RwLock<DiffHandler>>, plain: http::Request<u8>, w: tokio::sync::Mutex<Wrapper<gluesql::Storage>>, s: Mutex<State> }\n\
            struct State { shard: Shard }\ntype Shard = moka::Cache<u8, u8>;\n\
            struct Rooms { by_id: std::collections::HashMap<u8, u8> }\nstruct Plain { n: u8 }\n\
            fn serve(s: matchbox::StateObj<Rooms>, p: other::Handle<Plain>, q: Vec<Rooms>) {}\n\
            fn jar() -> Arc<Mutex<CookieStore>> { Arc::new(Mutex::new(CookieStore::default())) }\n\
            fn pool() { let p = parking_lot::Mutex::new(deadpool::Pool::new()); let s = serde_json::to_string(&1); }\n\
            fn glob() -> Mutex<Assets> { Mutex::new(Assets::default()) }\n\
            fn bound() -> Arc<Mutex<Crossroads>> { let cr = dbus_crossroads::Crossroads::new(); let b = bytes::Bytes::new(); Arc::new(Mutex::new(cr)) }\n\
            mod inner { use super::*; static S: std::sync::Mutex<Option<lru::LruCache<u8, u8>>> = std::sync::Mutex::new(None); }\n\
            lazy_static::lazy_static! { static ref R: Mutex<prometheus::Registry> = Mutex::new(prometheus::Registry::new()); }\n";
        let got = crates(src);
        for locked in [
            "naia_shared",
            "cookie_store",
            "gluesql",
            "deadpool",
            "bevy",
            "lru",
            "prometheus",
            "moka",
            "matchbox",
            "dbus_crossroads",
        ] {
            assert!(got.iter().any(|c| c == locked), "{locked} in {got:?}");
        }
        // Named outside locks, or the lock's own crate.
        for unlocked in [
            "http",
            "bytes",
            "serde_json",
            "tokio",
            "parking_lot",
            "std",
            "other",
            "Vec",
        ] {
            assert!(!got.iter().any(|c| c == unlocked), "{unlocked} in {got:?}");
        }
    }
}
