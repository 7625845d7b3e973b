//! UI tests: for each `tests/ui/<name>.rs`, the lines with findings must be
//! exactly the lines marked `//~ LINT`, and the rendered output must equal
//! `tests/ui/<name>.stderr`. Run with `STATS_LINT_BLESS=1` to rewrite the
//! `.stderr` files after an intended change.
//!
//! A file named after a lint is checked for that lint only; any other file
//! is checked with every lint enabled.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use stats_lint::{Config, LINTS, Level, SourceFile, lint_files};

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui")
}

fn ui_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(ui_dir())
        .expect("tests/ui exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    v.sort();
    v
}

/// `(line, lint)` pairs.
type Findings = BTreeSet<(usize, String)>;

/// `(line, lint)` for every `//~ lint [lint...]` marker.
fn markers(text: &str) -> Findings {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(pos) = line.find("//~") {
            for name in line[pos + 3..].split([' ', ',']).filter(|s| !s.is_empty()) {
                out.insert((i + 1, name.to_string()));
            }
        }
    }
    out
}

fn run(path: &Path) -> (Findings, Findings, String) {
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let display = PathBuf::from(format!("tests/ui/{stem}.rs"));
    let mut config = Config::default();
    if LINTS.iter().any(|l| l.name == stem) {
        for l in LINTS.iter().filter(|l| l.name != stem) {
            config.set(l.name, Level::Allow).unwrap();
        }
    }
    let report = lint_files(vec![SourceFile::new(display, text.clone())], &config);
    let found = report
        .diagnostics
        .iter()
        .map(|d| (d.span.start.line, d.lint.to_string()))
        .collect();
    (markers(&text), found, report.render_human())
}

#[test]
fn ui() {
    let bless = std::env::var_os("STATS_LINT_BLESS").is_some();
    let mut failures = Vec::new();
    let files = ui_files();
    assert!(files.len() >= LINTS.len(), "missing UI files");
    for path in files {
        let (expected, found, rendered) = run(&path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let missing: Vec<_> = expected.difference(&found).collect();
        let unexpected: Vec<_> = found.difference(&expected).collect();
        if !missing.is_empty() || !unexpected.is_empty() {
            failures.push(format!(
                "{name}: missing findings (line, lint) {missing:?}; unexpected findings {unexpected:?}"
            ));
        }
        let stderr = path.with_extension("stderr");
        if bless {
            std::fs::write(&stderr, &rendered).unwrap();
        } else {
            let want = std::fs::read_to_string(&stderr).unwrap_or_default();
            if want != rendered {
                failures.push(format!(
                    "{name}: rendered output differs from {} (run with STATS_LINT_BLESS=1 to update)\n--- got ---\n{rendered}",
                    stderr.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every lint has a UI test with at least one positive and one negative case.
#[test]
fn every_lint_has_a_ui_test() {
    for l in LINTS {
        let p = ui_dir().join(format!("{}.rs", l.name));
        let text = std::fs::read_to_string(&p)
            .unwrap_or_else(|_| panic!("missing UI test {}", p.display()));
        assert!(
            markers(&text).iter().any(|(_, n)| n == l.name),
            "{} has no positive case",
            p.display()
        );
        assert!(
            text.contains("not flagged"),
            "{} has no negative section",
            p.display()
        );
        assert!(
            p.with_extension("stderr").is_file(),
            "missing {}",
            p.with_extension("stderr").display()
        );
    }
}
