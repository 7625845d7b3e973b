//! The ratio table, the targets, `docs/benchmarks.md` and its charts.

use crate::SHARED_CORE;
use crate::chart::{self, Group};
use crate::compile::{self, CompileTimes, Kind, Profile};
use crate::data::{Encode, Memory, Rate, Snapshot};
use crate::run::Machine;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Everything one run measured.
pub struct Report {
    machine: Machine,
    max_load: f64,
    load_start: Option<f64>,
    quiet: bool,
    loads: Vec<(&'static str, Option<f64>)>,
    alu: Vec<(String, f64, f64)>,
    load_end: Option<f64>,
    rates: Vec<Rate>,
    snapshots: Vec<Snapshot>,
    peers_stdout: String,
    encode: Vec<Encode>,
    encode_stdout: String,
    memory: Vec<Memory>,
    compile: Option<CompileRun>,
}

/// The compile-time measurement, its rustc profiles, and cargo's `-j`.
type CompileRun = (CompileTimes, Vec<(Kind, Profile)>, usize);

/// Encode ratios of one shape and size: ((shape, series), [(peer, ours
/// over the peer's time)]).
type EncodeRatios = ((String, usize), Vec<(String, f64)>);

/// One target of issue 12 and whether this run met it.
struct Target {
    name: &'static str,
    result: String,
    met: Option<bool>,
}

/// The figures of one workload of the peers bench.
struct Workload<'a> {
    name: &'a str,
    contenders: Vec<&'a str>,
    threads: Vec<usize>,
}

/// The peer counters the counter target is about: not ours, not the
/// reference atomics.
fn is_peer(contender: &str) -> bool {
    !contender.starts_with("StatTable")
        && !contender.starts_with("shared Atomic")
        && !contender.contains("(limit)")
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "not measured",
    }
}

fn load_text(load: Option<f64>) -> String {
    load.map_or_else(|| "unknown".to_owned(), |l| format!("{l:.2}"))
}

/// A workload's title in the charts and the report.
fn title(workload: &str) -> String {
    match workload {
        "counter" => "counter increment".to_owned(),
        "gauge" => "gauge inc/dec (inc and dec each one op)".to_owned(),
        "closed key" => "closed-key increment (4 variants, each thread cycling)".to_owned(),
        "histogram" => "histogram observe (5 buckets, 8 values cycled)".to_owned(),
        other => format!("open-key increment, {other}"),
    }
}

impl Report {
    pub fn new(machine: Machine, max_load: f64, load_start: Option<f64>, quiet: bool) -> Self {
        Self {
            machine,
            max_load,
            load_start,
            quiet,
            loads: Vec::new(),
            alu: Vec::new(),
            load_end: None,
            rates: Vec::new(),
            snapshots: Vec::new(),
            peers_stdout: String::new(),
            encode: Vec::new(),
            encode_stdout: String::new(),
            memory: Vec::new(),
            compile: None,
        }
    }

    pub fn load_before(&mut self, step: &'static str, load: Option<f64>) {
        self.loads.push((step, load));
    }

    /// Records the ALU probe's 2-thread scaling before and after a step.
    pub fn alu(&mut self, when: String, before: f64, after: f64) {
        println!(
            "bench-report: two threads of an ALU loop ran {before:.2}x and {after:.2}x one ({when})"
        );
        self.alu.push((when, before, after));
    }

    pub fn load_after(&mut self, load: Option<f64>) {
        self.load_end = load;
    }

    pub fn peers(&mut self, rates: Vec<Rate>, snapshots: Vec<Snapshot>, stdout: &str) {
        self.rates = rates;
        self.snapshots = snapshots;
        stdout.clone_into(&mut self.peers_stdout);
    }

    pub fn encode(&mut self, rows: Vec<Encode>, stdout: &str) {
        self.encode = rows;
        stdout.clone_into(&mut self.encode_stdout);
    }

