//! `stats-lint`: a Clippy-style linter for maps shared between threads.
//!
//! It reads Rust source with `syn` (it never builds or runs the code it
//! reads). For each package it collects facts about statics, struct fields,
//! type aliases and each module's `use` table (pass 1), then walks every
//! function with a value-flow engine that hands events to the lints (pass
//! 2); a package's syntax trees are dropped once it is done. The lints:
//!
//! | lint | group | default |
//! |---|---|---|
//! | [`shared_map_mutation`](lints::shared_map_mutation) | suspicious | warn |
//! | [`static_mut_map`](lints::static_mut_map) | correctness | deny |
//! | [`unsafe_sync_map`](lints::unsafe_sync_map) | correctness | deny |
//! | [`poison_cascade`](lints::poison_cascade) | suspicious | warn |
//! | [`counter_map`](lints::counter_map) | perf | warn |
//!
//! # Example
//!
//! ```
//! let src = r#"
//!     use std::collections::HashMap;
//!     use std::sync::{LazyLock, Mutex};
//!     static HITS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);
//!     fn hit(path: &str) {
//!         HITS.lock().unwrap().insert(path.to_string(), 1);
//!     }
//! "#;
//! let report = stats_lint::lint_source("src/lib.rs", src);
//! let names: Vec<&str> = report.diagnostics.iter().map(|d| d.lint).collect();
//! assert_eq!(names, ["poison_cascade", "shared_map_mutation"]);
//! assert!(!report.has_errors());
//! print!("{}", report.render_human());
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The build-script example shows `fn main` because a build.rs needs one.
#![allow(clippy::needless_doctest_main)]

pub mod build;
pub mod config;
pub(crate) mod dependencies;
pub mod diagnostic;
pub(crate) mod engine;
mod error;
pub mod lints;
pub mod render;
pub(crate) mod suppress;
pub(crate) mod workspace;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use config::{Config, Dependencies};
pub use diagnostic::{Diagnostic, Level, Notice, NoticeKind};
pub use error::Error;
pub use lints::{LINTS, Lint};

use dependencies::DependencyReader;
use engine::{Exported, Imports, ParsedFile};
use render::Sources;
use render::json::TargetInfo;

/// One source file to lint, with the path it is shown under.
#[derive(Clone, Debug)]
pub struct SourceFile {
    display: PathBuf,
    text: String,
}

impl SourceFile {
    /// A file's text and the path shown in diagnostics.
    pub fn new(display: impl Into<PathBuf>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            display: display.into(),
            text: text.into(),
        }
    }
}

/// The result of a lint run.
#[derive(Debug, Default)]
pub struct Report {
    /// Findings, sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
    /// Files under a linted package that no target reaches, so they were not
    /// linted; sorted by path.
    pub notices: Vec<Notice>,
    /// The text of every file a finding points into, for rendering.
    pub sources: Sources,
    /// The package and target of each file with a finding, for the JSON output.
    pub targets: HashMap<PathBuf, TargetInfo>,
    /// How many files were linted.
    pub files: usize,
    /// How many lines were linted.
    pub lines: usize,
}

