//! The value-flow engine. It parses nothing and reports nothing itself: it
//! collects a package's facts (pass 1, [`facts`]), then walks every function
//! with a scope of bindings (pass 2, [`walk`]) and hands each event (an item,
//! a method call, a call, an assignment, a binary operation) to every
//! [`LintPass`], with a [`Cx`] that answers questions about values: what a
//! name resolves to, whether a value is shared between threads, which lock
//! guards it, which map lookup it came from.
//!
//! The engine imports only [`crate::diagnostic`]; the lints import the
//! engine. A new lint is one file under `src/lints/` that implements
//! [`LintPass`].

pub(crate) mod confined;
pub(crate) mod edition2015;
pub(crate) mod facts;
pub(crate) mod locked_paths;
pub(crate) mod macro_rules;
pub(crate) mod nesting;
pub(crate) mod select;
pub(crate) mod test_scope;
pub(crate) mod thread_reach;
pub(crate) mod ty;
pub(crate) mod walk;

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Level, Notice, NoticeKind, Pos, Span};

pub(crate) use facts::Exported;

/// The facts a package imports: the name its code uses for each library.
pub(crate) type Imports = Vec<(String, Arc<Exported>)>;

pub(crate) use ty::{Flavor, Shape};
pub(crate) use walk::{Guard, Value};

/// The pseudo-lint of files that do not parse.
pub(crate) const SYNTAX_ERROR: &str = "syntax_error";

