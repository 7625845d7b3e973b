//! Pass 1: the facts of one package, collected before any lint runs, so
//! that a mutation in `handlers.rs` can be traced to a `static` in
//! `state.rs`, a struct field declared in another module, a type alias or a
//! `use ... as ...` rename.
//!
//! Every item is keyed by its full path (`demo::state::SESSIONS`), every
//! module keeps its own `use` table and glob imports, and a name is resolved
//! from the module it is written in: local items, then `use`s, then globs,
//! then the crate roots of the package. A name that does not resolve keeps
//! the path it was written with (`reqwest::Client`, or a bare `Mutex`), so
//! the crate's own types are never confused with another crate's.
//!
//! Collection is two phases: phase A records what each file declares, with
//! the raw paths it names; phase B, once every module's `use` table is
//! known, resolves those paths (which types are put in an `Arc`, which
//! `&mut self` methods mutate a map field).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use syn::parse::{Parse, ParseStream, Parser};
use syn::visit::Visit;

use super::macro_rules::{CrateMacros, LocalMacros, Stands, which_stands};
use super::ty::{
    self, CELL_NAMES, FRAMEWORK_WRAPPERS, INT_NAMES, LOCK_NAMES, MAP_NAMES, SET_NAMES, Shape,
    WRAP_NAMES, flavor_of_path, is_atomic_name,
};
use super::{test_scope, thread_reach};
use crate::diagnostic::Span;

/// A `static` item (including the bodies of `lazy_static!` and `thread_local!`).
#[derive(Clone, Debug)]
pub(crate) struct StaticFact {
    /// The declared type.
    pub(crate) ty: syn::Type,
    /// The module its type is written in.
    pub(crate) module: String,
    /// `static mut`.
    pub(crate) mutable: bool,
    /// Declared in `thread_local!`: one per thread, never shared.
    pub(crate) thread_local: bool,
    /// Where the name is declared.
    pub(crate) decl: Span,
    /// The function whose body declares it: only that body names it.
    pub(crate) fn_scope: Option<Span>,
    /// Declared inside a `#[test]` function (or a function nested in one):
    /// only that test reaches it.
    pub(crate) in_test_fn: bool,
}

/// A struct item.
#[derive(Clone, Debug)]
pub(crate) struct StructFact {
    /// The module its field types are written in.
    pub(crate) module: String,
    /// Field name (or index for tuple structs), type and declaration span.
    pub(crate) fields: Vec<(String, syn::Type, Span)>,
}

/// A function of phase A: its `Self` type's path, its name, its fact, and the
/// paths of a return type kept only in case one names a type alias (`-> Shared`
/// for `type Shared = Arc<Mutex<..>>`).
type RawFn = (
    Option<Vec<String>>,
    String,
    FnFact,
    Option<Vec<Vec<String>>>,
);

/// What a function gives the closures it takes (`fn current<R>(f: impl
/// FnOnce(&mut World) -> R)`): for each closure parameter, by its index
/// among the function's arguments, the types of the closure's parameters.
#[derive(Clone, Debug)]
pub(crate) struct Callbacks {
    /// The module the types are written in.
    pub(crate) module: String,
    /// The full path of `Self` for methods.
    pub(crate) self_ty: Option<String>,
    /// Argument index (not counting `self`) and the closure's parameter types.
    pub(crate) args: Vec<(usize, Vec<syn::Type>)>,
}

/// A function whose return type may lead to a shared value.
#[derive(Clone, Debug)]
pub(crate) struct FnFact {
    /// The return type.
    pub(crate) ret: syn::Type,
    /// The module it is written in.
    pub(crate) module: String,
    /// The full path of `Self` for methods.
    pub(crate) self_ty: Option<String>,
    /// Its body takes a lock (`.lock()`, `.write()`, `.read()`, ..).
    pub(crate) locks: bool,
    /// For a function returning `&'static mut T`: the one-segment paths its
    /// body names, among them the `static mut` it hands out
    /// (`fn profiler() -> &'static mut P { unsafe { PROFILER.get_or_insert_with(..) } }`).
    pub(crate) static_mut_candidates: Vec<String>,
}

/// A `&mut self` method (its type and name) that calls a method (its
/// type and name) on `self`, on a field of `self` (the field), or on what
/// another method of `self` hands back (`None`): a mutator if that one is.
type SpreadCall = (String, String, String, String, Option<String>);

/// The `use` table of one module.
#[derive(Clone, Debug, Default)]
pub(crate) struct Module {
    /// Local name to the path it stands for (`crate`, `self`, `super` replaced).
    uses: HashMap<String, String>,
    /// Paths of `use path::*`.
    globs: Vec<String>,
    /// Names of the items declared in the module (and in its function bodies).
    items: HashSet<String>,
    /// Names whose `use` is under `#[cfg(feature = ..)]`: another `use` of
    /// the name, the default build's, takes their place.
    feature_uses: HashSet<String>,
    /// Names whose `use` is `pub` (or `pub(crate)`, ..): only those reach a
    /// module that glob-imports this one.
    pub_uses: HashSet<String>,
}

/// A `&mut self` method that mutates a field of its type (`self.map.insert(..)`)
/// or calls another method of it (`self.remove_internal(..)`), before resolution.
struct RawMutator {
    self_ty: Vec<String>,
    module: String,
    method: String,
    /// The field it mutates, or the method it calls.
    target: MutatorTarget,
}

enum MutatorTarget {
    Field(String),
    SelfCall(String),
    /// A method called on a field (`self.perm_map.insert(..)`): a mutator
    /// when the field's type is the package's and that method is its mutator.
    FieldCall(String, String),
    /// A map field whose values the method counts (`*self.hits.entry(k).or_insert(0) += 1`).
    Counter(String),
    /// A field lent as `&mut` to a function of the package: its path, the
    /// argument's position, the field (`Self::create_internal(&mut self.infos, k)`).
    HandedField(Vec<String>, usize, String),
    /// The whole value replaced (`*self = new`, `mem::replace(self, ..)`):
    /// its map fields with it.
    Whole,
    /// A method called on what another method of `self` hands back, or on
    /// a field of it: the method of `self`, the fields (dotted, may be
    /// empty) and the method called (`if let Some(c) = self.get_container(id)
    /// { c.logs.insert(t) }`).
    Returned(String, String, String),
}

/// Crates whose one-parameter generic types are known, or are channels,
/// handles and futures rather than `Deref` wrappers.
const NOT_DEREF_CRATES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "tokio",
    "futures",
    "futures_util",
    "futures_channel",
    "async_std",
    "smol",
    "crossbeam",
    "crossbeam_channel",
    "flume",
    "async_channel",
    "serde",
];

/// One-parameter types of other crates that do not deref to it.
const NOT_DEREF_NAMES: &[&str] = &["PhantomData", "Slab", "BinaryHeap", "LinkedList"];

/// Name endings of other crates' one-parameter types that carry or hand
/// out values of their parameter rather than deref to one: channels, event
/// proxies, handles (`winit::EventLoopProxy<UserEvent>`, `Sender<Msg>`,
/// `JoinHandle<T>`, bevy's `Handle<Image>`, `EventWriter<E>`).
const MESSAGING_SUFFIXES: &[&str] = &[
    "Sender",
    "Receiver",
    "Proxy",
    "Handle",
    "Channel",
    "Queue",
    "Stream",
    "Sink",
    "Future",
    "Publisher",
    "Subscriber",
    "Subscription",
    "Mailbox",
    "Recipient",
    "Addr",
    "Tx",
    "Rx",
    "Writer",
    "Reader",
];

/// Whether another crate's one-parameter type named `name` does not deref
/// to its parameter (a channel, handle or proxy: [`MESSAGING_SUFFIXES`]).
fn not_a_deref_wrapper(name: &str) -> bool {
    NOT_DEREF_NAMES.contains(&name) || MESSAGING_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Everything pass 1 knows about a package.
#[derive(Default)]
pub(crate) struct Facts {
    /// The package's `macro_rules!` by name, for invocations in other files.
    pub(crate) crate_macros: std::rc::Rc<CrateMacros>,
    modules: HashMap<String, Module>,
    statics: HashMap<String, StaticFact>,
    /// Every `static` declared in a function body, by full path: two
    /// functions of a module may each declare their own `static CACHE`.
    body_statics: Vec<(String, StaticFact)>,
    structs: HashMap<String, StructFact>,
    /// The structs read from dependencies' sources.
    foreign_structs: HashSet<String>,
    /// Those of them with a map field of their own: known once every
    /// dependency is imported (see [`Facts::classify`]).
    foreign_map_owners: HashSet<String>,
    /// The crate roots of the dependencies read from their sources.
    foreign_roots: HashSet<String>,
    /// The package's traits by full path: a `dyn` of one is named by it,
    /// for the `&self` accessors it declares.
    traits: HashSet<String>,
    /// The features on, when known (a dependency: those its dependent
    /// turns on, with its defaults): a `use` under `cfg(feature = "x")`
    /// is the build's when `x` is on, and one under `cfg(not(feature =
    /// "x"))` when it is off. `None`: every `cfg(feature)` alternative
    /// gives way to the default build's.
    pub(crate) features: Option<HashSet<String>>,
    /// Methods of the package's own traits implemented for a lock type that
    /// hand back its guard (`SafeLock::safe_lock` for `parking_lot::Mutex<T>`):
    /// name to whether the guard is a write guard.
    lock_ext_methods: HashMap<String, bool>,
    /// A 2015-edition package: `use templates::Context;` and `::templates::Context`
    /// start at the crate root.
    pub(crate) edition2015: bool,
    /// A program (no library) that lends nothing to scoped threads: its
    /// types are shared only as its own code shares them (see
    /// [`Facts::kept_by_program`]).
    pub(crate) whole_program: bool,
    /// Fields whose value is cloned or handed out somewhere
    /// (`self.docs.clone()`, `Arc::clone(&s.docs)`), or set from a value
    /// made elsewhere (`State { docs }`): an `Arc` in one has other owners.
    escaping_fields: HashSet<String>,
    /// An `Arc::new(x)` of a binding whose type is not written: which
    /// struct it shares is not known.
    untyped_arc: bool,
    /// Earlier definitions of a struct's full path: the `cfg` alternatives of
    /// one module (`#[cfg(windows)] #[path = "windows.rs"] mod platform;`
    /// beside a `macos` one), each with its own fields.
    struct_alternatives: HashMap<String, Vec<StructFact>>,
    /// Type aliases by full path: the type, its module, its type parameters.
    aliases: HashMap<String, (syn::Type, String, Vec<String>)>,
    fns: HashMap<String, FnFact>,
    /// Last name to full paths, for names that do not resolve.
    struct_names: HashMap<String, Vec<String>>,
    static_names: HashMap<String, Vec<String>>,
    /// Last names of the functions with a recorded return type.
    fn_names: HashSet<String>,
    /// Names of the `&mut self` methods that mutate a map field.
    mutator_names: HashSet<String>,
    /// A dependency renamed in the manifest: the name the code uses, and its crate root.
    crate_aliases: HashMap<String, String>,
    /// Structs put in an `Arc`, a `static` or a framework's shared state, and
    /// the structs held in their fields.
    shared_structs: HashSet<String>,
    /// Types with `unsafe impl Sync`.
    unsafe_sync: HashSet<String>,
    /// `(type, method)` of `&mut self` methods that mutate a map field: the field and its declaration.
    mutators: HashMap<(String, String), (String, Span)>,
    /// The types that have such a method, once every fact is in.
    mutated_types: HashSet<String>,
    /// `&mut self` methods (type, method) that count in one of the type's
    /// maps, to the map field.
    counters: HashMap<(String, String), String>,
    /// Their names, to skip other method calls quickly.
    counter_names: HashSet<String>,
    /// Types with `impl Deref`: the target type and the module it is written in.
    derefs: HashMap<String, (syn::Type, String)>,
    /// `(last name of the self type, method)` of every method of an impl
    /// block: a type's own method wins over the one of its `Deref` target.
    own_methods: HashSet<(String, String)>,
    /// The package's generic pointer types, by the number of the type
    /// parameter they point to: a struct that wraps a `Weak<T>`/`Arc<T>` and
    /// gives it back with a `&self` method returning `Arc<T>`/`Option<Arc<T>>`
    /// (`struct WeakOpt<T>(Option<Weak<T>>)`), and one that derefs to `T`
    /// (a hand-written `Arc<T>` or `Lazy<T, F>`).
    ptr_wrappers: HashMap<String, (usize, PtrKind)>,
    /// Types that are `Clone` (derived or implemented).
    clones: HashSet<String>,
    /// Functions that mutate what a `&mut` parameter points to
    /// (`fn remove_from(store: &mut Store, ..) { store.remove(..) }`), by
    /// full path: the parameter's number (not counting `self`) and the field
    /// mutated, if not the parameter itself.
    param_mutators: HashMap<String, Vec<ParamMutation>>,
    /// Last names of those functions.
    param_mutator_names: HashSet<String>,
    /// The package's own generic locks (`struct Mutex<T>(std::sync::Mutex<T>)`
    /// with `fn lock(&self) -> MutexGuard<'_, T>`, a `SharedRwLock<T>` over an
    /// `Arc<RwLock<T>>`), by the number of the type parameter they guard.
    lock_wrappers: HashMap<String, LockWrapper>,
    /// What `resolve_first` found for a name in a module (see there).
    resolved: std::cell::RefCell<HashMap<(String, String), String>>,
    /// Methods of the package's traits implemented for `Option<T>` or
    /// `Result<T, E>` that hand back the same `T` in a `Result` or an
    /// `Option` (`.error("..")?`): seen through as `ok_or` is.
    option_ext_methods: HashSet<String>,
    /// Names of those methods (`upgrade`): they yield the pointer.
    upgrade_methods: HashSet<String>,
    /// Type parameters of the generic structs.
    struct_params: HashMap<String, Vec<String>>,
    /// The package's generic enums that hold nothing but one type parameter
    /// (`enum Phase<T> { Ready, Running(T) }`): that parameter's index.
    option_like: HashMap<String, usize>,
    /// Their variants that hold it (`Running`).
    option_like_variants: HashSet<String>,
    /// `macro_rules!` of the package by name: for a lock helper
    /// (`($m:expr) => { $m.lock().unwrap() }`), its metavariable and body;
    /// `None` for any other macro, or when two macros share the name.
    macros: HashMap<String, Option<LockMacro>>,
    /// Whether the definition kept in `macros` is behind `#[cfg(feature)]`:
    /// the default build's definition wins over a feature's.
    macro_feature_only: HashMap<String, bool>,
    // phase A leftovers, resolved in phase B
    raw_shared: Vec<(Vec<String>, String)>,
    /// `Arc::new(build_registry())`: the function called and the module it
    /// is called in; what it returns is shared.
    raw_arc_calls: Vec<(Vec<String>, String)>,
    raw_unsafe_sync: Vec<(Vec<String>, String)>,
    raw_mutators: Vec<RawMutator>,
    raw_fns: Vec<RawFn>,
    /// Functions that take closures, before their `Self` types are resolved.
    raw_callbacks: Vec<(Option<Vec<String>>, String, Callbacks)>,
    /// Functions that take closures, by full path: what each closure is given.
    callbacks: HashMap<String, Callbacks>,
    /// Their names, for a method call checked before its receiver is valued.
    callback_names: HashSet<String>,
    raw_derefs: Vec<RawDeref>,
    raw_upgrades: Vec<RawGenericMethod>,
    raw_clones: Vec<(Vec<String>, String)>,
    raw_lock_methods: Vec<RawGenericMethod>,
    raw_param_mutators: Vec<RawParamMutators>,
    /// (self type as written, module, method, what it hands its closure).
    raw_closure_guards: Vec<(Vec<String>, String, String, ClosureGuard)>,
    /// Methods (by full path) that lock a field of `self` and hand the
    /// guard to a closure parameter.
    closure_guards: HashMap<String, ClosureGuard>,
    /// Their names: a method call of another name is not looked at.
    closure_guard_names: HashSet<String>,
    /// Every function body, for the call graph of [`thread_reach`].
    raw_bodies: Vec<thread_reach::RawBody>,
    /// Which functions may let what they touch reach another thread.
    reach: thread_reach::Reach,
}

/// What a function body does to its `&mut` parameters, before resolution.
struct RawParamMutators {
    self_ty: Option<Vec<String>>,
    module: String,
    name: String,
    uses: ParamUses,
}

/// How a body uses its `&mut` parameters.
#[derive(Default)]
struct ParamUses {
    /// Map methods called on a parameter or its field.
    direct: Vec<ParamMutation>,
    /// Other methods called on a parameter or its field (dotted), with the
    /// type the parameter points to: the package's own `&mut self`
    /// mutators among them (`inner.upsert(..)`, `store.ban_list.ban(ip)`).
    calls: Vec<(ParamMutation, String, syn::Type)>,
    /// A parameter (or its field) handed on to another function of the
    /// package: see [`HandOn`].
    hand_ons: Vec<HandOn>,
}

/// `helper(p, ..)`, `Self::helper(&mut p.entries)`, `self.helper(&mut *p)`:
/// parameter `param` (its `field`, if named) handed on as argument `arg`
/// (not counting `self`) of the function the path names (`Self` for a
/// method called on `self`).
#[derive(Debug)]
struct HandOn {
    param: usize,
    field: Option<String>,
    callee: Vec<String>,
    arg: usize,
}

/// A `&mut` parameter a function mutates: its number (not counting `self`)
/// and the field of it mutated, if not the parameter itself.
pub(crate) type ParamMutation = (usize, Option<String>);

/// Stands for a generic type's parameter while a shape written with it is
/// computed (`Target = T`, `fn upgrade(&self) -> Option<Arc<T>>`).
const PARAM: &str = "<param>";

/// One of the package's own generic locks, as [`Shape::Lock`] of its
/// parameter number `param`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LockWrapper {
    param: usize,
    /// `Std` when its lock method hands the caller a `Result` or `Option`
    /// that is `Err`/`None` once a std lock inside is poisoned: unwrapping
    /// it is a poison cascade. A guard handed back bare means the wrapper
    /// dealt with poisoning itself.
    flavor: ty::Flavor,
    /// Whether it holds its lock in an `Arc` (`SharedMutex<T>(Arc<Mutex<T>>)`),
    /// so that clones share it.
    shared: bool,
}

/// What one of the package's generic pointer types is to its parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PtrKind {
    /// Shares it between threads, as `Arc<T>` (or `Weak<T>`) does.
    Arc,
    /// Shares it within one thread, as `Rc<T>` does.
    Rc,
    /// Holds it on its own, as `Box<T>` or `LazyLock<T>` do.
    Owned,
}

/// An `impl Deref` of the package, before resolution.
struct RawDeref {
    self_ty: Vec<String>,
    /// The impl's arguments of the self type, as in [`RawGenericMethod`].
    self_args: Vec<String>,
    module: String,
    target: syn::Type,
}

/// A local `macro_rules!` whose first rule takes one expression and takes its
/// lock: `($m:expr) => { $m.lock().unwrap() }`.
#[derive(Clone, Debug)]
pub(crate) struct LockMacro {
    /// The metavariable (`m`).
    pub(crate) var: String,
    /// The rule's body, expanded by substituting the metavariable.
    pub(crate) body: proc_macro2::TokenStream,
}

/// A `&self` method of a generic type that returns an `Arc`/`Rc`, or a
/// lock method (`lock`, `write`, `read`, ..), before resolution.
#[derive(Clone)]
struct RawGenericMethod {
    self_ty: Vec<String>,
    /// The impl's arguments of the self type (`T` of `impl<T> WeakOpt<T>`); `""` when not a name.
    self_args: Vec<String>,
    module: String,
    method: String,
    ret: syn::Type,
}

/// The facts of a package's library that other packages of the run may
/// use: its modules' `use` tables, statics, structs, aliases, functions and
/// what is known of them, with every type kept as source text so that it
/// can move to the thread that lints a dependent package (syntax trees
/// cannot leave the thread that parsed them).
/// An exported struct: full path, module, fields (name, type text, declaration).
type ExportedStruct = (String, String, Vec<(String, String, Span)>);

#[derive(Debug, Default)]
pub(crate) struct Exported {
    /// The library's root module (its crate name).
    pub(crate) root: String,
    /// The roots of the crates read for it and exported with it (the
    /// dependencies it re-exports or whose types its fields hold).
    also: Vec<String>,
    /// Read from a dependency's sources rather than linted in this run.
    foreign: bool,
    modules: Vec<(String, Module)>,
    statics: Vec<(String, String, String, bool, bool, Span)>,
    structs: Vec<ExportedStruct>,
    aliases: Vec<(String, String, String, Vec<String>)>,
    fns: Vec<(String, String, String, Option<String>)>,
    shared_structs: Vec<String>,
    unsafe_sync: Vec<String>,
    mutators: Vec<((String, String), (String, Span))>,
    /// Full path, target type text, module.
    derefs: Vec<(String, String, String)>,
    own_methods: Vec<(String, String)>,
    ptr_wrappers: Vec<(String, (usize, PtrKind))>,
    lock_wrappers: Vec<(String, LockWrapper)>,
    param_mutators: Vec<(String, Vec<ParamMutation>)>,
    upgrade_methods: Vec<String>,
}