impl Report {
    /// Whether any finding is at deny level.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Deny)
    }

    /// How many findings are at each level: `(warnings, errors)`.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Deny)
            .count();
        (self.diagnostics.len() - errors, errors)
    }

    /// Every finding rendered like rustc (no colour), each followed by a blank line.
    pub fn render_human(&self) -> String {
        self.render_human_with(false)
    }

    /// Every finding rendered like rustc, in colour or not, each followed by a blank line.
    pub fn render_human_with(&self, color: bool) -> String {
        let renderer = if color {
            annotate_snippets::Renderer::styled()
        } else {
            annotate_snippets::Renderer::plain()
        };
        let mut s = String::new();
        for d in &self.diagnostics {
            s.push_str(&render::human::render_with(d, &self.sources, &renderer));
            s.push_str("\n\n");
        }
        s
    }

    /// The closing summary of the human output: one line per file that was
    /// not linted, then the counts.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for n in &self.notices {
            s.push_str(&format!("note: {}: {}\n", n.file.display(), n.message));
        }
        let (w, e) = self.counts();
        let unlinted = self
            .notices
            .iter()
            .filter(|n| n.kind == NoticeKind::NotLinted)
            .count();
        let not_linted = if unlinted == 0 {
            String::new()
        } else {
            format!(", {unlinted} file(s) not linted (listed above)")
        };
        s.push_str(&format!(
            "stats-lint: {} file(s), {} line(s){not_linted}: {w} warning(s), {e} error(s)\n",
            self.files, self.lines
        ));
        s
    }

    /// One line per finding, like rustc's `--error-format=short`:
    /// `FILE:LINE:COL: LEVEL[stats_lint::NAME]: MESSAGE`.
    pub fn render_short(&self) -> String {
        let mut s = String::new();
        for d in &self.diagnostics {
            s.push_str(&format!(
                "{}:{}:{}: {}[{}]: {}\n",
                d.span.file.display(),
                d.span.start.line,
                d.span.start.column,
                d.level.diagnostic_name(),
                d.code(),
                d.message
            ));
        }
        s
    }

    /// One line per file that was not linted, in the short format's shape
    /// without a position (`FILE: note[stats_lint::not_linted]: MESSAGE`):
    /// the binary writes them to stderr, so stdout holds findings only.
    pub fn render_short_notices(&self) -> String {
        let mut s = String::new();
        for n in &self.notices {
            s.push_str(&format!(
                "{}: note[{}]: {}\n",
                n.file.display(),
                n.code(),
                n.message
            ));
        }
        s
    }

    /// One cargo JSON message per finding, one per line, then one `note`
    /// message per file that was not linted.
    pub fn render_json(&self) -> String {
        let mut s = String::new();
        for d in &self.diagnostics {
            let t = self
                .targets
                .get(&d.span.file)
                .cloned()
                .unwrap_or_else(|| TargetInfo::loose(&d.span.file.to_string_lossy()));
            s.push_str(&render::json::message(d, &self.sources, &t).to_string());
            s.push('\n');
        }
        for n in &self.notices {
            s.push_str(&render::json::notice(n).to_string());
            s.push('\n');
        }
        s
    }

    /// The SARIF 2.1.0 log, pretty-printed; files not linted are tool
    /// execution notifications.
    pub fn render_sarif(&self) -> String {
        serde_json::to_string_pretty(&render::sarif::log_with_notices(
            &self.diagnostics,
            &self.notices,
        ))
        .unwrap_or_default()
    }
}

/// The path shown for a file: relative to the working directory when it is below it.
pub fn display_path(p: &Path) -> PathBuf {
    if let Ok(cwd) = std::env::current_dir()
        && let Ok(abs) = std::path::absolute(p)
        && let Ok(rel) = abs.strip_prefix(&cwd)
    {
        return rel.to_path_buf();
    }
    p.strip_prefix("./").unwrap_or(p).to_path_buf()
}

/// Every `.rs` file under a folder, sorted, skipping `target` and hidden folders.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    workspace::walk_rs(dir, &mut out);
    out
}

/// The cargo registry's source cache, `$CARGO_HOME/registry/src` (by
/// default `~/.cargo/registry/src`): a large body of real Rust code for the
/// robustness test and the speed benchmark. `None` when neither `CARGO_HOME`
/// nor `HOME` is set.
pub fn registry_src() -> Option<PathBuf> {
    workspace::registry_src()
}

/// Lints one file's text as a crate of its own, with default levels.
pub fn lint_source(display: impl AsRef<Path>, text: &str) -> Report {
    lint_files(
        vec![SourceFile::new(display.as_ref(), text)],
        &Config::default(),
    )
}

/// Lints files as one crate: both passes, then levels and suppressions. A
/// single file is the crate root; several files are modules named after
/// their paths (`src/a/b.rs` is `crate::a::b`).
pub fn lint_files(files: Vec<SourceFile>, config: &Config) -> Report {
    let single = files.len() == 1;
    let parsed = files
        .into_iter()
        .map(|f| {
            let module = if single {
                "crate".to_string()
            } else {
                workspace::loose_module(Path::new(""), &f.display)
            };
            ParsedFile::parse(f.display, module, f.text)
        })
        .collect();
    let mut report = Report::default();
    merge(
        &mut report,
        lint_unit(
            parsed,
            Vec::new(),
            config,
            FILES_TREE_BUDGET,
            &[],
            engine::UnitKind::Files,
            &|_| Vec::new(),
        )
        .0,
    );
    finish(&mut report);
    report
}

/// The source size (bytes) of a unit up to which all of its syntax trees
/// are kept between the two passes, shared between the worker threads: about
/// 110,000 lines, whose trees take about 150 MB. A larger unit is parsed
/// twice, one file at a time, so that memory is bounded by its largest file.
const TREE_BUDGET: usize = 4 << 20;

