//! Pass 1: facts about types that hold across all files of a crate.
//!
//! Collected before any lint runs, so that a mutation in `handlers.rs` can be
//! traced to a `static` in `state.rs`, a struct field declared in another
//! module, a type alias, or a `use ... as ...` rename.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use syn::parse::{Parse, ParseStream, Parser};
use syn::visit::Visit;

use super::ty::{
    self, CELL_NAMES, Flavor, INT_NAMES, LOCK_NAMES, MAP_NAMES, SET_NAMES, Shape, WRAP_NAMES,
    flavor_of_path, is_atomic_name,
};
use crate::diagnostic::Span;

/// A `static` item (including the bodies of `lazy_static!` and `thread_local!`).
#[derive(Clone, Debug)]
pub struct StaticFact {
    /// The declared type.
    pub ty: syn::Type,
    /// `static mut`.
    pub mutable: bool,
    /// Declared in `thread_local!`: one per thread, never shared.
    pub thread_local: bool,
    /// Where the name is declared.
    pub decl: Span,
}

/// A struct item.
#[derive(Clone, Debug)]
pub struct StructFact {
    /// Field name (or index for tuple structs), type and declaration span.
    pub fields: Vec<(String, syn::Type, Span)>,
}

/// Everything pass 1 knows about a crate.
#[derive(Debug, Default)]
pub struct Facts {
    /// Statics by name.
    pub statics: HashMap<String, StaticFact>,
    /// Structs by name.
    pub structs: HashMap<String, StructFact>,
    /// Type aliases by name.
    pub aliases: HashMap<String, syn::Type>,
    /// `use` imports: the local name and the full path it stands for.
    pub imports: HashMap<String, String>,
    /// Structs that are put in an `Arc` or a `static` somewhere in the crate.
    pub shared_structs: HashSet<String>,
}