/// The entries of a map keyed by full path that belong to the exported library.
fn entries_of<V: Clone>(map: &HashMap<String, V>, ours: &dyn Fn(&str) -> bool) -> Vec<(String, V)> {
    map.iter()
        .filter(|(k, _)| ours(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A type as source text, for the shapes facts care about: paths with
/// generic arguments, references, tuples, arrays and slices. Anything else
/// is written `_`, which reads back as an unknown type.
fn type_text(ty: &syn::Type) -> String {
    let mut out = String::new();
    write_type(ty, &mut out, 0);
    out
}

fn write_type(ty: &syn::Type, out: &mut String, depth: usize) {
    if depth > 32 {
        out.push('_');
        return;
    }
    match ty {
        syn::Type::Path(tp) if tp.qself.is_none() => {
            if tp.path.leading_colon.is_some() {
                out.push_str("::");
            }
            for (i, seg) in tp.path.segments.iter().enumerate() {
                if i > 0 {
                    out.push_str("::");
                }
                out.push_str(&seg.ident.to_string());
                if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                    out.push('<');
                    for (j, arg) in a.args.iter().enumerate() {
                        if j > 0 {
                            out.push_str(", ");
                        }
                        match arg {
                            syn::GenericArgument::Type(t) => write_type(t, out, depth + 1),
                            syn::GenericArgument::Lifetime(l) => {
                                out.push('\'');
                                out.push_str(&l.ident.to_string());
                            }
                            _ => out.push('_'),
                        }
                    }
                    out.push('>');
                }
            }
        }
        syn::Type::Reference(r) => {
            out.push('&');
            if let Some(l) = &r.lifetime {
                out.push('\'');
                out.push_str(&l.ident.to_string());
                out.push(' ');
            }
            if r.mutability.is_some() {
                out.push_str("mut ");
            }
            write_type(&r.elem, out, depth + 1);
        }
        syn::Type::Tuple(t) => {
            out.push('(');
            for (i, e) in t.elems.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_type(e, out, depth + 1);
            }
            if t.elems.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        syn::Type::Array(a) => {
            out.push('[');
            write_type(&a.elem, out, depth + 1);
            out.push_str("; 1]");
        }
        syn::Type::Slice(a) => {
            out.push('[');
            write_type(&a.elem, out, depth + 1);
            out.push(']');
        }
        syn::Type::Paren(p) => write_type(&p.elem, out, depth + 1),
        syn::Type::Group(g) => write_type(&g.elem, out, depth + 1),
        _ => out.push('_'),
    }
}

/// One file of a package, as the collector sees it.
pub(crate) struct FileInput<'a> {
    /// The displayed path, for spans.
    pub(crate) display: &'a Path,
    /// The module path of the file (`demo::handlers::api`).
    pub(crate) module: &'a str,
    /// The syntax tree.
    pub(crate) ast: &'a syn::File,
    /// Whether the file is test code (a `#[cfg(test)] mod x;` module).
    pub(crate) test_code: bool,
}

/// The identifiers of a path.
pub(crate) fn path_segs(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

fn parent(module: &str) -> &str {
    module.rsplit_once("::").map(|(p, _)| p).unwrap_or(module)
}

fn root(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

/// `crate`, `self` and `super` at the front of a path, replaced by the module they name.
fn absolute(module: &str, segs: &[String]) -> Vec<String> {
    let mut base: Option<String> = None;
    let mut i = 0;
    while i < segs.len() {
        match segs[i].as_str() {
            "crate" if i == 0 => base = Some(root(module).to_string()),
            "self" if i == 0 => base = Some(module.to_string()),
            "super" => {
                let b = base.take().unwrap_or_else(|| module.to_string());
                base = Some(parent(&b).to_string());
            }
            _ => break,
        }
        i += 1;
    }
    let mut out: Vec<String> = base
        .map(|b| b.split("::").map(str::to_string).collect())
        .unwrap_or_default();
    out.extend(segs[i..].iter().cloned());
    out
}

impl Facts {
    /// Collects the facts of one package from its parsed files.
    /// The facts of the library rooted at module `root`, for dependents.
    pub(crate) fn export(&self, root: &str) -> Exported {
        self.export_with(root, &[])
    }

    /// The facts of `root` and of the crates `also` names (a dependency's
    /// own dependencies, read for it).
    fn export_with(&self, root: &str, also: &[String]) -> Exported {
        let in_crate =
            |k: &str, r: &str| k == r || (k.starts_with(r) && k[r.len()..].starts_with("::"));
        let ours = |k: &str| in_crate(k, root) || also.iter().any(|r| in_crate(k, r));
        Exported {
            root: root.to_string(),
            also: also.to_vec(),
            foreign: false,
            modules: entries_of(&self.modules, &ours),
            statics: self
                .statics
                .iter()
                .filter(|(k, s)| ours(k) && !s.thread_local && s.fn_scope.is_none())
                .map(|(k, s)| {
                    let ty = type_text(&s.ty);
                    (
                        k.clone(),
                        ty,
                        s.module.clone(),
                        s.mutable,
                        s.thread_local,
                        s.decl.clone(),
                    )
                })
                .collect(),
            structs: self
                .structs
                .iter()
                .filter(|(k, _)| ours(k))
                .map(|(k, s)| {
                    let fields = s
                        .fields
                        .iter()
                        .map(|(n, ty, span)| (n.clone(), type_text(ty), span.clone()))
                        .collect();
                    (k.clone(), s.module.clone(), fields)
                })
                .collect(),
            aliases: self
                .aliases
                .iter()
                .filter(|(k, _)| ours(k))
                .map(|(k, (ty, m, params))| (k.clone(), type_text(ty), m.clone(), params.clone()))
                .collect(),
            fns: self
                .fns
                .iter()
                .filter(|(k, _)| ours(k))
                .map(|(k, f)| {
                    (
                        k.clone(),
                        type_text(&f.ret),
                        f.module.clone(),
                        f.self_ty.clone(),
                    )
                })
                .collect(),
            shared_structs: self
                .shared_structs
                .iter()
                .filter(|k| ours(k))
                .cloned()
                .collect(),
            unsafe_sync: self
                .unsafe_sync
                .iter()
                .filter(|k| ours(k))
                .cloned()
                .collect(),
            mutators: self
                .mutators
                .iter()
                .filter(|((k, _), _)| ours(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            derefs: self
                .derefs
                .iter()
                .filter(|(k, _)| ours(k))
                .map(|(k, (ty, m))| (k.clone(), type_text(ty), m.clone()))
                .collect(),
            own_methods: self
                .own_methods
                .iter()
                .filter(|(ty, _)| {
                    self.derefs
                        .keys()
                        .any(|k| ours(k) && k.rsplit("::").next() == Some(ty))
                })
                .cloned()
                .collect(),
            ptr_wrappers: entries_of(&self.ptr_wrappers, &ours),
            lock_wrappers: entries_of(&self.lock_wrappers, &ours),
            param_mutators: entries_of(&self.param_mutators, &ours),
            upgrade_methods: self.upgrade_methods.iter().cloned().collect(),
        }
    }

    /// The facts of a library read as another package's dependency. Its
    /// types named like ones the linter models (`Mutex`, `HashMap`, `Arc`,
    /// `State`, ..) are left out, so that the model decides what they are.
    pub(crate) fn export_foreign(&self, root: &str, also: &[String]) -> Exported {
        let mut e = self.export_with(root, also);
        e.foreign = true;
        let modelled = |k: &str| ty::is_modelled_name(k.rsplit("::").next().unwrap_or(k));
        e.structs.retain(|(k, _, _)| !modelled(k));
        e.aliases.retain(|(k, _, _, _)| !modelled(k));
        e.derefs.retain(|(k, _, _)| !modelled(k));
        e.ptr_wrappers.retain(|(k, _)| !modelled(k));
        e.lock_wrappers.retain(|(k, _)| !modelled(k));
        e
    }

    /// Records that the code names the crate `root` as `alias` (a dependency
    /// renamed with `alias = { package = ".." }`).
    pub(crate) fn add_crate_alias(&mut self, alias: &str, root: &str) {
        // What resolved before may resolve otherwise now.
        self.resolved.get_mut().clear();
        if alias != root {
            self.crate_aliases
                .insert(alias.to_string(), root.to_string());
        }
    }

    /// Adds the facts a dependency exported. The package's own items win;
    /// an imported name never serves the fallback for names that do not
    /// resolve (those stay the package's own).
    pub(crate) fn import(&mut self, e: &Exported) {
        // What resolved before may resolve otherwise now.
        self.resolved.get_mut().clear();
        let parse = |t: &str| syn::parse_str::<syn::Type>(t).ok();
        if e.foreign {
            self.foreign_roots.insert(e.root.clone());
            self.foreign_roots.extend(e.also.iter().cloned());
        }
        for (k, m) in &e.modules {
            self.modules.entry(k.clone()).or_insert_with(|| m.clone());
        }
        for (k, ty, module, mutable, tl, decl) in &e.statics {
            if let Some(ty) = parse(ty) {
                self.statics.entry(k.clone()).or_insert_with(|| StaticFact {
                    ty,
                    module: module.clone(),
                    mutable: *mutable,
                    thread_local: *tl,
                    decl: decl.clone(),
                    fn_scope: None,
                    in_test_fn: false,
                });
            }
        }
        for (k, module, fields) in &e.structs {
            let fields = fields
                .iter()
                .filter_map(|(n, ty, span)| Some((n.clone(), parse(ty)?, span.clone())))
                .collect();
            if e.foreign && !self.structs.contains_key(k) {
                self.foreign_structs.insert(k.clone());
            }
            self.structs.entry(k.clone()).or_insert_with(|| StructFact {
                module: module.clone(),
                fields,
            });
        }
        for (k, ty, module, params) in &e.aliases {
            if let Some(ty) = parse(ty) {
                self.aliases
                    .entry(k.clone())
                    .or_insert_with(|| (ty, module.clone(), params.clone()));
            }
        }
        for (k, ret, module, self_ty) in &e.fns {
            if let Some(ret) = parse(ret) {
                if let Some(name) = k.rsplit("::").next() {
                    self.fn_names.insert(name.to_string());
                }
                self.fns.entry(k.clone()).or_insert_with(|| FnFact {
                    ret,
                    module: module.clone(),
                    self_ty: self_ty.clone(),
                    locks: false,
                    static_mut_candidates: Vec::new(),
                });
            }
        }
        self.shared_structs.extend(e.shared_structs.iter().cloned());
        self.unsafe_sync.extend(e.unsafe_sync.iter().cloned());
        for ((ty, method), v) in &e.mutators {
            self.mutator_names.insert(method.clone());
            self.mutators
                .entry((ty.clone(), method.clone()))
                .or_insert_with(|| v.clone());
        }
        for (k, ty, module) in &e.derefs {
            if let Some(ty) = parse(ty) {
                self.derefs
                    .entry(k.clone())
                    .or_insert_with(|| (ty, module.clone()));
            }
        }
        self.own_methods.extend(e.own_methods.iter().cloned());
        for (k, v) in &e.ptr_wrappers {
            self.ptr_wrappers.entry(k.clone()).or_insert(*v);
        }
        for (k, v) in &e.lock_wrappers {
            self.lock_wrappers.entry(k.clone()).or_insert(*v);
        }
        for (k, v) in &e.param_mutators {
            let name = k.rsplit("::").next().unwrap_or(k);
            self.param_mutator_names.insert(name.to_string());
            self.param_mutators
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
        self.upgrade_methods
            .extend(e.upgrade_methods.iter().cloned());
    }

    /// Phase A for one file.
    pub(crate) fn add_file(&mut self, f: FileInput<'_>) {
        // What resolved before may resolve otherwise now.
        self.resolved.get_mut().clear();
        let macros = LocalMacros::new(self.crate_macros.clone());
        let mut c = Collector {
            facts: self,
            file: f.display,
            module: f.module.to_string(),
            self_ty: None,
            feature_use: false,
            pub_use: false,
            fn_span: None,
            test_code: f.test_code,
            in_test_fn: false,
            macros,
            typed_names: HashMap::new(),
            built_names: HashMap::new(),
        };
        c.module_entry();
        c.visit_file(f.ast);
    }

    /// Phase B, once every file was added.
    pub(crate) fn finish(&mut self) {
        // What resolved before may resolve otherwise now.
        self.resolved.get_mut().clear();
        // Before any shape is taken: a dependency's generic struct that owns
        // a map is itself, not a wrapper of its parameter. Its fields are
        // read while the set is empty, so no struct's shape waits on its own.
        let owners: HashSet<String> = self
            .foreign_structs
            .iter()
            .filter(|full| {
                self.structs.get(*full).is_some_and(|s| {
                    s.fields.iter().any(|(_, ty, _)| {
                        Self::holds_map_directly(&self.shape_of(ty, &s.module, Some(full)), false)
                    })
                })
            })
            .cloned()
            .collect();
        self.foreign_map_owners = owners;
        self.resolve_phase_b();
        self.mutated_types = self.mutators.keys().map(|(ty, _)| ty.clone()).collect();
        let bodies = std::mem::take(&mut self.raw_bodies);
        self.reach = thread_reach::build(bodies, self);
    }

    /// Whether a test, or a helper only such tests call (by full path),
    /// runs on its own thread with values no other test reaches: see
    /// [`thread_reach`].
    pub(crate) fn runs_on_one_thread(&self, full: &str) -> bool {
        self.reach.runs_on_one_thread(full)
    }

    /// Whether the package's function (by full path) starts a thread or a
    /// task in its own body.
    pub(crate) fn starts_thread(&self, full: &str) -> bool {
        self.reach.starts_thread(full)
    }

    fn resolve_phase_b(&mut self) {
        for (segs, module) in std::mem::take(&mut self.raw_shared) {
            let full = self.resolve(&module, &segs);
            if self.structs.contains_key(&full) {
                self.shared_structs.insert(full);
            } else if segs.len() == 1
                && let Some(unique) = self.unique_struct(&segs[0])
            {
                self.shared_structs.insert(unique);
            }
        }
        for (segs, module) in std::mem::take(&mut self.raw_unsafe_sync) {
            let full = self.resolve(&module, &segs);
            self.unsafe_sync.insert(full);
        }
        for (self_ty, name, mut cb) in std::mem::take(&mut self.raw_callbacks) {
            let (full, st) = self.fn_path(self_ty.as_deref(), &cb.module, &name);
            cb.self_ty = st;
            self.callback_names.insert(name);
            self.callbacks.insert(full, cb);
        }
        for (self_ty, name, mut fact, alias) in std::mem::take(&mut self.raw_fns) {
            // A bare path is followed when it names an alias or a struct of
            // the package (`fn memory_store() -> MemoryStore`).
            if let Some(paths) = alias
                && !paths.iter().any(|segs| {
                    let full = self.resolve(&fact.module, segs);
                    self.aliases.contains_key(&full) || self.structs.contains_key(&full)
                })
            {
                continue;
            }
            let (full, st) = self.fn_path(self_ty.as_deref(), &fact.module, &name);
            fact.self_ty = st;
            self.fn_names.insert(name);
            self.fns.insert(full, fact);
        }
        // After the functions: `Arc::new(build_registry())` shares the
        // package's struct the function returns; a function whose return
        // type is not written as one (another crate's, `impl Trait`, a
        // generic `from_str::<State>`) may share any struct.
        for (segs, module) in std::mem::take(&mut self.raw_arc_calls) {
            let full = self.resolve(&module, &segs);
            let returned = self.fns.get(&full).and_then(|f| {
                match self
                    .shape_of(&f.ret, &f.module, f.self_ty.as_deref())
                    .peel()
                    .0
                {
                    Shape::Named(n) => Some(n.clone()),
                    _ => None,
                }
            });
            match returned {
                Some(n) => {
                    self.shared_structs.insert(n);
                }
                None => self.untyped_arc = true,
            }
        }
        for (segs, module) in std::mem::take(&mut self.raw_clones) {
            let full = self.resolve(&module, &segs);
            self.clones.insert(full);
        }
        for u in std::mem::take(&mut self.raw_upgrades) {
            self.add_ptr_wrapper(u);
        }
        for d in std::mem::take(&mut self.raw_derefs) {
            let full = self.resolve(&d.module, &d.self_ty);
            self.add_deref_pointer(&full, &d);
            self.derefs.entry(full).or_insert((d.target, d.module));
        }
        // After the derefs: a lock's guard may be the package's own type.
        for m in std::mem::take(&mut self.raw_lock_methods) {
            self.add_lock_wrapper(m);
        }
        let mut self_calls = Vec::new();
        let mut field_calls = Vec::new();
        let mut handed_fields = Vec::new();
        for m in std::mem::take(&mut self.raw_mutators) {
            let full = self.resolve(&m.module, &m.self_ty);
            match m.target {
                MutatorTarget::Whole => {
                    if let Some(found) = self.direct_map_field(&full) {
                        self.mutator_names.insert(m.method.clone());
                        self.mutators.insert((full, m.method), found);
                    }
                }
                MutatorTarget::Field(field) => match self.field_path(&full, &field) {
                    Some((shape, decl)) if shape.is_map() => {
                        self.mutator_names.insert(m.method.clone());
                        self.mutators.insert((full, m.method), (field, decl));
                    }
                    // A struct held by value replaced or taken whole
                    // (`mem::take(&mut self.ban_list)`): its maps with it.
                    Some((Shape::Named(inner), _)) => {
                        if let Some((map, decl)) = self.direct_map_field(&inner) {
                            self.mutator_names.insert(m.method.clone());
                            self.mutators
                                .insert((full, m.method), (format!("{field}.{map}"), decl));
                        }
                    }
                    _ => {}
                },
                MutatorTarget::SelfCall(callee) => self_calls.push((full, m.method, callee)),
                MutatorTarget::HandedField(callee, arg, field) => {
                    let callee = match callee.split_first() {
                        Some((first, rest)) if first == "Self" => {
                            format!("{full}::{}", rest.join("::"))
                        }
                        _ => self.resolve(&m.module, &callee),
                    };
                    handed_fields.push((full, m.method, callee, arg, field));
                }
                MutatorTarget::FieldCall(field, callee) => match self.field_path(&full, &field) {
                    Some((Shape::Named(field_ty), _)) => {
                        field_calls.push((full, m.method, field_ty, callee, Some(field)));
                    }
                    // hashlink's `LruCache::get` moves the entry it finds to the back.
                    Some((shape, decl))
                        if callee == "get"
                            && shape.is_map()
                            && self.is_lru_field(&full, &field) =>
                    {
                        self.mutator_names.insert(m.method.clone());
                        self.mutators.insert((full, m.method), (field, decl));
                    }
                    _ => {}
                },
                MutatorTarget::Returned(via, fields, callee) => {
                    // What `self.via(..)` hands back: the package's struct
                    // (`Option<&mut Container>`), and the fields from it.
                    let Some(f) = self.fns.get(&format!("{full}::{via}")) else {
                        continue;
                    };
                    let Shape::Named(ret) = self
                        .shape_of(&f.ret, &f.module, Some(&full))
                        .peel()
                        .0
                        .clone()
                    else {
                        continue;
                    };
                    let target = if fields.is_empty() {
                        Some(Shape::Named(ret.clone()))
                    } else {
                        self.field_path(&ret, &fields).map(|(shape, _)| shape)
                    };
                    match target.as_ref().map(|t| t.peel().0) {
                        Some(Shape::Named(ty)) => {
                            field_calls.push((full, m.method, ty.clone(), callee, None));
                        }
                        Some(shape)
                            if shape.is_map()
                                && super::walk::MUTATING_METHODS.contains(&callee.as_str()) =>
                        {
                            if let Some((_, decl)) = self.field_path(&ret, &fields) {
                                self.mutator_names.insert(m.method.clone());
                                self.mutators.insert((full, m.method), (fields, decl));
                            }
                        }
                        _ => {}
                    }
                }
                MutatorTarget::Counter(field) => {
                    if self
                        .field(&full, &field)
                        .is_some_and(|(shape, _)| shape.is_map())
                    {
                        self.counter_names.insert(m.method.clone());
                        self.counters.insert((full, m.method), field);
                    }
                }
            }
        }
        // A `&mut self` method that calls a mutator of its own type mutates
        // that map too (`fn remove(&mut self) { self.remove_internal() }`).
        // `self.remove_internal()`, or `self.perm_map.insert(..)` where the
        // field's own type mutates its map in `insert`.
        let calls: Vec<SpreadCall> = self_calls
            .into_iter()
            .map(|(ty, m, c)| (ty.clone(), m, ty, c, None))
            .chain(field_calls)
            .collect();
        self.spread_mutators(&calls);
        let mut hand_ons = Vec::new();
        let mut forwards = Vec::new();
        for (st, module, method, g) in std::mem::take(&mut self.raw_closure_guards) {
            let st = self.resolve(&module, &st);
            if g.via.is_some() {
                forwards.push((st, method, g));
                continue;
            }
            self.closure_guard_names.insert(method.clone());
            self.closure_guards.insert(format!("{st}::{method}"), g);
        }
        // A method that forwards its closure to one that gives it a guard
        // (egui's `data_mut` to `write`), also through another forward.
        while !forwards.is_empty() {
            let before = forwards.len();
            forwards.retain(|(st, method, g)| {
                let via = g.via.as_deref().unwrap_or_default();
                let Some(base) = self.closure_guards.get(&format!("{st}::{via}")) else {
                    return true;
                };
                let then = match (base.then.is_empty(), g.then.is_empty()) {
                    (_, true) => base.then.clone(),
                    (true, false) => g.then.clone(),
                    (false, false) => format!("{}.{}", base.then, g.then),
                };
                let resolved = ClosureGuard {
                    then,
                    via: None,
                    ..base.clone()
                };
                self.closure_guard_names.insert(method.clone());
                self.closure_guards
                    .insert(format!("{st}::{method}"), resolved);
                false
            });
            if forwards.len() == before {
                break;
            }
        }
        for raw in std::mem::take(&mut self.raw_param_mutators) {
            let self_full = raw.self_ty.as_ref().map(|st| self.resolve(&raw.module, st));
            let full = match &self_full {
                Some(st) => format!("{st}::{}", raw.name),
                None => format!("{}::{}", raw.module, raw.name),
            };
            for h in raw.uses.hand_ons {
                let callee = match (h.callee.first().map(String::as_str), &self_full) {
                    (Some("Self"), Some(st)) => format!("{st}::{}", h.callee[1..].join("::")),
                    _ => self.resolve(&raw.module, &h.callee),
                };
                hand_ons.push((full.clone(), raw.name.clone(), h, callee));
            }
            let mut found = raw.uses.direct;
            for ((i, fields), method, ty) in raw.uses.calls {
                // A guard moved in (`mut g: MutexGuard<'_, State>`) is its value.
                let shape = match self.returned_guard(&ty, &raw.module, self_full.as_deref()) {
                    Some((_, _, guarded, _)) => guarded,
                    None => self.shape_of(&ty, &raw.module, self_full.as_deref()),
                };
                let Shape::Named(param_ty) = shape.peel().0 else {
                    continue;
                };
                // The type the method is called on: the parameter's, or
                // that of its field the package's struct held by value, or
                // of what its accessor hands back (`hidden_set_mut()`).
                let (called_on, prefix) = match &fields {
                    None => (param_ty.clone(), String::new()),
                    Some(f) => match self.struct_at(param_ty, f) {
                        Some(n) => (n, format!("{f}.")),
                        None => continue,
                    },
                };
                if let Some((field, _)) = self.mutators.get(&(called_on, method)) {
                    let m = (i, Some(format!("{prefix}{field}")));
                    if !found.contains(&m) {
                        found.push(m);
                    }
                }
            }
            if found.is_empty() {
                continue;
            }
            self.param_mutator_names.insert(raw.name);
            self.param_mutators.insert(full, found);
        }
        // A helper that hands its parameter on to one that mutates it
        // mutates it too, to any depth.
        loop {
            let mut grew = false;
            for (full, name, h, callee) in &hand_ons {
                let Some(theirs) = self.param_mutators.get(callee) else {
                    continue;
                };
                let ours: Vec<ParamMutation> = theirs
                    .iter()
                    .filter(|(arg, _)| *arg == h.arg)
                    .map(|(_, field)| match (&h.field, field) {
                        (None, f) => (h.param, f.clone()),
                        // `helper(&mut p.entries)` where `helper` mutates the map itself.
                        (Some(f), None) => (h.param, Some(f.clone())),
                        // `helper(&mut p.world)` where `helper` mutates `w.infos.map`.
                        (Some(f), Some(g)) => (h.param, Some(format!("{f}.{g}"))),
                    })
                    // A helper that hands `&mut n.next` on to itself would
                    // grow the path without end.
                    .filter(|(_, f)| f.as_ref().is_none_or(|f| f.matches('.').count() < 4))
                    .collect();
                for m in ours {
                    let entry = self.param_mutators.entry(full.clone()).or_default();
                    if !entry.contains(&m) {
                        entry.push(m);
                        self.param_mutator_names.insert(name.clone());
                        grew = true;
                    }
                }
            }
            if !grew {
                break;
            }
        }
        // `Self::create_internal(&mut self.infos, k)` where the helper
        // mutates that parameter's map: the method mutates `infos`.
        let mut grew = false;
        for (ty, method, callee, arg, field) in handed_fields {
            let mutates = self
                .param_mutators
                .get(&callee)
                .is_some_and(|found| found.contains(&(arg, None)));
            if mutates
                && let Some((shape, decl)) = self.field_path(&ty, &field)
                && shape.is_map()
                && !self.mutators.contains_key(&(ty.clone(), method.clone()))
            {
                self.mutator_names.insert(method.clone());
                self.mutators.insert((ty, method), (field, decl));
                grew = true;
            }
        }
        if grew {
            self.spread_mutators(&calls);
        }
        // The structs held in the fields of a shared struct are shared too.
        let mut work: Vec<String> = self.shared_structs.iter().cloned().collect();
        while let Some(s) = work.pop() {
            let Some(fact) = self.structs.get(&s) else {
                continue;
            };
            let mut found = Vec::new();
            for (_, ty, _) in &fact.fields {
                named_in(&self.shape_of(ty, &fact.module, Some(&s)), &mut found);
            }
            for n in found {
                if self.shared_structs.insert(n.clone()) {
                    work.push(n);
                }
            }
        }
    }

    /// Spreads mutators to a fixed point over calls `(type, method, callee's
    /// type, callee)`: a method that calls a mutator mutates its map too.
    fn spread_mutators(&mut self, calls: &[SpreadCall]) {
        loop {
            let mut grew = false;
            for (ty, method, callee_ty, callee, field) in calls {
                let key = (ty.clone(), method.clone());
                if self.mutators.contains_key(&key) {
                    continue;
                }
                if let Some((inner, decl)) = self
                    .mutators
                    .get(&(callee_ty.clone(), callee.clone()))
                    .cloned()
                {
                    // The map's path from `ty`: through the field called on.
                    let found = match field {
                        Some(f) => (format!("{f}.{inner}"), decl),
                        None => (inner, decl),
                    };
                    self.mutator_names.insert(method.clone());
                    self.mutators.insert(key, found);
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
    }

    /// Records a generic struct as a pointer wrapper when `u` gives back, as
    /// an `Arc<T>` (or `Rc<T>`), a `Weak<T>`/`Arc<T>` it holds of its parameter `T`.
    fn add_ptr_wrapper(&mut self, u: RawGenericMethod) {
        // Stands for the type parameter while shapes are computed.
        let full = self.resolve(&u.module, &u.self_ty);
        let (Some(params), Some(fact)) = (self.struct_params.get(&full), self.structs.get(&full))
        else {
            return;
        };
        let param = || Shape::Named(PARAM.to_string());
        let pointer = |s: &Shape| -> Option<bool> {
            let mut s = s;
            while let Shape::Wrap(i) = s {
                s = i;
            }
            match s {
                Shape::Arc(i) if **i == param() => Some(false),
                Shape::Rc(i) if **i == param() => Some(true),
                _ => None,
            }
        };
        let holds = |s: &Shape, rc: bool| -> bool {
            let mut s = s;
            loop {
                match s {
                    Shape::Wrap(i) | Shape::Cell(i) | Shape::Lock { inner: i, .. } => s = i,
                    _ => return pointer(s) == Some(rc),
                }
            }
        };
        for (i, name) in params.iter().enumerate() {
            let Some(arg) = u.self_args.get(i).filter(|a| !a.is_empty()) else {
                continue;
            };
            let ret =
                self.shape_depth(&u.ret, &u.module, Some(&full), 0, &[(arg.clone(), param())]);
            let Some(rc) = pointer(&ret) else {
                continue;
            };
            let subst = [(name.clone(), param())];
            let held = fact.fields.iter().any(|(_, ty, _)| {
                holds(
                    &self.shape_depth(ty, &fact.module, Some(&full), 0, &subst),
                    rc,
                )
            });
            if held {
                let kind = if rc { PtrKind::Rc } else { PtrKind::Arc };
                self.ptr_wrappers.insert(full, (i, kind));
                self.upgrade_methods.insert(u.method);
                return;
            }
        }
    }

    /// Records a generic struct that derefs to its type parameter (`impl<T>
    /// Deref for Lazy<T, F> { type Target = T; }`) as a pointer to it. It
    /// shares what it points to when it is also `Clone` and `Sync` by hand,
    /// as a hand-written `Arc<T>` is; otherwise it owns it, as a lazy cell does.
    fn add_deref_pointer(&mut self, full: &str, d: &RawDeref) {
        // Stands for the type parameter while the target's shape is computed.
        if self.ptr_wrappers.contains_key(full) || !self.structs.contains_key(full) {
            return;
        }
        let Some(params) = self.struct_params.get(full) else {
            return;
        };
        let param = Shape::Named(PARAM.to_string());
        for (i, arg) in d.self_args.iter().enumerate().take(params.len()) {
            if arg.is_empty() {
                continue;
            }
            let subst = [(arg.clone(), param.clone())];
            if self.shape_depth(&d.target, &d.module, Some(full), 0, &subst) == param {
                let shares = self.clones.contains(full) && self.unsafe_sync.contains(full);
                let kind = if shares { PtrKind::Arc } else { PtrKind::Owned };
                self.ptr_wrappers.insert(full.to_string(), (i, kind));
                return;
            }
        }
    }

    /// Records a generic struct as a lock of its type parameter `T` when a
    /// `&self` lock method of it (`lock`, `write`, `read`, ..) hands back a
    /// guard of `T`, bare or in a `Result`/`Option`.
    fn add_lock_wrapper(&mut self, m: RawGenericMethod) {
        let full = self.resolve(&m.module, &m.self_ty);
        if self.lock_wrappers.contains_key(&full) || !self.structs.contains_key(&full) {
            return;
        }
        let (ret, fallible) = match &m.ret {
            syn::Type::Path(tp)
                if tp.path.segments.last().is_some_and(|l| {
                    matches!(
                        l.ident.to_string().as_str(),
                        "Result" | "Option" | "LockResult"
                    )
                }) =>
            {
                let last = tp.path.segments.last().expect("checked above");
                match ty::type_args(last).first() {
                    Some(t) => (*t, true),
                    None => return,
                }
            }
            t => (t, false),
        };
        let syn::Type::Path(tp) = ret else {
            return;
        };
        let Some(last) = tp.path.segments.last() else {
            return;
        };
        let guard_full = self.full_path(&tp.path, &m.module, Some(&full));
        // A guard of std, parking_lot, tokio.., or the package's own guard
        // type that derefs to its parameter (`TryMutexGuard<'a, T>` of a
        // hand-written spin lock, which does not poison).
        let (arg, own_guard) = if GUARD_NAMES.iter().any(|(g, _)| last.ident == g) {
            (ty::type_args(last).first().copied(), false)
        } else {
            match self.ptr_wrappers.get(&guard_full) {
                Some(&(k, PtrKind::Owned)) => (ty::type_args(last).get(k).copied(), true),
                _ => return,
            }
        };
        let Some(syn::Type::Path(arg)) = arg else {
            return;
        };
        let Some(param) = m
            .self_args
            .iter()
            .position(|a| !a.is_empty() && arg.path.is_ident(a))
        else {
            return;
        };
        let guard_flavor = if own_guard {
            ty::Flavor::NoPoison
        } else {
            flavor_of_path(&guard_full)
        };
        let flavor = if fallible {
            guard_flavor
        } else {
            ty::Flavor::NoPoison
        };
        let fact = &self.structs[&full];
        let shared = fact.fields.iter().any(|(_, ty, _)| {
            let mut shape = self.shape_of(ty, &fact.module, Some(&full));
            while let Shape::Wrap(i) = shape {
                shape = *i;
            }
            matches!(shape, Shape::Arc(_))
        });
        self.lock_wrappers.insert(
            full,
            LockWrapper {
                param,
                flavor,
                shared,
            },
        );
    }

    fn unique_struct(&self, name: &str) -> Option<String> {
        match self.struct_names.get(name).map(Vec::as_slice) {
            Some([one]) => Some(one.clone()),
            _ => None,
        }
    }

    /// The type of the package's alias, or the field types of its struct,
    /// at `full`, each with the module it is written in (what a lock of
    /// that alias or struct holds).
    pub(crate) fn types_held_by(&self, full: &str) -> Vec<(&str, &syn::Type)> {
        let mut types: Vec<(&str, &syn::Type)> = Vec::new();
        if let Some((ty, module, _)) = self.aliases.get(full) {
            types.push((module, ty));
        }
        if let Some(s) = self.structs.get(full) {
            types.extend(s.fields.iter().map(|(_, ty, _)| (s.module.as_str(), ty)));
        }
        types
    }

    /// The crates a module glob-imports from (`use bevy_ecs::prelude::*;`).
    pub(crate) fn glob_roots(&self, module: &str) -> Vec<String> {
        self.modules
            .get(module)
            .map(|m| {
                m.globs
                    .iter()
                    .filter_map(|g| g.split("::").next())
                    .filter(|r| {
                        !matches!(*r, "crate" | "self" | "super" | "std" | "core" | "alloc")
                    })
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The full path a path written in `module` stands for.
    pub(crate) fn resolve(&self, module: &str, segs: &[String]) -> String {
        let segs = absolute(module, segs);
        let Some((first, rest)) = segs.split_first() else {
            return String::new();
        };
        let mut full = self.resolve_first(module, first, 0);
        // `type Manager = rkv::Manager<Safe>;` (also inside a function) then
        // `Manager::singleton()`: the path goes on from the aliased type.
        if !rest.is_empty()
            && let Some((syn::Type::Path(tp), alias_module, _)) = self.aliases.get(&full)
            && tp.qself.is_none()
        {
            let target = self.resolve(alias_module, &path_segs(&tp.path));
            if target != full {
                full = target;
            }
        }
        self.follow(full, rest, 0)
    }

    /// Goes on from `full` along the segments `rest`, through a re-export
    /// (`pub use inner::Thing;`, `pub use structs::*;`, `pub use
    /// asynchronous as aio;`) in a module the path passes:
    /// `crate::Profiler::lock` with `Profiler` re-exported at the root.
    fn follow(&self, mut full: String, rest: &[String], depth: usize) -> String {
        for s in rest {
            let reexported = self.modules.get(&full).is_some_and(|module| {
                !module.items.contains(s)
                    && (module.uses.contains_key(s) || !module.globs.is_empty())
            });
            let found = if reexported {
                let found = self.resolve_first(&full, s, depth + 1);
                (found != *s).then_some(found)
            } else {
                None
            };
            match found {
                Some(found) => full = found,
                None => {
                    full.push_str("::");
                    full.push_str(s);
                }
            }
        }
        full
    }

    fn resolve_first(&self, module: &str, name: &str, depth: usize) -> String {
        if depth > 8 {
            return name.to_string();
        }
        // Modules that glob-import each other make the search below branch
        // at every level: each (module, name) is searched once per unit (a
        // unit of thousands of loose files took minutes without this).
        let key = (module.to_string(), name.to_string());
        if let Some(found) = self.resolved.borrow().get(&key) {
            return found.clone();
        }
        let found = self.resolve_first_uncached(module, name, depth);
        self.resolved.borrow_mut().insert(key, found.clone());
        found
    }

    fn resolve_first_uncached(&self, module: &str, name: &str, depth: usize) -> String {
        if let Some(m) = self.modules.get(module) {
            if m.items.contains(name) {
                return format!("{module}::{name}");
            }
            if let Some(target) = m.uses.get(name) {
                return self.canonical(module, target, depth + 1);
            }
            // A glob's own items before its `use`s: a private `use crate::X`
            // in a globbed module is not what `crate::X` stands for (and
            // following it would lead back here).
            let globbed: Vec<String> = m
                .globs
                .iter()
                .map(|g| self.canonical(module, g, depth + 1))
                .collect();
            for g in &globbed {
                if self
                    .modules
                    .get(g)
                    .is_some_and(|gm| gm.items.contains(name))
                {
                    return format!("{g}::{name}");
                }
            }
            // A globbed module's `pub use`, or any of its `use`s for a module
            // inside it (`use super::*;`): a private one is not imported
            // elsewhere, and following it would lead back here.
            let imported = |g: &str, gm: &Module| {
                gm.pub_uses.contains(name)
                    || (gm.uses.contains_key(name)
                        && module.strip_prefix(g).is_some_and(|r| r.starts_with("::")))
            };
            for g in &globbed {
                if self.modules.get(g).is_some_and(|gm| imported(g, gm)) {
                    return self.resolve_first(g, name, depth + 1);
                }
            }
            // A glob of a glob (`pub use self::font::*;` whose `font` has
            // `pub use self::system::*;`, cosmic-text's layout): each module
            // looked into once, as modules often glob-import each other.
            let mut seen: HashSet<String> = HashSet::from([module.to_string()]);
            seen.extend(globbed.iter().cloned());
            let mut next: Vec<String> = globbed;
            for _ in 0..3 {
                let mut deeper = Vec::new();
                for g in &next {
                    let Some(gm) = self.modules.get(g) else {
                        continue;
                    };
                    for inner in &gm.globs {
                        let inner = self.canonical(g, inner, 9);
                        if !seen.insert(inner.clone()) {
                            continue;
                        }
                        if let Some(im) = self.modules.get(&inner) {
                            if im.items.contains(name) {
                                return format!("{inner}::{name}");
                            }
                            if imported(&inner, im) {
                                return self.resolve_first(&inner, name, depth + 1);
                            }
                        }
                        deeper.push(inner);
                    }
                }
                if deeper.is_empty() {
                    break;
                }
                next = deeper;
            }
        }
        if let Some(root) = self.crate_aliases.get(name) {
            return root.clone();
        }
        name.to_string()
    }

    /// A `use` target (already absolute for `crate`/`self`/`super`) as a full path:
    /// a 2018-style path relative to the module (`use state::X;` for a child
    /// module `state`) is prefixed, and re-exports are followed.
    fn canonical(&self, module: &str, target: &str, depth: usize) -> String {
        let first = target.split("::").next().unwrap_or(target);
        let prefixed = format!("{module}::{target}");
        let known = |p: &str| {
            p.rsplit_once("::")
                .is_some_and(|(m, _)| self.modules.contains_key(m))
        };
        // `use crate::config::X` (made absolute) in a crate named like its
        // module `config`: the path already starts at the crate root.
        let absolute = first == root(module) && known(target) && !known(&prefixed);
        let crate_root = root(module);
        let full = if self.modules.contains_key(&format!("{module}::{first}")) && !absolute {
            prefixed
        } else if self.edition2015
            && first != crate_root
            && self
                .modules
                .get(crate_root)
                .is_some_and(|m| m.items.contains(first))
        {
            // 2015: `use templates::Context;` names the crate root's `templates`.
            format!("{crate_root}::{target}")
        } else if let Some(dep_root) = self.crate_aliases.get(first) {
            // `use net::Handler;` of a dependency renamed `net` in the manifest.
            format!("{dep_root}{}", &target[first.len()..])
        } else {
            target.to_string()
        };
        if depth < 8
            && let Some((m, last)) = full.rsplit_once("::")
            && let Some(module) = self.modules.get(m)
            && !module.items.contains(last)
            && (module.uses.contains_key(last) || !module.globs.is_empty())
        {
            let again = self.resolve_first(m, last, depth + 1);
            if again != last {
                return again;
            }
        }
        // A path through a renamed module (`crate::aio::stream::X` with
        // `pub use asynchronous as aio;` at the root): followed segment by segment.
        if depth < 8
            && !known(&full)
            && let Some((first, rest)) = full.split_once("::")
            && self.modules.contains_key(first)
        {
            let rest: Vec<String> = rest.split("::").map(str::to_string).collect();
            let followed = self.follow(first.to_string(), &rest, depth + 1);
            if known(&followed) {
                return followed;
            }
        }
        full
    }

    /// Whether a full path names an item of the package that is neither a struct nor an alias.
    fn is_other_local_item(&self, full: &str) -> bool {
        // A dependency's item left out of its facts (its own `RwLock` or
        // `HashMap`) is judged by name, as the model.
        if self.foreign_roots.contains(root(full)) {
            return false;
        }
        match full.rsplit_once("::") {
            Some((m, last)) => self
                .modules
                .get(m)
                .is_some_and(|module| module.items.contains(last)),
            None => false,
        }
    }

    /// The shape of a type written in `module`; `self_ty` replaces `Self`.
    pub(crate) fn shape_of(&self, ty: &syn::Type, module: &str, self_ty: Option<&str>) -> Shape {
        self.shape_depth(ty, module, self_ty, 0, &[])
    }

    /// `subst` gives the shapes of a generic alias's type parameters.
    fn shape_depth(
        &self,
        ty: &syn::Type,
        module: &str,
        self_ty: Option<&str>,
        depth: usize,
        subst: &[(String, Shape)],
    ) -> Shape {
        if depth > 16 {
            return Shape::Unknown;
        }
        let next = |t: &syn::Type| self.shape_depth(t, module, self_ty, depth + 1, subst);
        match ty {
            syn::Type::Path(tp) if tp.qself.is_none() => {
                if let Some(ident) = tp.path.get_ident()
                    && let Some((_, shape)) = subst.iter().find(|(n, _)| ident == n)
                {
                    return shape.clone();
                }
                self.path_shape(&tp.path, module, self_ty, depth, subst)
            }
            syn::Type::Reference(r) => Shape::Wrap(Box::new(next(&r.elem))),
            // `*mut T`: read through `&*p`.
            syn::Type::Ptr(p) => Shape::Wrap(Box::new(next(&p.elem))),
            syn::Type::Paren(p) => next(&p.elem),
            syn::Type::Group(g) => next(&g.elem),
            syn::Type::Tuple(t) => Shape::Tuple(t.elems.iter().map(next).collect()),
            syn::Type::Array(a) => Shape::Seq(Box::new(next(&a.elem))),
            syn::Type::Slice(a) => Shape::Seq(Box::new(next(&a.elem))),
            // `impl Iterator<Item = Arc<RwLock<Item>>>`, `dyn Iterator<..>`:
            // a sequence of its items.
            syn::Type::ImplTrait(t) => iterator_item(&t.bounds)
                .map_or(Shape::Unknown, |item| Shape::Seq(Box::new(next(item)))),
            syn::Type::TraitObject(t) => match iterator_item(&t.bounds) {
                Some(item) => Shape::Seq(Box::new(next(item))),
                // `dyn SessionLike` of the package's trait: its accessors.
                None => t
                    .bounds
                    .iter()
                    .find_map(|b| match b {
                        syn::TypeParamBound::Trait(tb) => {
                            let full = self.full_path(&tb.path, module, self_ty);
                            self.traits.contains(&full).then_some(Shape::Named(full))
                        }
                        _ => None,
                    })
                    .unwrap_or(Shape::Unknown),
            },
            _ => Shape::Unknown,
        }
    }

    /// The full path of a path written in `module`, with `Self` replaced.
    pub(crate) fn full_path(
        &self,
        path: &syn::Path,
        module: &str,
        self_ty: Option<&str>,
    ) -> String {
        let segs = path_segs(path);
        if path.leading_colon.is_some() {
            if self.edition2015 {
                // 2015: `::templates::Context` starts at the crate root.
                let mut from_root = vec!["crate".to_string()];
                from_root.extend(segs);
                return self.resolve(module, &from_root);
            }
            return segs.join("::");
        }
        match (segs.first().map(String::as_str), self_ty) {
            (Some("Self"), Some(st)) => {
                let mut full = st.to_string();
                for s in &segs[1..] {
                    full.push_str("::");
                    full.push_str(s);
                }
                full
            }
            _ => self.resolve(module, &segs),
        }
    }

    /// The shape named by a path with its generic arguments.
    fn path_shape(
        &self,
        path: &syn::Path,
        module: &str,
        self_ty: Option<&str>,
        depth: usize,
        subst: &[(String, Shape)],
    ) -> Shape {
        let full = self.full_path(path, module, self_ty);
        let args: Vec<&syn::Type> = path.segments.last().map(ty::type_args).unwrap_or_default();
        let arg = |i: usize| -> Shape {
            args.get(i)
                .map(|t| self.shape_depth(t, module, self_ty, depth + 1, subst))
                .unwrap_or(Shape::Unknown)
        };
        self.classify(&full, args.len(), arg, depth)
    }

    /// The shape of a resolved type path whose arguments `arg(i)` gives.
    pub(crate) fn classify(
        &self,
        full: &str,
        nargs: usize,
        arg: impl Fn(usize) -> Shape,
        depth: usize,
    ) -> Shape {
        // Another crate's one-parameter type with no wrapper fact and no
        // map of its own is judged by its name below, as it was before its
        // crate was read; then it is the struct.
        let mut foreign_struct = false;
        if self.structs.contains_key(full) {
            if let Some(w) = self.lock_wrappers.get(full)
                && w.param < nargs
            {
                let lock = Shape::Lock {
                    flavor: w.flavor,
                    inner: Box::new(arg(w.param)),
                };
                return if w.shared {
                    Shape::Arc(Box::new(lock))
                } else {
                    lock
                };
            }
            if let Some(&(i, kind)) = self.ptr_wrappers.get(full)
                && i < nargs
            {
                let inner = Box::new(arg(i));
                return match kind {
                    PtrKind::Arc => Shape::Arc(inner),
                    PtrKind::Rc => Shape::Rc(inner),
                    PtrKind::Owned => Shape::Wrap(inner),
                };
            }
            // `Phase<Globals>` of `enum Phase<T> { Ready, Running(T) }`
            // holds a `Globals` as an `Option` does.
            if let Some(&i) = self.option_like.get(full)
                && i < nargs
            {
                return Shape::Wrap(Box::new(arg(i)));
            }
            // One that owns a map of its own (`enr::Enr<CombinedKey>`) is
            // that struct, not a wrapper of its parameter.
            if !(nargs == 1 && self.foreign_structs.contains(full))
                || self.foreign_map_owners.contains(full)
            {
                return Shape::Named(full.to_string());
            }
            foreign_struct = true;
        }
        if let Some((ty, m, params)) = self.aliases.get(full) {
            let subst: Vec<(String, Shape)> = params
                .iter()
                .enumerate()
                .map(|(i, p)| (p.clone(), if i < nargs { arg(i) } else { Shape::Unknown }))
                .collect();
            return self.shape_depth(ty, m, None, depth + 1, &subst);
        }
        if !foreign_struct && self.is_other_local_item(full) {
            // The package's own enum, trait or function named like a std type.
            return Shape::Unknown;
        }
        let (krate, name) = match full.split_once("::") {
            Some((k, _)) => (k, full.rsplit("::").next().unwrap_or(full)),
            None => ("", full),
        };
        // hashlink's `LruCache` is its `LinkedHashMap` with a bound;
        // serde_json's `Map` (not read: a large crate) wraps a std map.
        if (MAP_NAMES.contains(&name) && !ty::other_crates_table(krate, name))
            || (name == "LruCache" && krate == "hashlink")
            || (name == "Map" && krate == "serde_json")
        {
            return Shape::Map {
                value: Box::new(arg(1)),
                reorders_on_get: name == "LruCache",
            };
        }
        // hashbrown's raw `HashTable` is a map whose entries are its values.
        if (SET_NAMES.contains(&name) && !ty::other_crates_table(krate, name))
            || (name == "HashTable" && krate == "hashbrown")
        {
            return Shape::Map {
                value: Box::new(Shape::Unknown),
                reorders_on_get: false,
            };
        }
        match name {
            "Arc" => return Shape::Arc(Box::new(arg(0))),
            "Rc" => return Shape::Rc(Box::new(arg(0))),
            // `Weak::upgrade()` gives back the `Arc` (or `Rc`).
            "Weak" if full.contains("rc::") => return Shape::Rc(Box::new(arg(0))),
            "Weak" => return Shape::Arc(Box::new(arg(0))),
            // `ArcSwap<T>` holds an `Arc<T>` that every `load()` shares.
            "ArcSwap" | "ArcSwapOption" if matches!(krate, "arc_swap" | "") => {
                return Shape::Arc(Box::new(arg(0)));
            }
            "Vec" | "VecDeque" | "SmallVec" | "ArrayVec" => return Shape::Seq(Box::new(arg(0))),
            _ => {}
        }
        if LOCK_NAMES.contains(&name) {
            return Shape::Lock {
                flavor: flavor_of_path(full),
                inner: Box::new(arg(0)),
            };
        }
        if let Some((_, crates)) = FRAMEWORK_WRAPPERS.iter().find(|(n, _)| *n == name)
            && nargs > 0
            && (crates.contains(&krate)
                || (krate.is_empty() && !self.struct_names.contains_key(name)))
        {
            return Shape::Arc(Box::new(arg(0)));
        }
        if WRAP_NAMES.contains(&name) {
            return Shape::Wrap(Box::new(arg(0)));
        }
        if CELL_NAMES.contains(&name) {
            return Shape::Cell(Box::new(arg(0)));
        }
        if INT_NAMES.contains(&name) {
            return Shape::Int;
        }
        if is_atomic_name(name) {
            return Shape::Atomic;
        }
        if krate.is_empty()
            && let Some(unique) = self.unique_struct(name)
        {
            return Shape::Named(unique);
        }
        // Another crate's alias of a map (`bevy_utils::TypeIdHashMap<V>`).
        if let Some(kind) = ty::is_foreign_map_alias(name) {
            let value = match (kind, nargs) {
                (ty::MapKind::Map, 1) => arg(0),
                (ty::MapKind::Map, 2..) => arg(1),
                _ => Shape::Unknown,
            };
            return Shape::Map {
                value: Box::new(value),
                reorders_on_get: false,
            };
        }
        // Another crate's generic wrapper of one of the package's structs
        // (`AtomicDestructor<InnerPool>`): the package reads the struct's
        // fields through it, which only a `Deref` to it allows.
        // A name that does not resolve came from a glob import of another
        // crate (`use bevy_ecs::prelude::*;` then `Res<AssetServer>`).
        let foreign = if krate.is_empty() {
            !self.struct_names.contains_key(name) && !self.is_other_local_item(full)
        } else {
            !NOT_DEREF_CRATES.contains(&krate)
        };
        if nargs == 1
            && foreign
            && !not_a_deref_wrapper(name)
            && let inner @ Shape::Named(_) = arg(0)
        {
            return Shape::Wrap(Box::new(inner));
        }
        if foreign_struct {
            return Shape::Named(full.to_string());
        }
        Shape::Unknown
    }

    /// The shape and declaration of a struct's field.
    /// A field the last definition lacks is looked for in the `cfg`
    /// alternatives of the struct.
    pub(crate) fn field(&self, strukt: &str, field: &str) -> Option<(Shape, Span)> {
        let (module, ty, span) = self.field_decl(strukt, field)?;
        Some((self.shape_of(ty, module, Some(strukt)), span.clone()))
    }

    /// The package's struct held by value at a path from `strukt`: fields
    /// and accessor calls taking no argument (`hidden_set_mut()`), dotted.
    fn struct_at(&self, strukt: &str, path: &str) -> Option<String> {
        let mut at = strukt.to_string();
        for seg in path.split('.') {
            let shape = match seg.strip_suffix("()") {
                Some(method) => {
                    let f = self.fns.get(&format!("{at}::{method}"))?;
                    self.shape_of(&f.ret, &f.module, Some(&at))
                }
                None => self.field(&at, seg)?.0,
            };
            let (Shape::Named(n), false) = shape.peel() else {
                return None;
            };
            at = n.clone();
        }
        Some(at)
    }

    /// The shape and declaration of a field of a field (`0.by_name`: the
    /// field `by_name` of the struct held in field `0`), for mutators.
    pub(crate) fn field_path(&self, strukt: &str, path: &str) -> Option<(Shape, Span)> {
        let mut parts = path.split('.');
        let mut found = self.field(strukt, parts.next()?)?;
        for part in parts {
            let Shape::Named(inner) = found.0.peel().0 else {
                return None;
            };
            found = self.field(&inner.clone(), part)?;
        }
        Some(found)
    }

    /// A field's declared type, with the module it is written in.
    fn field_decl(&self, strukt: &str, field: &str) -> Option<(&str, &syn::Type, &Span)> {
        let s = self.structs.get(strukt)?;
        std::iter::once(s)
            .chain(self.struct_alternatives.get(strukt).into_iter().flatten())
            .find_map(|s| {
                let (_, ty, span) = s.fields.iter().find(|(n, _, _)| n == field)?;
                Some((s.module.as_str(), ty, span))
            })
    }

    /// A field's shape where the struct's type parameters have the shapes
    /// `args` (a concrete impl's arguments; an unknown one stays unknown).
    pub(crate) fn field_with_args(
        &self,
        strukt: &str,
        field: &str,
        args: &[Shape],
    ) -> Option<(Shape, Span)> {
        let params = match self.struct_params.get(strukt) {
            Some(params) if args.iter().any(|a| !a.is_unknown()) => params,
            _ => return self.field(strukt, field),
        };
        let (module, ty, span) = self.field_decl(strukt, field)?;
        let subst: Vec<(String, Shape)> =
            params.iter().cloned().zip(args.iter().cloned()).collect();
        let shape = self.shape_depth(ty, module, Some(strukt), 0, &subst);
        Some((shape, span.clone()))
    }

    /// Whether every field of a struct of the package is an integer or an
    /// atomic: a struct of counters (`{ success: AtomicU64, failure: AtomicU64 }`).
    pub(crate) fn only_counters(&self, strukt: &str) -> bool {
        self.structs.get(strukt).is_some_and(|s| {
            !s.fields.is_empty()
                && s.fields
                    .iter()
                    .all(|(_, ty, _)| self.shape_of(ty, &s.module, Some(strukt)).is_numeric())
        })
    }

    /// The first segments of the paths its modules re-export (`pub use
    /// serde_amqp::primitives::*;`, `pub use fontique::Collection;`) and
    /// glob-import: the crates whose items it may hand on as its own.
    pub(crate) fn reexported_roots(&self) -> HashSet<String> {
        // An item or a module's items, not a whole crate (`pub use http;`,
        // which a dependent names by the crate's own path if it locks it).
        let root = |p: &str| p.split_once("::").map(|(r, _)| r.to_string());
        self.modules
            .values()
            .flat_map(|m| {
                m.uses
                    .iter()
                    .filter(|(name, _)| m.pub_uses.contains(*name))
                    .filter_map(|(_, path)| root(path))
                    .chain(m.globs.iter().filter_map(|g| root(g)))
            })
            .collect()
    }

    /// The field types of the structs (and enums) declared in the files
    /// added, with the module each is written in.
    pub(crate) fn own_field_types(&self) -> Vec<(&str, &syn::Type)> {
        self.structs
            .iter()
            .filter(|(k, _)| !self.foreign_structs.contains(*k))
            .flat_map(|(_, s)| {
                s.fields
                    .iter()
                    .map(move |(_, ty, _)| (s.module.as_str(), ty))
            })
            .collect()
    }

    /// A struct's field that holds a lock guard (`g: MutexGuard<'a, T>`):
    /// whether it is a write guard, the lock's flavour, the shape of `T`, and
    /// whether `T` is a shared reference (`&'static Registry`).
    pub(crate) fn field_guard(
        &self,
        strukt: &str,
        field: &str,
    ) -> Option<(bool, ty::Flavor, Shape, bool)> {
        let s = self.structs.get(strukt)?;
        let (_, ty, _) = s.fields.iter().find(|(n, _, _)| n == field)?;
        self.guard_type(ty, &s.module, Some(strukt))
    }

    /// A lock guard type written out (`MutexGuard<'_, T>`, `RwLockWriteGuard`,
    /// `RwLockReadGuard`, not the package's own type of that name): whether it
    /// is a write guard, the lock's flavour, the shape of `T`, and whether `T`
    /// is a shared reference.
    pub(crate) fn guard_type(
        &self,
        ty: &syn::Type,
        module: &str,
        self_ty: Option<&str>,
    ) -> Option<(bool, ty::Flavor, Shape, bool)> {
        self.guard_type_depth(ty, module, self_ty, 0)
    }

    fn guard_type_depth(
        &self,
        ty: &syn::Type,
        module: &str,
        self_ty: Option<&str>,
        depth: usize,
    ) -> Option<(bool, ty::Flavor, Shape, bool)> {
        let syn::Type::Path(tp) = ty else {
            return None;
        };
        let last = tp.path.segments.last()?;
        let Some((_, write)) = GUARD_NAMES.iter().find(|(n, _)| last.ident == n) else {
            return self.aliased_guard(tp, module, self_ty, depth);
        };
        let write = *write;
        let full = self.full_path(&tp.path, module, self_ty);
        if self.structs.contains_key(&full) || self.is_other_local_item(&full) {
            return None;
        }
        let inner = *ty::type_args(last).first()?;
        let by_ref = matches!(inner, syn::Type::Reference(r) if r.mutability.is_none());
        let shape = self.shape_of(inner, module, self_ty);
        Some((write, flavor_of_path(&full), shape, by_ref))
    }

    /// A type alias of a guard (`type MutexGuardImpl<'a, T> =
    /// std::sync::MutexGuard<'a, T>;`), the guarded type given by the
    /// argument written for the alias's parameter.
    fn aliased_guard(
        &self,
        tp: &syn::TypePath,
        module: &str,
        self_ty: Option<&str>,
        depth: usize,
    ) -> Option<(bool, ty::Flavor, Shape, bool)> {
        if depth > 4 {
            return None;
        }
        let full = self.full_path(&tp.path, module, self_ty);
        // The package's own wrapper that derefs to its parameter, around a
        // guard (`Timed<RwLockWriteGuard<'_, Locked>>`): the guard.
        if let Some(&(i, PtrKind::Owned)) = self.ptr_wrappers.get(&full) {
            let inner = *ty::type_args(tp.path.segments.last()?).get(i)?;
            return self.guard_type_depth(inner, module, self_ty, depth + 1);
        }
        let (aliased, alias_module, params) = self.aliases.get(&full)?;
        let (write, flavor, shape, by_ref) =
            self.guard_type_depth(aliased, alias_module, None, depth + 1)?;
        let syn::Type::Path(atp) = aliased else {
            return None;
        };
        let held = *ty::type_args(atp.path.segments.last()?).first()?;
        let written = ty::type_args(tp.path.segments.last()?);
        let shape = match held {
            syn::Type::Path(p) => match p
                .path
                .get_ident()
                .and_then(|id| params.iter().position(|q| id == q))
            {
                Some(i) => written
                    .get(i)
                    .map_or(Shape::Unknown, |t| self.shape_of(t, module, self_ty)),
                None => shape,
            },
            _ => shape,
        };
        Some((write, flavor, shape, by_ref))
    }

    /// A guard a function returns: its return type written out as a guard,
    /// also in a `Result` or `Option` (`-> Result<MappedMutexGuard<'_, T>>`,
    /// taken out by `?` or `.unwrap()`).
    pub(crate) fn returned_guard(
        &self,
        ty: &syn::Type,
        module: &str,
        self_ty: Option<&str>,
    ) -> Option<(bool, ty::Flavor, Shape, bool)> {
        if let syn::Type::Path(tp) = ty
            && let Some(last) = tp.path.segments.last()
            && (last.ident == "Result" || last.ident == "Option")
        {
            return self.returned_guard(ty::type_args(last).first()?, module, self_ty);
        }
        if let syn::Type::ImplTrait(it) = ty {
            return self.deref_mut_target(it, module, self_ty);
        }
        self.guard_type(ty, module, self_ty)
    }

    /// `impl DerefMut<Target = T>`, returned from a `&self` method, can
    /// only be a guard of some lock: a write guard of `T`. Whether the lock
    /// poisons is not known; its error, if any, was handled by the helper.
    fn deref_mut_target(
        &self,
        it: &syn::TypeImplTrait,
        module: &str,
        self_ty: Option<&str>,
    ) -> Option<(bool, ty::Flavor, Shape, bool)> {
        let traits: Vec<&syn::PathSegment> = it
            .bounds
            .iter()
            .filter_map(|b| match b {
                syn::TypeParamBound::Trait(t) => t.path.segments.last(),
                _ => None,
            })
            .collect();
        if !traits.iter().any(|t| t.ident == "DerefMut") {
            return None;
        }
        // `impl DerefMut<Target = T>` or `impl Deref<Target = T> + DerefMut`.
        let target = traits.iter().find_map(|t| match &t.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
                syn::GenericArgument::AssocType(at) if at.ident == "Target" => Some(&at.ty),
                _ => None,
            }),
            _ => None,
        })?;
        let shape = self.shape_of(target, module, self_ty);
        Some((true, ty::Flavor::NoPoison, shape, false))
    }

    /// Whether a struct's field is declared as a shared reference `&T`.
    pub(crate) fn field_is_shared_ref(&self, strukt: &str, field: &str) -> bool {
        self.structs.get(strukt).is_some_and(|s| {
            s.fields.iter().any(|(n, ty, _)| {
                n == field && matches!(ty, syn::Type::Reference(r) if r.mutability.is_none())
            })
        })
    }

    /// A static by the full path it resolves to, or by its bare name when
    /// the name does not resolve and only one static has it.
    pub(crate) fn static_at(&self, full: &str) -> Option<(&str, &StaticFact)> {
        if let Some((k, s)) = self.statics.get_key_value(full) {
            return Some((k.as_str(), s));
        }
        if full.contains("::") {
            return None;
        }
        match self.static_names.get(full).map(Vec::as_slice) {
            Some([one]) => self
                .statics
                .get_key_value(one)
                .map(|(k, s)| (k.as_str(), s)),
            _ => None,
        }
    }

    /// [`Self::static_at`] as seen from code in the function at `from`: a
    /// `static` declared in that function's body, or in a body around it
    /// (the innermost), before one of the same path declared elsewhere.
    pub(crate) fn static_seen_from(
        &self,
        full: &str,
        from: Option<&Span>,
    ) -> Option<(&str, &StaticFact)> {
        let local = from.and_then(|at| {
            self.body_statics
                .iter()
                .filter(|(k, s)| {
                    k == full && s.fn_scope.as_ref().is_some_and(|scope| scope.contains(at))
                })
                .max_by_key(|(_, s)| s.fn_scope.as_ref().map(|scope| scope.start))
        });
        match local {
            Some((k, s)) => Some((k.as_str(), s)),
            None => self.static_at(full),
        }
    }

    /// Whether a bare name written in `module` may name a static: a static
    /// has that name, or the module imports the name or a glob.
    pub(crate) fn may_name_static(&self, module: &str, name: &str) -> bool {
        self.static_names.contains_key(name)
            || self
                .modules
                .get(module)
                .is_some_and(|m| m.uses.contains_key(name) || !m.globs.is_empty())
    }

    /// Whether some function or method with this last name has a recorded return type.
    pub(crate) fn may_be_function(&self, name: &str) -> bool {
        self.fn_names.contains(name)
    }

    /// Whether a method of a pointer wrapper with this name gives back its pointer.
    pub(crate) fn is_upgrade_method(&self, name: &str) -> bool {
        self.upgrade_methods.contains(name)
    }

    /// The local lock-helper macro of this name, if it is one.
    pub(crate) fn lock_macro(&self, name: &str) -> Option<&LockMacro> {
        self.macros.get(name)?.as_ref()
    }

    /// Whether some `&mut self` method with this name mutates a map field.
    pub(crate) fn may_be_mutator(&self, name: &str) -> bool {
        self.mutator_names.contains(name)
    }

    /// A function or method by full path (`demo::state::global`, `demo::Registry::sessions`).
    pub(crate) fn function(&self, full: &str) -> Option<&FnFact> {
        self.fns.get(full)
    }

    /// What the package's function `full` gives the closures it takes.
    pub(crate) fn callbacks(&self, full: &str) -> Option<&Callbacks> {
        self.callbacks.get(full)
    }

    /// Where the one `static` declared in the body of the function at
    /// `scope` is (what a `fn repository() -> &'static Mutex<..>` nested in
    /// a test returns).
    pub(crate) fn static_declared_in(&self, scope: &Span) -> Option<&Span> {
        let mut found = self
            .body_statics
            .iter()
            .filter(|(_, s)| s.fn_scope.as_ref() == Some(scope));
        let (_, only) = found.next()?;
        found.next().is_none().then_some(&only.decl)
    }

    /// What a method (by full path) hands its closure parameter: a guard of
    /// one of `self`'s fields (`f(&mut self.0.write().unwrap())`).
    pub(crate) fn closure_guard(&self, full: &str) -> Option<&ClosureGuard> {
        self.closure_guards.get(full)
    }

    /// The full path of a function of phase A written in `module`, and of
    /// its `Self` type for a method.
    fn fn_path(
        &self,
        self_ty: Option<&[String]>,
        module: &str,
        name: &str,
    ) -> (String, Option<String>) {
        match self_ty {
            Some(st) => {
                let st_full = self.resolve(module, st);
                (format!("{st_full}::{name}"), Some(st_full))
            }
            None => (format!("{module}::{name}"), None),
        }
    }

    /// Whether a method of this name takes a closure the package types
    /// ([`Facts::callbacks`]).
    pub(crate) fn may_take_closure(&self, name: &str) -> bool {
        self.callback_names.contains(name)
    }

    /// Whether a method of this name hands a guard to its closure parameter.
    pub(crate) fn may_hand_guard_to_closure(&self, name: &str) -> bool {
        self.closure_guard_names.contains(name)
    }

    /// Whether a span is where a `static` is declared.
    pub(crate) fn is_static_decl(&self, span: &Span) -> bool {
        self.statics.values().any(|s| &s.decl == span)
            || self.body_statics.iter().any(|(_, s)| &s.decl == span)
    }

    /// Whether a function of the package with this last name mutates a parameter.
    pub(crate) fn may_take_mut_param(&self, name: &str) -> bool {
        self.param_mutator_names.contains(name)
    }

    /// The `&mut` parameters a function (by full path) mutates.
    pub(crate) fn param_mutations(&self, full: &str) -> &[ParamMutation] {
        self.param_mutators.get(full).map_or(&[], Vec::as_slice)
    }

    /// Whether a method name is the package's own trait method on a lock
    /// that hands back its guard, and whether a write guard.
    /// Whether a method is the package's own `ok_or`-like method on
    /// `Option<T>`/`Result<T, E>` (see `option_ext_methods`).
    pub(crate) fn is_option_ext_method(&self, name: &str) -> bool {
        self.option_ext_methods.contains(name)
    }

    pub(crate) fn lock_ext_method(&self, name: &str) -> Option<bool> {
        self.lock_ext_methods.get(name).copied()
    }

    /// Whether a struct of a program is its owner's alone: the program does
    /// not put it in an `Arc`, a `static` or a framework's state, nor clone
    /// it, so owning a lock does not make it shared (an LSP server's state
    /// with `Arc<RwLock<..>>` fields made in its constructor).
    pub(crate) fn kept_by_program(&self, full: &str) -> bool {
        self.whole_program
            && !self.untyped_arc
            && !self.shared_structs.contains(full)
            && !self.clones.contains(full)
            && !self.unsafe_sync.contains(full)
    }

    /// Whether an `Arc` field of such a struct has no other owner: its value
    /// is never cloned, handed out or set from a value made elsewhere.
    pub(crate) fn arc_field_kept(&self, strukt: &str, field: &str) -> bool {
        self.kept_by_program(strukt) && !self.escaping_fields.contains(field)
    }

    /// Whether a struct is put in an `Arc`, a `static` or a framework's shared state.
    /// Whether `name` is a variant of the package's generic enum that holds
    /// its type parameter as an `Option` does (`Phase::Running(g)`).
    pub(crate) fn is_option_like_variant(&self, name: &str) -> bool {
        self.option_like_variants.contains(name)
    }

    pub(crate) fn is_shared_struct(&self, full: &str) -> bool {
        self.shared_structs.contains(full)
    }

    /// Whether a type has `unsafe impl Sync`.
    pub(crate) fn is_unsafe_sync(&self, full: &str) -> bool {
        self.unsafe_sync.contains(full)
    }

    /// Whether a type has `unsafe impl Sync` and no hand-written lock: the
    /// same exemption as the declaration finding, so a mutation made under
    /// that lock is not reported either.
    pub(crate) fn is_unguarded_sync(&self, full: &str) -> bool {
        self.is_unsafe_sync(full) && !self.structs.get(full).is_some_and(has_hand_written_lock)
    }

    /// The map field a `&mut self` method of a type mutates, and its declaration.
    /// The map field a `&mut self` method of a type counts in, if it does.
    pub(crate) fn counter_method(&self, ty: &str, method: &str) -> Option<&String> {
        if !self.counter_names.contains(method) {
            return None;
        }
        self.counters.get(&(ty.to_string(), method.to_string()))
    }

    /// Whether some `&mut self` method of this name counts in a map.
    pub(crate) fn may_be_counter_method(&self, method: &str) -> bool {
        self.counter_names.contains(method)
    }

    /// A struct's first field that is itself a map, and its declaration:
    /// what replacing the whole value (`*self = new`, `*guard = State { .. }`)
    /// replaces. Else a map in a struct it holds by value (also in an
    /// `Option`), two levels down at most: `server.auth_tokens`.
    pub(crate) fn direct_map_field(&self, strukt: &str) -> Option<(String, Span)> {
        self.map_field_within(strukt, 2)
    }

    /// Whether a struct's field is declared as an `LruCache` (one that is
    /// a map: hashlink's).
    fn is_lru_field(&self, strukt: &str, field: &str) -> bool {
        self.structs.get(strukt).is_some_and(|sf| {
            sf.fields.iter().any(|(name, ty, _)| {
                name == field
                    && matches!(ty, syn::Type::Path(tp)
                        if tp.path.segments.last().is_some_and(|s| s.ident == "LruCache"))
            })
        })
    }

    fn map_field_within(&self, strukt: &str, depth: usize) -> Option<(String, Span)> {
        let fields = &self.structs.get(strukt)?.fields;
        // A map held by value: one behind an `Arc` is kept by its other
        // owners when the struct is replaced (pingora's `Arc<HashMap>`s).
        let direct = fields.iter().find_map(|(name, _, _)| {
            let (shape, decl) = self.field(strukt, name)?;
            matches!(shape.peel(), (Shape::Map { .. }, false)).then(|| (name.clone(), decl))
        });
        if direct.is_some() || depth == 0 {
            return direct;
        }
        fields.iter().find_map(|(name, _, _)| {
            let (mut shape, _) = self.field(strukt, name)?;
            // Held by value: not behind an `Arc`, whose map other owners keep.
            while let Shape::Wrap(inner) = shape {
                shape = *inner;
            }
            let Shape::Named(inner) = shape else {
                return None;
            };
            let (field, decl) = self.map_field_within(&inner, depth - 1)?;
            Some((format!("{name}.{field}"), decl))
        })
    }

    pub(crate) fn mutator(&self, ty: &str, method: &str) -> Option<&(String, Span)> {
        self.mutators.get(&(ty.to_string(), method.to_string()))
    }

    /// The shape a type of the package derefs to (`impl Deref<Target = ..>`),
    /// unless the type has its own `method`, which method resolution picks first.
    pub(crate) fn deref_target(&self, ty: &str, method: &str) -> Option<Shape> {
        if self.derefs.is_empty() {
            return None;
        }
        let (target, module) = self.derefs.get(ty)?;
        let last = ty.rsplit("::").next().unwrap_or(ty);
        if self
            .own_methods
            .contains(&(last.to_string(), method.to_string()))
        {
            return None;
        }
        Some(self.shape_of(target, module, Some(ty)))
    }

    /// The package's struct another of its structs derefs to by value
    /// (`impl Deref for Executor { type Target = TaskHandle; }`): whose
    /// fields `executor.nodes` reaches.
    pub(crate) fn deref_struct(&self, ty: &str) -> Option<Shape> {
        let (target, module) = self.derefs.get(ty)?;
        let target = self.shape_of(target, module, Some(ty));
        match &target {
            Shape::Named(t) if self.structs.contains_key(t) && t != ty => Some(target),
            _ => None,
        }
    }

    /// The package's newtype over an `Arc` that derefs to what the `Arc`
    /// holds (`struct Core(Arc<Inner>)` with `Deref<Target = Inner>`, or
    /// `Target = Arc<Inner>`): the target, behind that `Arc`.
    pub(crate) fn deref_arc(&self, ty: &str) -> Option<Shape> {
        let (target, module) = self.derefs.get(ty)?;
        let target = self.shape_of(target, module, Some(ty));
        if matches!(target, Shape::Arc(_)) {
            return Some(target);
        }
        let s = self.structs.get(ty)?;
        s.fields
            .iter()
            .any(|(_, fty, _)| {
                matches!(self.shape_of(fty, &s.module, Some(ty)), Shape::Arc(i) if *i == target)
            })
            .then(|| Shape::Arc(Box::new(target)))
    }

    /// Whether a struct holds a lock in a field of its own (`Mutex<T>`,
    /// `Arc<RwLock<T>>`, `Vec<Mutex<T>>`): a type built to be shared.
    pub(crate) fn holds_lock(&self, strukt: &str) -> bool {
        let Some(s) = self.structs.get(strukt) else {
            return false;
        };
        s.fields.iter().any(|(_, ty, _)| {
            let shape = self.shape_of(ty, &s.module, Some(strukt));
            let mut cur = &shape;
            loop {
                match cur {
                    Shape::Lock { .. } => return true,
                    Shape::Arc(i) | Shape::Wrap(i) | Shape::Seq(i) => cur = i,
                    _ => return false,
                }
            }
        })
    }

    /// Whether a struct has an `Arc` field around a lock (`data:
    /// Arc<Mutex<..>>`) or around a struct of the package that holds one
    /// (`inner: Arc<Inner>`, `Inner { record: Mutex<..> }`).
    pub(crate) fn arc_field_holds_lock(&self, strukt: &str) -> bool {
        let Some(s) = self.structs.get(strukt) else {
            return false;
        };
        s.fields.iter().any(|(_, ty, _)| {
            matches!(self.shape_of(ty, &s.module, Some(strukt)).peel(),
                (Shape::Named(n), true) if n != strukt && self.holds_lock(n))
                || matches!(
                    self.shape_of(ty, &s.module, Some(strukt)).peel(),
                    (Shape::Lock { .. }, true)
                )
        })
    }

    /// Whether a shape holds a map anywhere (through locks, cells, containers, structs).
    pub(crate) fn holds_map(&self, shape: &Shape, seen: &mut HashSet<String>) -> bool {
        self.reaches_map(shape, true, seen)
    }

    /// Whether a value of this shape owns a map that a guard of it can
    /// mutate: directly, or through `Option`/`Box`/containers/cells and the
    /// fields of the package's structs, but not behind an `Arc`/`Rc` (shared,
    /// so immutable through the guard) or another lock (mutated under that one).
    pub(crate) fn owns_map(&self, shape: &Shape, seen: &mut HashSet<String>) -> bool {
        self.reaches_map(shape, false, seen)
    }

    /// Whether a map is reachable from `shape`, through `Arc`s, `Rc`s and
    /// locks too when `through_shared`.
    fn reaches_map(&self, shape: &Shape, through_shared: bool, seen: &mut HashSet<String>) -> bool {
        match shape {
            Shape::Map { .. } => true,
            Shape::Wrap(i) | Shape::Cell(i) | Shape::Seq(i) => {
                self.reaches_map(i, through_shared, seen)
            }
            Shape::Arc(i) | Shape::Rc(i) | Shape::Lock { inner: i, .. } => {
                through_shared && self.reaches_map(i, through_shared, seen)
            }
            Shape::Tuple(v) => v.iter().any(|s| self.reaches_map(s, through_shared, seen)),
            Shape::Named(n) => {
                if !seen.insert(n.clone()) {
                    return false;
                }
                let Some(s) = self.structs.get(n) else {
                    return false;
                };
                // Another crate's struct counts for a map field of its own,
                // not for maps deep in the crate's other types (a parsed
                // cron schedule's sets of hours), unless one of its `&mut
                // self` methods mutates one (keyed_priority_queue's `push`
                // into the map of its private `Mediator`).
                let foreign = self.foreign_structs.contains(n);
                if foreign && self.mutated_types.contains(n) {
                    return true;
                }
                s.fields.iter().any(|(_, ty, _)| {
                    let field = self.shape_of(ty, &s.module, Some(n));
                    if foreign {
                        // Also a struct of its crate held by value whose
                        // `&mut self` methods mutate a map (parley's
                        // `FontContext { collection: Collection, .. }`).
                        Self::holds_map_directly(&field, through_shared)
                            || matches!(field.peel(), (Shape::Named(m), false) if self.mutated_types.contains(m))
                    } else {
                        self.reaches_map(&field, through_shared, seen)
                    }
                })
            }
            Shape::Int | Shape::Atomic | Shape::Unknown | Shape::Entry(_) => false,
        }
    }

    /// Whether a shape is a map, in wrappers, cells and containers (and
    /// `Arc`s and locks when `through_shared`), without entering a struct.
    fn holds_map_directly(shape: &Shape, through_shared: bool) -> bool {
        match shape {
            Shape::Map { .. } => true,
            Shape::Wrap(i) | Shape::Cell(i) | Shape::Seq(i) => {
                Self::holds_map_directly(i, through_shared)
            }
            Shape::Arc(i) | Shape::Rc(i) | Shape::Lock { inner: i, .. } => {
                through_shared && Self::holds_map_directly(i, through_shared)
            }
            Shape::Tuple(v) => v
                .iter()
                .any(|s| Self::holds_map_directly(s, through_shared)),
            _ => false,
        }
    }

    /// Whether a `static` of type `ty` (in `module`) can be changed after it
    /// is set, by a test that locks it or puts there a value another test
    /// finds: a lock, a cell or an `AtomicPtr` anywhere in the type, in its
    /// type arguments or in the fields of the package's structs and aliases
    /// it names. An id counter, a `OnceLock` of settings (a map or a hook
    /// among them), a pool of byte buffers cannot.
    fn may_carry(&self, ty: &syn::Type, module: &str, seen: &mut HashSet<String>) -> bool {
        // The paths of the types a value of `ty` holds: not the parameters
        // of a function type (`Arc<dyn Fn(&mut Conn)>` holds no `Conn`).
        struct Held(Vec<Vec<String>>);
        impl<'ast> Visit<'ast> for Held {
            fn visit_path(&mut self, p: &'ast syn::Path) {
                if p.segments.last().is_some_and(|l| l.ident == "PhantomData") {
                    return;
                }
                self.0.push(path_segs(p));
                syn::visit::visit_path(self, p);
            }
            fn visit_parenthesized_generic_arguments(
                &mut self,
                _: &'ast syn::ParenthesizedGenericArguments,
            ) {
            }
            fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}
        }
        let mut held = Held(Vec::new());
        held.visit_type(ty);
        let paths = held.0;
        let carrier = |segs: &Vec<String>| {
            segs.last().is_some_and(|n| {
                let n = n.as_str();
                LOCK_NAMES.contains(&n) || CELL_NAMES.contains(&n) || n == "AtomicPtr"
            })
        };
        if paths.iter().any(carrier) {
            return true;
        }
        paths.iter().any(|segs| {
            let full = self.resolve(module, segs);
            if !seen.insert(full.clone()) {
                return false;
            }
            if let Some((aliased, alias_module, _)) = self.aliases.get(&full) {
                return self.may_carry(aliased, alias_module, seen);
            }
            self.structs.get(&full).is_some_and(|st| {
                st.fields
                    .iter()
                    .any(|(_, fty, _)| self.may_carry(fty, &st.module, seen))
            })
        })
    }

    /// If `unsafe impl Sync` (`sync`) or `unsafe impl Send` for struct `name`
    /// lets two threads reach one of its maps without a lock, the field that
    /// holds it. For `Sync`: a map behind a cell (`UnsafeCell`, `RefCell`,
    /// `Cell`) or an `Rc`; for `Send`: a map behind an `Rc`. A plain map field
    /// is not reported: through `&T` it can only be read, and moving it to
    /// another thread is sound.
    pub(crate) fn racy_map_field(
        &self,
        name: &str,
        sync: bool,
        seen: &mut HashSet<String>,
    ) -> Option<Span> {
        if !seen.insert(name.to_string()) {
            return None;
        }
        let s = self.structs.get(name)?;
        if has_hand_written_lock(s) {
            return None;
        }
        for (_, ty, span) in &s.fields {
            // A shared borrow of a cell (`map: &'g UnsafeCell<Map>`, a
            // left-right map's read guard) is judged where the cell is owned.
            if matches!(ty, syn::Type::Reference(r) if r.mutability.is_none()) {
                continue;
            }
            let shape = self.shape_of(ty, &s.module, Some(name));
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
            Shape::Arc(i) | Shape::Wrap(i) | Shape::Seq(i) => self.racy(i, sync, cell, rc, seen),
            Shape::Lock { .. } => false,
            Shape::Tuple(v) => v.iter().any(|s| self.racy(s, sync, cell, rc, seen)),
            Shape::Named(n) => {
                if cell || rc {
                    // the whole struct is behind the cell or Rc: any map in it counts
                    self.holds_map(shape, &mut seen.clone())
                } else {
                    self.racy_map_field(n, sync, seen).is_some()
                }
            }
            Shape::Int | Shape::Atomic | Shape::Unknown | Shape::Entry(_) => false,
        }
    }
}

/// Lock guard types (std, parking_lot, tokio, async_lock) and whether each
/// can write.
const GUARD_NAMES: &[(&str, bool)] = &[
    ("MutexGuard", true),
    ("RwLockWriteGuard", true),
    ("RwLockReadGuard", false),
    ("MappedMutexGuard", true),
    ("MappedRwLockWriteGuard", true),
    ("MappedRwLockReadGuard", false),
    ("OwnedMutexGuard", true),
    ("OwnedRwLockWriteGuard", true),
    ("OwnedRwLockReadGuard", false),
    // tokio's mapped guards
    ("RwLockMappedWriteGuard", true),
    ("OwnedRwLockMappedWriteGuard", true),
    ("OwnedMappedMutexGuard", true),
    // parking_lot's `arc_lock` guards
    ("ArcMutexGuard", true),
    ("ArcRwLockWriteGuard", true),
    ("ArcRwLockReadGuard", false),
    // async_lock's
    ("MutexGuardArc", true),
    ("RwLockWriteGuardArc", true),
    ("RwLockReadGuardArc", false),
];

/// An atomic field beside the cell is most likely a hand-written lock (a
/// spin lock or a seqlock), as is a `Mutex<()>`: trust it rather than risk a
/// false positive.
fn has_hand_written_lock(s: &StructFact) -> bool {
    s.fields.iter().any(|(_, ty, _)| {
        let mut names = Vec::new();
        type_idents(ty, &mut names);
        names.iter().any(|n| n.starts_with("Atomic"))
            || (names
                .first()
                .is_some_and(|n| LOCK_NAMES.contains(&n.as_str()))
                && names.len() == 1)
    })
}

/// Whether a type's last segment carries a lifetime (`RegistryRefMut<'a>`):
/// a value that borrows, here taken as the package's `&mut` wrapper a
/// mutator is called on (only a mutator the package defines for it counts).
fn borrows_mutably(last: &syn::PathSegment) -> bool {
    matches!(&last.arguments, syn::PathArguments::AngleBracketed(a)
        if a.args.iter().any(|g| matches!(g, syn::GenericArgument::Lifetime(_))))
}

/// Whether a path is `mem::take`, `mem::replace` or `mem::swap` (after
/// any prefix: `std::mem::take`): a call that empties its first argument.
fn is_mem_swap(segs: &[String]) -> bool {
    matches!(segs, [.., module, last]
        if module == "mem" && matches!(last.as_str(), "take" | "replace" | "swap"))
}

/// The named structs inside a shape, not looking into those structs.
fn named_in(shape: &Shape, out: &mut Vec<String>) {
    match shape {
        Shape::Named(n) => out.push(n.clone()),
        Shape::Arc(i)
        | Shape::Wrap(i)
        | Shape::Rc(i)
        | Shape::Cell(i)
        | Shape::Seq(i)
        | Shape::Lock { inner: i, .. }
        | Shape::Map { value: i, .. } => named_in(i, out),
        Shape::Tuple(v) => v.iter().for_each(|s| named_in(s, out)),
        Shape::Int | Shape::Atomic | Shape::Unknown | Shape::Entry(_) => {}
    }
}

/// Every last path segment named in a type, e.g. `LazyLock<AppState>` gives
/// `LazyLock` and `AppState`.
pub(crate) fn type_idents(ty: &syn::Type, out: &mut Vec<String>) {
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

/// Every path named in a type, e.g. `LazyLock<state::AppState>` gives
/// `LazyLock` and `state::AppState`.
fn type_paths(ty: &syn::Type, out: &mut Vec<Vec<String>>) {
    struct V<'o>(&'o mut Vec<Vec<String>>);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_path(&mut self, p: &'ast syn::Path) {
            self.0.push(path_segs(p));
            syn::visit::visit_path(self, p);
        }
    }
    V(out).visit_type(ty);
}

struct Collector<'f> {
    facts: &'f mut Facts,
    file: &'f Path,
    module: String,
    /// The self type of the impl being walked, unresolved.
    self_ty: Option<Vec<String>>,
    /// The `use` being read is under `#[cfg(feature = ..)]`.
    feature_use: bool,
    /// Inside a `pub use`.
    pub_use: bool,
    /// The function whose body is being read.
    fn_span: Option<Span>,
    /// Inside a `#[cfg(test)]` module or impl.
    test_code: bool,
    /// Inside a `#[test]` function's body.
    in_test_fn: bool,
    /// The file's own `macro_rules!` so far, expanded where invoked.
    macros: LocalMacros,
    /// The written types of the current function's parameters and typed
    /// `let`s, for `Arc::new(db)` with `db: Db`.
    typed_names: HashMap<String, syn::Type>,
    /// The current function's untyped `let`s, with the type a constructor
    /// names (`let db = Db::new(..)?;`, `Db { .. }`), or the package
    /// function that made it (`let r = build_registry();`).
    built_names: HashMap<String, Built>,
}

/// What made an untyped `let`.
enum Built {
    /// A constructor of this type.
    Type(Vec<String>),
    /// A call of this function path.
    Returned(Vec<String>),
    Unknown,
}

impl Collector<'_> {
    fn module_entry(&mut self) -> &mut Module {
        self.facts.modules.entry(self.module.clone()).or_default()
    }

    fn add_item(&mut self, name: String) {
        self.module_entry().items.insert(name);
    }

    fn add_static(&mut self, ident: &syn::Ident, ty: &syn::Type, mutable: bool, tl: bool) {
        let decl = Span::from_pm2(self.file, ident.span());
        if !tl {
            let mut paths = Vec::new();
            type_paths(ty, &mut paths);
            for p in paths {
                self.facts.raw_shared.push((p, self.module.clone()));
            }
        }
        let name = ident.to_string();
        let full = format!("{}::{name}", self.module);
        self.add_item(name.clone());
        // A shared static wins over a thread-local of the same path (cfg'd twins).
        if let Some(old) = self.facts.statics.get(&full)
            && !old.thread_local
            && tl
        {
            return;
        }
        let names = self.facts.static_names.entry(name).or_default();
        if !names.contains(&full) {
            names.push(full.clone());
        }
        let fact = StaticFact {
            ty: ty.clone(),
            module: self.module.clone(),
            mutable,
            thread_local: tl,
            decl,
            fn_scope: self.fn_span.clone(),
            in_test_fn: self.in_test_fn,
        };
        if fact.fn_scope.is_some() {
            self.facts.body_statics.push((full.clone(), fact.clone()));
        }
        self.facts.statics.insert(full, fact);
    }

    /// One name of a `use`. Of two `cfg` alternatives (`#[cfg(not(feature =
    /// "parking_lot"))] use std::sync::RwLock;` and `#[cfg(feature =
    /// "parking_lot")] use parking_lot::RwLock;`), the default build's wins.
    fn insert_use(&mut self, name: String, target: String) {
        let gated = self.feature_use;
        let public = self.pub_use;
        let m = self.module_entry();
        if public {
            m.pub_uses.insert(name.clone());
        }
        if gated {
            if m.uses.contains_key(&name) && !m.feature_uses.contains(&name) {
                return;
            }
            m.feature_uses.insert(name.clone());
        } else {
            m.feature_uses.remove(&name);
        }
        m.uses.insert(name, target);
    }

    fn add_use(&mut self, prefix: &[String], tree: &syn::UseTree) {
        let joined = |p: &[String], i: &syn::Ident| {
            let mut v = p.to_vec();
            v.push(i.to_string());
            v
        };
        match tree {
            syn::UseTree::Path(p) => self.add_use(&joined(prefix, &p.ident), &p.tree),
            syn::UseTree::Name(n) => {
                if n.ident == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        let target = absolute(&self.module, prefix).join("::");
                        self.insert_use(last, target);
                    }
                } else {
                    let target = absolute(&self.module, &joined(prefix, &n.ident)).join("::");
                    self.insert_use(n.ident.to_string(), target);
                }
            }
            syn::UseTree::Rename(r) => {
                if r.rename == "_" {
                    return;
                }
                let target = absolute(&self.module, &joined(prefix, &r.ident)).join("::");
                self.insert_use(r.rename.to_string(), target);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.add_use(prefix, t);
                }
            }
            syn::UseTree::Glob(_) => {
                let target = absolute(&self.module, prefix).join("::");
                self.module_entry().globs.push(target);
            }
        }
    }

    fn in_module(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        let inner = format!("{}::{name}", self.module);
        let saved = std::mem::replace(&mut self.module, inner);
        let saved_self = self.self_ty.take();
        self.module_entry();
        f(self);
        self.module = saved;
        self.self_ty = saved_self;
    }

    /// Records a struct (or an enum's variant fields) and its type parameters.
    fn add_struct(
        &mut self,
        full: String,
        generics: &syn::Generics,
        fields: Vec<(String, syn::Type, Span)>,
    ) {
        let params: Vec<String> = generics
            .type_params()
            .map(|p| p.ident.to_string())
            .collect();
        if !params.is_empty() {
            self.facts.struct_params.insert(full.clone(), params);
        }
        let fact = StructFact {
            module: self.module.clone(),
            fields,
        };
        if let Some(earlier) = self.facts.structs.insert(full.clone(), fact) {
            self.facts
                .struct_alternatives
                .entry(full)
                .or_default()
                .push(earlier);
        }
    }

    /// Records which `&mut` parameters of a function its body mutates.
    fn add_param_mutations(
        &mut self,
        name: &str,
        sig: &syn::Signature,
        block: &syn::Block,
        self_ty: Option<&[String]>,
    ) {
        let uses = param_uses(sig, block);
        if !uses.direct.is_empty() || !uses.calls.is_empty() || !uses.hand_ons.is_empty() {
            self.facts.raw_param_mutators.push(RawParamMutators {
                self_ty: self_ty.map(<[String]>::to_vec),
                module: self.module.clone(),
                name: name.to_string(),
                uses,
            });
        }
    }

    /// Records a function body for the call graph of [`thread_reach`].
    fn add_body(
        &mut self,
        sig: &syn::Signature,
        self_ty: Option<&[String]>,
        attrs: &[syn::Attribute],
        block: &syn::Block,
    ) {
        let test =
            test_scope::is_test_fn(attrs).then(|| test_scope::runs_tasks_on_its_thread(attrs));
        let test_code = self.test_code
            || thread_reach::root_of(&self.module).starts_with("test:")
            || test_scope::is_cfg_test(attrs);
        self.facts.raw_bodies.push(thread_reach::RawBody {
            self_ty: self_ty.map(<[String]>::to_vec),
            module: self.module.clone(),
            name: sig.ident.to_string(),
            test,
            test_code,
            method: sig.receiver().is_some(),
            scan: thread_reach::BodyScan::of(Some(sig), block),
        });
    }

    fn add_fn(
        &mut self,
        name: &str,
        sig: &syn::Signature,
        block: &syn::Block,
        self_ty: Option<&[String]>,
    ) {
        let args = closure_arg_types(sig);
        if !args.is_empty() {
            let cb = Callbacks {
                module: self.module.clone(),
                self_ty: None,
                args,
            };
            let st = self_ty.map(<[String]>::to_vec);
            self.facts.raw_callbacks.push((st, name.to_string(), cb));
        }
        let syn::ReturnType::Type(_, ret) = &sig.output else {
            return;
        };
        let mut names = Vec::new();
        type_idents(ret, &mut names);
        // A reference inside a tuple (`(Option<&mut Node>, ..)`) may be a sub-node of `self`.
        let interesting = matches!(**ret, syn::Type::Reference(_))
            || matches!(&**ret, syn::Type::Tuple(t) if t.elems.iter().any(has_reference))
            || names.iter().any(|n| {
                n == "Arc"
                        || LOCK_NAMES.contains(&n.as_str())
                        || n == "Self"
                        // A guard returned by a lock helper (`fn lock_inner(&self) -> MutexGuard<..>`).
                        || GUARD_NAMES.iter().any(|(g, _)| n == g)
                        // `-> impl DerefMut<Target = Inner>`: a guard by another name.
                        || n == "DerefMut"
            });
        // A bare path without generics may be an alias of a shared type.
        // Paths that may name a type alias of a shared type (`-> Shared`,
        // `-> Option<Shared>` for `type Shared = Arc<Mutex<..>>`).
        let alias = (!interesting).then(|| {
            let mut paths = Vec::new();
            type_paths(ret, &mut paths);
            paths.retain(|p| {
                p.last().is_some_and(|l| {
                    l.starts_with(char::is_uppercase)
                        && !matches!(l.as_str(), "Option" | "Result" | "Vec" | "String" | "Box")
                })
            });
            paths
        });
        let alias = alias.filter(|p| !p.is_empty());
        if !interesting && alias.is_none() {
            return;
        }
        self.facts.raw_fns.push((
            self_ty.map(<[String]>::to_vec),
            name.to_string(),
            FnFact {
                ret: (**ret).clone(),
                module: self.module.clone(),
                self_ty: None,
                locks: takes_a_lock(block),
                static_mut_candidates: if is_static_mut_ref(ret) && !checks_thread(block) {
                    upper_case_names(block)
                } else {
                    Vec::new()
                },
            },
            alias,
        ));
    }
}

impl thread_reach::Resolver for Facts {
    fn resolve(&self, module: &str, segs: &[String]) -> String {
        Facts::resolve(self, module, segs)
    }

    fn is_package_type(&self, full: &str) -> bool {
        if self.foreign_roots.contains(root(full)) {
            return false;
        }
        self.structs.contains_key(full)
            || self.aliases.contains_key(full)
            || full.rsplit_once("::").is_some_and(|(m, last)| {
                self.modules.get(m).is_some_and(|m| m.items.contains(last))
            })
    }

    fn is_static_name(&self, name: &str) -> bool {
        self.static_names.get(name).is_some_and(|all| {
            all.iter().any(|full| {
                self.statics.get(full).is_some_and(|s| {
                    !s.thread_local
                        && !s.in_test_fn
                        && self.may_carry(&s.ty, &s.module, &mut HashSet::new())
                })
            })
        })
    }

    fn is_other_workspace_crate(&self, module: &str, full: &str) -> bool {
        // A dependency read from the registry is judged as before it was
        // read: by the names of its calls.
        let target = thread_reach::root_of(full);
        target != thread_reach::root_of(module)
            && self.modules.contains_key(target)
            && !self.foreign_roots.contains(target)
    }

    fn static_type(&self, full: &str) -> Option<String> {
        let (_, s) = self.static_at(full)?;
        match self.shape_of(&s.ty, &s.module, None).peel().0 {
            Shape::Named(n) => Some(n.clone()),
            _ => None,
        }
    }

    fn field_type(&self, owner: &str, field: &str) -> thread_reach::Owner {
        let Some(sf) = self.structs.get(owner) else {
            return thread_reach::Owner::Unknown;
        };
        let Some((_, ty, _)) = sf.fields.iter().find(|(name, _, _)| name == field) else {
            return thread_reach::Owner::Unknown;
        };
        if let Shape::Named(n) = self.shape_of(ty, &sf.module, Some(owner)).peel().0 {
            return thread_reach::Owner::Type(n.clone());
        }
        // A lock, a collection, a cell, an integer: their methods call none
        // of the package's (what they hold is reached through the value
        // they hand back, read by name).
        let container = matches!(
            self.shape_of(ty, &sf.module, Some(owner)).peel().0,
            Shape::Map { .. }
                | Shape::Seq(_)
                | Shape::Lock { .. }
                | Shape::Cell(_)
                | Shape::Int
                | Shape::Atomic
        );
        if container || self.names_only_other_crates(ty, &sf.module) {
            thread_reach::Owner::Foreign
        } else {
            thread_reach::Owner::Unknown
        }
    }

    fn returned_type(&self, function: &str) -> Option<String> {
        let f = self.fns.get(function)?;
        let syn::Type::Path(tp) = &f.ret else {
            return None;
        };
        let full = self.full_path(&tp.path, &f.module, f.self_ty.as_deref());
        self.structs.contains_key(&full).then_some(full)
    }
}

impl Facts {
    /// Whether every path a type names is another crate's (`ratatui::Terminal<
    /// TestBackend>`, `reqwest::Client`) or a primitive or prelude type: no
    /// type of the package, no type parameter, no trait object.
    fn names_only_other_crates(&self, ty: &syn::Type, module: &str) -> bool {
        struct Paths<'f> {
            facts: &'f Facts,
            module: &'f str,
            others_only: bool,
        }
        impl<'ast> Visit<'ast> for Paths<'_> {
            fn visit_type_trait_object(&mut self, _: &'ast syn::TypeTraitObject) {
                self.others_only = false;
            }
            fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
                self.others_only = false;
            }
            fn visit_type_path(&mut self, tp: &'ast syn::TypePath) {
                let segs = path_segs(&tp.path);
                let other = match segs.as_slice() {
                    [one] if PRELUDE_TYPES.contains(&one.as_str()) => true,
                    // A type parameter, or a name the package's `use`s do not give.
                    [_] if tp.qself.is_none() => {
                        let full = self.facts.full_path(&tp.path, self.module, None);
                        full.contains("::") && self.facts.is_other_crate(&full)
                    }
                    _ => {
                        tp.qself.is_none()
                            && self.facts.is_other_crate(&self.facts.full_path(
                                &tp.path,
                                self.module,
                                None,
                            ))
                    }
                };
                self.others_only &= other;
                syn::visit::visit_type_path(self, tp);
            }
        }
        let mut paths = Paths {
            facts: self,
            module,
            others_only: true,
        };
        paths.visit_type(ty);
        paths.others_only
    }

    /// Whether a full path leads into another crate: a dependency, read or not.
    fn is_other_crate(&self, full: &str) -> bool {
        let r = root(full);
        r != "crate" && (!self.modules.contains_key(r) || self.foreign_roots.contains(r))
    }
}

