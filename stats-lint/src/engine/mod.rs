//! The engine: parses a crate's files, collects crate-wide facts (pass 1),
//! then walks each file for events (pass 2). It never runs or builds the
//! code it reads.

pub mod analyze;
pub mod collect;
pub mod ty;

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Pos, Span};
use crate::lints::{self, Level};

/// Who owns a shared map: a static, a binding, a field or a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// How the code names it (`COUNTS`, `state.counts`, `self.hits`).
    pub name: String,
    /// Where it is declared, when known.
    pub decl: Option<Span>,
}

/// Something pass 2 found; the lints turn events into diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A mutating operation on a shared map.
    Mutation {
        /// The operation (method name through the closing parenthesis).
        site: Span,
        /// What mutates: "`insert`", "index assignment", ...
        what: String,
        /// The shared owner.
        owner: Owner,
    },
    /// A counter update on a shared map.
    Counter {
        /// The update.
        site: Span,
        /// The shared owner.
        owner: Owner,
    },
    /// `.lock().unwrap()` (or `write`, `expect`) on a poisoning lock around a shared map.
    LockUnwrap {
        /// From `lock` through the end of `unwrap(..)`.
        site: Span,
        /// `lock` or `write`.
        lock: String,
        /// `unwrap` or `expect`.
        unwrap: String,
        /// The shared owner.
        owner: Owner,
    },
    /// A `static mut` whose type holds a map.
    StaticMut {
        /// From `static` through the type.
        site: Span,
        /// The static's name.
        name: String,
    },
    /// `unsafe impl Sync`/`Send` for a type holding an unguarded map.
    UnsafeImpl {
        /// From `unsafe` through the self type.
        site: Span,
        /// `Sync` or `Send`.
        trait_name: String,
        /// The type.
        type_name: String,
        /// The field holding the map.
        map_at: Option<Span>,
    },
}

/// One source file of a crate, read and parsed.
pub struct ParsedFile {
    /// The path on disk.
    pub path: PathBuf,
    /// The path shown in diagnostics.
    pub display: PathBuf,
    /// The text.
    pub text: String,
    /// The syntax tree, or why it could not be parsed.
    pub ast: Result<syn::File, syn::Error>,
}

impl ParsedFile {
    /// Parses `text`.
    pub fn parse(path: PathBuf, display: PathBuf, text: String) -> ParsedFile {
        let ast = syn::parse_file(&text);
        ParsedFile {
            path,
            display,
            text,
            ast,
        }
    }
}

/// Runs both passes over the files of one crate and returns every finding at
/// its lint's default level, before configuration and suppressions.
pub fn lint_crate(files: &[ParsedFile]) -> Vec<Diagnostic> {
    let facts = collect::Facts::collect(
        files
            .iter()
            .filter_map(|f| f.ast.as_ref().ok().map(|a| (f.display.as_path(), a))),
    );
    let mut out = Vec::new();
    for f in files {
        match &f.ast {
            Ok(ast) => {
                for ev in analyze::analyze(ast, &f.display, &facts) {
                    lints::check(&ev, &mut out);
                }
            }
            Err(e) => out.push(syntax_error(&f.display, e)),
        }
    }
    out
}

/// The diagnostic for a file that does not parse.
pub fn syntax_error(file: &Path, e: &syn::Error) -> Diagnostic {
    let start = e.span().start();
    let line = start.line.max(1);
    let column = start.column + 1;
    Diagnostic {
        lint: lints::SYNTAX_ERROR,
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
