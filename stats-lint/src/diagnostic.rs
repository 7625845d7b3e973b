//! Diagnostics: what a lint reports, independent of how it is rendered.
//!
//! This is the bottom layer of the crate: it imports nothing from the
//! engine, the lints or the renderers, which all import it.

use std::path::PathBuf;

/// How seriously a finding is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported as `warning`; the command still exits 0.
    Warn,
    /// Reported as `error`; the command exits 1 and `build::check()` fails the build.
    Deny,
}

impl Level {
    /// Parses `allow`, `warn` or `deny` (also `forbid`, treated as `deny`).
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "allow" => Some(Level::Allow),
            "warn" | "warning" => Some(Level::Warn),
            "deny" | "forbid" | "error" => Some(Level::Deny),
            _ => None,
        }
    }

    /// The name used in configuration (`allow`, `warn`, `deny`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    /// The name rustc prints for a finding at this level (`warning`, `error`).
    pub fn diagnostic_name(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warning",
            Level::Deny => "error",
        }
    }
}

/// Something the run could not do that the user must know about: a file
/// under a package that no target reaches, so it was not linted; a
/// dependency whose types the package locks that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Notice {
    /// The file, as displayed (the package's `Cargo.toml` for a dependency).
    pub file: PathBuf,
    /// What happened, lower case with no trailing period.
    pub message: String,
    /// Which kind of notice.
    pub kind: NoticeKind,
}

/// What a [`Notice`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum NoticeKind {
    /// A file that was not linted.
    NotLinted,
    /// A dependency the package locks whose sources could not be read: its
    /// types are unknown to the lints.
    DependencyNotRead,
    /// An invocation of the package's own `macro_rules!` larger than the
    /// linter expands: what it writes was not linted.
    MacroNotExpanded,
    /// A dependency read at another version than `Cargo.lock` pins (the
    /// pinned one is not in the cache).
    DependencyVersion,
}

impl Notice {
    /// The code tools show it under: `stats_lint::not_linted`,
    /// `stats_lint::dependency_not_read`, `stats_lint::dependency_version`
    /// or `stats_lint::macro_not_expanded`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            NoticeKind::NotLinted => "stats_lint::not_linted",
            NoticeKind::DependencyNotRead => "stats_lint::dependency_not_read",
            NoticeKind::DependencyVersion => "stats_lint::dependency_version",
            NoticeKind::MacroNotExpanded => "stats_lint::macro_not_expanded",
        }
    }
}

/// A position in a source file: 1-based line, 1-based column counted in
/// characters (rustc's convention for `column_start` in its JSON output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// A region of one source file; `end` is exclusive.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The file, as it is displayed (relative to the working directory when possible).
    pub file: PathBuf,
    /// First character of the region.
    pub start: Pos,
    /// One past the last character of the region.
    pub end: Pos,
}

impl Span {
    /// Converts a `proc_macro2` span of a file parsed by `syn` into a [`Span`].
    pub fn from_pm2(file: &std::path::Path, span: proc_macro2::Span) -> Self {
        let s = span.start();
        let e = span.end();
        Span {
            file: file.to_path_buf(),
            start: Pos {
                line: s.line.max(1),
                column: s.column + 1,
            },
            end: Pos {
                line: e.line.max(1),
                column: e.column + 1,
            },
        }
    }

    /// Whether `inner` lies inside this span, in the same file.
    pub(crate) fn contains(&self, inner: &Span) -> bool {
        inner.file == self.file && self.start <= inner.start && inner.end <= self.end
    }

    /// A span from the start of `from` to the end of `to`.
    pub fn join(file: &std::path::Path, from: proc_macro2::Span, to: proc_macro2::Span) -> Self {
        let a = Span::from_pm2(file, from);
        let b = Span::from_pm2(file, to);
        Span {
            file: a.file,
            start: a.start,
            end: b.end.max(a.start),
        }
    }
}

/// Whether a child message is a note or a help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildKind {
    /// `note: ...`
    Note,
    /// `help: ...`
    Help,
}

impl ChildKind {
    /// The level name used by rustc's JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ChildKind::Note => "note",
            ChildKind::Help => "help",
        }
    }
}

/// A note or help attached to a diagnostic, optionally pointing at code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    /// Note or help.
    pub kind: ChildKind,
    /// The text, lower case with no trailing period.
    pub message: String,
    /// Where the note points, if anywhere.
    pub span: Option<Span>,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The lint name without the `stats_lint::` prefix (or `syntax_error`).
    pub lint: &'static str,
    /// The level in force for this finding (never [`Level::Allow`]).
    pub level: Level,
    /// The main message, lower case with no trailing period.
    pub message: String,
    /// Where the problem is.
    pub span: Span,
    /// Text written under the primary span.
    pub label: Option<String>,
    /// Notes and helps, in order.
    pub children: Vec<Child>,
}

impl Diagnostic {
    /// The lint code as it appears in output: `stats_lint::NAME`.
    pub fn code(&self) -> String {
        format!("stats_lint::{}", self.lint)
    }

    /// Adds a help line.
    pub fn help(mut self, message: impl Into<String>) -> Self {
        self.children.push(Child {
            kind: ChildKind::Help,
            message: message.into(),
            span: None,
        });
        self
    }

    /// Adds a note, optionally pointing at code.
    pub fn note(mut self, message: impl Into<String>, span: Option<Span>) -> Self {
        self.children.push(Child {
            kind: ChildKind::Note,
            message: message.into(),
            span,
        });
        self
    }
}