/// Types and primitives every module names without a `use`.
const PRELUDE_TYPES: &[&str] = &[
    "String", "Vec", "Option", "Box", "Result", "bool", "char", "str", "u8", "u16", "u32", "u64",
    "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

/// What an initialiser builds, under `?`, `.await`, `.unwrap()` and `.expect(..)`.
fn built(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Try(t) => built(&t.expr),
        syn::Expr::Await(a) => built(&a.base),
        syn::Expr::Paren(p) => built(&p.expr),
        syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
            built(&m.receiver)
        }
        e => e,
    }
}

/// The type a constructor expression names: `Db::new(..)`, `Db::default()`,
/// `Db { .. }`, through `?`, `.await`, `.unwrap()` and `.expect(..)`.
pub(crate) fn constructed_type(e: &syn::Expr) -> Option<Vec<String>> {
    match built(e) {
        // A type, not a module's function (`state::make()`).
        e @ syn::Expr::Call(_) => constructor_path(e).filter(|segs| {
            segs.last()
                .is_some_and(|l| l.starts_with(char::is_uppercase))
        }),
        e => constructor_path(e),
    }
}

/// The path of a free function called (`build_registry()`, `state::make()?`),
/// not a type's associated function (`Db::new()`).
fn function_called(e: &syn::Expr) -> Option<Vec<String>> {
    match built(e) {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let lower = |s: &syn::PathSegment| s.ident.to_string().starts_with(char::is_lowercase);
            let mut segs = p.path.segments.iter().rev();
            (p.qself.is_none() && segs.next().is_some_and(lower) && segs.next().is_none_or(lower))
                .then(|| path_segs(&p.path))
        }
        _ => None,
    }
}

