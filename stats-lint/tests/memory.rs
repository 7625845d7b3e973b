//! Memory is bounded by the largest package, not by the input: linting 500
//! small packages must not take much more memory than linting 50 (issue 14).
//! Each package's syntax trees are dropped once it is done, and only the
//! text of files with a finding is kept.
//!
//! Peak resident memory is `VmHWM` from `/proc/self/status`, reset between
//! runs through `/proc/self/clear_refs`; this file holds one test so that no
//! other test shares the process. Skipped where `/proc` is missing.

use std::path::{Path, PathBuf};

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A folder of `n` packages of about 400 lines each, one finding each.
fn tree(root: &Path, n: usize) {
    let mut body = String::from(
        "use std::collections::HashMap;\nuse std::sync::{LazyLock, Mutex};\n\
         static M: LazyLock<Mutex<HashMap<u64, u64>>> = LazyLock::new(Default::default);\n\
         pub fn hit(k: u64) { M.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(k, 1); }\n",
    );
    for i in 0..100 {
        body.push_str(&format!(
            "pub fn f{i}(x: u64) -> u64 {{\n    let v: Vec<u64> = (0..x).map(|y| y * {i}).collect();\n    v.iter().sum()\n}}\n"
        ));
    }
    for p in 0..n {
        let dir = root.join(format!("pkg{p}"));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"pkg{p}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        )
        .unwrap();
        std::fs::write(dir.join("src/lib.rs"), &body).unwrap();
    }
}

fn lint(root: &Path) -> (usize, usize) {
    let config = stats_lint::Config {
        jobs: Some(1),
        ..Default::default()
    };
    let report = stats_lint::lint_paths(&[root.to_path_buf()], &config).unwrap();
    (report.lines, report.diagnostics.len())
}

#[test]
fn peak_memory_does_not_grow_with_the_number_of_packages() {
    if peak_rss_kb().is_none() || !reset_peak() {
        eprintln!("SKIPPED: no /proc/self/status or clear_refs on this system");
        return;
    }
    let base = std::env::temp_dir().join(format!("stats-lint-memory-{}", std::process::id()));
    let small: PathBuf = base.join("small");
    let large: PathBuf = base.join("large");
    tree(&small, 50);
    tree(&large, 500);
    // warm up allocator and code pages
    lint(&small);
    reset_peak();
    let (lines_small, found_small) = lint(&small);
    let peak_small = peak_rss_kb().unwrap();
    reset_peak();
    let (lines_large, found_large) = lint(&large);
    let peak_large = peak_rss_kb().unwrap();
    std::fs::remove_dir_all(&base).ok();
    assert_eq!(found_small, 50);
    assert_eq!(found_large, 500);
    assert!(lines_large >= 10 * lines_small - 10);
    eprintln!(
        "peak RSS: {peak_small} kB for 50 packages ({lines_small} lines), {peak_large} kB for 500 ({lines_large} lines)"
    );
    // Keeping every syntax tree would cost about 1.35 KB per line: over 250 MB
    // more for the large tree. Allow a small constant for the report itself.
    assert!(
        peak_large <= peak_small * 3 / 2 + 16 * 1024,
        "peak RSS grew from {peak_small} kB to {peak_large} kB"
    );
}