impl Facts {
    /// Collects facts from the parsed files of one crate.
    pub fn collect<'a>(files: impl IntoIterator<Item = (&'a Path, &'a syn::File)>) -> Facts {
        let mut facts = Facts::default();
        for (path, file) in files {
            let mut c = Collector {
                facts: &mut facts,
                file: path,
            };
            c.visit_file(file);
        }
        facts
    }

    /// The name a path refers to after `use` renames, and its full path as far as known.
    pub fn resolve(&self, path: &syn::Path) -> (String, String) {
        let Some(last) = path.segments.last() else {
            return (String::new(), String::new());
        };
        if path.segments.len() == 1 {
            let name = last.ident.to_string();
            if let Some(full) = self.imports.get(&name) {
                let real = full.rsplit("::").next().unwrap_or(full).to_string();
                return (real, full.clone());
            }
            return (name.clone(), name);
        }
        let full = path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::");
        let first = path.segments[0].ident.to_string();
        let full = match self.imports.get(&first) {
            Some(prefix) => format!("{prefix}::{full}"),
            None => full,
        };
        (last.ident.to_string(), full)
    }

    /// The shape of a type; `self_ty` replaces `Self`.
    pub fn shape_of(&self, ty: &syn::Type, self_ty: Option<&str>) -> Shape {
        self.shape_depth(ty, self_ty, 0)
    }

    fn shape_depth(&self, ty: &syn::Type, self_ty: Option<&str>, depth: usize) -> Shape {
        if depth > 16 {
            return Shape::Unknown;
        }
        match ty {
            syn::Type::Path(tp) => self.path_shape(&tp.path, self_ty, depth),
            syn::Type::Reference(r) => {
                Shape::Wrap(Box::new(self.shape_depth(&r.elem, self_ty, depth + 1)))
            }
            syn::Type::Paren(p) => self.shape_depth(&p.elem, self_ty, depth + 1),
            syn::Type::Group(g) => self.shape_depth(&g.elem, self_ty, depth + 1),
            syn::Type::Tuple(t) => Shape::Other(
                t.elems
                    .iter()
                    .map(|e| self.shape_depth(e, self_ty, depth + 1))
                    .collect(),
            ),
            syn::Type::Array(a) => {
                Shape::Other(vec![self.shape_depth(&a.elem, self_ty, depth + 1)])
            }
            syn::Type::Slice(a) => {
                Shape::Other(vec![self.shape_depth(&a.elem, self_ty, depth + 1)])
            }
            _ => Shape::Unknown,
        }
    }

    /// The shape named by a path with its generic arguments.
    pub fn path_shape(&self, path: &syn::Path, self_ty: Option<&str>, depth: usize) -> Shape {
        let (mut name, full) = self.resolve(path);
        if name == "Self" {
            match self_ty {
                Some(s) => name = s.to_string(),
                None => return Shape::Unknown,
            }
        }
        let args: Vec<&syn::Type> = path.segments.last().map(ty::type_args).unwrap_or_default();
        let arg = |i: usize| -> Shape {
            args.get(i)
                .map(|t| self.shape_depth(t, self_ty, depth + 1))
                .unwrap_or(Shape::Unknown)
        };
        let n = name.as_str();
        if MAP_NAMES.contains(&n) {
            return Shape::Map {
                name,
                value: Box::new(arg(1)),
            };
        }
        if SET_NAMES.contains(&n) {
            return Shape::Map {
                name,
                value: Box::new(Shape::Unknown),
            };
        }
        if n == "Arc" {
            return Shape::Arc(Box::new(arg(0)));
        }
        if n == "Rc" {
            return Shape::Rc(Box::new(arg(0)));
        }
        if LOCK_NAMES.contains(&n) {
            return Shape::Lock {
                flavor: flavor_of_path(&full),
                inner: Box::new(arg(0)),
            };
        }
        if WRAP_NAMES.contains(&n) {
            return Shape::Wrap(Box::new(arg(0)));
        }
        if CELL_NAMES.contains(&n) {
            return Shape::Cell(Box::new(arg(0)));
        }
        if INT_NAMES.contains(&n) {
            return Shape::Int;
        }
        if is_atomic_name(n) {
            return Shape::Atomic;
        }
        if let Some(alias) = self.aliases.get(n) {
            return self.shape_depth(alias, self_ty, depth + 1);
        }
        if self.structs.contains_key(n) {
            return Shape::Named(name);
        }
        if n == "Vec" || n == "VecDeque" {
            return Shape::Other(vec![arg(0)]);
        }
        Shape::Unknown
    }

    /// The shape and declaration of a struct's field.
    pub fn field(&self, strukt: &str, field: &str) -> Option<(Shape, Span)> {
        let s = self.structs.get(strukt)?;
        let (_, ty, span) = s.fields.iter().find(|(n, _, _)| n == field)?;
        Some((self.shape_of(ty, Some(strukt)), span.clone()))
    }

    /// Whether a shape holds a map anywhere (through locks, cells, containers, structs).
    pub fn holds_map(&self, shape: &Shape, seen: &mut HashSet<String>) -> bool {
        match shape {
            Shape::Map { .. } => true,
            Shape::Arc(i) | Shape::Wrap(i) | Shape::Rc(i) | Shape::Cell(i) => {
                self.holds_map(i, seen)
            }
            Shape::Lock { inner, .. } => self.holds_map(inner, seen),
            Shape::Other(v) => v.iter().any(|s| self.holds_map(s, seen)),
            Shape::Named(n) => {
                if !seen.insert(n.clone()) {
                    return false;
                }
                let Some(s) = self.structs.get(n) else {
                    return false;
                };
                s.fields
                    .iter()
                    .any(|(_, ty, _)| self.holds_map(&self.shape_of(ty, Some(n)), seen))
            }
            Shape::Int | Shape::Atomic | Shape::Unknown => false,
        }
    }

    /// If `unsafe impl Sync` (`sync`) or `unsafe impl Send` for struct `name`
    /// lets two threads reach one of its maps without a lock, the field that
    /// holds it. For `Sync`: a map behind a cell (`UnsafeCell`, `RefCell`,
    /// `Cell`) or an `Rc`; for `Send`: a map behind an `Rc`. A plain map field
    /// is not reported: through `&T` it can only be read, and moving it to
    /// another thread is sound.
    pub fn racy_map_field(
        &self,
        name: &str,
        sync: bool,
        seen: &mut HashSet<String>,
    ) -> Option<Span> {
        if !seen.insert(name.to_string()) {
            return None;
        }
        let s = self.structs.get(name)?;
        // An atomic flag beside the cell is most likely a hand-written lock
        // (a spin lock or a seqlock): trust it rather than risk a false positive.
        let hand_written_lock = s.fields.iter().any(|(_, ty, _)| {
            let mut names = Vec::new();
            type_idents(ty, &mut names);
            names.iter().any(|n| n.starts_with("Atomic"))
        });
        if hand_written_lock {
            return None;
        }
        for (_, ty, span) in &s.fields {
            let shape = self.shape_of(ty, Some(name));
            if self.racy(&shape, sync, false, false, seen) {
                return Some(span.clone());
            }
        }
        None
    }

    fn racy(
        &self,
        shape: &Shape,
        sync: bool,
        cell: bool,
        rc: bool,
        seen: &mut HashSet<String>,
    ) -> bool {
        match shape {
            Shape::Map { .. } => rc || (sync && cell),
            Shape::Cell(i) => self.racy(i, sync, true, rc, seen),
            Shape::Rc(i) => self.racy(i, sync, cell, true, seen),
            Shape::Arc(i) | Shape::Wrap(i) => self.racy(i, sync, cell, rc, seen),
            Shape::Lock { .. } => false,
            Shape::Other(v) => v.iter().any(|s| self.racy(s, sync, cell, rc, seen)),
            Shape::Named(n) => {
                if cell || rc {
                    // the whole struct is behind the cell or Rc: any map in it counts
                    self.holds_map(shape, &mut seen.clone())
                } else {
                    self.racy_map_field(n, sync, seen).is_some()
                }
            }
            Shape::Int | Shape::Atomic | Shape::Unknown => false,
        }
    }

    /// Whether a `Mutex`/`RwLock` path names a poisoning lock.
    pub fn flavor_of(&self, path: &syn::Path) -> Flavor {
        flavor_of_path(&self.resolve(path).1)
    }
}