/// The path before the function of `Db::new(..)`, or of `Db { .. }`.
fn constructor_path(e: &syn::Expr) -> Option<Vec<String>> {
    match e {
        syn::Expr::Struct(s) => Some(path_segs(&s.path)),
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) if p.path.segments.len() >= 2 => {
                let mut segs = path_segs(&p.path);
                segs.pop();
                Some(segs)
            }
            _ => None,
        },
        _ => None,
    }
}

/// `#[cfg(feature = "..")]`: code that only a feature turns on.
pub(crate) fn is_cfg_feature(a: &syn::Attribute) -> bool {
    a.path().is_ident("cfg")
        && a.meta.require_list().is_ok_and(|l| {
            matches!(l.tokens.clone().into_iter().next(),
                Some(proc_macro2::TokenTree::Ident(i)) if i == "feature")
        })
}

/// Whether a `use` under this attribute gives way to another `use` of the
/// name: `cfg(feature = "x")` with `x` not known to be on, or, when the
/// features on are known, `cfg(not(feature = "x"))` with `x` on.
fn off_feature_alternative(a: &syn::Attribute, features: Option<&HashSet<String>>) -> bool {
    /// `feature = "x"`: `x`.
    fn feature_name(tokens: proc_macro2::TokenStream) -> Option<String> {
        let nv: syn::MetaNameValue = syn::parse2(tokens).ok()?;
        if !nv.path.is_ident("feature") {
            return None;
        }
        match nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        }
    }
    if !a.path().is_ident("cfg") {
        return false;
    }
    let Ok(list) = a.meta.require_list() else {
        return false;
    };
    let Some(on) = features else {
        return is_cfg_feature(a);
    };
    if let Some(name) = feature_name(list.tokens.clone()) {
        return !on.contains(&name);
    }
    if let Ok(syn::Meta::List(not)) = syn::parse2::<syn::Meta>(list.tokens.clone())
        && not.path.is_ident("not")
        && let Some(name) = feature_name(not.tokens.clone())
    {
        return on.contains(&name);
    }
    is_cfg_feature(a)
}

