//! Throughput benchmark: lines linted per second, and peak memory.
//!
//! 1. the cargo registry source cache as one path (`lint_paths`: each
//!    package its own unit, in parallel on every core, then on one thread),
//!    as `cargo stats-lint ~/.cargo/registry/src` does it;
//! 2. every `.rs` file of the cache, each as its own crate, on one thread;
//! 3. a 100,000-line crate made of registry files, linted as one crate (both
//!    passes across all its files), best of three runs, one thread.
//!
//! Each phase prints lines/s, findings and the peak resident memory of the
//! process during that phase (`VmHWM` from `/proc/self/status`, reset
//! before each phase through `/proc/self/clear_refs`).
//!
//! Run with `cargo bench -p stats-lint --bench throughput`.

use std::path::PathBuf;
use std::time::Instant;

use stats_lint::{Config, SourceFile, lint_files, lint_paths, lint_source};

/// Peak resident memory since the last reset, in MB (Linux only).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak to the current resident memory (Linux 4.0 and later).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn rss_text() -> String {
    peak_rss_mb().map_or_else(|| "n/a".to_string(), |mb| format!("{mb:.0} MB"))
}

/// The binary's allocator, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let handle = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(run)
        .expect("spawn");
    handle.join().expect("benchmark thread");
}

fn run() {
    let root = stats_lint::registry_src().expect("CARGO_HOME or HOME is set");
    for jobs in [None, Some(1)] {
        reset_peak_rss();
        let config = Config {
            jobs,
            ..Config::default()
        };
        let start = Instant::now();
        let report = lint_paths(std::slice::from_ref(&root), &config).expect("the registry cache");
        let secs = start.elapsed().as_secs_f64();
        let threads = jobs.map_or_else(
            || {
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .to_string()
            },
            |j| j.to_string(),
        );
        println!(
            "registry cache as one path, {threads} thread(s): {} files, {} lines in {:.2} s: {:.0} lines/s ({} findings, {} files not linted), peak RSS {}",
            report.files,
            report.lines,
            secs,
            report.lines as f64 / secs,
            report.diagnostics.len(),
            report.notices.len(),
            rss_text()
        );
    }

    reset_peak_rss();
    let paths =
        stats_lint::rust_files(&stats_lint::registry_src().expect("CARGO_HOME or HOME is set"));
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
        "registry cache, each file its own crate, 1 thread: {} files, {} lines, {:.1} MB in {:.2} s: {:.0} lines/s ({} findings), peak RSS {} (all texts held)",
        files.len(),
        total_lines,
        total_bytes as f64 / 1e6,
        secs,
        total_lines as f64 / secs,
        findings,
        rss_text()
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
        let parsed: Vec<SourceFile> = krate
            .iter()
            .map(|(p, t)| SourceFile::new(p.clone(), t.clone()))
            .collect();
        let report = lint_files(parsed, &Config::default());
        std::hint::black_box(&report);
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "one crate of {} files, {} lines, 1 thread: {:.3} s (best of 3): {:.0} lines/s",
        krate.len(),
        lines,
        best,
        lines as f64 / best
    );
}
