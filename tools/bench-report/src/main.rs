//! `bench-report`: runs the stats benchmarks against their peers (issue
//! 12's harness), prints one ratio table, and writes `docs/benchmarks.md`
//! with a PNG chart per workload under `docs/benchmarks/`.
//!
//! ```text
//! cargo run --release --manifest-path tools/bench-report/Cargo.toml
//! cargo run --release --manifest-path tools/bench-report/Cargo.toml -- --only peers,encode
//! ```
//!
//! What it runs, from the workspace root:
//!
//! 1. `cargo bench -p stats-core --bench peers` with `PEERS_CSV` (counter,
//!    gauge, closed key, open key, histogram, snapshot; 1, 2 and 4 threads);
//! 2. `cargo bench -p stats-core --bench encode`;
//! 3. `cargo test -p stats-tests --release --test memory_per_series --
//!    --nocapture` with `MEMORY_CSV` (the counting allocator lives in the
//!    tests crate: stats-core forbids `unsafe_code`);
//! 4. the compile-time measurement of [`compile`]: 100 generated
//!    `#[derive(StatTable)]` structs against the same with
//!    `#[derive(serde::Serialize)]`.
//!
//! The benches are built first; then, before anything is timed, the tool
//! waits until the 1-minute load average is below `--max-load` (default
//! 1.5; polled every 30 s for at most `--wait-minutes`, default 20), and
//! records the load before each step. Every ratio compares contenders of
//! the same run. `PEERS_*` and `ENCODE_*` variables reach the benches.
//!
//! Options: `--only peers,encode,memory,compile` (a subset; the report is
//! written from what ran), `--jobs N` (cargo's `-j`, default 2),
//! `--compile-rounds N` (default 5), `--max-load F`, `--wait-minutes M`,
//! `--out DIR` (default `docs` in the workspace root).

mod chart;
mod compile;
mod data;
mod report;
mod run;

use std::path::PathBuf;
use std::time::Duration;

/// The command line.
struct Options {
    only: Vec<String>,
    jobs: usize,
    compile_rounds: usize,
    max_load: f64,
    wait: Duration,
    out: Option<PathBuf>,
}

const STEPS: [&str; 4] = ["peers", "encode", "memory", "compile"];