/// Whether `#[derive(..)]` among the attributes names `name`.
fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|paths| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
            })
        })
}

/// Whether a type holds a reference anywhere (`Option<&mut Node>`).
fn has_reference(ty: &syn::Type) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_type_reference(&mut self, _: &'ast syn::TypeReference) {
            self.0 = true;
        }
    }
    let mut v = V(false);
    v.visit_type(ty);
    v.0
}

/// What the items of one `impl` block share.
struct ImplContext {
    /// The implementing type's path as written.
    self_path: Option<Vec<String>>,
    /// The names the impl gives the type's parameters (`impl<T> WeakOpt<T>`).
    self_args: Vec<String>,
    /// Whether it is `impl Deref for ..`.
    is_deref: bool,
    /// The impl's associated types (`type Instance = MemoryBackend;`), for
    /// `Self::Instance` in its methods' return types.
    assoc: Vec<(String, syn::Type)>,
}

impl Collector<'_> {
    /// One item of an `impl` block; an invocation of the package's own
    /// `macro_rules!` there (`impl Jar { adder!(add); }`) is its items, so
    /// the methods it writes count as the type's.
    fn impl_item(&mut self, item: &syn::ImplItem, cx: &ImplContext) {
        if let syn::ImplItem::Macro(m) = item
            && let Some(items) = self.macros.impl_items(&m.mac)
        {
            self.macros.depth += 1;
            for i in &items {
                self.impl_item(i, cx);
            }
            self.macros.depth -= 1;
            return;
        }
        let ImplContext {
            self_path,
            self_args,
            is_deref,
            assoc,
        } = cx;
        let is_deref = *is_deref;
        if let (syn::ImplItem::Type(t), true, Some(sp)) = (item, is_deref, &self_path)
            && t.ident == "Target"
        {
            self.facts.raw_derefs.push(RawDeref {
                self_ty: sp.clone(),
                self_args: self_args.clone(),
                module: self.module.clone(),
                target: t.ty.clone(),
            });
        }
        if let syn::ImplItem::Fn(f) = item {
            let name = f.sig.ident.to_string();
            if let Some(last) = self_path.as_ref().and_then(|sp| sp.last()) {
                self.facts.own_methods.insert((last.clone(), name.clone()));
            }
            // A method of a generic type that returns an `Arc`/`Rc` (an upgrade)
            // or, named like a lock method on `&self`, a guard of its parameter.
            if let (Some(sp), false, Some(r), syn::ReturnType::Type(_, ret)) = (
                &self_path,
                self_args.is_empty(),
                f.sig.receiver(),
                &f.sig.output,
            ) {
                let method = RawGenericMethod {
                    self_ty: sp.clone(),
                    self_args: self_args.clone(),
                    module: self.module.clone(),
                    method: name.clone(),
                    ret: (**ret).clone(),
                };
                let mut names = Vec::new();
                type_idents(ret, &mut names);
                let locks = r.reference.is_some()
                    && (super::walk::WRITE_LOCK.contains(&name.as_str())
                        || super::walk::READ_LOCK.contains(&name.as_str()));
                if names.iter().any(|n| n == "Arc" || n == "Rc") {
                    self.facts.raw_upgrades.push(method.clone());
                }
                if locks {
                    self.facts.raw_lock_methods.push(method);
                }
            }
            // A method of `impl Trait for &T` is still found by its name.
            let body_ty = self_path.clone().unwrap_or_else(|| vec!["_".to_string()]);
            self.add_body(&f.sig, Some(&body_ty), &f.attrs, &f.block);
            if let Some(sp) = &self_path {
                // `-> anyhow::Result<Self::Instance>` with `type Instance = MemoryBackend;`.
                let sig = with_assoc_types(&f.sig, assoc);
                self.add_fn(&name, sig.as_ref().unwrap_or(&f.sig), &f.block, Some(sp));
                self.add_param_mutations(&name, &f.sig, &f.block, Some(sp));
                if let Some(g) = closure_guard(&f.sig, &f.block) {
                    self.facts.raw_closure_guards.push((
                        sp.clone(),
                        self.module.clone(),
                        name.clone(),
                        g,
                    ));
                }
                let exclusive_self = f.sig.inputs.first().is_some_and(|a| {
                    matches!(a, syn::FnArg::Receiver(r) if r.reference.is_some() && r.mutability.is_some())
                });
                if exclusive_self {
                    let counted = counted_self_fields(&f.block).into_iter();
                    for target in mutated_self_fields(&f.block)
                        .into_iter()
                        .chain(counted.map(MutatorTarget::Counter))
                    {
                        self.facts.raw_mutators.push(RawMutator {
                            self_ty: sp.clone(),
                            module: self.module.clone(),
                            method: name.clone(),
                            target,
                        });
                    }
                }
            }
        }
        self.visit_impl_item(item);
    }
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
        let name = s.ident.to_string();
        let full = format!("{}::{name}", self.module);
        self.add_item(name.clone());
        if derives(&s.attrs, "Clone") {
            self.facts.clones.insert(full.clone());
        }
        let names = self.facts.struct_names.entry(name).or_default();
        if !names.contains(&full) {
            names.push(full.clone());
        }
        self.add_struct(full, &s.generics, fields);
        syn::visit::visit_item_struct(self, s);
    }

    fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
        let name = e.ident.to_string();
        self.add_item(name.clone());
        // An enum whose variants hold data is followed like a struct with
        // every variant's fields (`enum State { Ready(Pool), Empty }`, where
        // `Pool` owns a map): a lock around it guards that map.
        let file = self.file;
        let fields: Vec<(String, syn::Type, Span)> = e
            .variants
            .iter()
            .flat_map(|v| {
                v.fields.iter().enumerate().map(move |(i, f)| {
                    let field = f.ident.as_ref().map_or(i.to_string(), ToString::to_string);
                    (
                        format!("{}::{field}", v.ident),
                        f.ty.clone(),
                        Span::from_pm2(file, syn::spanned::Spanned::span(&f.ty)),
                    )
                })
            })
            .collect();
        if !fields.is_empty() {
            let full = format!("{}::{name}", self.module);
            if let Some(i) = option_like_param(e) {
                self.facts.option_like.insert(full.clone(), i);
                for v in e.variants.iter().filter(|v| !v.fields.is_empty()) {
                    self.facts.option_like_variants.insert(v.ident.to_string());
                }
            }
            self.add_struct(full, &e.generics, fields);
        }
        syn::visit::visit_item_enum(self, e);
    }

    fn visit_item_union(&mut self, u: &'ast syn::ItemUnion) {
        self.add_item(u.ident.to_string());
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.add_item(t.ident.to_string());
        self.facts
            .traits
            .insert(format!("{}::{}", self.module, t.ident));
        let trait_path = vec![t.ident.to_string()];
        for item in &t.items {
            let syn::TraitItem::Fn(f) = item else {
                continue;
            };
            if let Some(block) = &f.default {
                self.add_body(&f.sig, Some(&trait_path), &f.attrs, block);
            }
            // `fn out_inflight(&self) -> &OutInflightType;`: what a call on
            // a `dyn` of the trait gives, by its written return type.
            if matches!(f.sig.receiver(), Some(r) if r.reference.is_some())
                && matches!(&f.sig.output, syn::ReturnType::Type(_, t) if matches!(**t, syn::Type::Reference(_)))
            {
                let empty = syn::Block {
                    brace_token: Default::default(),
                    stmts: Vec::new(),
                };
                let body = f.default.as_ref().unwrap_or(&empty);
                self.add_fn(&f.sig.ident.to_string(), &f.sig, body, Some(&trait_path));
            }
        }
        let saved = self.self_ty.take();
        syn::visit::visit_item_trait(self, t);
        self.self_ty = saved;
    }

    fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
        self.add_item(c.ident.to_string());
        syn::visit::visit_item_const(self, c);
    }

    fn visit_item_type(&mut self, t: &'ast syn::ItemType) {
        let name = t.ident.to_string();
        self.add_item(name.clone());
        // `#[cfg]` alternatives of one alias: the first one is kept.
        self.facts
            .aliases
            .entry(format!("{}::{name}", self.module))
            .or_insert_with(|| {
                let params = t
                    .generics
                    .type_params()
                    .map(|p| p.ident.to_string())
                    .collect();
                ((*t.ty).clone(), self.module.clone(), params)
            });
        syn::visit::visit_item_type(self, t);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let name = f.sig.ident.to_string();
        self.add_item(name.clone());
        self.add_fn(&name, &f.sig, &f.block, None);
        self.add_param_mutations(&name, &f.sig, &f.block, None);
        self.add_body(&f.sig, None, &f.attrs, &f.block);
        let saved = self.self_ty.take();
        let saved_fn = self
            .fn_span
            .replace(Span::from_pm2(self.file, syn::spanned::Spanned::span(f)));
        let saved_test = self.in_test_fn;
        self.in_test_fn |= test_scope::is_test_fn(&f.attrs);
        let saved_names = std::mem::take(&mut self.typed_names);
        let saved_built = std::mem::take(&mut self.built_names);
        syn::visit::visit_item_fn(self, f);
        self.typed_names = saved_names;
        self.built_names = saved_built;
        self.self_ty = saved;
        self.fn_span = saved_fn;
        self.in_test_fn = saved_test;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let saved_fn = self
            .fn_span
            .replace(Span::from_pm2(self.file, syn::spanned::Spanned::span(f)));
        let saved_names = std::mem::take(&mut self.typed_names);
        let saved_built = std::mem::take(&mut self.built_names);
        syn::visit::visit_impl_item_fn(self, f);
        self.typed_names = saved_names;
        self.built_names = saved_built;
        self.fn_span = saved_fn;
    }

    fn visit_pat_type(&mut self, p: &'ast syn::PatType) {
        if let syn::Pat::Ident(id) = &*p.pat {
            self.typed_names
                .insert(id.ident.to_string(), (*p.ty).clone());
        }
        syn::visit::visit_pat_type(self, p);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let name = m.ident.to_string();
        self.add_item(name.clone());
        if let Some((_, items)) = &m.content {
            let saved = self.test_code;
            self.test_code |= test_scope::is_cfg_test(&m.attrs);
            self.in_module(&name, |c| {
                for i in items {
                    c.visit_item(i);
                }
            });
            self.test_code = saved;
        } else {
            let full = format!("{}::{name}", self.module);
            self.facts.modules.entry(full).or_default();
        }
    }

    fn visit_item_extern_crate(&mut self, e: &'ast syn::ItemExternCrate) {
        if let Some((_, rename)) = &e.rename {
            let target = e.ident.to_string();
            self.module_entry().uses.insert(rename.to_string(), target);
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let self_path = match &*i.self_ty {
            syn::Type::Path(tp) => Some(path_segs(&tp.path)),
            _ => None,
        };
        if let (Some(_), Some((_, tr, _)), Some(sp)) = (&i.unsafety, &i.trait_, &self_path)
            && tr.segments.last().is_some_and(|s| s.ident == "Sync")
        {
            self.facts
                .raw_unsafe_sync
                .push((sp.clone(), self.module.clone()));
        }
        // `impl<T> WeakOpt<T>`: the names the impl gives the type's parameters.
        let self_args: Vec<String> = match &*i.self_ty {
            syn::Type::Path(tp) => tp
                .path
                .segments
                .last()
                .map(ty::type_args)
                .unwrap_or_default()
                .iter()
                .map(|t| match t {
                    syn::Type::Path(p) => p.path.get_ident().map(ToString::to_string),
                    _ => None,
                })
                .map(Option::unwrap_or_default)
                .collect(),
            _ => Vec::new(),
        };
        if let (Some((_, tr, _)), Some(sp)) = (&i.trait_, &self_path)
            && tr.segments.last().is_some_and(|s| s.ident == "Clone")
        {
            self.facts
                .raw_clones
                .push((sp.clone(), self.module.clone()));
        }
        let is_deref = i
            .trait_
            .as_ref()
            .is_some_and(|(_, tr, _)| tr.segments.last().is_some_and(|s| s.ident == "Deref"));
        if i.trait_.is_some()
            && self_path
                .as_ref()
                .and_then(|sp| sp.last())
                .is_some_and(|l| LOCK_NAMES.contains(&l.as_str()))
        {
            for (name, write) in guard_methods(i) {
                self.facts.lock_ext_methods.insert(name, write);
            }
        }
        // `impl<T> OptionExt<T> for Option<T> { fn error(self, ..) -> Result<T> }`:
        // the package's own `ok_or`.
        if i.trait_.is_some() {
            self.facts.option_ext_methods.extend(option_ext_methods(i));
        }
        let saved = std::mem::replace(&mut self.self_ty, self_path.clone());
        let saved_test = self.test_code;
        self.test_code |= test_scope::is_cfg_test(&i.attrs);
        let assoc = i
            .items
            .iter()
            .filter_map(|item| match item {
                syn::ImplItem::Type(t) => Some((t.ident.to_string(), t.ty.clone())),
                _ => None,
            })
            .collect();
        let cx = ImplContext {
            self_path,
            self_args,
            is_deref,
            assoc,
        };
        for item in &i.items {
            self.impl_item(item, &cx);
        }
        self.self_ty = saved;
        self.test_code = saved_test;
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.feature_use = u
            .attrs
            .iter()
            .any(|a| off_feature_alternative(a, self.facts.features.as_ref()));
        self.pub_use = !matches!(u.vis, syn::Visibility::Inherited);
        self.add_use(&[], &u.tree);
        self.feature_use = false;
        self.pub_use = false;
    }

    fn visit_type_path(&mut self, tp: &'ast syn::TypePath) {
        if let Some(last) = tp.path.segments.last()
            && (last.ident == "Arc" || FRAMEWORK_WRAPPERS.iter().any(|(n, _)| last.ident == n))
            && let syn::PathArguments::AngleBracketed(a) = &last.arguments
        {
            for g in &a.args {
                if let syn::GenericArgument::Type(t) = g {
                    let mut paths = Vec::new();
                    type_paths(t, &mut paths);
                    for p in paths {
                        self.facts.raw_shared.push((p, self.module.clone()));
                    }
                }
            }
        }
        syn::visit::visit_type_path(self, tp);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        // The initialiser first: `let s = Arc::new(s);` names the earlier `s`.
        syn::visit::visit_local(self, l);
        if let syn::Pat::Ident(pi) = &l.pat
            && let Some(init) = &l.init
        {
            let built = match (constructed_type(&init.expr), function_called(&init.expr)) {
                (Some(ty), _) => Built::Type(ty),
                (None, Some(f)) => Built::Returned(f),
                (None, None) => Built::Unknown,
            };
            self.built_names.insert(pi.ident.to_string(), built);
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        // `self.docs.clone()`: the field's `Arc` has another owner.
        if m.method == "clone"
            && let syn::Expr::Field(f) = &*m.receiver
        {
            self.facts
                .escaping_fields
                .insert(super::walk::member_name(&f.member));
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        // `State { docs }`, `State { docs: shared.clone() }`: set from a value
        // made elsewhere. `Arc::new(..)`, `Default::default()` are its own.
        for f in &e.fields {
            let own = match &f.expr {
                syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "new" || s.ident == "default")),
                syn::Expr::MethodCall(m) => m.method == "into" || m.method == "to_owned",
                syn::Expr::Lit(_) | syn::Expr::Macro(_) => true,
                _ => false,
            };
            if !own {
                self.facts
                    .escaping_fields
                    .insert(super::walk::member_name(&f.member));
            }
        }
        syn::visit::visit_expr_struct(self, e);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        // `LspService::new(|client| Backend { .. })` (tower-lsp and its
        // forks): the server runs the state's `&self` handlers from many
        // tasks at once, as a framework's shared state. Also a function
        // named (`LspService::new(Backend::new)`, `LspService::new(make)`)
        // or called in the closure (`|client| make(client)`): the struct
        // it returns.
        if let syn::Expr::Path(p) = &*c.func
            && let [.., ty, ctor] = p.path.segments.iter().collect::<Vec<_>>().as_slice()
            && ty.ident == "LspService"
            && (ctor.ident == "new" || ctor.ident == "build")
        {
            match c.args.first() {
                Some(syn::Expr::Closure(cl)) => {
                    let body = match &*cl.body {
                        syn::Expr::Block(b) => match b.block.stmts.last() {
                            Some(syn::Stmt::Expr(e, None)) => e,
                            _ => &*cl.body,
                        },
                        e => e,
                    };
                    if let Some(f) = function_called(body) {
                        self.facts.raw_arc_calls.push((f, self.module.clone()));
                    } else if let Some(segs) = constructor_path(body) {
                        self.facts.raw_shared.push((segs, self.module.clone()));
                    }
                }
                Some(syn::Expr::Path(f)) if f.qself.is_none() => {
                    let call = (path_segs(&f.path), self.module.clone());
                    self.facts.raw_arc_calls.push(call);
                }
                _ => {}
            }
        }
        // `Arc::clone(&s.docs)`, `Arc::downgrade(&s.docs)`: the field's `Arc` has another owner.
        if let syn::Expr::Path(p) = &*c.func
            && p.path.segments.len() >= 2
            && matches!(
                p.path.segments[p.path.segments.len() - 2]
                    .ident
                    .to_string()
                    .as_str(),
                "Arc" | "Rc"
            )
            && let Some(syn::Expr::Reference(r)) = c.args.first()
            && let syn::Expr::Field(f) = &*r.expr
        {
            self.facts
                .escaping_fields
                .insert(super::walk::member_name(&f.member));
        }
        if let syn::Expr::Path(p) = &*c.func
            && p.path.segments.len() >= 2
            && let wrapper = p.path.segments[p.path.segments.len() - 2].ident.to_string()
            && (wrapper == "Arc" || wrapper == "Data")
            && let Some(arg) = c.args.first()
        {
            let segs = match arg {
                syn::Expr::Path(p) => match p.path.get_ident().map(ToString::to_string) {
                    // `Arc::new(db)` with `db: Db` written on a parameter or a `let`.
                    Some(id) if self.typed_names.contains_key(&id) => {
                        let mut paths = Vec::new();
                        type_paths(&self.typed_names[&id], &mut paths);
                        for p in paths {
                            self.facts.raw_shared.push((p, self.module.clone()));
                        }
                        None
                    }
                    // `Arc::new(db)` of `let db = Db::new(..)`: `Db` is shared; of a
                    // `let` whose type no constructor names, some struct may be.
                    Some(id) if wrapper == "Arc" => match self.built_names.get(&id) {
                        Some(Built::Type(segs)) => Some(segs.clone()),
                        Some(Built::Returned(f)) => {
                            let call = (f.clone(), self.module.clone());
                            self.facts.raw_arc_calls.push(call);
                            None
                        }
                        Some(Built::Unknown) => {
                            self.facts.untyped_arc = true;
                            None
                        }
                        None => None,
                    },
                    _ => None,
                },
                // `Arc::new(build_registry())`: what the package's function returns.
                call if wrapper == "Arc"
                    && let Some(f) = function_called(call) =>
                {
                    self.facts.raw_arc_calls.push((f, self.module.clone()));
                    None
                }
                built => constructor_path(built),
            };
            if let Some(segs) = segs {
                let segs = match (segs.first().map(String::as_str), &self.self_ty) {
                    (Some("Self"), Some(st)) => st.clone(),
                    _ => segs,
                };
                self.facts.raw_shared.push((segs, self.module.clone()));
            }
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        if let Some(ident) = &m.ident {
            self.add_item(ident.to_string());
            if m.mac.path.is_ident("macro_rules") {
                let name = ident.to_string();
                let feature_only = m.attrs.iter().any(is_cfg_feature);
                self.macros
                    .define_cfg(&name, m.mac.tokens.clone(), feature_only);
                let found = lock_macro(m.mac.tokens.clone());
                match self.facts.macros.get_mut(&name) {
                    None => {
                        self.facts.macros.insert(name.clone(), found);
                        self.facts.macro_feature_only.insert(name, feature_only);
                    }
                    Some(old) => {
                        let same = matches!((&*old, &found), (Some(a), Some(b))
                            if a.var == b.var && a.body.to_string() == b.body.to_string());
                        let old_feature_only =
                            self.facts.macro_feature_only.get(&name) == Some(&true);
                        match which_stands(same, old_feature_only, feature_only) {
                            Stands::Old => {}
                            Stands::New => {
                                *old = found;
                                self.facts.macro_feature_only.insert(name, feature_only);
                            }
                            // Two macros of one name (in different modules): trust neither.
                            Stands::Neither => *old = None,
                        }
                    }
                }
            }
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

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let Some(last) = m.path.segments.last() else {
            return;
        };
        let tl = last.ident == "thread_local";
        if (last.ident == "lazy_static" || tl)
            && let Ok(items) = Parser::parse2(parse_macro_statics, m.tokens.clone())
        {
            for s in items {
                self.add_static(&s.ident, &s.ty, false, tl);
            }
        }
    }
}

/// The fields of `self` that a method body mutates with a map method or an
/// index assignment (`self.entries.insert(..)`, `self.by_id[k] = v`), and
/// the methods of `self` it calls.
/// Calls that hand on the place they are called on: an `Option`'s or a
/// `Result`'s content (the first two), or an exclusive borrow of it.
const UNWRAPS: &[&str] = &[
    "unwrap",
    "expect",
    "as_mut",
    "as_deref_mut",
    "borrow_mut",
    "deref_mut",
];

fn mutated_self_fields(block: &syn::Block) -> Vec<MutatorTarget> {
    // `let mut node = self;`, `let node = &mut *self;`: the body's later
    // `node.children.entry(..)` is read as `self.children.entry(..)`.
    let rebound;
    let block = match self_rebinding(block) {
        Some(b) => {
            rebound = b;
            &rebound
        }
        None => block,
    };
    #[derive(Default)]
    struct V {
        fields: Vec<String>,
        calls: Vec<String>,
        field_calls: Vec<(String, String)>,
        /// Fields lent as `&mut` to a function: its path, the argument, the field.
        handed: Vec<(Vec<String>, usize, String)>,
        /// Names that stand for a field of `self`: a variant's fields
        /// matched out of it (`match self { Self::Requests(map) => .. }`),
        /// a field borrowed first (`let names = &mut self.names;`).
        field_bindings: HashMap<String, String>,
        /// `*self = new`, `mem::replace(self, ..)`.
        whole: bool,
        /// Bindings of what a method of `self` hands back: name to method.
        returned: HashMap<String, String>,
        /// Calls on such a binding: the method of `self`, the fields, the call.
        returned_calls: Vec<(String, String, String)>,
    }
    /// `self.get_container(id)`, through `?`, `.await`, `.unwrap()`, `.expect(..)`.
    fn self_method(e: &syn::Expr) -> Option<String> {
        match e {
            syn::Expr::Try(t) => self_method(&t.expr),
            syn::Expr::Await(a) => self_method(&a.base),
            syn::Expr::Paren(p) => self_method(&p.expr),
            syn::Expr::MethodCall(m) if is_self(&m.receiver) => Some(m.method.to_string()),
            syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
                self_method(&m.receiver)
            }
            _ => None,
        }
    }
    /// `c`, `c.logs`, `c.a.b`: the binding and the fields from it.
    fn binding_fields(e: &syn::Expr) -> Option<(String, String)> {
        match e {
            syn::Expr::Path(p) => Some((p.path.get_ident()?.to_string(), String::new())),
            syn::Expr::Paren(p) => binding_fields(&p.expr),
            syn::Expr::Field(f) => {
                let syn::Member::Named(member) = &f.member else {
                    return None;
                };
                let (name, fields) = binding_fields(&f.base)?;
                let fields = if fields.is_empty() {
                    member.to_string()
                } else {
                    format!("{fields}.{member}")
                };
                Some((name, fields))
            }
            _ => None,
        }
    }
    /// The one name a pattern binds the value with: `c`, `Some(c)`, `Ok(c)`.
    fn bound_value(p: &syn::Pat) -> Option<String> {
        match p {
            syn::Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.to_string()),
            syn::Pat::Type(pt) => bound_value(&pt.pat),
            syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => {
                let last = ts.path.segments.last()?.ident.to_string();
                matches!(last.as_str(), "Some" | "Ok")
                    .then(|| bound_value(&ts.elems[0]))
                    .flatten()
            }
            _ => None,
        }
    }
    fn is_self(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Path(p) => p.path.is_ident("self"),
            syn::Expr::Paren(p) => is_self(&p.expr),
            syn::Expr::Reference(r) => is_self(&r.expr),
            syn::Expr::Unary(u) => is_self(&u.expr),
            _ => false,
        }
    }
    /// `Self::Requests(map)` / `State::Ready { pool }`: each bound name and
    /// the enum field (`Requests::0`, `Ready::pool`) it stands for.
    fn variant_fields(pat: &syn::Pat, out: &mut HashMap<String, String>) {
        let bind = |p: &syn::Pat| match p {
            syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
            _ => None,
        };
        match pat {
            // `Some(Rev::ByTf(m))` of an `Option` field, `&Rev::ByTf(m)`.
            syn::Pat::TupleStruct(ts) if ts.path.is_ident("Some") && ts.elems.len() == 1 => {
                variant_fields(&ts.elems[0], out);
            }
            syn::Pat::Reference(r) => variant_fields(&r.pat, out),
            syn::Pat::TupleStruct(ts) => {
                let Some(variant) = ts.path.segments.last() else {
                    return;
                };
                for (i, p) in ts.elems.iter().enumerate() {
                    if let Some(name) = bind(p) {
                        out.insert(name, format!("{}::{i}", variant.ident));
                    }
                }
            }
            syn::Pat::Struct(ps) => {
                let Some(variant) = ps.path.segments.last() else {
                    return;
                };
                for f in &ps.fields {
                    if let (Some(name), syn::Member::Named(m)) = (bind(&f.pat), &f.member) {
                        out.insert(name, format!("{}::{m}", variant.ident));
                    }
                }
            }
            syn::Pat::Or(o) => o.cases.iter().for_each(|c| variant_fields(c, out)),
            _ => {}
        }
    }
    /// `self.map`, or a field of a field (`self.0.by_name`, as `0.by_name`).
    fn self_field(e: &syn::Expr) -> Option<String> {
        match e {
            syn::Expr::Field(f) => {
                let member = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                match &*f.base {
                    syn::Expr::Path(p) if p.path.is_ident("self") => Some(member),
                    base => self_field(base).map(|outer| format!("{outer}.{member}")),
                }
            }
            syn::Expr::Paren(p) => self_field(&p.expr),
            // `self.terms.borrow_mut().values_mut()`: the field itself.
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && ["borrow_mut", "as_mut", "deref_mut"]
                        .contains(&m.method.to_string().as_str()) =>
            {
                self_field(&m.receiver)
            }
            _ => None,
        }
    }
    fn push<T: PartialEq>(list: &mut Vec<T>, item: T) {
        if !list.contains(&item) {
            list.push(item);
        }
    }
    impl V {
        /// The field of `self` an expression names: `self.map`, or a name
        /// bound to one.
        fn field_of(&self, e: &syn::Expr) -> Option<String> {
            match e {
                syn::Expr::Path(p) => self
                    .field_bindings
                    .get(&p.path.get_ident()?.to_string())
                    .cloned(),
                syn::Expr::Paren(p) => self.field_of(&p.expr),
                syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                    self.field_of(&u.expr)
                }
                syn::Expr::Reference(r) => self.field_of(&r.expr),
                // `h.live_blocks` of `let h = self.heap.as_mut().unwrap();`
                syn::Expr::Field(f) if !is_self(&f.base) => {
                    let syn::Member::Named(member) = &f.member else {
                        return self_field(e);
                    };
                    self.field_of(&f.base)
                        .map(|base| format!("{base}.{member}"))
                }
                syn::Expr::MethodCall(m) if UNWRAPS.contains(&m.method.to_string().as_str()) => {
                    self.field_of(&m.receiver)
                }
                e => self_field(e),
            }
        }
        /// The field of `self` a `let` binds by an exclusive borrow:
        /// `&mut self.names`, `self.heap.as_mut().unwrap()` (not
        /// `self.count.unwrap()`, a copy).
        fn borrowed_field(&self, init: &syn::Expr) -> Option<String> {
            let mut inner = init;
            while let syn::Expr::MethodCall(c) = inner
                && (c.method == "unwrap" || c.method == "expect")
            {
                inner = &c.receiver;
            }
            let lends = match inner {
                syn::Expr::Reference(r) => r.mutability.is_some(),
                syn::Expr::MethodCall(c) => UNWRAPS[2..].contains(&c.method.to_string().as_str()),
                _ => false,
            };
            if lends { self.field_of(init) } else { None }
        }
        /// The variants a pattern matches out of `self` or of a field of it
        /// (`match &mut self.kagi.rev { Rev::ByTf(m) => .. }`): each bound
        /// name and the field it stands for (`kagi.rev.ByTf::0`).
        fn bind_variants(&mut self, scrutinee: &syn::Expr, pat: &syn::Pat) {
            let mut place = scrutinee;
            while let syn::Expr::Reference(r) = place {
                place = &r.expr;
            }
            if is_self(place) {
                variant_fields(pat, &mut self.field_bindings);
            } else if let Some(field) = self_field(place) {
                let mut named = HashMap::new();
                variant_fields(pat, &mut named);
                for (name, inner) in named {
                    self.field_bindings.insert(name, format!("{field}.{inner}"));
                }
            }
        }
    }
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if let Some(f) = self.field_of(&m.receiver) {
                push(&mut self.field_calls, (f, m.method.to_string()));
            }
            if let Some((name, fields)) = binding_fields(&m.receiver)
                && let Some(via) = self.returned.get(&name)
            {
                let call = (via.clone(), fields, m.method.to_string());
                push(&mut self.returned_calls, call);
            }
            if super::walk::MUTATING_METHODS.contains(&m.method.to_string().as_str())
                && let Some(f) = self.field_of(&m.receiver)
            {
                push(&mut self.fields, f);
            }
            if let syn::Expr::Path(p) = &*m.receiver
                && p.path.is_ident("self")
            {
                push(&mut self.calls, m.method.to_string());
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            if matches!(&*a.left, syn::Expr::Unary(u)
                if matches!(u.op, syn::UnOp::Deref(_)) && matches!(&*u.expr, syn::Expr::Path(p) if p.path.is_ident("self")))
            {
                self.whole = true;
            }
            // `self.map[k] = v`, and `self.map = new` (the whole map replaced).
            let target = match &*a.left {
                syn::Expr::Index(ix) => self.field_of(&ix.expr),
                left => self_field(left),
            };
            if let Some(f) = target {
                push(&mut self.fields, f);
            }
            syn::visit::visit_expr_assign(self, a);
        }
        // `std::mem::take(&mut self.current_frame)` (also `replace`, `swap`);
        // `Self::create_internal(&mut self.infos, k)`.
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func {
                let segs = path_segs(&p.path);
                let swaps = is_mem_swap(&segs);
                if swaps
                    && c.args
                        .iter()
                        .any(|a| matches!(a, syn::Expr::Path(p) if p.path.is_ident("self")))
                {
                    self.whole = true;
                }
                for (i, arg) in c.args.iter().enumerate() {
                    if let syn::Expr::Reference(r) = arg
                        && r.mutability.is_some()
                        && let Some(f) = self_field(&r.expr)
                    {
                        if swaps {
                            push(&mut self.fields, f);
                        } else {
                            push(&mut self.handed, (segs.clone(), i, f));
                        }
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            for arm in &m.arms {
                self.bind_variants(&m.expr, &arm.pat);
            }
            syn::visit::visit_expr_match(self, m);
        }
        fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
            self.bind_variants(&l.expr, &l.pat);
            if let (Some(name), Some(via)) = (bound_value(&l.pat), self_method(&l.expr)) {
                self.returned.insert(name, via);
            }
            syn::visit::visit_expr_let(self, l);
        }
        // `let Self { documents, .. } = self;`: an irrefutable pattern of
        // the struct itself, each name standing for its field.
        fn visit_local(&mut self, l: &'ast syn::Local) {
            // The initialiser sees the names bound before this `let`.
            syn::visit::visit_local(self, l);
            if let Some(name) = bound_value(&l.pat) {
                // `let names = &mut self.names;` (a later `let names = ..`
                // of something else shadows it).
                let borrowed = l.init.as_ref().and_then(|i| self.borrowed_field(&i.expr));
                match borrowed {
                    Some(field) => self.field_bindings.insert(name.clone(), field),
                    None => self.field_bindings.remove(&name),
                };
                // A later `let c = ..` of something else shadows the binding.
                match l.init.as_ref().and_then(|i| self_method(&i.expr)) {
                    Some(via) => self.returned.insert(name, via),
                    None => self.returned.remove(&name),
                };
            }
            if let Some(init) = &l.init
                && init.diverge.is_none()
                && is_self(&init.expr)
            {
                let mut named = HashMap::new();
                variant_fields(&l.pat, &mut named);
                for (name, field) in named {
                    let field = field
                        .split_once("::")
                        .map_or(field.clone(), |(_, f)| f.to_string());
                    self.field_bindings.insert(name, field);
                }
            }
        }
        // Closures are read too: one that mutates `self.map` runs within
        // the method's `&mut self` borrow (`self.get().unwrap_or_else(|| ..)`).
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        // `assert!(self.ids.insert(id, i).is_none())`: a macro's arguments
        // are the expressions they are.
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            thread_reach::visit_macro_args(self, m);
        }
    }
    let mut v = V::default();
    v.visit_block(block);
    let fields = v.fields.into_iter().map(MutatorTarget::Field);
    let on_fields = v
        .field_calls
        .into_iter()
        .map(|(f, m)| MutatorTarget::FieldCall(f, m));
    let handed = v
        .handed
        .into_iter()
        .map(|(callee, arg, f)| MutatorTarget::HandedField(callee, arg, f));
    let returned = v
        .returned_calls
        .into_iter()
        .map(|(via, fields, call)| MutatorTarget::Returned(via, fields, call));
    fields
        .chain(v.calls.into_iter().map(MutatorTarget::SelfCall))
        .chain(on_fields)
        .chain(handed)
        .chain(returned)
        .chain(v.whole.then_some(MutatorTarget::Whole))
        .collect()
}

