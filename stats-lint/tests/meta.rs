//! Meta-tests: documentation and message style of every lint.

use stats_lint::lints::{Group, Level};
use stats_lint::{LINTS, lint_source};

const HEADINGS: &[&str] = &[
    "### What it does",
    "### Why is this bad",
    "### Known problems",
    "### Example",
    "### Use instead",
];

#[test]
fn every_lint_has_the_documentation_headings_in_order() {
    for l in LINTS {
        let mut at = 0;
        for h in HEADINGS {
            let pos = l.docs[at..]
                .find(h)
                .unwrap_or_else(|| panic!("lint `{}` lacks `{h}` (or it is out of order)", l.name));
            at += pos + h.len();
        }
        assert!(
            l.docs.contains("```"),
            "lint `{}` has no code example",
            l.name
        );
    }
}

#[test]
fn groups_have_their_default_levels() {
    for l in LINTS {
        let want = match l.group {
            Group::Correctness => Level::Deny,
            Group::Suspicious | Group::Perf => Level::Warn,
        };
        assert_eq!(l.default_level, want, "lint `{}`", l.name);
        assert!(
            l.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "lint name `{}` must be snake_case",
            l.name
        );
    }
}

fn check_style(what: &str, text: &str) {
    let first = text.chars().next().expect("empty message");
    assert!(
        !first.is_uppercase(),
        "{what} must start in lower case: {text:?}"
    );
    assert!(
        !text.ends_with('.'),
        "{what} must not end with a period: {text:?}"
    );
    assert!(!text.contains('\n'), "{what} must be one line: {text:?}");
}

/// Every message, label, note and help that the UI tests produce follows rustc's style.
#[test]
fn messages_are_lower_case_without_trailing_period() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut seen = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let report = lint_source(&p, &std::fs::read_to_string(&p).unwrap());
        for d in &report.diagnostics {
            seen.insert(d.lint);
            check_style("message", &d.message);
            if let Some(l) = &d.label {
                check_style("label", l);
            }
            for c in &d.children {
                check_style("note/help", &c.message);
            }
        }
    }
    for l in LINTS {
        assert!(
            seen.contains(l.name),
            "no message of `{}` was checked",
            l.name
        );
    }
    for l in LINTS {
        check_style("summary", l.summary);
    }
}
