//! JSON output in the shape of cargo's `--message-format=json`: one
//! `{"reason":"compiler-message", ...}` object per line, whose `message` is a
//! rustc diagnostic (`message`, `code`, `level`, `spans`, `children`,
//! `rendered`), so tools that read cargo's output (clippy-sarif, editors)
//! read it unchanged.

use serde_json::{Value, json};

use super::{Sources, excerpt, human};
use crate::diagnostic::{Diagnostic, Notice, Span};

/// The package and target a file belongs to, for the cargo message envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetInfo {
    /// Package name.
    pub package: String,
    /// Package version.
    pub version: String,
    /// Absolute path of the package's `Cargo.toml`.
    pub manifest_path: String,
    /// Target name.
    pub target_name: String,
    /// Target kind (`lib`, `bin`, `test`, `bench`, `example`, `custom-build`).
    pub kind: String,
    /// Absolute path of the target's root source file.
    pub src_path: String,
    /// The package's edition.
    pub edition: String,
}

impl TargetInfo {
    /// A placeholder for files that belong to no package.
    pub fn loose(path: &str) -> TargetInfo {
        TargetInfo {
            package: "unknown".into(),
            version: "0.0.0".into(),
            manifest_path: String::new(),
            target_name: "unknown".into(),
            kind: "lib".into(),
            src_path: path.into(),
            edition: "2021".into(),
        }
    }
}

fn span_json(span: &Span, sources: &Sources, primary: bool, label: Option<&str>) -> Value {
    let (text_lines, bytes) = match sources.get(&span.file) {
        Some(src) => {
            let (text, first, _, bytes) = excerpt(src, span);
            let lines: Vec<Value> = text
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    let n = first + i;
                    let hs = if n == span.start.line {
                        span.start.column
                    } else {
                        1
                    };
                    let he = if n == span.end.line {
                        span.end.column
                    } else {
                        l.chars().count() + 1
                    };
                    json!({"text": l, "highlight_start": hs, "highlight_end": he})
                })
                .collect();
            (lines, bytes)
        }
        None => (Vec::new(), 0..0),
    };
    json!({
        "file_name": span.file.to_string_lossy(),
        "byte_start": bytes.start,
        "byte_end": bytes.end,
        "line_start": span.start.line,
        "line_end": span.end.line,
        "column_start": span.start.column,
        "column_end": span.end.column,
        "is_primary": primary,
        "text": text_lines,
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

/// The rustc diagnostic object for one finding.
pub fn diagnostic(d: &Diagnostic, sources: &Sources) -> Value {
    let children: Vec<Value> = d
        .children
        .iter()
        .map(|c| {
            let spans: Vec<Value> = c
                .span
                .iter()
                .map(|s| span_json(s, sources, true, None))
                .collect();
            json!({
                "$message_type": "diagnostic",
                "message": c.message,
                "code": null,
                "level": c.kind.as_str(),
                "spans": spans,
                "children": [],
                "rendered": null,
            })
        })
        .collect();
    json!({
        "$message_type": "diagnostic",
        "message": d.message,
        "code": {"code": d.code(), "explanation": null},
        "level": d.level.diagnostic_name(),
        "spans": [span_json(&d.span, sources, true, d.label.as_deref())],
        "children": children,
        "rendered": human::render(d, sources),
    })
}

/// The cargo message (`reason: compiler-message`) for one finding.
pub fn message(d: &Diagnostic, sources: &Sources, target: &TargetInfo) -> Value {
    let package_id = format!(
        "path+file://{}#{}@{}",
        target
            .manifest_path
            .strip_suffix("/Cargo.toml")
            .unwrap_or(&target.manifest_path),
        target.package,
        target.version
    );
    let crate_types = if target.kind == "lib" {
        json!(["lib"])
    } else {
        json!(["bin"])
    };
    json!({
        "reason": "compiler-message",
        "package_id": package_id,
        "manifest_path": target.manifest_path,
        "target": {
            "kind": [target.kind],
            "crate_types": crate_types,
            "name": target.target_name,
            "src_path": target.src_path,
            "edition": target.edition,
            "doc": target.kind == "lib",
            "doctest": target.kind == "lib",
            "test": true,
        },
        "message": diagnostic(d, sources),
    })
}

/// The cargo message for a file that was not linted (or a dependency that
/// was not read): a `note`-level compiler message with the code
/// `stats_lint::not_linted` (`stats_lint::dependency_not_read`) and a span
/// on the file's first line, so tools that read cargo's output show it.
pub fn notice(n: &Notice) -> Value {
    let file = n.file.to_string_lossy();
    let message = format!("{file}: {}", n.message);
    json!({
        "reason": "compiler-message",
        "package_id": "stats-lint",
        "manifest_path": "",
        "target": {
            "kind": ["lib"],
            "crate_types": ["lib"],
            "name": "unknown",
            "src_path": file,
            "edition": "2021",
            "doc": false,
            "doctest": false,
            "test": false,
        },
        "message": {
            "$message_type": "diagnostic",
            "message": message,
            "code": {"code": n.code(), "explanation": null},
            "level": "note",
            "spans": [{
                "file_name": file,
                "byte_start": 0,
                "byte_end": 0,
                "line_start": 1,
                "line_end": 1,
                "column_start": 1,
                "column_end": 1,
                "is_primary": true,
                "text": [],
                "label": null,
                "suggested_replacement": null,
                "suggestion_applicability": null,
                "expansion": null,
            }],
            "children": [],
            "rendered": format!("note: {message}\n"),
        },
    })
}
