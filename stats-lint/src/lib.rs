//! `stats-lint`: a Clippy-style linter for maps shared between threads.
//!
//! It reads Rust source with `syn` (it never builds or runs the code it
//! reads), collects crate-wide facts about statics, struct fields, type
//! aliases, `use` renames, `lazy_static!` and `thread_local!` (pass 1), then
//! reports mutation sites of shared maps (pass 2). The lints:
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
pub mod diagnostic;
pub mod engine;
mod error;
pub mod lints;
pub mod render;
pub mod suppress;
pub mod workspace;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use config::Config;
pub use diagnostic::Diagnostic;
pub use error::Error;
pub use lints::{LINTS, Level, Lint};

use engine::ParsedFile;
use render::Sources;
use render::json::TargetInfo;

/// The result of a lint run.
#[derive(Debug, Default)]
pub struct Report {
    /// Findings, sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every linted file, for rendering.
    pub sources: Sources,
    /// The package and target of each file, for the JSON output.
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
        let e = self
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Deny)
            .count();
        (self.diagnostics.len() - e, e)
    }

    /// Every finding rendered like rustc, each followed by a blank line.
    pub fn render_human(&self) -> String {
        let mut s = String::new();
        for d in &self.diagnostics {
            s.push_str(&render::human::render(d, &self.sources));
            s.push_str("\n\n");
        }
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

    /// One cargo JSON message per finding, one per line.
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
        s
    }

    /// The SARIF 2.1.0 log, pretty-printed.
    pub fn render_sarif(&self) -> String {
        serde_json::to_string_pretty(&render::sarif::log(&self.diagnostics)).unwrap_or_default()
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

/// Lints one file's text as a crate of its own, with default levels.
pub fn lint_source(display: impl AsRef<Path>, text: &str) -> Report {
    let display = display.as_ref().to_path_buf();
    let f = ParsedFile::parse(display.clone(), display, text.to_string());
    lint_files(vec![f], &Config::default())
}

/// Lints already-read files as one crate: both passes, then levels and suppressions.
pub fn lint_files(files: Vec<ParsedFile>, config: &Config) -> Report {
    let mut report = Report::default();
    lint_unit(files, config, &mut report);
    finish(&mut report);
    report
}

fn lint_unit(files: Vec<ParsedFile>, config: &Config, report: &mut Report) {
    let diags = engine::lint_crate(&files);
    let mut supp = HashMap::new();
    for f in &files {
        report.files += 1;
        report.lines += f.text.lines().count();
        supp.insert(
            f.display.clone(),
            suppress::Suppressions::collect(f.ast.as_ref().ok(), &f.text),
        );
    }
    for mut d in diags {
        let level = if d.lint == lints::SYNTAX_ERROR {
            Level::Warn
        } else {
            config.level(d.lint)
        };
        if level == Level::Allow {
            continue;
        }
        if supp
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
        report.diagnostics.push(d);
    }
    for f in files {
        report.sources.insert(f.display, Arc::from(f.text));
    }
    // Spans of this unit are no longer needed: free proc-macro2's per-thread source map.
    proc_macro2::extra::invalidate_current_thread_spans();
}

fn finish(report: &mut Report) {
    report
        .diagnostics
        .sort_by(|a, b| (&a.span, a.lint, &a.message).cmp(&(&b.span, b.lint, &b.message)));
    report.diagnostics.dedup();
}

/// Lints files, crates, workspaces or folders: each package found from its
/// manifest is one crate for pass 1; loose files form one crate per path.
pub fn lint_paths(paths: &[PathBuf], config: &Config) -> Result<Report, Error> {
    let mut report = Report::default();
    let skip = |p: &Path| config.is_skipped(p);
    for path in paths {
        for unit in workspace::discover(path)? {
            match unit {
                workspace::Unit::Package(pkg) => {
                    let files = workspace::load_package(&pkg, &display_path, &skip)?;
                    let mut parsed = Vec::with_capacity(files.len());
                    for (f, t) in files {
                        report.targets.insert(f.display.clone(), t);
                        parsed.push(f);
                    }
                    lint_unit(parsed, config, &mut report);
                }
                workspace::Unit::Loose(files) => {
                    let mut parsed = Vec::new();
                    for f in files {
                        if skip(&f) {
                            continue;
                        }
                        let bytes = std::fs::read(&f)
                            .map_err(|e| Error(format!("cannot read {}: {e}", f.display())))?;
                        let text = String::from_utf8_lossy(&bytes).into_owned();
                        parsed.push(ParsedFile::parse(f.clone(), display_path(&f), text));
                    }
                    lint_unit(parsed, config, &mut report);
                }
            }
        }
    }
    finish(&mut report);
    Ok(report)
}