/// A lint's detection: called by the walker for each event, in source order.
/// Every method has an empty default; a lint implements the events it needs.
pub(crate) trait LintPass {
    /// An item: a `static`, an `impl`, a struct, a function (also items in function bodies).
    fn check_item(&mut self, _cx: &Cx<'_>, _item: &syn::Item) {}
    /// A method call, before its receiver and arguments are walked.
    fn check_method_call(&mut self, _cx: &Cx<'_>, _call: &syn::ExprMethodCall) {}
    /// A function call (`std::mem::take(&mut *guard)`).
    fn check_call(&mut self, _cx: &Cx<'_>, _call: &syn::ExprCall) {}
    /// An assignment `a = b`.
    fn check_assign(&mut self, _cx: &Cx<'_>, _assign: &syn::ExprAssign) {}
    /// A `let`, after its initialiser is walked.
    fn check_local(&mut self, _cx: &Cx<'_>, _local: &syn::Local) {}
    /// A binary operation, including compound assignments (`+=`).
    fn check_binary(&mut self, _cx: &Cx<'_>, _binary: &syn::ExprBinary) {}
}

/// What a lint may ask the engine while it handles an event.
pub(crate) struct Cx<'w> {
    walker: &'w walk::Walker<'w>,
    out: &'w RefCell<Vec<Diagnostic>>,
}

impl Cx<'_> {
    /// Follows an expression back to its owner (a static, a binding, a field,
    /// a parameter, a function's return value): its shape, whether it is
    /// shared between threads, which guard it is reached through.
    pub(crate) fn value(&self, e: &syn::Expr) -> Option<Value> {
        self.walker.value(e)
    }

    /// A value of the package's own type that derefs to a map, seen as that
    /// map for a call of `method` (unless the type has its own `method`).
    pub(crate) fn through_deref(&self, v: &Value, method: &str) -> Option<Value> {
        self.walker.through_deref(v, method)
    }

    /// The full path a path expression resolves to in the current module.
    pub(crate) fn resolve(&self, path: &syn::Path) -> String {
        self.walker.resolve(path)
    }

    /// The shape of a type written in the current module.
    pub(crate) fn shape_of(&self, ty: &syn::Type) -> Shape {
        self.walker.shape_of_type(ty)
    }

    /// The full path of a type written in the current module, when it is a path.
    pub(crate) fn type_path(&self, ty: &syn::Type) -> Option<String> {
        match ty {
            syn::Type::Path(tp) if tp.qself.is_none() => Some(self.resolve(&tp.path)),
            _ => None,
        }
    }

    /// Whether a shape holds a map anywhere (through locks, cells, containers, structs).
    pub(crate) fn holds_map(&self, shape: &Shape) -> bool {
        self.walker.facts.holds_map(shape, &mut HashSet::new())
    }

    /// Whether a guarded value of this shape owns a map the guard can mutate
    /// (not one behind an `Arc`/`Rc` or another lock).
    pub(crate) fn owns_map(&self, shape: &Shape) -> bool {
        self.walker.facts.owns_map(shape, &mut HashSet::new())
    }

    /// The field through which `unsafe impl Sync` (`sync`) or `Send` for a
    /// struct lets threads reach a map without a lock.
    pub(crate) fn racy_map_field(&self, strukt: &str, sync: bool) -> Option<Span> {
        self.walker
            .facts
            .racy_map_field(strukt, sync, &mut HashSet::new())
    }

    /// Whether some `&mut self` method of the package with this name mutates a map field.
    pub(crate) fn may_be_mutator(&self, method: &str) -> bool {
        self.walker.facts.may_be_mutator(method)
    }

    /// The map field a `&mut self` method of a struct mutates, and its declaration.
    /// The map field a `&mut self` method of the package's type counts in
    /// (`fn add_path(&mut self, p) { *self.by_path.entry(p).or_insert(0) += 1 }`).
    pub(crate) fn counter_method(&self, strukt: &str, method: &str) -> Option<String> {
        self.walker.facts.counter_method(strukt, method).cloned()
    }

    /// Whether some `&mut self` method of this name counts in a map.
    pub(crate) fn may_be_counter_method(&self, method: &str) -> bool {
        self.walker.facts.may_be_counter_method(method)
    }

    /// A struct's first field that is itself a map, and its declaration.
    pub(crate) fn direct_map_field(&self, strukt: &str) -> Option<(String, Span)> {
        self.walker.facts.direct_map_field(strukt)
    }

    pub(crate) fn mutator(&self, strukt: &str, method: &str) -> Option<(String, Span)> {
        self.walker.facts.mutator(strukt, method).cloned()
    }

    /// The `&mut` parameters a function of the package (by full path)
    /// mutates: the parameter's number (not counting `self`) and the field
    /// of it whose map is mutated, if not the parameter itself.
    pub(crate) fn param_mutations(&self, full: &str) -> &[(usize, Option<String>)] {
        self.walker.facts.param_mutations(full)
    }

    /// Whether a function of the package with this name mutates a parameter.
    pub(crate) fn may_take_mut_param(&self, name: &str) -> bool {
        self.walker.facts.may_take_mut_param(name)
    }

    /// The shape and declaration of a struct's field.
    pub(crate) fn field(&self, strukt: &str, field: &str) -> Option<(Shape, Span)> {
        self.walker.facts.field(strukt, field)
    }

    /// The shape and declaration of a field of a field (`registry.paths`).
    pub(crate) fn field_path(&self, strukt: &str, path: &str) -> Option<(Shape, Span)> {
        self.walker.facts.field_path(strukt, path)
    }

    /// Whether every field of a struct of the package is an integer or an atomic.
    pub(crate) fn only_counters(&self, strukt: &str) -> bool {
        self.walker.facts.only_counters(strukt)
    }

    /// Whether a value is declared inside a private `#[cfg(test)]` module
    /// that starts no thread or task (a test's local, a field of a test
    /// double declared there), and is not a `static`: then it stays on its
    /// test's thread, whatever `Arc` or lock is around it.
    pub(crate) fn per_test(&self, v: &Value) -> bool {
        self.walker.per_test(v)
    }

    /// Which function body the walk is in (a new number for each body).
    pub(crate) fn body_id(&self) -> usize {
        self.walker.body_id()
    }

    /// A span of the current file.
    pub(crate) fn span(&self, s: proc_macro2::Span) -> Span {
        Span::from_pm2(self.walker.file, s)
    }

    /// The span from the start of `from` to the end of `to`, in the current file.
    pub(crate) fn join(&self, from: proc_macro2::Span, to: proc_macro2::Span) -> Span {
        Span::join(self.walker.file, from, to)
    }

    /// Reports a finding.
    pub(crate) fn emit(&self, d: Diagnostic) {
        self.out.borrow_mut().push(d);
    }
}

/// Who owns a shared map: a static, a binding, a field or a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    /// How the code names it (`COUNTS`, `state.counts`, `self.hits`).
    pub(crate) name: String,
    /// Where it is declared, when known.
    pub(crate) decl: Option<Span>,
}

/// One source file of a package, read and maybe parsed.
pub(crate) struct ParsedFile {
    /// The path shown in diagnostics.
    pub(crate) display: PathBuf,
    /// The module path of the file (`demo::handlers`); a loose file is `crate`.
    pub(crate) module: String,
    /// The text.
    pub(crate) text: String,
    /// The syntax tree or why it could not be parsed; `None` when it was
    /// dropped to bound memory, and is parsed again when needed.
    pub(crate) ast: Option<Result<syn::File, syn::Error>>,
    /// Of a 2015-edition package: `use` paths start at the crate root.
    pub(crate) edition2015: bool,
    /// Whether the file is a module declared `#[cfg(test)] mod x;` (or
    /// lies under one), and whether that declaration is private.
    pub(crate) test_module: TestModule,
}

/// Whether a file is the module of a `#[cfg(test)]` declaration, as an
/// inline `#[cfg(test)] mod tests { .. }` is: its code is test code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum TestModule {
    /// Not under a `#[cfg(test)]` module.
    #[default]
    No,
    /// Under one; `private`: the `#[cfg(test)] mod` item is private, so its
    /// fixtures serve its own tests.
    Yes {
        /// Whether the declaration is private.
        private: bool,
    },
}

/// Parses a source file: one nested too deeply to parse safely is an error
/// (see [`nesting`]), then the 2015 edition's shapes are tried (see
/// [`edition2015`]).
fn parse_source(text: &str) -> Result<syn::File, syn::Error> {
    nesting::check(text)?;
    edition2015::parse_file(text)
}

impl ParsedFile {
    /// The file's syntax tree, kept from an earlier parse or parsed now.
    fn take_tree(&mut self) -> Result<syn::File, syn::Error> {
        self.ast.take().unwrap_or_else(|| parse_source(&self.text))
    }

    /// What pass 1 reads of the file, given its tree.
    fn input<'a>(&'a self, ast: &'a syn::File) -> facts::FileInput<'a> {
        facts::FileInput {
            display: &self.display,
            module: &self.module,
            ast,
            test_code: self.test_module != TestModule::No,
        }
    }

    /// Parses `text`.
    pub(crate) fn parse(display: PathBuf, module: String, text: String) -> ParsedFile {
        let ast = Some(parse_source(&text));
        ParsedFile {
            display,
            module,
            text,
            ast,
            edition2015: false,
            test_module: TestModule::No,
        }
    }
}

/// What a unit of files is, for what its types may reach.
#[derive(Clone, Copy)]
pub(crate) enum UnitKind<'a> {
    /// A package with a library, by its crate root: other crates may share
    /// its types in ways its own code does not show.
    Library(&'a str),
    /// A package with no library: only its own code uses its types.
    Program,
    /// Files linted on their own, not a package.
    Files,
}

/// Runs both passes over the files of one package and returns every finding
/// at its lint's default level, before configuration and suppressions.
/// `on_tree` sees each file's syntax tree once, in pass 2 (suppressions are
/// read from it). With `keep_trees` false, a tree is dropped as soon as
/// pass 1 has read it and parsed again for pass 2, so that at most one tree
/// is alive at a time; every tree is dropped once pass 2 is done with it.
///
/// `imports` are the facts exported by the package's dependencies, each with
/// the name the package's code uses for it; for a library (its crate root),
/// the library's facts are returned for the packages that depend on this one.
pub(crate) fn lint_package(
    files: &mut [ParsedFile],
    passes: Vec<Box<dyn LintPass>>,
    keep_trees: bool,
    imports: &[(String, Arc<Exported>)],
    kind: UnitKind<'_>,
    dependencies: &dyn Fn(&HashSet<String>) -> Imports,
    mut on_tree: impl FnMut(&Path, &str, Option<&syn::File>),
) -> (Vec<Diagnostic>, Option<Exported>, Vec<Notice>) {
    let mut facts = facts::Facts::default();
    facts.edition2015 = files.iter().any(|f| f.edition2015);
    // A program's types reach other threads only through its own code:
    // none is lent to scoped threads (`thread::scope`, rayon) or leaked to
    // `'static` here, so owning a lock does not make a type shared.
    facts.whole_program = matches!(kind, UnitKind::Program)
        && !files.iter().any(|f| {
            ["scope(", "spawn_scoped", ".par_", "into_par_iter", "leak("]
                .iter()
                .any(|s| f.text.contains(s))
        });
    for (name, exported) in imports {
        facts.import(exported);
        facts.add_crate_alias(name, &exported.root);
    }
    facts.crate_macros = std::rc::Rc::new(crate_macros(files));
    let mut locked = locked_paths::LockedPaths::default();
    for f in files.iter_mut() {
        let tree = f.take_tree();
        if let Ok(ast) = &tree {
            facts.add_file(f.input(ast));
            locked.collect(ast, &f.module);
        }
        if keep_trees {
            f.ast = Some(tree);
        }
    }
    // The dependencies whose types the package locks, read once its own
    // `use` tables say which crates its locks name.
    for (name, exported) in dependencies(&locked.crates(&facts)) {
        facts.import(&exported);
        facts.add_crate_alias(&name, &exported.root);
    }
    facts.finish();
    let exported = match kind {
        UnitKind::Library(root) => Some(facts.export(root)),
        UnitKind::Program | UnitKind::Files => None,
    };
    let mut out = Vec::new();
    let mut notices = Vec::new();
    let mut passes = passes;
    for f in files.iter_mut() {
        let tree = f.take_tree();
        match &tree {
            Ok(ast) => {
                let private_test = matches!(f.test_module, TestModule::Yes { private: true });
                let (walk, back) = walk::walk_file(
                    ast,
                    &f.display,
                    &f.module,
                    private_test,
                    &facts,
                    passes,
                    walk::VALUE_BUDGET,
                );
                passes = back;
                out.extend(walk.found);
                notices.extend(
                    walk.over_budget
                        .iter()
                        .map(|u| macro_not_expanded(&f.display, u)),
                );
                if walk.cut_short {
                    notices.push(Notice {
                        kind: NoticeKind::NotLinted,
                        file: f.display.clone(),
                        message: format!(
                            "linted in part: the file asks for more than {} values of expressions, so the rest of it was read without them (findings there may be missing)",
                            walk::VALUE_BUDGET
                        ),
                    });
                }
                on_tree(&f.display, &f.text, Some(ast));
            }
            Err(e) => {
                out.push(syntax_error(&f.display, e));
                on_tree(&f.display, &f.text, None);
            }
        }
    }
    (out, exported, notices)
}

/// The note for an invocation of the package's macro left unexpanded.
fn macro_not_expanded(file: &Path, u: &macro_rules::Unexpanded) -> Notice {
    let (line, name) = (u.line, &u.name);
    let message = if u.for_count {
        format!(
            "line {line}: the invocation of `{name}!` and the file's later ones were not expanded (the linter expands {} per file), so what they write was not linted",
            macro_rules::MAX_EXPANSIONS
        )
    } else {
        format!(
            "line {line}: the invocation of `{name}!` is larger than the linter expands ({} tokens), so what it writes was not linted",
            macro_rules::MAX_INPUT_TOKENS
        )
    };
    Notice {
        kind: NoticeKind::MacroNotExpanded,
        file: file.to_path_buf(),
        message,
    }
}

/// The facts of a library read as another package's dependency: pass 1
/// only, its trees dropped file by file, nothing linted. Its types of a
/// name the linter models (`Mutex`, `HashMap`, `State`, ..) are left out:
/// the model is what the package's code means by them.
pub(crate) fn library_facts(
    mut files: Vec<ParsedFile>,
    root: &str,
    nested: &dyn Fn(&HashSet<String>) -> Imports,
    features: Vec<String>,
) -> (Exported, Vec<PathBuf>) {
    let mut facts = facts::Facts::default();
    facts.features = Some(features.into_iter().collect());
    facts.edition2015 = files.iter().any(|f| f.edition2015);
    facts.crate_macros = std::rc::Rc::new(crate_macros(&mut files));
    let mut unparsed = Vec::new();
    for mut f in files {
        match &f.take_tree() {
            Ok(ast) => facts.add_file(f.input(ast)),
            Err(_) => unparsed.push(f.display),
        }
    }
    // Its own dependencies that its structs' fields or its re-exports name:
    // their facts are exported with its own.
    let mut nested_roots = Vec::new();
    for (name, exported) in nested(&locked_paths::held_and_reexported_crates(&facts)) {
        facts.import(&exported);
        facts.add_crate_alias(&name, &exported.root);
        nested_roots.push(exported.root.clone());
    }
    facts.finish();
    (facts.export_foreign(root, &nested_roots), unparsed)
}

/// A package's `macro_rules!`, collected before its files are read, for
/// invocations in other files than their definition's (a file that
/// defines one is parsed here, once, and keeps its tree).
fn crate_macros(files: &mut [ParsedFile]) -> macro_rules::CrateMacros {
    let mut macros = macro_rules::CrateMacros::default();
    for f in files.iter_mut().filter(|f| f.text.contains("macro_rules!")) {
        let tree = f.ast.get_or_insert_with(|| parse_source(&f.text));
        if let Ok(ast) = tree {
            macros.collect(&ast.items);
        }
    }
    macros
}

/// The diagnostic for a file that does not parse.
pub(crate) fn syntax_error(file: &Path, e: &syn::Error) -> Diagnostic {
    let start = e.span().start();
    let line = start.line.max(1);
    let column = start.column + 1;
    Diagnostic {
        lint: SYNTAX_ERROR,
        level: Level::Warn,
        message: format!("could not parse this file, so it was not linted: {e}"),
        span: Span {
            file: file.to_path_buf(),
            start: Pos { line, column },
            end: Pos {
                line,
                column: column + 1,
            },
        },
        label: None,
        children: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(src: &str) -> Vec<String> {
        let mut f = ParsedFile::parse("lib.rs".into(), "crate".into(), src.into());
        lint_package(
            std::slice::from_mut(&mut f),
            crate::lints::passes(),
            false,
            &[],
            UnitKind::Files,
            &|_| Vec::new(),
            |_, _, _| {},
        )
        .0
        .into_iter()
        .map(|d| format!("{}:{}", d.lint, d.span.start.line))
        .collect()
    }

    /// Dropping trees between the passes (a unit over the memory budget)
    /// changes nothing in the findings.
    #[test]
    fn the_two_pass_mode_finds_the_same() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
        let run = |keep| {
            let mut files: Vec<ParsedFile> = ["sharing.rs", "name_resolution.rs", "counter_map.rs"]
                .iter()
                .map(|n| {
                    let text = std::fs::read_to_string(dir.join(n)).unwrap();
                    ParsedFile::parse(n.into(), format!("crate::{}", &n[..n.len() - 3]), text)
                })
                .collect();
            let mut trees = 0;
            let (found, _, _) = lint_package(
                &mut files,
                crate::lints::passes(),
                keep,
                &[],
                UnitKind::Files,
                &|_| Vec::new(),
                |_, _, t| {
                    trees += usize::from(t.is_some());
                },
            );
            assert_eq!(trees, 3);
            assert!(
                files.iter().all(|f| f.ast.is_none()),
                "trees dropped after pass 2"
            );
            found
        };
        let kept = run(true);
        assert!(kept.len() > 40);
        assert_eq!(kept, run(false));
    }

    #[test]
    fn an_unparsable_file_is_a_finding() {
        assert_eq!(findings("fn f( {"), ["syntax_error:1"]);
    }

    #[test]
    fn lock_flavours_follow_the_module_use_table() {
        let src = "mod a { use tokio::sync::Mutex; pub static M: Mutex<std::collections::HashMap<u8, u8>> = Mutex::const_new(Default::default()); }\n\
                   mod b { use std::sync::Mutex; static N: Mutex<std::collections::HashMap<u8, u8>> = Mutex::new(Default::default());\n\
                   fn f() { N.lock().unwrap().clear(); } }\n";
        let got = findings(src);
        assert!(got.contains(&"poison_cascade:3".to_string()), "{got:?}");
        assert!(!got.iter().any(|g| g.ends_with(":1")), "{got:?}");
    }
}