/// A method's signature with `Self::Name` in its return type replaced by
/// the impl's associated type of that name; `None` when it names none.
fn with_assoc_types(sig: &syn::Signature, assoc: &[(String, syn::Type)]) -> Option<syn::Signature> {
    use syn::visit_mut::VisitMut;
    struct Replace<'a>(&'a [(String, syn::Type)], bool);
    impl VisitMut for Replace<'_> {
        fn visit_type_mut(&mut self, t: &mut syn::Type) {
            if let syn::Type::Path(tp) = t
                && tp.qself.is_none()
                && let [first, second] = tp.path.segments.iter().collect::<Vec<_>>()[..]
                && first.ident == "Self"
                && second.arguments.is_none()
                && let Some((_, ty)) = self.0.iter().find(|(n, _)| second.ident == n)
            {
                *t = ty.clone();
                self.1 = true;
                return;
            }
            syn::visit_mut::visit_type_mut(self, t);
        }
    }
    if assoc.is_empty() {
        return None;
    }
    let syn::ReturnType::Type(_, ret) = &sig.output else {
        return None;
    };
    let mut ret = (**ret).clone();
    let mut r = Replace(assoc, false);
    r.visit_type_mut(&mut ret);
    r.1.then(|| {
        let mut sig = sig.clone();
        if let syn::ReturnType::Type(_, t) = &mut sig.output {
            **t = ret;
        }
        sig
    })
}