fn options() -> Result<Options, String> {
    let mut options = Options {
        only: STEPS.iter().map(|s| (*s).to_owned()).collect(),
        jobs: 2,
        compile_rounds: 5,
        max_load: 1.5,
        wait: Duration::from_secs(20 * 60),
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--only" => {
                options.only = value()?.split(',').map(|s| s.trim().to_owned()).collect();
                if let Some(bad) = options.only.iter().find(|s| !STEPS.contains(&s.as_str())) {
                    return Err(format!("unknown step {bad:?}; the steps are {STEPS:?}"));
                }
            }
            "--jobs" => options.jobs = value()?.parse().map_err(|e| format!("--jobs: {e}"))?,
            "--compile-rounds" => {
                options.compile_rounds = value()?
                    .parse::<usize>()
                    .map_err(|e| format!("--compile-rounds: {e}"))?
                    .max(1);
            }
            "--max-load" => {
                options.max_load = value()?.parse().map_err(|e| format!("--max-load: {e}"))?;
            }
            "--wait-minutes" => {
                let minutes: u64 = value()?
                    .parse()
                    .map_err(|e| format!("--wait-minutes: {e}"))?;
                options.wait = Duration::from_secs(minutes * 60);
            }
            "--out" => options.out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!(
                    "bench-report [--only peers,encode,memory,compile] [--jobs N] \
                     [--compile-rounds N] [--max-load F] [--wait-minutes M] [--out DIR]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(options)
}

/// The peers bench's workloads, each run by itself: `PEERS_ONLY` if set.
fn peers_workloads() -> Vec<String> {
    std::env::var("PEERS_ONLY").map_or_else(
        |_| {
            [
                "counter",
                "gauge",
                "closed",
                "open",
                "histogram",
                "snapshot",
            ]
            .map(str::to_owned)
            .to_vec()
        },
        |only| only.split(',').map(|w| w.trim().to_owned()).collect(),
    )
}

/// Below this 2-thread scaling of the ALU probe, the host is running both
/// vCPUs on one core and a 2-thread figure is not one.
pub const SHARED_CORE: f64 = 1.6;

/// Other processes' CPU, in cores, above which a workload's figures are
/// not 2-thread figures.
const BUSY: f64 = 0.3;

/// Attempts per workload of the peers bench.
const ATTEMPTS: u32 = 3;

/// Runs one workload of the peers bench (`PEERS_ONLY=workload`) between two
/// ALU probes. Before it, waits up to a minute for the probe to show two
/// cores; if the probe after it shows one, or the bench saw other processes
/// use more than [`BUSY`] cores, runs it again, [`ATTEMPTS`] times at most.
/// Returns the CSV and the standard output of the last attempt.
fn peers_workload(
    root: &std::path::Path,
    scratch: &std::path::Path,
    jobs: &str,
    workload: &str,
    report: &mut report::Report,
) -> Result<(String, String), String> {
    let csv = scratch.join(format!("peers-{workload}.csv"));
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut before = run::alu_scaling();
        for _ in 0..4 {
            if before >= SHARED_CORE {
                break;
            }
            eprintln!(
                "bench-report: the ALU probe scales {before:.2}x (vCPUs sharing a core?); waiting 15 s"
            );
            std::thread::sleep(Duration::from_secs(15));
            before = run::alu_scaling();
        }
        let mut bench = run::cargo();
        bench.args(["bench", "-j", jobs, "-p", "stats-core", "--bench", "peers"]);
        let stdout = run::echoed(
            bench,
            root,
            &[
                ("PEERS_CSV", csv.display().to_string()),
                ("PEERS_ONLY", workload.to_owned()),
            ],
        )?;
        let after = run::alu_scaling();
        // The bench's own account of other processes' CPU, per workload.
        let others = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("(meanwhile other processes used "))
            .filter_map(|l| l.split_whitespace().next()?.parse::<f64>().ok())
            .fold(0.0, f64::max);
        if (after < SHARED_CORE || others > BUSY) && attempt < ATTEMPTS {
            eprintln!(
                "bench-report: after `{workload}` the ALU probe scaled {after:.2}x and other \
                 processes used up to {others:.2} cores; running it again"
            );
            continue;
        }
        report.alu(
            format!("around `{workload}` (before, after)"),
            before,
            after,
        );
        let text = std::fs::read_to_string(&csv).map_err(|e| format!("{}: {e}", csv.display()))?;
        return Ok((text, stdout));
    }
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("bench-report: {e}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<(), String> {
    let options = options()?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .map_err(|e| format!("the workspace root: {e}"))?;
    let out = options.out.clone().unwrap_or_else(|| root.join("docs"));
    let scratch = std::env::temp_dir().join(format!("bench-report-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let wants = |step: &str| options.only.iter().any(|s| s == step);
    let jobs = options.jobs.to_string();

    // Build first, so that compiling is not what the load wait sees.
    if wants("peers") || wants("encode") {
        let mut build = run::cargo();
        build.args(["bench", "-j", &jobs, "-p", "stats-core", "--no-run"]);
        for bench in ["peers", "encode"].into_iter().filter(|b| wants(b)) {
            build.args(["--bench", bench]);
        }
        run::echoed(build, &root, &[])?;
    }
    if wants("memory") {
        run::echoed(memory_test(&jobs, &["--no-run"]), &root, &[])?;
    }

    let (load, quiet) = run::wait_for_quiet(options.max_load, options.wait);
    let machine = run::Machine::describe(&root);
    let mut report = report::Report::new(machine, options.max_load, load, quiet);

    if wants("peers") {
        report.load_before("peers", run::load());
        let mut csv_all = String::new();
        let mut stdout_all = String::new();
        for workload in peers_workloads() {
            let (csv, stdout) = peers_workload(&root, &scratch, &jobs, &workload, &mut report)?;
            let mut lines = csv.lines();
            let header = lines.next().unwrap_or_default();
            if csv_all.is_empty() {
                csv_all.push_str(header);
                csv_all.push('\n');
            }
            for line in lines {
                csv_all.push_str(line);
                csv_all.push('\n');
            }
            stdout_all.push_str(&stdout);
        }
        let (rates, snapshots) = data::peers(&csv_all)?;
        report.peers(rates, snapshots, &stdout_all);
    }
    if wants("encode") {
        report.load_before("encode", run::load());
        let mut bench = run::cargo();
        bench.args([
            "bench",
            "-j",
            &jobs,
            "-p",
            "stats-core",
            "--bench",
            "encode",
        ]);
        let stdout = run::echoed(bench, &root, &[])?;
        report.encode(data::encode(&stdout), &stdout);
    }
    if wants("memory") {
        report.load_before("memory", run::load());
        let csv = scratch.join("memory.csv");
        let test = memory_test(&jobs, &["--", "--nocapture"]);
        run::echoed(test, &root, &[("MEMORY_CSV", csv.display().to_string())])?;
        let text = std::fs::read_to_string(&csv).map_err(|e| format!("{}: {e}", csv.display()))?;
        report.memory(data::memory(&text)?);
    }
    if wants("compile") {
        report.load_before("compile", run::load());
        let times = compile::measure(&root, options.jobs, options.compile_rounds)?;
        let profiles = [compile::Kind::StatTable, compile::Kind::Serde]
            .into_iter()
            .filter_map(|kind| match compile::profile(&times, kind) {
                Ok(p) => Some((kind, p)),
                Err(e) => {
                    eprintln!("bench-report: no rustc profile of {kind:?}: {e}");
                    None
                }
            })
            .collect();
        report.compile(times, profiles, options.jobs);
    }
    report.load_after(run::load());

    println!("\n{}", report.ratio_table());
    println!("{}", report.targets_text());
    let written = report.write(&root, &out)?;
    for path in written {
        println!("wrote {}", path.display());
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// `cargo test` of the memory-per-series test, built with `jobs` jobs,
/// followed by `extra` arguments.
fn memory_test(jobs: &str, extra: &[&str]) -> std::process::Command {
    let mut test = run::cargo();
    test.args(["test", "-j", jobs, "-p", "stats-tests", "--release"])
        .args(["--test", "memory_per_series"])
        .args(extra);
    test
}