    pub fn memory(&mut self, rows: Vec<Memory>) {
        self.memory = rows;
    }

    pub fn compile(&mut self, times: CompileTimes, profiles: Vec<(Kind, Profile)>, jobs: usize) {
        self.compile = Some((times, profiles, jobs));
    }

    fn workloads(&self) -> Vec<Workload<'_>> {
        let mut out: Vec<Workload<'_>> = Vec::new();
        for r in &self.rates {
            let i = match out.iter().position(|w| w.name == r.workload) {
                Some(i) => i,
                None => {
                    out.push(Workload {
                        name: &r.workload,
                        contenders: Vec::new(),
                        threads: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let w = &mut out[i];
            if !w.contenders.contains(&r.contender.as_str()) {
                w.contenders.push(&r.contender);
            }
            if !w.threads.contains(&r.threads) {
                w.threads.push(r.threads);
            }
        }
        for w in &mut out {
            w.threads.sort_unstable();
        }
        out
    }

    fn rate(&self, workload: &str, contender: &str, threads: usize) -> Option<f64> {
        self.rates
            .iter()
            .find(|r| r.workload == workload && r.contender == contender && r.threads == threads)
            .map(|r| r.mops)
    }

    /// Ours over `contender` at `threads`: the first contender of the
    /// workload is ours.
    fn ratio(&self, workload: &Workload<'_>, contender: &str, threads: usize) -> Option<f64> {
        let ours = self.rate(workload.name, workload.contenders.first()?, threads)?;
        Some(ours / self.rate(workload.name, contender, threads)?)
    }

    /// Encode rows: our Prometheus text time over the peer's, per shape and
    /// size: ((shape, series), [(peer, ratio)]).
    fn encode_ratios(&self) -> Vec<EncodeRatios> {
        let mut out: Vec<EncodeRatios> = Vec::new();
        for row in &self.encode {
            let key = (row.shape.clone(), row.series);
            if out.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let same: Vec<&Encode> = self
                .encode
                .iter()
                .filter(|r| r.shape == key.0 && r.series == key.1)
                .collect();
            let Some(ours) = same
                .iter()
                .find(|r| r.contender == "ours (Prometheus text)")
            else {
                continue;
            };
            let ratios = same
                .iter()
                .filter(|r| !r.contender.starts_with("ours"))
                .map(|r| (r.contender.clone(), ours.micros / r.micros))
                .collect();
            out.push((key, ratios));
        }
        out
    }

    fn compile_ratio(&self) -> Option<(f64, f64, f64, f64)> {
        let (times, _, _) = self.compile.as_ref()?;
        let derive = compile::median(&times.times(Kind::StatTable).builds);
        let serde = compile::median(&times.times(Kind::Serde).builds);
        let derive_check = compile::median(&times.times(Kind::StatTable).checks);
        let serde_check = compile::median(&times.times(Kind::Serde).checks);
        Some((derive, serde, derive_check, serde_check))
    }

    /// The one ratio table: ours over every peer, every workload.
    pub fn ratio_table(&self) -> String {
        let mut out = String::new();
        let workloads = self.workloads();
        if !workloads.is_empty() {
            let threads: Vec<usize> = workloads[0].threads.clone();
            let _ = writeln!(
                out,
                "throughput: ours over each contender, same run (higher is better for ours)"
            );
            let mut header = format!("{:<14} {:<44}", "workload", "versus");
            for t in &threads {
                let _ = write!(header, " {:>8}", format!("{t} thr"));
            }
            let _ = writeln!(out, "{header}");
            for w in &workloads {
                for c in w.contenders.iter().skip(1) {
                    let mut line = format!("{:<14} {:<44}", w.name, c);
                    for &t in &threads {
                        let cell = self
                            .ratio(w, c, t)
                            .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}x"));
                        let _ = write!(line, " {cell:>8}");
                    }
                    let _ = writeln!(out, "{line}");
                }
                let _ = writeln!(out, "{:<14} (ours: {})", "", w.contenders[0]);
            }
        }
        if !self.encode.is_empty() {
            let _ = writeln!(
                out,
                "\nencode time: ours (Prometheus text) over each peer, same run (lower is better for ours)"
            );
            let _ = writeln!(
                out,
                "{:<6} {:>7}  {:<44} {:>8}",
                "shape", "series", "versus", "ratio"
            );
            for ((shape, series), ratios) in self.encode_ratios() {
                for (peer, ratio) in ratios {
                    let _ = writeln!(out, "{shape:<6} {series:>7}  {peer:<44} {ratio:>7.2}x");
                }
            }
        }
        if !self.memory.is_empty() {
            let _ = writeln!(out, "\nmemory: bytes per series (lower is better)");
            for m in &self.memory {
                let _ = writeln!(
                    out,
                    "{:<62} {:>3} thr {:>9.1} B",
                    m.series, m.threads, m.bytes
                );
            }
        }
        if let Some((derive, serde, derive_check, serde_check)) = self.compile_ratio() {
            let _ = writeln!(
                out,
                "\ncompile time: 100 structs, #[derive(StatTable)] over #[derive(serde::Serialize)] \
                 (lower is better for ours)\ncargo build {:.2}x ({derive:.2} s against {serde:.2} s); \
                 cargo check {:.2}x ({derive_check:.2} s against {serde_check:.2} s)",
                derive / serde,
                derive_check / serde_check
            );
        }
        out
    }

    fn targets(&self) -> Vec<Target> {
        let workloads = self.workloads();
        let find = |name: &str| workloads.iter().find(|w| w.name == name);
        let mut targets = Vec::new();

        // Counter: >= 5x every peer at 2 threads.
        targets.push(match find("counter") {
            Some(w) => {
                let ratios: Vec<(&str, f64)> = w
                    .contenders
                    .iter()
                    .filter(|c| is_peer(c))
                    .filter_map(|c| Some((*c, self.ratio(w, c, 2)?)))
                    .collect();
                Target {
                    name: "counter ≥ 5x every peer at 2 threads",
                    result: ratios
                        .iter()
                        .map(|(c, r)| format!("{c} {r:.2}x"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    met: (!ratios.is_empty()).then(|| ratios.iter().all(|(_, r)| *r >= 5.0)),
                }
            }
            None => Target {
                name: "counter ≥ 5x every peer at 2 threads",
                result: String::new(),
                met: None,
            },
        });

        // Open key: >= 10x Mutex<HashMap> and with_label_values, every scenario.
        for (name, peer) in [
            (
                "open key ≥ 10x Mutex<HashMap> at 2 threads",
                "Mutex<HashMap<String, u64>>",
            ),
            (
                "open key ≥ 10x with_label_values at 2 threads",
                "prometheus with_label_values",
            ),
        ] {
            let ratios: Vec<(&str, f64)> = workloads
                .iter()
                .filter(|w| w.contenders.contains(&peer))
                .filter_map(|w| Some((w.name, self.ratio(w, peer, 2)?)))
                .collect();
            targets.push(Target {
                name,
                result: ratios
                    .iter()
                    .map(|(s, r)| format!("{s} {r:.2}x"))
                    .collect::<Vec<_>>()
                    .join(", "),
                met: (!ratios.is_empty()).then(|| ratios.iter().all(|(_, r)| *r >= 10.0)),
            });
        }

        // Encode: <= 0.5x measured's time.
        let encode: Vec<(String, f64)> = self
            .encode_ratios()
            .into_iter()
            .filter_map(|((shape, series), ratios)| {
                let (_, r) = ratios
                    .into_iter()
                    .find(|(p, _)| p.starts_with("measured"))?;
                Some((format!("{shape} {series}"), r))
            })
            .collect();
        targets.push(Target {
            name: "encode ≤ 0.5x measured's time",
            result: encode
                .iter()
                .map(|(s, r)| format!("{s} {r:.2}x"))
                .collect::<Vec<_>>()
                .join(", "),
            met: (!encode.is_empty()).then(|| encode.iter().all(|(_, r)| *r <= 0.5)),
        });

        // Compile time.
        let compile = self.compile_ratio();
        targets.push(Target {
            name: "derive build ≤ 1.0x serde's",
            result: compile.map_or_else(String::new, |(d, s, dc, sc)| {
                format!(
                    "cargo build {:.2}x ({d:.2} s / {s:.2} s); cargo check {:.2}x",
                    d / s,
                    dc / sc
                )
            }),
            met: compile.map(|(d, s, _, _)| d <= s),
        });

        // Histogram.
        let histogram = find("histogram");
        let peers: Vec<(&str, f64)> = histogram
            .map(|w| {
                w.contenders
                    .iter()
                    .filter(|c| !c.starts_with("StatTable"))
                    .filter_map(|c| Some((*c, self.ratio(w, c, 2)?)))
                    .collect()
            })
            .unwrap_or_default();
        targets.push(Target {
            name: "histogram ≥ 5x each peer at 2 threads",
            result: peers
                .iter()
                .map(|(c, r)| format!("{c} {r:.2}x"))
                .collect::<Vec<_>>()
                .join(", "),
            met: (!peers.is_empty()).then(|| peers.iter().all(|(_, r)| *r >= 5.0)),
        });
        let within = histogram.and_then(|w| {
            let counter = w.contenders.iter().find(|c| c.contains("counter"))?;
            let ours = self.rate(w.name, w.contenders[0], 2)?;
            Some(ours / self.rate(w.name, counter, 2)?)
        });
        targets.push(Target {
            name: "histogram within 2x of our counter at 2 threads",
            result: within.map_or_else(String::new, |r| {
                format!("observe at {r:.2} of a counter inc (same rounds)")
            }),
            met: within.map(|r| r >= 0.5),
        });
        targets
    }

    pub fn targets_text(&self) -> String {
        let mut out = String::from("targets (issue 12)\n");
        for t in self.targets() {
            let _ = writeln!(out, "{:<50} {:<13} {}", t.name, verdict(t.met), t.result);
        }
        out
    }

    /// Writes the report and its charts; returns the files written.
    pub fn write(&self, root: &Path, out: &Path) -> Result<Vec<PathBuf>, String> {
        let charts_dir = out.join("benchmarks");
        std::fs::create_dir_all(&charts_dir).map_err(|e| e.to_string())?;
        let font = chart::register_font();
        if font.is_none() {
            eprintln!(
                "bench-report: no TrueType font found, charts skipped; set BENCH_REPORT_FONT \
                 to a .ttf file, or install one (Debian/Ubuntu: apt-get install fonts-dejavu-core)"
            );
        }
        let mut written = Vec::new();
        let mut charts = std::collections::HashMap::new();
        let mut draw =
            |slug: String, title: &str, axis: &str, series: &[String], groups: &[Group]| {
                if font.is_none() || groups.is_empty() {
                    return Ok::<(), String>(());
                }
                let path = charts_dir.join(format!("{slug}.png"));
                chart::bars(&path, title, axis, series, groups)?;
                charts.insert(slug, path.clone());
                written.push(path);
                Ok(())
            };

        let workloads = self.workloads();
        for w in &workloads {
            let series: Vec<String> = w
                .threads
                .iter()
                .map(|t| format!("{t} thread{}", if *t == 1 { "" } else { "s" }))
                .collect();
            let groups: Vec<Group> = w
                .contenders
                .iter()
                .map(|c| Group {
                    label: (*c).to_owned(),
                    values: w.threads.iter().map(|&t| self.rate(w.name, c, t)).collect(),
                    ours: c.starts_with("StatTable"),
                })
                .collect();
            draw(
                slug(w.name),
                &title(w.name),
                "M operations per second (longer is faster)",
                &series,
                &groups,
            )?;
        }
        for shape in ["keyed", "plain"] {
            let rows: Vec<&Encode> = self.encode.iter().filter(|r| r.shape == shape).collect();
            let mut sizes: Vec<usize> = rows.iter().map(|r| r.series).collect();
            sizes.dedup();
            let mut names: Vec<&str> = Vec::new();
            for r in &rows {
                if !names.contains(&r.contender.as_str()) {
                    names.push(&r.contender);
                }
            }
            let groups: Vec<Group> = names
                .iter()
                .map(|n| Group {
                    label: (*n).to_owned(),
                    values: sizes
                        .iter()
                        .map(|&s| {
                            rows.iter()
                                .find(|r| r.contender == *n && r.series == s)
                                .map(|r| r.ns_per_series)
                        })
                        .collect(),
                    ours: n.starts_with("ours"),
                })
                .collect();
            let series: Vec<String> = sizes.iter().map(|s| format!("{s} series")).collect();
            draw(
                format!("encode-{shape}"),
                &format!("encode, {shape} shape: ns per series (shorter is faster)"),
                "ns per series",
                &series,
                &groups,
            )?;
        }
        if !self.memory.is_empty() {
            let groups: Vec<Group> = self
                .memory
                .iter()
                .map(|m| Group {
                    label: format!(
                        "{} ({})",
                        m.series.trim_start_matches("ours: "),
                        if m.threads == 0 {
                            "as built".to_owned()
                        } else {
                            format!("{} thr", m.threads)
                        }
                    ),
                    values: vec![Some(m.bytes)],
                    ours: m.series.starts_with("ours"),
                })
                .collect();
            draw(
                "memory".to_owned(),
                "memory per series (bytes; shorter is smaller)",
                "bytes per series",
                &["bytes".to_owned()],
                &groups,
            )?;
        }
        if let Some((times, _, _)) = &self.compile {
            let groups: Vec<Group> = times
                .kinds
                .iter()
                .map(|(kind, t)| Group {
                    label: kind.name().to_owned(),
                    values: vec![
                        Some(compile::median(&t.builds)),
                        Some(compile::median(&t.checks)),
                    ],
                    ours: *kind == Kind::StatTable,
                })
                .collect();
            draw(
                "compile-time".to_owned(),
                "compile time of 100 structs (seconds; shorter is faster)",
                "seconds (median)",
                &["cargo build".to_owned(), "cargo check".to_owned()],
                &groups,
            )?;
        }

        let md = self.markdown(root, out, &charts, font.as_deref());
        let path = out.join("benchmarks.md");
        std::fs::write(&path, md).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
        Ok(written)
    }

    #[allow(clippy::too_many_lines)] // one document, top to bottom
    fn markdown(
        &self,
        root: &Path,
        out: &Path,
        charts: &std::collections::HashMap<String, PathBuf>,
        font: Option<&Path>,
    ) -> String {
        let m = &self.machine;
        let image = |slug: &str, alt: &str| {
            charts
                .get(slug)
                .and_then(|p| p.strip_prefix(out).ok())
                .map(|p| format!("![{alt}]({})\n\n", p.display()))
                .unwrap_or_default()
        };
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# Benchmarks against the peers\n\n\
             Generated by `bench-report` (`tools/bench-report`) on {}; do not edit by hand.\n\n\
             ```\ncargo run --release --manifest-path tools/bench-report/Cargo.toml\n```\n\n\
             It runs, from the workspace root, `cargo bench -p stats-core --bench peers` \
             (with `PEERS_CSV`), `cargo bench -p stats-core --bench encode`, \
             `cargo test -p stats-tests --release --test memory_per_series -- --nocapture` \
             (with `MEMORY_CSV`) and the compile-time measurement below, then writes this \
             file and the charts. How each bench works: \
             [`stats-core/benches/README.md`](../stats-core/benches/README.md) and the \
             benches' own doc comments. Every ratio compares contenders of the same run.\n",
            m.date
        );
        let _ = writeln!(md, "## Machine\n");
        let _ = writeln!(md, "| | |\n|---|---|");
        let _ = writeln!(md, "| CPU | {} ({} logical CPUs) |", m.cpu, m.cores);
        let _ = writeln!(md, "| memory | {} |", m.memory);
        let _ = writeln!(md, "| kernel | {} |", m.kernel);
        let _ = writeln!(md, "| compiler | {} |", m.rustc);
        let _ = writeln!(md, "| code | {} |", m.commit);
        let _ = writeln!(
            md,
            "| 1-minute load average | {} when timing began (waited for < {}{}); {} at the end |",
            load_text(self.load_start),
            self.max_load,
            if self.quiet { "" } else { ", gave up waiting" },
            load_text(self.load_end)
        );
        for (step, load) in &self.loads {
            let _ = writeln!(md, "| load before `{step}` | {} |", load_text(*load));
        }
        for (when, before, after) in &self.alu {
            let _ = writeln!(
                md,
                "| two threads of a pure ALU loop over one, {when} | {before:.2}x, {after:.2}x |"
            );
        }
        if let Some(font) = font {
            let _ = writeln!(md, "| chart font | `{}` |", font.display());
        }
        let _ = writeln!(
            md,
            "\nThe ALU probe: about 2x when the two vCPUs run on separate cores, about 1x when \
             the host runs them on one core's two hyperthreads, which halves every 2-thread \
             figure (see \"The bimodal hot path\" in the benches' README). Each workload of \
             `peers` runs by itself between two probes; it waits up to a minute for a probe \
             above {SHARED_CORE} before it, and runs again (3 attempts at most) if the probe \
             after it is below, or if other processes used more than 0.3 cores meanwhile (the \
             line under each table).\n"
        );

        let _ = writeln!(md, "## Targets (issue 12)\n");
        let _ = writeln!(md, "| target | result | this run |\n|---|---|---|");
        for t in self.targets() {
            let _ = writeln!(
                md,
                "| {} | {} | **{}** |",
                t.name.replace('<', "\\<"),
                t.result.replace('<', "\\<"),
                verdict(t.met)
            );
        }
        let _ = writeln!(
            md,
            "\nWhy a target is missed, and what was tried, is in \
             [`stats-core/benches/README.md`](../stats-core/benches/README.md) (\"Against the \
             targets\"); the compile-time profile is below.\n"
        );

        let _ = writeln!(md, "## The ratio table\n\n```\n{}```\n", self.ratio_table());

        let workloads = self.workloads();
        if !workloads.is_empty() {
            let _ = writeln!(
                md,
                "## Throughput, per workload\n\nMillions of operations a second, the median of \
                 the rounds; `ours/` is the first row's rate over the row's at the same thread \
                 count. Handles, keys and label sets are made before the timed loop for every \
                 contender.\n"
            );
            let noise: Vec<&str> = self
                .peers_stdout
                .lines()
                .filter(|l| l.starts_with("(meanwhile"))
                .collect();
            for (i, w) in workloads.iter().enumerate() {
                let _ = writeln!(md, "### {}\n", title(w.name));
                let mut header = String::from("| contender |");
                let mut rule = String::from("|---|");
                for t in &w.threads {
                    let _ = write!(header, " {t} thr |");
                    rule.push_str("---:|");
                }
                for t in &w.threads {
                    let _ = write!(header, " ours/ {t}t |");
                    rule.push_str("---:|");
                }
                let _ = writeln!(md, "{header}\n{rule}");
                for c in &w.contenders {
                    let mut line = format!("| {} |", c.replace('<', "\\<"));
                    for &t in &w.threads {
                        let cell = self
                            .rate(w.name, c, t)
                            .map_or_else(|| "-".to_owned(), chart::short);
                        let _ = write!(line, " {cell} |");
                    }
                    for &t in &w.threads {
                        let cell = self
                            .ratio(w, c, t)
                            .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}"));
                        let _ = write!(line, " {cell} |");
                    }
                    let _ = writeln!(md, "{line}");
                }
                if let Some(n) = noise.get(i) {
                    let _ = writeln!(md, "\n{n}");
                }
                let _ = writeln!(md);
                md.push_str(&image(&slug(w.name), &title(w.name)));
            }
        }
        if !self.snapshots.is_empty() {
            let _ = writeln!(
                md,
                "### Snapshots of a 64-field table while writers run (ours only)\n\n\
                 | writers | snapshots/s | p50 | p99 | max |\n|---:|---:|---:|---:|---:|"
            );
            for s in &self.snapshots {
                let _ = writeln!(
                    md,
                    "| {} | {:.0} | {} ns | {} ns | {:.1} µs |",
                    s.writers,
                    s.per_second,
                    s.p50_ns,
                    s.p99_ns,
                    s.max_ns as f64 / 1e3
                );
            }
            let _ = writeln!(md);
        }

        if !self.encode.is_empty() {
            let _ = writeln!(
                md,
                "## Encode\n\nOne encode of a scrape into a reused buffer, median of the rounds \
                 (`keyed`: one counter family with one label and N values; `plain`: 10,000 \
                 families without labels). See the `encode` section of the benches' README for \
                 each contender.\n\n| shape | series | contender | µs/encode | ns/series |\n\
                 |---|---:|---|---:|---:|"
            );
            for r in &self.encode {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:.1} | {:.1} |",
                    r.shape, r.series, r.contender, r.micros, r.ns_per_series
                );
            }
            let _ = writeln!(md);
            md.push_str(&image("encode-keyed", "encode, keyed shape"));
            md.push_str(&image("encode-plain", "encode, plain shape"));
        }

        if !self.memory.is_empty() {
            let _ = writeln!(
                md,
                "## Memory per series\n\nMeasured by `tests/memory_per_series.rs` with the tests \
                 crate's counting global allocator (stats-core forbids `unsafe_code`, so the \
                 allocator cannot live in a stats-core bench) and, for ours, \
                 `table.memory_bytes()` beside it; its doc comment gives the method. Threads 0 = \
                 the field as built, before any write.\n\n\
                 | series | threads | bytes/series | `memory_bytes()` | method |\n\
                 |---|---:|---:|---:|---|"
            );
            for r in &self.memory {
                let _ = writeln!(
                    md,
                    "| {} | {} | {:.1} | {} | {} |",
                    r.series.replace('<', "\\<"),
                    r.threads,
                    r.bytes,
                    r.accounted
                        .map_or_else(|| "-".to_owned(), |b| format!("{b:.1}")),
                    r.method
                );
            }
            let _ = writeln!(md);
            md.push_str(&image("memory", "memory per series"));
        }

        if let Some((times, profiles, jobs)) = &self.compile {
            let _ = writeln!(
                md,
                "## Compile time\n\n{} structs of 8 fields (6 `u64` counters, 2 `i64` gauges, \
                 each with a doc comment), generated three ways: `#[derive(StatTable, Debug, \
                 Default)]` (a path dependency on this workspace's stats-core), \
                 `#[derive(serde::Serialize, Debug, Default)]` (serde from crates.io) and \
                 `#[derive(Debug, Default)]` alone. Each crate has its own directory and target \
                 dir under the temp dir, `incremental = false`, and the workspace's \
                 `Cargo.lock`. Its dependencies are built first, untimed, against a stub \
                 `lib.rs`. **What is timed**: the wall time of `cargo build -j {jobs}` (dev \
                 profile) right after the real `lib.rs` is written, so that the generated crate \
                 alone is compiled from scratch (macro expansion, type checking and code \
                 generation) while every dependency is fresh; cargo's own start-up and freshness \
                 checks are in it (a no-op `cargo build` right after is shown). `cargo check` \
                 is timed the same way. {} rounds, the crates in turn (order reversed every \
                 other round); medians.\n",
                compile::STRUCTS,
                times.rounds
            );
            let _ = writeln!(
                md,
                "| crate | cargo build (s) | cargo check (s) | no-op build (s) | dependencies, untimed (s) | builds (s) |\n\
                 |---|---:|---:|---:|---:|---|"
            );
            for (kind, t) in &times.kinds {
                let _ = writeln!(
                    md,
                    "| {} | {:.2} | {:.2} | {:.2} | {:.1} | {} |",
                    kind.name(),
                    compile::median(&t.builds),
                    compile::median(&t.checks),
                    compile::median(&t.noops),
                    t.dependencies,
                    t.builds
                        .iter()
                        .map(|b| format!("{b:.2}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if let Some((d, s, dc, sc)) = self.compile_ratio() {
                let _ = writeln!(
                    md,
                    "\nRatio, StatTable over serde: **{:.2}x** for `cargo build`, {:.2}x for \
                     `cargo check`.\n",
                    d / s,
                    dc / sc
                );
            }
            md.push_str(&image("compile-time", "compile time"));
            if !profiles.is_empty() {
                let _ = writeln!(
                    md,
                    "Where rustc spends the time (`cargo rustc -- -Ztime-passes`, seconds, one \
                     compile each; `-Z` flags need `RUSTC_BOOTSTRAP=1` on a stable compiler, set \
                     for this diagnostic only), and the size of the crate after macro expansion \
                     (`-Zunpretty=expanded`):\n"
                );
                let mut header = String::from("| pass |");
                let mut rule = String::from("|---|");
                for (kind, _) in profiles {
                    let _ = write!(header, " {} |", kind.name());
                    rule.push_str("---:|");
                }
                let _ = writeln!(md, "{header}\n{rule}");
                let passes: Vec<&str> = profiles[0]
                    .1
                    .passes
                    .iter()
                    .map(|(p, _)| p.as_str())
                    .collect();
                for pass in passes {
                    let mut line = format!("| `{pass}` |");
                    for (_, p) in profiles {
                        let cell = p
                            .passes
                            .iter()
                            .find(|(n, _)| n == pass)
                            .map_or_else(|| "-".to_owned(), |(_, s)| format!("{s:.3}"));
                        let _ = write!(line, " {cell} |");
                    }
                    let _ = writeln!(md, "{line}");
                }
                let mut line = String::from("| expanded source |");
                for (_, p) in profiles {
                    let _ = write!(
                        line,
                        " {} KB, {} lines |",
                        p.expanded_bytes / 1000,
                        p.expanded_lines
                    );
                }
                let _ = writeln!(
                    md,
                    "{line}\n\nserde's `Serialize` impls are generic over the serializer, so the \
                     crate that defines them generates no machine code for them (that happens in \
                     the crate that serialises, once per format). The `StatTable` derive's \
                     methods are `#[inline]` one-liners and the runtime work they call is not \
                     generic over the struct, so they too are compiled where they are used \
                     (`codegen_to_LLVM_IR`, `LLVM_passes`); what the defining crate pays for is \
                     expanding and checking the items the derive emits: the table type, its \
                     methods and trait impls, a handle method per field and the `Field` enum with \
                     its derived traits (`macro_expand_crate`, `type_check_crate`, \
                     `MIR_borrow_checking`).\n"
                );
            }
        }

        let _ = writeln!(md, "## Raw output\n");
        if !self.peers_stdout.is_empty() {
            let _ = writeln!(
                md,
                "<details><summary>peers</summary>\n\n```\n{}```\n\n</details>\n",
                self.peers_stdout
            );
        }
        if !self.encode_stdout.is_empty() {
            let _ = writeln!(
                md,
                "<details><summary>encode</summary>\n\n```\n{}```\n\n</details>\n",
                self.encode_stdout
            );
        }
        let _ = root;
        md
    }
}
