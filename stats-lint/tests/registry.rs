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
    let files = stats_lint::rust_files(&root);
    let start = Instant::now();
    // One walker per core: the cache grows with every crate the machine
    // ever fetched (millions of lines), and this runs unoptimised.
    let walkers = std::thread::available_parallelism().map_or(1, usize::from);
    let chunks: Vec<&[std::path::PathBuf]> =
        files.chunks(files.len().div_ceil(walkers).max(1)).collect();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                // Deeply nested expressions need a deep stack, as in the
                // command itself.
                std::thread::Builder::new()
                    .stack_size(512 << 20)
                    .spawn_scoped(scope, move || lint_each(chunk))
                    .expect("a walker thread starts")
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("the walker thread survived"))
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let total = tallies.into_iter().fold(Tally::default(), Tally::merge);
    eprintln!(
        "registry: {} files, {} lines in {:.2} s on {walkers} thread(s) ({:.0} lines/s); {} findings, {} files syn could not parse, {} panics",
        files.len(),
        total.lines,
        secs,
        total.lines as f64 / secs.max(1e-9),
        total.findings,
        total.unparsed,
        total.panicked.len()
    );
    let (count, panicked) = (files.len(), total.panicked);
    assert!(panicked.is_empty(), "the linter panicked on {panicked:#?}");
    assert!(
        count >= MIN_FILES,
        "only {count} .rs files under {}: is the registry cache populated?",
        stats_lint::registry_src()
            .expect("CARGO_HOME or HOME is set")
            .display()
    );
}

/// What linting some of the files found.
#[derive(Default)]
struct Tally {
    lines: usize,
    findings: usize,
    unparsed: usize,
    panicked: Vec<std::path::PathBuf>,
}

impl Tally {
    fn merge(mut self, other: Tally) -> Tally {
        self.lines += other.lines;
        self.findings += other.findings;
        self.unparsed += other.unparsed;
        self.panicked.extend(other.panicked);
        self
    }
}

/// Lints each file on its own, catching panics.
fn lint_each(files: &[std::path::PathBuf]) -> Tally {
    let mut tally = Tally::default();
    for f in files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        tally.lines += text.lines().count();
        match std::panic::catch_unwind(|| stats_lint::lint_source(f, &text)) {
            Ok(report) => {
                tally.findings += report.diagnostics.len();
                tally.unparsed += report
                    .diagnostics
                    .iter()
                    .filter(|d| d.lint == "syntax_error")
                    .count();
            }
            Err(_) => tally.panicked.push(f.clone()),
        }
    }
    tally
}