/// A method body whose `let` binds `self` again (`let mut node = self;`,
/// `let node = &mut *self;`), with that name written as `self` after it;
/// `None` when no `let` of the body's top level does.
fn self_rebinding(block: &syn::Block) -> Option<syn::Block> {
    use syn::visit_mut::VisitMut;
    fn is_self(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Path(p) => p.path.is_ident("self"),
            syn::Expr::Reference(r) if r.mutability.is_some() => is_self(&r.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => is_self(&u.expr),
            syn::Expr::Paren(p) => is_self(&p.expr),
            _ => false,
        }
    }
    // `let me: &mut Node = self; let n = me;`: each name bound to `self`
    // or to one bound to it before.
    let mut names: Vec<syn::Ident> = Vec::new();
    for stmt in &block.stmts {
        let syn::Stmt::Local(l) = stmt else {
            continue;
        };
        let Some(init) = &l.init else {
            continue;
        };
        let rebinds = is_self(&init.expr)
            || matches!(&*init.expr, syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|id| names.contains(id)));
        let pat = match &l.pat {
            syn::Pat::Type(pt) => &*pt.pat,
            pat => pat,
        };
        if rebinds
            && let syn::Pat::Ident(pi) = pat
            && pi.subpat.is_none()
        {
            names.push(pi.ident.clone());
        }
    }
    if names.is_empty() {
        return None;
    }
    struct Rename(Vec<syn::Ident>);
    impl VisitMut for Rename {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            if let syn::Expr::Path(p) = e
                && p.qself.is_none()
                && let Some(id) = p.path.get_ident()
                && self.0.contains(id)
            {
                let span = id.span();
                *e = syn::Expr::Path(syn::ExprPath {
                    attrs: Vec::new(),
                    qself: None,
                    path: syn::Ident::new("self", span).into(),
                });
                return;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut out = block.clone();
    Rename(names).visit_block_mut(&mut out);
    Some(out)
}

/// The closures a function takes (`f: impl FnOnce(&mut World) -> R`, `f: F`
/// with `F: Fn(&State)`, `f: &dyn Fn(u8)`): each one's index among the
/// arguments that are not `self`, and its parameter types.
fn closure_arg_types(sig: &syn::Signature) -> Vec<(usize, Vec<syn::Type>)> {
    fn fn_inputs<'a>(
        bounds: impl IntoIterator<Item = &'a syn::TypeParamBound>,
    ) -> Option<Vec<syn::Type>> {
        bounds.into_iter().find_map(|b| {
            let syn::TypeParamBound::Trait(t) = b else {
                return None;
            };
            let last = t.path.segments.last()?;
            let syn::PathArguments::Parenthesized(a) = &last.arguments else {
                return None;
            };
            matches!(last.ident.to_string().as_str(), "Fn" | "FnMut" | "FnOnce")
                .then(|| a.inputs.iter().cloned().collect())
        })
    }
    let generic_bounds = |ident: &syn::Ident| -> Option<Vec<syn::Type>> {
        let inline = sig.generics.type_params().find(|p| &p.ident == ident);
        inline.and_then(|p| fn_inputs(&p.bounds)).or_else(|| {
            sig.generics
                .where_clause
                .as_ref()?
                .predicates
                .iter()
                .find_map(|w| {
                    let syn::WherePredicate::Type(pt) = w else {
                        return None;
                    };
                    matches!(&pt.bounded_ty, syn::Type::Path(tp) if tp.path.is_ident(ident))
                        .then(|| fn_inputs(&pt.bounds))
                        .flatten()
                })
        })
    };
    let mut out = Vec::new();
    let typed = sig.inputs.iter().filter_map(|a| match a {
        syn::FnArg::Typed(pt) => Some(&*pt.ty),
        syn::FnArg::Receiver(_) => None,
    });
    for (i, ty) in typed.enumerate() {
        let mut ty = ty;
        while let syn::Type::Reference(r) = ty {
            ty = &r.elem;
        }
        let inputs = match ty {
            syn::Type::ImplTrait(it) => fn_inputs(&it.bounds),
            syn::Type::TraitObject(to) => fn_inputs(&to.bounds),
            syn::Type::Path(tp) => tp.path.get_ident().and_then(generic_bounds),
            _ => None,
        };
        if let Some(inputs) = inputs {
            out.push((i, inputs));
        }
    }
    out
}

/// The index of the one type parameter a generic enum's variants hold, when
/// each field of each variant is exactly that parameter
/// (`enum Phase<T> { Ready, Running(T), Done(T) }`).
fn option_like_param(e: &syn::ItemEnum) -> Option<usize> {
    let params: Vec<&syn::Ident> = e.generics.type_params().map(|p| &p.ident).collect();
    let mut held = None;
    for f in e.variants.iter().flat_map(|v| v.fields.iter()) {
        let syn::Type::Path(tp) = &f.ty else {
            return None;
        };
        let i = params
            .iter()
            .position(|p| tp.qself.is_none() && tp.path.is_ident(*p))?;
        if held.is_some_and(|h| h != i) {
            return None;
        }
        held = Some(i);
    }
    held
}

/// The methods of a trait impl for `Option<T>` or `Result<T, E>` that take
/// `self` and return a `Result<T, ..>` or `Option<T>` of the same `T`.
fn option_ext_methods(i: &syn::ItemImpl) -> Vec<String> {
    let first_arg = |tp: &syn::TypePath| -> Option<String> {
        let last = tp.path.segments.last()?;
        let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
            return None;
        };
        match a.args.first()? {
            syn::GenericArgument::Type(syn::Type::Path(t)) => {
                t.path.get_ident().map(ToString::to_string)
            }
            _ => None,
        }
    };
    let is_wrapper = |tp: &syn::TypePath| {
        tp.path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Option" || s.ident == "Result")
    };
    let syn::Type::Path(self_tp) = &*i.self_ty else {
        return Vec::new();
    };
    if !is_wrapper(self_tp) {
        return Vec::new();
    }
    let Some(held) = first_arg(self_tp) else {
        return Vec::new();
    };
    i.items
        .iter()
        .filter_map(|item| {
            let syn::ImplItem::Fn(f) = item else {
                return None;
            };
            let by_value = f.sig.receiver().is_some_and(|r| r.reference.is_none());
            let syn::ReturnType::Type(_, ret) = &f.sig.output else {
                return None;
            };
            let syn::Type::Path(ret) = &**ret else {
                return None;
            };
            (by_value && is_wrapper(ret) && first_arg(ret).as_deref() == Some(held.as_str()))
                .then(|| f.sig.ident.to_string())
        })
        .collect()
}

/// The `&self` methods of a trait impl for a lock type whose return type
/// (or the impl's associated type it names, `Self::Output<'_>`) is a guard,
/// and whether it is a write guard.
fn guard_methods(i: &syn::ItemImpl) -> Vec<(String, bool)> {
    let assoc: HashMap<String, &syn::Type> = i
        .items
        .iter()
        .filter_map(|item| match item {
            syn::ImplItem::Type(t) => Some((t.ident.to_string(), &t.ty)),
            _ => None,
        })
        .collect();
    let guard_in = |ty: &syn::Type| -> Option<bool> {
        let mut names = Vec::new();
        type_idents(ty, &mut names);
        names
            .iter()
            .find_map(|n| GUARD_NAMES.iter().find(|(g, _)| n == g).map(|(_, w)| *w))
    };
    i.items
        .iter()
        .filter_map(|item| {
            let syn::ImplItem::Fn(f) = item else {
                return None;
            };
            let reference = f.sig.receiver()?.reference.is_some();
            let syn::ReturnType::Type(_, ret) = &f.sig.output else {
                return None;
            };
            let ret: &syn::Type = match &**ret {
                syn::Type::Path(tp)
                    if tp.qself.is_none()
                        && tp.path.segments.len() == 2
                        && tp.path.segments[0].ident == "Self" =>
                {
                    assoc.get(&tp.path.segments[1].ident.to_string()).copied()?
                }
                other => other,
            };
            let write = guard_in(ret)?;
            reference.then(|| (f.sig.ident.to_string(), write))
        })
        .collect()
}

/// `&'static mut T`.
fn is_static_mut_ref(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Reference(r)
        if r.mutability.is_some()
            && r.lifetime.as_ref().is_some_and(|l| l.ident == "static"))
}

/// Whether a body checks which thread runs it (`thread_assert::same_thread()`,
/// `assert!(thread::current().id() == ..)`): an accessor that does hands out
/// a static tied to one thread.
fn checks_thread(block: &syn::Block) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func {
                let segs = path_segs(&p.path);
                let last = segs.last().map_or("", String::as_str);
                self.0 |= segs.iter().any(|s| s.contains("thread"))
                    && !matches!(last, "spawn" | "scope" | "sleep" | "park" | "yield_now");
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let text = m.tokens.to_string();
            self.0 |= text.contains("thread") && text.contains("current");
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(false);
    v.visit_block(block);
    v.0
}

/// Whether a name is written as a `static` is (`PROFILER`, `MEM_CACHE`).
pub(crate) fn is_static_like(name: &str) -> bool {
    name.chars().any(char::is_uppercase) && !name.chars().any(char::is_lowercase)
}

/// The one-segment paths in upper case a body names (`PROFILER`): the
/// statics it may hand out.
fn upper_case_names(block: &syn::Block) -> Vec<String> {
    struct V(Vec<String>);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let Some(id) = p.path.get_ident() {
                let name = id.to_string();
                if is_static_like(&name) && !self.0.contains(&name) {
                    self.0.push(name);
                }
            }
            syn::visit::visit_expr_path(self, p);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(Vec::new());
    v.visit_block(block);
    v.0
}

/// Whether a body calls a lock method (`.lock()`, `.write()`, `.read()`, ..).
fn takes_a_lock(block: &syn::Block) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let n = m.method.to_string();
            self.0 |= super::walk::WRITE_LOCK.contains(&n.as_str())
                || super::walk::READ_LOCK.contains(&n.as_str());
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(false);
    v.visit_block(block);
    v.0
}

/// A guard a `&self` method hands to one of its closure parameters: the
/// field of `self` it locks and the lock method (`write`, `lock`, ..).
#[derive(Clone, Debug)]
pub(crate) struct ClosureGuard {
    /// The field locked, from `self` (`0.1` for `(self.0).1`), or the
    /// accessor called (`get_or_init()` for `self.get_or_init().write()`).
    pub(crate) field: String,
    /// `None`: the helper hands over the lock itself (`f(&self.config)`).
    pub(crate) lock: Option<String>,
    /// The fields of the guarded value the closure is given (`data` for
    /// `self.write(move |c| f(&mut c.data))`), dotted; empty for the
    /// guarded value itself.
    pub(crate) then: String,
    /// Before resolution: the method of `Self` whose closure this one
    /// forwards its own closure to (`write` for egui's `data_mut`).
    via: Option<String>,
}

