//! Robustness: lints every `.rs` file under the cargo registry source cache
//! (`$CARGO_HOME/registry/src`, filled by building this workspace) and
//! asserts that none makes the linter panic.
//!
//! Prints the file count, line count and time (`cargo test -- --nocapture`).
//! Set `STATS_LINT_SKIP_REGISTRY=1` to skip it (it says so loudly when skipped).
//!
//! The cache grows with every crate the machine ever fetched (1.2 GB of
//! sources on the build machine in November 2026), and this test runs
//! unoptimised: above [`BUDGET_BYTES`] it lints an even spread of the files
//! (every k-th in path order, so every crate's neighbourhood is sampled and
//! the choice is the same on every run). `STATS_LINT_REGISTRY_BYTES=0` lints
//! them all. The release-mode sweep over the whole cache is the throughput
//! bench (`cargo bench -p stats-lint --bench throughput`).

use std::time::Instant;

/// Building the workspace downloads far more than this many files; a smaller
/// count means the cache is not where we looked, and the test must not pass.
const MIN_FILES: usize = 1000;

/// About 5 M lines. The cache reached 3.2 GB in November 2026 and a 250 MB
/// spread of it took over 40 minutes unoptimised (windows-0.48's generated
/// files dominate, one file at a time).
const BUDGET_BYTES: u64 = 150_000_000;

/// Files above this size (generated bindings and tables: 120 of 89,000 in
/// November 2026) take tens of minutes each unoptimised; with a budget they
/// are left to the release sweep (`cargo bench -p stats-lint --bench
/// throughput`, which lints every file).
const MAX_FILE_BYTES: u64 = 1_000_000;

/// Every k-th file, k chosen so that the bytes stay within `budget` (0: all
/// files, however large).
fn spread(files: Vec<std::path::PathBuf>, budget: u64) -> Vec<std::path::PathBuf> {
    if budget == 0 {
        return files;
    }
    let sized: Vec<(std::path::PathBuf, u64)> = files
        .into_iter()
        .filter_map(|f| std::fs::metadata(&f).ok().map(|m| (f, m.len())))
        .filter(|(_, len)| *len <= MAX_FILE_BYTES)
        .collect();
    let total: u64 = sized.iter().map(|(_, len)| len).sum();
    let files: Vec<std::path::PathBuf> = sized.into_iter().map(|(f, _)| f).collect();
    if total <= budget {
        return files;
    }
    let k = usize::try_from(total.div_ceil(budget)).unwrap_or(usize::MAX);
    files.into_iter().step_by(k).collect()
}

#[test]
fn lints_the_whole_registry_cache_without_panicking() {
    if std::env::var_os("STATS_LINT_SKIP_REGISTRY").is_some() {
        eprintln!("SKIPPED: registry robustness test (STATS_LINT_SKIP_REGISTRY is set)");
        return;
    }
    let root = stats_lint::registry_src().expect("CARGO_HOME or HOME is set");
    let all = stats_lint::rust_files(&root);
    let found = all.len();
    let budget = std::env::var("STATS_LINT_REGISTRY_BYTES")
        .ok()
        .map(|v| {
            v.parse::<u64>()
                .expect("STATS_LINT_REGISTRY_BYTES is a number")
        })
        .unwrap_or(BUDGET_BYTES);
    let files = spread(all, budget);
    let start = Instant::now();
    // One walker per core: the cache grows with every crate the machine
    // ever fetched (millions of lines), and this runs unoptimised.
    let walkers = std::thread::available_parallelism().map_or(1, usize::from);
    // Dealt out in turn, not cut in blocks: a block of one huge crate's
    // files would leave the other walkers idle.
    let mut chunks: Vec<Vec<std::path::PathBuf>> = vec![Vec::new(); walkers];
    for (i, f) in files.iter().enumerate() {
        chunks[i % walkers].push(f.clone());
    }
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
        "registry: {} of {found} files, {} lines in {:.2} s on {walkers} thread(s) ({:.0} lines/s); {} findings, {} files syn could not parse, {} panics",
        files.len(),
        total.lines,
        secs,
        total.lines as f64 / secs.max(1e-9),
        total.findings,
        total.unparsed,
        total.panicked.len()
    );
    let (count, panicked) = (found, total.panicked);
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