/// The same for [`lint_files`], whose caller holds every text already: the
/// 100,000-line crate of the benchmark keeps its trees.
const FILES_TREE_BUDGET: usize = 16 << 20;

/// What one unit (a package, or a folder's loose files) contributes to the report.
#[derive(Default)]
struct UnitReport {
    diagnostics: Vec<Diagnostic>,
    notices: Vec<Notice>,
    sources: Vec<(PathBuf, Arc<str>)>,
    targets: Vec<(PathBuf, TargetInfo)>,
    files: usize,
    lines: usize,
}

/// Lints the files of one unit; its syntax trees are dropped on return, and
/// only the text of files with a finding is kept.
fn lint_unit(
    files: Vec<ParsedFile>,
    targets: Vec<(PathBuf, TargetInfo)>,
    config: &Config,
    tree_budget: usize,
    imports: &[(String, Arc<Exported>)],
    kind: engine::UnitKind<'_>,
    dependencies: &dyn Fn(&HashSet<String>) -> Imports,
) -> (UnitReport, Option<Exported>) {
    let mut files = files;
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    let keep_trees = bytes <= tree_budget;
    let mut out = UnitReport::default();
    let mut suppressions = HashMap::new();
    let (found, exported, notices) = engine::lint_package(
        &mut files,
        lints::passes(),
        keep_trees,
        imports,
        kind,
        dependencies,
        |display, text, ast| {
            out.files += 1;
            out.lines += text.lines().count();
            suppressions.insert(
                display.to_path_buf(),
                suppress::Suppressions::collect(ast, text),
            );
        },
    );
    out.notices.extend(notices);
    for mut d in found {
        let level = if d.lint == lints::SYNTAX_ERROR {
            Level::Warn
        } else {
            config.level(d.lint)
        };
        if level == Level::Allow {
            continue;
        }
        if suppressions
            .get(&d.span.file)
            .is_some_and(|s| s.is_allowed(d.lint, d.span.start.line))
        {
            continue;
        }
        if let Some(lint) = lints::find(d.lint)
            && level == lint.default_level
            && !config.levels.contains_key(lint.name)
            && config.warnings.is_none()
        {
            d = d.note(
                format!(
                    "`#[{}(stats_lint::{})]` on by default",
                    level.as_str(),
                    lint.name
                ),
                None,
            );
        }
        d.level = level;
        out.diagnostics.push(d);
    }
    let mut needed: BTreeSet<&Path> = BTreeSet::new();
    for d in &out.diagnostics {
        needed.insert(&d.span.file);
        for c in &d.children {
            if let Some(s) = &c.span {
                needed.insert(&s.file);
            }
        }
    }
    let needed: BTreeSet<PathBuf> = needed.into_iter().map(Path::to_path_buf).collect();
    for f in files {
        if needed.contains(&f.display) {
            out.sources.push((f.display, Arc::from(f.text)));
        }
    }
    out.targets = targets
        .into_iter()
        .filter(|(p, _)| needed.contains(p))
        .collect();
    // Spans of this unit are no longer needed: free proc-macro2's per-thread source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    (out, exported)
}

fn merge(report: &mut Report, unit: UnitReport) {
    report.diagnostics.extend(unit.diagnostics);
    report.notices.extend(unit.notices);
    for (p, t) in unit.sources {
        report.sources.insert(p, t);
    }
    report.targets.extend(unit.targets);
    report.files += unit.files;
    report.lines += unit.lines;
}

fn finish(report: &mut Report) {
    report
        .diagnostics
        .sort_by(|a, b| (&a.span, a.lint, &a.message).cmp(&(&b.span, b.lint, &b.message)));
    report.diagnostics.dedup();
    report.notices.sort();
    report.notices.dedup();
}

