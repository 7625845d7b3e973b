//! The lint registry: every lint's name, group, default level and documentation.
//!
//! Each lint lives in its own file, which declares it with `declare_lint!`
//! (documentation headings as in Clippy: What it does / Why is this bad /
//! Known problems / Example / Use instead) and turns the engine's
//! [`Event`]s into [`Diagnostic`]s.

use crate::diagnostic::Diagnostic;
use crate::engine::Event;

pub mod counter_map;
pub mod poison_cascade;
pub mod shared_map_mutation;
pub mod static_mut_map;
pub mod unsafe_sync_map;

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

/// Lint groups, as in Clippy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Code that is outright wrong; deny by default, no false positives allowed.
    Correctness,
    /// Code that is most likely wrong or fragile; warn by default.
    Suspicious,
    /// Code that is slower than it needs to be; warn by default.
    Perf,
}

impl Group {
    /// The group's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Correctness => "correctness",
            Group::Suspicious => "suspicious",
            Group::Perf => "perf",
        }
    }
}

/// A lint's static description.
#[derive(Debug)]
pub struct Lint {
    /// The name, as used in `allow(stats_lint::NAME)` and on the command line.
    pub name: &'static str,
    /// The group.
    pub group: Group,
    /// The level when nothing configures it.
    pub default_level: Level,
    /// One line describing what the lint flags.
    pub summary: &'static str,
    /// The full documentation (markdown), from the lint's doc comment.
    pub docs: &'static str,
}

/// Declares a lint: the doc comment becomes both the rustdoc of the static
/// and the [`Lint::docs`] text printed by `--explain`.
macro_rules! declare_lint {
    (
        $(#[doc = $doc:literal])*
        pub static $ident:ident = ($name:literal, $group:ident, $level:ident, $summary:literal);
    ) => {
        $(#[doc = $doc])*
        pub static $ident: $crate::lints::Lint = $crate::lints::Lint {
            name: $name,
            group: $crate::lints::Group::$group,
            default_level: $crate::lints::Level::$level,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
}
pub(crate) use declare_lint;

/// Every lint, in a stable order.
pub static LINTS: &[&Lint] = &[
    &shared_map_mutation::SHARED_MAP_MUTATION,
    &static_mut_map::STATIC_MUT_MAP,
    &unsafe_sync_map::UNSAFE_SYNC_MAP,
    &poison_cascade::POISON_CASCADE,
    &counter_map::COUNTER_MAP,
];

/// The pseudo-lint used for files that do not parse.
pub const SYNTAX_ERROR: &str = "syntax_error";

/// Finds a lint by name (with or without the `stats_lint::` prefix).
pub fn find(name: &str) -> Option<&'static Lint> {
    let name = name.strip_prefix("stats_lint::").unwrap_or(name);
    LINTS.iter().copied().find(|l| l.name == name)
}

/// Turns one engine event into the diagnostics of every lint that cares about it,
/// at each lint's default level.
pub fn check(event: &Event, out: &mut Vec<Diagnostic>) {
    out.extend(shared_map_mutation::check(event));
    out.extend(static_mut_map::check(event));
    out.extend(unsafe_sync_map::check(event));
    out.extend(poison_cascade::check(event));
    out.extend(counter_map::check(event));
}

/// Builds a diagnostic for `lint` at its default level.
pub(crate) fn diag(
    lint: &'static Lint,
    message: String,
    span: crate::diagnostic::Span,
    label: Option<&str>,
) -> Diagnostic {
    Diagnostic {
        lint: lint.name,
        level: lint.default_level,
        message,
        span,
        label: label.map(str::to_string),
        children: Vec::new(),
    }
}

/// Adds a note pointing at where the shared map or lock is declared, when
/// pass 1 found the declaration.
pub(crate) fn note_declaration(
    d: Diagnostic,
    decl: Option<&crate::diagnostic::Span>,
    note: impl Into<String>,
) -> Diagnostic {
    match decl {
        Some(decl) => d.note(note, Some(decl.clone())),
        None => d,
    }
}