struct Collector<'f> {
    facts: &'f mut Facts,
    file: &'f Path,
}

impl Collector<'_> {
    fn add_static(&mut self, ident: &syn::Ident, ty: &syn::Type, mutable: bool, tl: bool) {
        let decl = Span::from_pm2(self.file, ident.span());
        if !tl {
            let mut names = Vec::new();
            type_idents(ty, &mut names);
            self.facts.shared_structs.extend(names);
        }
        let name = ident.to_string();
        // A shared static wins over a thread-local of the same name in another module.
        if let Some(old) = self.facts.statics.get(&name)
            && !old.thread_local
            && tl
        {
            return;
        }
        self.facts.statics.insert(
            name,
            StaticFact {
                ty: ty.clone(),
                mutable,
                thread_local: tl,
                decl,
            },
        );
    }

    fn add_use(&mut self, prefix: &str, tree: &syn::UseTree) {
        let join = |p: &str, i: &syn::Ident| {
            if p.is_empty() {
                i.to_string()
            } else {
                format!("{p}::{i}")
            }
        };
        match tree {
            syn::UseTree::Path(p) => self.add_use(&join(prefix, &p.ident), &p.tree),
            syn::UseTree::Name(n) => {
                if n.ident != "self" {
                    self.facts
                        .imports
                        .insert(n.ident.to_string(), join(prefix, &n.ident));
                } else if let Some(last) = prefix.rsplit("::").next() {
                    self.facts
                        .imports
                        .insert(last.to_string(), prefix.to_string());
                }
            }
            syn::UseTree::Rename(r) => {
                self.facts
                    .imports
                    .insert(r.rename.to_string(), join(prefix, &r.ident));
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.add_use(prefix, t);
                }
            }
            syn::UseTree::Glob(_) => {}
        }
    }
}