/// `fn borrow_mut<F: FnOnce(&mut T) -> R>(&self, f: F) -> R { let mut g =
/// self.0.write().unwrap(); f(&mut g) }` (or `f(&mut self.0.lock()..)`):
/// the field it locks and how, when a parameter is called with the guard.
fn closure_guard(sig: &syn::Signature, block: &syn::Block) -> Option<ClosureGuard> {
    if !matches!(sig.inputs.first(), Some(syn::FnArg::Receiver(_))) {
        return None;
    }
    let params: HashSet<String> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    /// `self.field.lock()..` at the root of a chain of calls.
    fn self_lock(e: &syn::Expr) -> Option<ClosureGuard> {
        match e {
            syn::Expr::MethodCall(m) => {
                let name = m.method.to_string();
                let is_lock = super::walk::WRITE_LOCK.contains(&name.as_str())
                    || super::walk::READ_LOCK.contains(&name.as_str());
                if is_lock && let Some(field) = self_field_path(&m.receiver) {
                    return Some(ClosureGuard {
                        field,
                        lock: Some(name),
                        then: String::new(),
                        via: None,
                    });
                }
                self_lock(&m.receiver)
            }
            syn::Expr::Try(t) => self_lock(&t.expr),
            syn::Expr::Await(a) => self_lock(&a.base),
            syn::Expr::Paren(p) => self_lock(&p.expr),
            syn::Expr::Reference(r) => self_lock(&r.expr),
            syn::Expr::Unary(u) => self_lock(&u.expr),
            _ => None,
        }
    }
    /// `self.a.b`, also `(self.0).1` (a lock in a tuple behind an `Arc`)
    /// and the package's accessor `self.get_or_init()`: the fields (and
    /// calls, `get_or_init()`) from `self`, dotted.
    fn self_field_path(e: &syn::Expr) -> Option<String> {
        match e {
            syn::Expr::Paren(p) => self_field_path(&p.expr),
            syn::Expr::MethodCall(m) if m.args.is_empty() => {
                let call = format!("{}()", m.method);
                if matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident("self")) {
                    Some(call)
                } else {
                    Some(format!("{}.{call}", self_field_path(&m.receiver)?))
                }
            }
            syn::Expr::Field(f) => {
                let member = member_text(&f.member);
                if matches!(&*f.base, syn::Expr::Path(p) if p.path.is_ident("self")) {
                    Some(member)
                } else {
                    Some(format!("{}.{member}", self_field_path(&f.base)?))
                }
            }
            _ => None,
        }
    }
    fn member_text(m: &syn::Member) -> String {
        match m {
            syn::Member::Named(n) => n.to_string(),
            syn::Member::Unnamed(i) => i.index.to_string(),
        }
    }
    /// `&self.field`, handed over as it is.
    fn self_field(e: &syn::Expr) -> Option<ClosureGuard> {
        match e {
            syn::Expr::Reference(r) => self_field(&r.expr),
            syn::Expr::Paren(p) => self_field(&p.expr),
            syn::Expr::Field(_) => Some(ClosureGuard {
                field: self_field_path(e)?,
                lock: None,
                then: String::new(),
                via: None,
            }),
            _ => None,
        }
    }
    fn bound(e: &syn::Expr) -> Option<String> {
        match e {
            syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
            syn::Expr::Reference(r) => bound(&r.expr),
            syn::Expr::Unary(u) => bound(&u.expr),
            syn::Expr::Paren(p) => bound(&p.expr),
            _ => None,
        }
    }
    struct V<'p> {
        params: &'p HashSet<String>,
        guards: HashMap<String, ClosureGuard>,
        found: Option<ClosureGuard>,
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let syn::Pat::Ident(pi) = &l.pat
                && let Some(g) = l.init.as_ref().and_then(|i| self_lock(&i.expr))
            {
                self.guards.insert(pi.ident.to_string(), g);
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if self.found.is_none()
                && let syn::Expr::Path(p) = &*c.func
                && p.path
                    .get_ident()
                    .is_some_and(|f| self.params.contains(&f.to_string()))
            {
                self.found = c.args.iter().find_map(|a| {
                    self_lock(a)
                        .or_else(|| bound(a).and_then(|n| self.guards.get(&n).cloned()))
                        .or_else(|| self_field(a))
                });
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V {
        params: &params,
        guards: HashMap::new(),
        found: None,
    };
    v.visit_block(block);
    v.found.or_else(|| closure_forward(&params, block))
}

/// `fn data_mut<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
/// self.write(move |c| f(&mut c.data)) }`: a method that hands its closure
/// parameter, through a closure of its own, what another method of `self`
/// gives that closure (or a field of it). Resolved once every method's
/// [`ClosureGuard`] is known.
fn closure_forward(params: &HashSet<String>, block: &syn::Block) -> Option<ClosureGuard> {
    /// `c`, `c.a.b`, `&mut c.data`, `*c`: the name and the fields, dotted.
    fn place(e: &syn::Expr) -> Option<(String, String)> {
        match e {
            syn::Expr::Reference(r) => place(&r.expr),
            syn::Expr::Paren(p) => place(&p.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => place(&u.expr),
            syn::Expr::Path(p) => Some((p.path.get_ident()?.to_string(), String::new())),
            syn::Expr::Field(f) => {
                let syn::Member::Named(member) = &f.member else {
                    return None;
                };
                let (name, fields) = place(&f.base)?;
                Some(match fields.is_empty() {
                    true => (name, member.to_string()),
                    false => (name, format!("{fields}.{member}")),
                })
            }
            _ => None,
        }
    }
    let [syn::Stmt::Expr(syn::Expr::MethodCall(m), None)] = block.stmts.as_slice() else {
        return None;
    };
    if !matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident("self")) {
        return None;
    }
    let [syn::Expr::Closure(c)] = m.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let [syn::Pat::Ident(inner)] = c.inputs.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let body = match &*c.body {
        syn::Expr::Block(b) => match b.block.stmts.as_slice() {
            [syn::Stmt::Expr(e, None)] => e,
            _ => return None,
        },
        e => e,
    };
    let syn::Expr::Call(call) = body else {
        return None;
    };
    let syn::Expr::Path(f) = &*call.func else {
        return None;
    };
    if !f
        .path
        .get_ident()
        .is_some_and(|f| params.contains(&f.to_string()))
    {
        return None;
    }
    let [arg] = call.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let (name, then) = place(arg)?;
    (inner.ident == name).then(|| ClosureGuard {
        field: String::new(),
        lock: None,
        then,
        via: Some(m.method.to_string()),
    })
}

/// Whether a closure body contains `*v += ..` or `*v -= ..`: the map's value
/// itself is counted, not a field of a struct value (`sub.dropped += 1`).
pub(crate) fn has_compound_add(e: &syn::Expr) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if matches!(b.op, syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_))
                && matches!(&*b.left, syn::Expr::Unary(u)
                    if matches!(u.op, syn::UnOp::Deref(_)) && matches!(&*u.expr, syn::Expr::Path(_)))
            {
                self.0 = true;
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut v = V(false);
    v.visit_expr(e);
    v.0
}

/// The map fields of `self` a method body counts in: `+=`/`-=` on a value
/// looked up in `self.field` (`*self.hits.entry(k).or_insert(0) += 1`,
/// `*self.hits.get_mut(&k).unwrap() += n`, `self.hits[k] += 1`) and
/// `.and_modify(|v| *v += 1)`. (A bare `.or_insert(0)` may be a lookup that
/// hands the value back.)
fn counted_self_fields(block: &syn::Block) -> Vec<String> {
    /// The field of `self` a lookup chain starts from, if it has a lookup.
    fn looked_up(e: &syn::Expr, seen_lookup: bool) -> Option<String> {
        match e {
            syn::Expr::Paren(p) => looked_up(&p.expr, seen_lookup),
            syn::Expr::Unary(u) => looked_up(&u.expr, seen_lookup),
            syn::Expr::Try(t) => looked_up(&t.expr, seen_lookup),
            syn::Expr::Index(ix) => looked_up(&ix.expr, true),
            syn::Expr::MethodCall(m) => {
                let lookup = matches!(m.method.to_string().as_str(), "entry" | "get_mut");
                looked_up(&m.receiver, seen_lookup || lookup)
            }
            syn::Expr::Field(f) if seen_lookup => match (&*f.base, &f.member) {
                (syn::Expr::Path(p), syn::Member::Named(n)) if p.path.is_ident("self") => {
                    Some(n.to_string())
                }
                _ => None,
            },
            _ => None,
        }
    }
    #[derive(Default)]
    struct V(Vec<String>);
    impl V {
        fn push(&mut self, f: Option<String>) {
            if let Some(f) = f
                && !self.0.contains(&f)
            {
                self.0.push(f);
            }
        }
    }
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if matches!(b.op, syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_)) {
                self.push(looked_up(&b.left, false));
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let counts = match m.method.to_string().as_str() {
                "and_modify" => m.args.first().is_some_and(has_compound_add),
                _ => false,
            };
            if counts {
                self.push(looked_up(&m.receiver, false));
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V::default();
    v.visit_block(block);
    v.0
}

/// The `&mut` parameters (by number, not counting `self`) whose map a
/// function body mutates (`store.remove(..)`, `store[k] = v`) or whose
/// field's map it mutates (`inner.records.insert(..)`); the other
/// methods it calls on them, with the type each points to; and the
/// functions it hands them on to.
fn param_uses(sig: &syn::Signature, block: &syn::Block) -> ParamUses {
    struct V<'p> {
        params: &'p [(usize, String, syn::Type)],
        /// Parameters that are the package's `&mut` wrappers: only their
        /// own mutators count (a map method on another crate's borrowing
        /// type, `hash_map::Entry<'_, K, V>`, was reported where it was made).
        wrappers: Vec<usize>,
        /// Parameters that are an `Option<&mut T>`: only what is matched
        /// out of them is the `T`.
        options: Vec<usize>,
        /// Bindings of a parameter or a field of it (`let infos = &mut p.entity_infos;`).
        aliases: HashMap<String, (usize, Vec<String>)>,
        uses: ParamUses,
    }
    impl V<'_> {
        /// The arguments that hand a parameter on (`p`, `&mut *p`, `&mut p.field`).
        fn hand_on<'a>(&mut self, callee: Vec<String>, args: impl Iterator<Item = &'a syn::Expr>) {
            for (arg, e) in args.enumerate() {
                let e = match e {
                    syn::Expr::Reference(r) if r.mutability.is_some() => &*r.expr,
                    e => e,
                };
                if let Some((param, field)) = self.param_place(e) {
                    self.uses.hand_ons.push(HandOn {
                        param,
                        field,
                        callee: callee.clone(),
                        arg,
                    });
                }
            }
        }
        /// `p`, `*p`, `(p)`, `p.field` or `p.a.b` for a `&mut` parameter
        /// `p`, also through a binding of one (`let infos = &mut p.a;`):
        /// the parameter and the fields, dotted.
        fn param_place(&self, e: &syn::Expr) -> Option<ParamMutation> {
            let (param, fields) = self.place(e)?;
            Some((param, (!fields.is_empty()).then(|| fields.join("."))))
        }
        fn place(&self, e: &syn::Expr) -> Option<(usize, Vec<String>)> {
            match e {
                syn::Expr::Paren(p) => self.place(&p.expr),
                syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.place(&u.expr),
                syn::Expr::Path(p) => {
                    let id = p.path.get_ident()?;
                    if let Some(alias) = self.aliases.get(&id.to_string()) {
                        return Some(alias.clone());
                    }
                    self.params
                        .iter()
                        .find(|(i, n, _)| id == n && !self.options.contains(i))
                        .map(|(i, _, _)| (*i, Vec::new()))
                }
                syn::Expr::Field(f) => match &f.member {
                    syn::Member::Named(n) => {
                        let (param, mut fields) = self.place(&f.base)?;
                        fields.push(n.to_string());
                        Some((param, fields))
                    }
                    syn::Member::Unnamed(_) => None,
                },
                _ => None,
            }
        }
        /// An `Option<&mut T>` parameter, for what is matched out of it.
        fn matched_out(&self, e: &syn::Expr) -> Option<(usize, Vec<String>)> {
            let syn::Expr::Path(p) = e else {
                return None;
            };
            let id = p.path.get_ident()?;
            self.params
                .iter()
                .find(|(i, n, _)| id == n && self.options.contains(i))
                .map(|(i, _, _)| (*i, Vec::new()))
        }
        fn push(&mut self, m: ParamMutation) {
            if !self.wrappers.contains(&m.0) && !self.uses.direct.contains(&m) {
                self.uses.direct.push(m);
            }
        }
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let method = m.method.to_string();
            let place = self.param_place(&m.receiver);
            if let Some(found) = &place
                && super::walk::MUTATING_METHODS.contains(&method.as_str())
            {
                self.push(found.clone());
            }
            // `state.tasks_mut().retain(..)`: a map method on what an
            // accessor of the parameter (taking no argument) hands back;
            // the call site judges whether it is a map (`tasks_mut()`).
            if place.is_none()
                && super::walk::MUTATING_METHODS.contains(&method.as_str())
                && let syn::Expr::MethodCall(via) = &*m.receiver
                && via.args.is_empty()
                && let Some((param, fields)) = self.param_place(&via.receiver)
            {
                let accessor = format!("{}()", via.method);
                let path = match fields {
                    Some(f) => format!("{f}.{accessor}"),
                    None => accessor,
                };
                self.push((param, Some(path)));
            }
            // `state.hidden_set_mut().hide(id)`: a method on what an
            // accessor of the parameter hands back, judged as one on it.
            let place = place.or_else(|| {
                let syn::Expr::MethodCall(via) = &*m.receiver else {
                    return None;
                };
                if !via.args.is_empty() {
                    return None;
                }
                let (param, fields) = self.param_place(&via.receiver)?;
                let accessor = format!("{}()", via.method);
                Some((
                    param,
                    Some(match fields {
                        Some(f) => format!("{f}.{accessor}"),
                        None => accessor,
                    }),
                ))
            });
            // Also a map method's name: the parameter (or its field) may be
            // the package's own type whose `insert` mutates a map field of it.
            if let Some(place) = place
                && let Some((_, _, ty)) = self.params.iter().find(|(p, _, _)| *p == place.0)
                && !self
                    .uses
                    .calls
                    .iter()
                    .any(|(p, n, _)| *p == place && *n == method)
            {
                self.uses.calls.push((place, method, ty.clone()));
            }
            if matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident("self")) {
                self.hand_on(
                    vec!["Self".to_string(), m.method.to_string()],
                    m.args.iter(),
                );
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func {
                let segs = path_segs(&p.path);
                // `mem::take(p)`, `mem::replace(&mut p.map, ..)`: empties it.
                if is_mem_swap(&segs)
                    && let Some(first) = c.args.first()
                    && let Some(found) = self.param_place(match first {
                        syn::Expr::Reference(r) => &r.expr,
                        e => e,
                    })
                {
                    self.push(found);
                }
                self.hand_on(segs, c.args.iter());
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            match &*a.left {
                // `p[k] = v`
                syn::Expr::Index(ix) => {
                    if let Some(found) = self.param_place(&ix.expr) {
                        self.push(found);
                    }
                }
                // `*p = new`: the whole map replaced, as `*guard = ..` is.
                syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                    if let Some(found @ (_, None)) = self.param_place(&u.expr) {
                        self.push(found);
                    }
                }
                // `p.backend = Some(..)`: the field replaced whole (a map, or
                // a struct or enum that holds one).
                syn::Expr::Field(_) => {
                    if let Some(found @ (_, Some(_))) = self.param_place(&a.left) {
                        self.push(found);
                    }
                }
                _ => {}
            }
            syn::visit::visit_expr_assign(self, a);
        }
        // `if let Some(g) = guard` of an `Option<&mut T>` parameter.
        fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
            if let Some(b) = some_binding(&l.pat)
                && let Some(place) = self.matched_out(&l.expr)
            {
                self.aliases.insert(b, place);
            }
            syn::visit::visit_expr_let(self, l);
        }
        // `let infos = &mut p.entity_infos;`: `infos` is that field of `p`
        // (a later `let` of the name to anything else is not).
        fn visit_local(&mut self, l: &'ast syn::Local) {
            let name = match &l.pat {
                syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
                syn::Pat::Type(pt) => match &*pt.pat {
                    syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(name) = name {
                let place = l.init.as_ref().and_then(|i| match &*i.expr {
                    syn::Expr::Reference(r) if r.mutability.is_some() => self.place(&r.expr),
                    // `let tasks = state.tasks_mut();`: what the accessor hands back.
                    syn::Expr::MethodCall(mc)
                        if mc.args.is_empty() && mc.method.to_string().ends_with("_mut") =>
                    {
                        let (param, mut fields) = self.place(&mc.receiver)?;
                        fields.push(format!("{}()", mc.method));
                        Some((param, fields))
                    }
                    // `match guard { Some(g) => g, None => .. }` of an `Option<&mut T>`.
                    syn::Expr::Match(m) => self.matched_out(&m.expr).filter(|_| {
                        m.arms.iter().any(|a| {
                            some_binding(&a.pat).is_some_and(
                                |b| matches!(&*a.body, syn::Expr::Path(p) if p.path.is_ident(&b)),
                            )
                        })
                    }),
                    _ => None,
                });
                match place {
                    Some(place) => self.aliases.insert(name, place),
                    None => self.aliases.remove(&name),
                };
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        // `assert!(p.insert(k, v).is_none())`: the macro's expressions.
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            thread_reach::visit_macro_args(self, m);
        }
    }
    let mut wrappers = Vec::new();
    let mut options = Vec::new();
    let params: Vec<(usize, String, syn::Type)> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(pt) => Some(pt),
            syn::FnArg::Receiver(_) => None,
        })
        .enumerate()
        .filter_map(|(i, pt)| match (&*pt.pat, &*pt.ty) {
            (syn::Pat::Ident(pi), syn::Type::Reference(r)) if r.mutability.is_some() => {
                Some((i, pi.ident.to_string(), (*r.elem).clone()))
            }
            // `guard: Option<&mut RwLockWriteGuard<..>>`: what it holds, once
            // matched out (`Some(g) => g`).
            (syn::Pat::Ident(pi), syn::Type::Path(tp))
                if let Some(syn::Type::Reference(r)) = option_of(tp)
                    && r.mutability.is_some() =>
            {
                options.push(i);
                Some((i, pi.ident.to_string(), (*r.elem).clone()))
            }
            // A guard moved in (`mut keyspaces: RwLockWriteGuard<'_, Keyspaces>`),
            // or the package's own `&mut` wrapper taken from one
            // (`mut registry: RegistryRefMut<'_>`, made by `guard.modify()`).
            (syn::Pat::Ident(pi), ty @ syn::Type::Path(tp)) => {
                let last = tp.path.segments.last()?;
                let write_guard = GUARD_NAMES.iter().any(|(g, w)| *w && last.ident == g);
                let borrows = borrows_mutably(last);
                if borrows && !GUARD_NAMES.iter().any(|(g, _)| last.ident == g) {
                    wrappers.push(i);
                }
                (write_guard || borrows).then(|| (i, pi.ident.to_string(), ty.clone()))
            }
            _ => None,
        })
        .collect();
    if params.is_empty() {
        return ParamUses::default();
    }
    let mut v = V {
        params: &params,
        wrappers,
        options,
        aliases: HashMap::new(),
        uses: ParamUses::default(),
    };
    v.visit_block(block);
    v.uses
}

/// The `Item` type of an `Iterator` (or `DoubleEndedIterator`,
/// `ExactSizeIterator`, `IntoIterator`) bound.
fn iterator_item(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> Option<&syn::Type> {
    bounds.iter().find_map(|b| {
        let syn::TypeParamBound::Trait(t) = b else {
            return None;
        };
        let last = t.path.segments.last()?;
        if !matches!(
            last.ident.to_string().as_str(),
            "Iterator" | "DoubleEndedIterator" | "ExactSizeIterator" | "IntoIterator"
        ) {
            return None;
        }
        let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
            return None;
        };
        a.args.iter().find_map(|g| match g {
            syn::GenericArgument::AssocType(at) if at.ident == "Item" => Some(&at.ty),
            _ => None,
        })
    })
}

/// `T` of a written `Option<T>`.
fn option_of(tp: &syn::TypePath) -> Option<&syn::Type> {
    let last = tp.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    match a.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// The name `Some(g)` binds.
fn some_binding(p: &syn::Pat) -> Option<String> {
    let syn::Pat::TupleStruct(ts) = p else {
        return None;
    };
    if !ts.path.is_ident("Some") || ts.elems.len() != 1 {
        return None;
    }
    match &ts.elems[0] {
        syn::Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.to_string()),
        _ => None,
    }
}

/// A `macro_rules!` body whose first rule is `($m:expr) => { $m.lock()... }`
/// (also `write`, `read`, ...; `$m:ident`, `$m:path`, `$m:tt`): a lock helper.
fn lock_macro(tokens: proc_macro2::TokenStream) -> Option<LockMacro> {
    use proc_macro2::TokenTree as T;
    let mut rules = tokens.into_iter();
    let (Some(T::Group(pat)), Some(T::Punct(eq)), Some(T::Punct(gt)), Some(T::Group(body))) =
        (rules.next(), rules.next(), rules.next(), rules.next())
    else {
        return None;
    };
    if eq.as_char() != '=' || gt.as_char() != '>' {
        return None;
    }
    let pat: Vec<T> = pat.stream().into_iter().collect();
    let var = match pat.as_slice() {
        [T::Punct(d), T::Ident(v), T::Punct(c), T::Ident(frag)]
            if d.as_char() == '$'
                && c.as_char() == ':'
                && matches!(frag.to_string().as_str(), "expr" | "ident" | "path" | "tt") =>
        {
            v.to_string()
        }
        _ => return None,
    };
    let mut stream = body.stream();
    // `{{ $m.lock().unwrap() }}`: the inner braces are a block.
    loop {
        let toks: Vec<T> = stream.clone().into_iter().collect();
        match toks.as_slice() {
            [T::Group(g)] if g.delimiter() == proc_macro2::Delimiter::Brace => stream = g.stream(),
            [
                T::Punct(d),
                T::Ident(v),
                T::Punct(dot),
                T::Ident(method),
                T::Group(args),
                ..,
            ] if d.as_char() == '$'
                && *v == var
                && dot.as_char() == '.'
                && args.delimiter() == proc_macro2::Delimiter::Parenthesis
                && {
                    let m = method.to_string();
                    super::walk::WRITE_LOCK.contains(&m.as_str())
                        || super::walk::READ_LOCK.contains(&m.as_str())
                } =>
            {
                return Some(LockMacro { var, body: stream });
            }
            _ => return None,
        }
    }
}

/// The items inside an item macro's braces (`cfg_if! { if #[cfg(x)] { items } else { items } }`
/// and other macros that wrap items), when they parse as items. `macro_rules!`
/// bodies are templates, not items, and are never looked into.
pub(crate) fn macro_items(m: &syn::Macro) -> Option<Vec<syn::Item>> {
    let last = m.path.segments.last()?;
    if matches!(
        last.ident.to_string().as_str(),
        "macro_rules" | "lazy_static" | "thread_local"
    ) {
        return None;
    }
    let mut out = Vec::new();
    collect_brace_items(m.tokens.clone(), &mut out, 0);
    (!out.is_empty()).then_some(out)
}

fn collect_brace_items(tokens: proc_macro2::TokenStream, out: &mut Vec<syn::Item>, depth: usize) {
    if depth > 4 {
        return;
    }
    // The whole body may be items itself (`my_items! { mod a; struct B; }`).
    if depth == 0
        && let Ok(file) = syn::parse2::<syn::File>(tokens.clone())
        && !file.items.is_empty()
        && file
            .items
            .iter()
            .all(|i| !matches!(i, syn::Item::Verbatim(_)))
    {
        out.extend(file.items);
        return;
    }
    for tt in tokens {
        if let proc_macro2::TokenTree::Group(g) = tt
            && g.delimiter() == proc_macro2::Delimiter::Brace
        {
            match syn::parse2::<syn::File>(g.stream()) {
                Ok(file) if !file.items.is_empty() => out.extend(file.items),
                _ => collect_brace_items(g.stream(), out, depth + 1),
            }
        }
    }
}

/// One `static [ref] NAME: TYPE = EXPR;` inside `lazy_static!` or `thread_local!`.
pub(crate) struct MacroStatic {
    /// The name.
    pub(crate) ident: syn::Ident,
    /// The type.
    pub(crate) ty: syn::Type,
    /// The initialiser.
    pub(crate) init: syn::Expr,
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
pub(crate) fn parse_macro_statics(input: ParseStream<'_>) -> syn::Result<Vec<MacroStatic>> {
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