/// Reads, parses and lints one unit, keeping at most `tree_budget` bytes of
/// source parsed at a time.
fn run_unit(
    unit: workspace::Unit,
    config: &Config,
    tree_budget: usize,
    imports: &[(String, Arc<Exported>)],
    dependencies: &DependencyReader,
) -> Result<(UnitReport, Option<Exported>), Error> {
    let skip = |p: &Path| config.is_skipped(p);
    match unit {
        workspace::Unit::Package(pkg) => {
            let loaded = workspace::load_package(&pkg, &display_path, &skip, tree_budget)?;
            let known: Vec<String> = imports.iter().map(|(name, _)| name.clone()).collect();
            let unread = std::cell::RefCell::new(Vec::new());
            let read = |locked: &HashSet<String>| {
                dependencies.imports(
                    &pkg,
                    &known,
                    locked,
                    tree_budget,
                    &mut unread.borrow_mut(),
                    true,
                )
            };
            let mut parsed = Vec::with_capacity(loaded.files.len());
            let mut targets = Vec::with_capacity(loaded.files.len());
            for (f, t) in loaded.files {
                targets.push((f.display.clone(), t));
                parsed.push(f);
            }
            let root = pkg.lib_root();
            let (mut report, exported) = lint_unit(
                parsed,
                targets,
                config,
                tree_budget,
                imports,
                root.as_deref()
                    .map_or(engine::UnitKind::Program, engine::UnitKind::Library),
                &read,
            );
            report.notices.extend(loaded.unreached.iter().map(|f| Notice {
                    kind: NoticeKind::NotLinted,
                    file: display_path(f),
                    message: format!(
                        "not reached from any target of package `{}` (no `mod` declaration the linter reads leads to it: a `mod` written by another crate's macro or a `macro_rules!` of another file is not followed), so it was not linted",
                        pkg.name
                    ),
                }));
            report
                .notices
                .extend(loaded.unreadable.iter().map(|(f, why)| Notice {
                    kind: NoticeKind::NotLinted,
                    file: display_path(f),
                    message: format!("could not be read ({why}), so it was not linted"),
                }));
            report.notices.extend(
                unread
                    .into_inner()
                    .into_iter()
                    .map(|(kind, message)| Notice {
                        kind,
                        file: display_path(&pkg.manifest),
                        message,
                    }),
            );
            Ok((report, exported))
        }
        workspace::Unit::Loose(files) => {
            let root = files
                .first()
                .and_then(|f| f.parent())
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let root = files.iter().fold(root, |acc, f| {
                let mut acc = acc;
                while !f.starts_with(&acc) && acc.pop() {}
                acc
            });
            let mut parsed = Vec::new();
            for f in files {
                if skip(&f) {
                    continue;
                }
                let text = workspace::read_source(&f).map_err(|e| Error::io(&f, e))?;
                let module = workspace::loose_module(&root, &f);
                // Parsed in pass 1, when the unit's size is known.
                parsed.push(ParsedFile {
                    display: display_path(&f),
                    module,
                    text,
                    ast: None,
                    edition2015: false,
                    test_module: engine::TestModule::No,
                });
            }
            Ok(lint_unit(
                parsed,
                Vec::new(),
                config,
                tree_budget,
                &[],
                engine::UnitKind::Files,
                &|_| Vec::new(),
            ))
        }
    }
}

/// Lints files, crates, workspaces or folders. Each package found from its
/// manifest is one unit for pass 1, and so is each folder's set of loose
/// files. Units are linted in parallel (`config.jobs` threads, by default
/// one per core), a package after the packages of the run it depends on, so
/// that it sees the statics and types of their libraries; the report is the
/// same whatever the thread count.
pub fn lint_paths(paths: &[PathBuf], config: &Config) -> Result<Report, Error> {
    let mut units = Vec::new();
    for path in paths {
        units.extend(workspace::discover(path)?);
    }
    let jobs = config
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, units.len().max(1));
    let levels = dependency_levels(&units);
    let dependencies = DependencyReader::new(&config.dependencies);
    let deps: Vec<Vec<(String, usize)>> = units.iter().map(|u| run_deps(u, &units)).collect();
    let mut exports: Vec<Option<Arc<Exported>>> = vec![None; units.len()];
    let mut slots: Vec<Option<workspace::Unit>> = units.into_iter().map(Some).collect();
    let mut results: Vec<(usize, Result<UnitReport, Error>)> = Vec::new();
    let max_level = levels.iter().copied().max().unwrap_or(0);
    for level in 0..=max_level {
        let batch: Vec<Job> = (0..slots.len())
            .filter(|&i| levels[i] == level)
            .filter_map(|i| {
                let unit = slots[i].take()?;
                let imports = deps[i]
                    .iter()
                    .filter_map(|(name, j)| Some((name.clone(), exports[*j].clone()?)))
                    .collect();
                Some((i, unit, imports))
            })
            .collect();
        for (i, result) in run_pool(batch, config, jobs, &dependencies) {
            let result = result.map(|(report, exported)| {
                exports[i] = exported.map(Arc::new);
                report
            });
            results.push((i, result));
        }
    }
    results.sort_by_key(|(i, _)| *i);
    let mut report = Report::default();
    for (_, r) in results {
        merge(&mut report, r?);
    }
    finish(&mut report);
    Ok(report)
}

