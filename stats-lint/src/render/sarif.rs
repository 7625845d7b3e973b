//! SARIF 2.1.0 output for code scanning.

use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Level, Notice, Span};
use crate::lints::LINTS;

fn region(span: &Span) -> Value {
    json!({
        "startLine": span.start.line,
        "startColumn": span.start.column,
        "endLine": span.end.line,
        "endColumn": span.end.column.max(1),
    })
}

fn location(span: &Span) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": {
                "uri": span.file.to_string_lossy().replace('\\', "/"),
                "uriBaseId": "%SRCROOT%",
            },
            "region": region(span),
        }
    })
}

fn sarif_level(l: Level) -> &'static str {
    match l {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

/// A complete SARIF 2.1.0 log with one run holding every finding.
pub fn log(diags: &[Diagnostic]) -> Value {
    log_with_notices(diags, &[])
}

/// A complete SARIF 2.1.0 log; files that were not linted are listed as
/// tool execution notifications of the run's invocation.
pub fn log_with_notices(diags: &[Diagnostic], notices: &[Notice]) -> Value {
    let mut rules: Vec<Value> = LINTS
        .iter()
        .map(|l| {
            json!({
                "id": format!("stats_lint::{}", l.name),
                "name": l.name,
                "shortDescription": {"text": l.summary},
                "fullDescription": {"text": l.summary},
                "help": {"text": l.docs, "markdown": l.docs},
                "defaultConfiguration": {"level": sarif_level(l.default_level)},
                "properties": {"tags": [l.group.as_str()]},
            })
        })
        .collect();
    rules.push(json!({
        "id": "stats_lint::syntax_error",
        "name": "syntax_error",
        "shortDescription": {"text": "a file could not be parsed, so it was not linted"},
        "defaultConfiguration": {"level": "warning"},
    }));
    let rule_index = |lint: &str| {
        LINTS
            .iter()
            .position(|l| l.name == lint)
            .unwrap_or(LINTS.len())
    };
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            for c in &d.children {
                text.push_str(&format!("\n{}: {}", c.kind.as_str(), c.message));
            }
            let related: Vec<Value> = d
                .children
                .iter()
                .filter_map(|c| c.span.as_ref().map(|s| (c, s)))
                .enumerate()
                .map(|(i, (c, s))| {
                    let mut loc = location(s);
                    loc["id"] = json!(i);
                    loc["message"] = json!({"text": c.message});
                    loc
                })
                .collect();
            let mut r = json!({
                "ruleId": d.code(),
                "ruleIndex": rule_index(d.lint),
                "level": sarif_level(d.level),
                "message": {"text": text},
                "locations": [location(&d.span)],
            });
            if !related.is_empty() {
                r["relatedLocations"] = json!(related);
            }
            r
        })
        .collect();
    let notifications: Vec<Value> = notices
        .iter()
        .map(|n| {
            json!({
                "level": "note",
                "message": {"text": n.message},
                "descriptor": {"id": n.code()},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": n.file.to_string_lossy().replace('\\', "/"),
                            "uriBaseId": "%SRCROOT%",
                        }
                    }
                }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "stats-lint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/stats",
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}
