//! Robustness: lints every `.rs` file under the cargo registry source cache
//! (`$CARGO_HOME/registry/src`, filled by building this workspace) and
//! asserts that none makes the linter panic.
//!
//! Prints the file count, line count and time (`cargo test -- --nocapture`).
//! Set `STATS_LINT_SKIP_REGISTRY=1` to skip it (it says so loudly when skipped).

use std::time::Instant;

/// Building the workspace downloads far more than this many files; a smaller
/// count means the cache is not where we looked, and the test must not pass.
const MIN_FILES: usize = 1000;

#[test]
fn lints_the_whole_registry_cache_without_panicking() {
    if std::env::var_os("STATS_LINT_SKIP_REGISTRY").is_some() {
        eprintln!("SKIPPED: registry robustness test (STATS_LINT_SKIP_REGISTRY is set)");
        return;
    }
    let root = stats_lint::registry_src().expect("CARGO_HOME or HOME is set");
    // Deeply nested expressions need a deep stack, as in the command itself.
    let handle = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            let files = stats_lint::rust_files(&root);
            let start = Instant::now();
            let (mut lines, mut findings, mut unparsed) = (0usize, 0usize, 0usize);
            let mut panicked = Vec::new();
            for f in &files {
                let Ok(bytes) = std::fs::read(f) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&bytes).into_owned();
                lines += text.lines().count();
                let r = std::panic::catch_unwind(|| stats_lint::lint_source(f, &text));
                match r {
                    Ok(report) => {
                        findings += report.diagnostics.len();
                        unparsed += report
                            .diagnostics
                            .iter()
                            .filter(|d| d.lint == "syntax_error")
                            .count();
                    }
                    Err(_) => panicked.push(f.clone()),
                }
            }
            let secs = start.elapsed().as_secs_f64();
            eprintln!(
                "registry: {} files, {} lines in {:.2} s ({:.0} lines/s); {} findings, {} files syn could not parse, {} panics",
                files.len(),
                lines,
                secs,
                lines as f64 / secs.max(1e-9),
                findings,
                unparsed,
                panicked.len()
            );
            (files.len(), panicked)
        })
        .unwrap();
    let (count, panicked) = handle.join().expect("the walker thread survived");
    assert!(panicked.is_empty(), "the linter panicked on {panicked:#?}");
    assert!(
        count >= MIN_FILES,
        "only {count} .rs files under {}: is the registry cache populated?",
        stats_lint::registry_src()
            .expect("CARGO_HOME or HOME is set")
            .display()
    );
}
