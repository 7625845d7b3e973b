//! Throughput benchmark: lines linted per second on one thread.
//!
//! 1. every `.rs` file of the cargo registry source cache, each as its own crate;
//! 2. a 100,000-line crate made of registry files, linted as one crate (both
//!    passes across all its files), best of three runs.
//!
//! Run with `cargo bench -p stats-lint --bench throughput`.

use std::path::PathBuf;
use std::time::Instant;

use stats_lint::engine::ParsedFile;
use stats_lint::{Config, lint_files, lint_source};

fn main() {
    let handle = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(run)
        .expect("spawn");
    handle.join().expect("benchmark thread");
}

fn run() {
    let mut paths = Vec::new();
    stats_lint::workspace::walk_rs(
        &stats_lint::workspace::registry_src().expect("CARGO_HOME or HOME is set"),
        &mut paths,
    );
    let files: Vec<(PathBuf, String)> = paths
        .into_iter()
        .filter_map(|p| {
            let t = String::from_utf8(std::fs::read(&p).ok()?).ok()?;
            Some((p, t))
        })
        .collect();
    let total_lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let total_bytes: usize = files.iter().map(|(_, t)| t.len()).sum();

    let start = Instant::now();
    let mut findings = 0;
    for (p, t) in &files {
        findings += lint_source(p, t).diagnostics.len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "registry cache: {} files, {} lines, {:.1} MB in {:.2} s: {:.0} lines/s ({} findings)",
        files.len(),
        total_lines,
        total_bytes as f64 / 1e6,
        secs,
        total_lines as f64 / secs,
        findings
    );

    // A 100,000-line crate: whole files, in path order, until the total passes 100k lines.
    let mut krate = Vec::new();
    let mut lines = 0;
    for (p, t) in &files {
        if lines >= 100_000 {
            break;
        }
        lines += t.lines().count();
        krate.push((p.clone(), t.clone()));
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let parsed: Vec<ParsedFile> = krate
            .iter()
            .map(|(p, t)| ParsedFile::parse(p.clone(), p.clone(), t.clone()))
            .collect();
        let report = lint_files(parsed, &Config::default());
        std::hint::black_box(&report);
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "one crate of {} files, {} lines: {:.3} s (best of 3): {:.0} lines/s",
        krate.len(),
        lines,
        best,
        lines as f64 / best
    );
}