/// Every last path segment named in a type, e.g. `LazyLock<AppState>` gives
/// `LazyLock` and `AppState`.
fn type_idents(ty: &syn::Type, out: &mut Vec<String>) {
    struct V<'o>(&'o mut Vec<String>);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_path(&mut self, p: &'ast syn::Path) {
            if let Some(l) = p.segments.last() {
                self.0.push(l.ident.to_string());
            }
            syn::visit::visit_path(self, p);
        }
    }
    V(out).visit_type(ty);
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        let mutable = matches!(s.mutability, syn::StaticMutability::Mut(_));
        self.add_static(&s.ident, &s.ty, mutable, false);
        syn::visit::visit_item_static(self, s);
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        let fields = s
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let (name, span) = match &f.ident {
                    Some(id) => (id.to_string(), id.span()),
                    None => (i.to_string(), syn::spanned::Spanned::span(&f.ty)),
                };
                (name, f.ty.clone(), Span::from_pm2(self.file, span))
            })
            .collect();
        self.facts
            .structs
            .insert(s.ident.to_string(), StructFact { fields });
        syn::visit::visit_item_struct(self, s);
    }

    fn visit_item_type(&mut self, t: &'ast syn::ItemType) {
        self.facts
            .aliases
            .insert(t.ident.to_string(), (*t.ty).clone());
        syn::visit::visit_item_type(self, t);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.add_use("", &u.tree);
    }

    fn visit_type_path(&mut self, tp: &'ast syn::TypePath) {
        if let Some(last) = tp.path.segments.last()
            && (last.ident == "Arc" || last.ident == "Data")
            && let syn::PathArguments::AngleBracketed(a) = &last.arguments
        {
            for g in &a.args {
                if let syn::GenericArgument::Type(t) = g {
                    let mut names = Vec::new();
                    type_idents(t, &mut names);
                    self.facts.shared_structs.extend(names);
                }
            }
        }
        syn::visit::visit_type_path(self, tp);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func
            && p.path.segments.len() >= 2
            && p.path.segments[p.path.segments.len() - 2].ident == "Arc"
            && let Some(arg) = c.args.first()
        {
            match arg {
                syn::Expr::Struct(s) => {
                    if let Some(l) = s.path.segments.last() {
                        self.facts.shared_structs.insert(l.ident.to_string());
                    }
                }
                syn::Expr::Call(inner) => {
                    if let syn::Expr::Path(ip) = &*inner.func
                        && ip.path.segments.len() >= 2
                    {
                        let n = ip.path.segments.len();
                        self.facts
                            .shared_structs
                            .insert(ip.path.segments[n - 2].ident.to_string());
                    }
                }
                _ => {}
            }
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let Some(last) = m.path.segments.last() else {
            return;
        };
        if last.ident == "lazy_static" {
            if let Ok(items) = Parser::parse2(parse_macro_statics, m.tokens.clone()) {
                for s in items {
                    self.add_static(&s.ident, &s.ty, false, false);
                }
            }
        } else if last.ident == "thread_local"
            && let Ok(items) = Parser::parse2(parse_macro_statics, m.tokens.clone())
        {
            for s in items {
                self.add_static(&s.ident, &s.ty, false, true);
            }
        }
    }
}

/// One `static [ref] NAME: TYPE = EXPR;` inside `lazy_static!` or `thread_local!`.
pub struct MacroStatic {
    /// The name.
    pub ident: syn::Ident,
    /// The type.
    pub ty: syn::Type,
    /// The initialiser.
    pub init: syn::Expr,
}

impl Parse for MacroStatic {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let _ = input.call(syn::Attribute::parse_outer)?;
        let _: syn::Visibility = input.parse()?;
        let _: syn::Token![static] = input.parse()?;
        if input.peek(syn::Token![ref]) {
            let _: syn::Token![ref] = input.parse()?;
        }
        let ident: syn::Ident = input.parse()?;
        let _: syn::Token![:] = input.parse()?;
        let ty: syn::Type = input.parse()?;
        let _: syn::Token![=] = input.parse()?;
        if input.peek(syn::Token![const]) && input.peek2(syn::token::Brace) {
            let _: syn::Token![const] = input.parse()?;
        }
        let init: syn::Expr = input.parse()?;
        Ok(MacroStatic { ident, ty, init })
    }
}

/// Parses the body of `lazy_static!` or `thread_local!`.
pub fn parse_macro_statics(input: ParseStream<'_>) -> syn::Result<Vec<MacroStatic>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        out.push(input.parse()?);
        if input.peek(syn::Token![;]) {
            let _: syn::Token![;] = input.parse()?;
        } else {
            break;
        }
    }
    Ok(out)
}