/// The packages of the run that a unit depends on, members of its own
/// workspace: the name its code uses for each, and the unit's index.
fn run_deps(unit: &workspace::Unit, units: &[workspace::Unit]) -> Vec<(String, usize)> {
    let workspace::Unit::Package(pkg) = unit else {
        return Vec::new();
    };
    pkg.deps
        .iter()
        .filter_map(|d| {
            pkg.workspace.as_ref()?;
            let j = units.iter().position(|u| {
                matches!(u, workspace::Unit::Package(p)
                    if p.name == d.package && p.lib_root().is_some() && p.workspace == pkg.workspace)
            })?;
            Some((d.name.clone(), j))
        })
        .collect()
}

/// The level of each unit: 0 for a unit that depends on no package of the
/// run, else one more than its deepest dependency (a cycle, possible through
/// dev-dependencies, is cut where it is found).
fn dependency_levels(units: &[workspace::Unit]) -> Vec<usize> {
    fn level(
        i: usize,
        deps: &[Vec<(String, usize)>],
        memo: &mut [Option<usize>],
        visiting: &mut Vec<usize>,
    ) -> usize {
        if let Some(l) = memo[i] {
            return l;
        }
        visiting.push(i);
        let mut l = 0;
        for (_, j) in &deps[i] {
            if *j != i && !visiting.contains(j) {
                l = l.max(level(*j, deps, memo, visiting) + 1);
            }
        }
        visiting.pop();
        memo[i] = Some(l);
        l
    }
    let deps: Vec<Vec<(String, usize)>> = units.iter().map(|u| run_deps(u, units)).collect();
    let mut memo = vec![None; units.len()];
    (0..units.len())
        .map(|i| level(i, &deps, &mut memo, &mut Vec::new()))
        .collect()
}

type UnitResult = Result<(UnitReport, Option<Exported>), Error>;

/// A unit to lint, with its index in the run and its imports.
type Job = (usize, workspace::Unit, Imports);

/// Lints a batch of units on `jobs` threads; results come back with their index.
fn run_pool(
    batch: Vec<Job>,
    config: &Config,
    jobs: usize,
    dependencies: &DependencyReader,
) -> Vec<(usize, UnitResult)> {
    let count = batch.len();
    // The largest units first, so that no large one is left running alone at the end.
    let mut batch = batch;
    if jobs > 1 {
        batch.sort_by_cached_key(|(i, unit, _)| (std::cmp::Reverse(unit.source_bytes()), *i));
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Job>>> = batch
        .into_iter()
        .map(|b| std::sync::Mutex::new(Some(b)))
        .collect();
    let threads = jobs.min(count.max(1));
    let mut results: Vec<(usize, UnitResult)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                // A deep syntax tree needs a deep stack.
                std::thread::Builder::new()
                    .stack_size(256 << 20)
                    .spawn_scoped(scope, || {
                        let mut done = Vec::new();
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            let Some(slot) = slots.get(k) else {
                                break;
                            };
                            let Some((i, unit, imports)) = slot.lock().ok().and_then(|mut u| u.take())
                            else {
                                continue;
                            };
                            let name = unit.name();
                            // A bug of the linter on one package must not lose the others.
                            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                run_unit(unit, config, TREE_BUDGET / jobs, &imports, dependencies)
                            }))
                            .unwrap_or_else(|_| {
                                proc_macro2::extra::invalidate_current_thread_spans();
                                Ok((
                                    UnitReport {
                                        notices: vec![Notice {
                                            kind: NoticeKind::NotLinted,
                                            file: name,
                                            message: "stats-lint failed on this package (a bug: please report it), so it was not linted".into(),
                                        }],
                                        ..UnitReport::default()
                                    },
                                    None,
                                ))
                            });
                            done.push((i, result));
                        }
                        done
                    })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w {
                Ok(handle) => handle.join().unwrap_or_default(),
                Err(_) => Vec::new(),
            })
            .collect()
    });
    if results.len() != count {
        results.push((
            usize::MAX,
            Err(Error::Io {
                path: PathBuf::new(),
                source: std::io::Error::other("a lint worker thread failed"),
            }),
        ));
    }
    results
}
