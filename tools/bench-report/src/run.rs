//! Running the harness: cargo commands whose output is echoed and kept, the
//! machine's load, and what the machine is.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The cargo the tool was started by, else `cargo` on the `PATH`.
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// Runs `command` in `dir` with `env`, echoing its standard output line by
/// line (standard error is inherited); returns the output, or an error if
/// it fails.
pub fn echoed(mut command: Command, dir: &Path, env: &[(&str, String)]) -> Result<String, String> {
    command.current_dir(dir).stdout(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let shown = format!("{command:?}");
    let mut child = command.spawn().map_err(|e| format!("{shown}: {e}"))?;
    let mut out = String::new();
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        println!("{line}");
        out.push_str(&line);
        out.push('\n');
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(out)
    } else {
        Err(format!("{shown} failed: {status}"))
    }
}

/// The 1-minute load average, if the system says (Linux).
pub fn load() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Waits until the 1-minute load average is below `max`, polling every 30
/// s for at most `limit`. Returns the load when it stopped waiting and
/// whether it was below `max`.
pub fn wait_for_quiet(max: f64, limit: Duration) -> (Option<f64>, bool) {
    let start = Instant::now();
    loop {
        let now = load();
        match now {
            None => return (None, true),
            Some(l) if l < max => return (now, true),
            Some(l) if start.elapsed() >= limit => {
                eprintln!(
                    "bench-report: load {l:.2} still >= {max} after {limit:?}; running anyway"
                );
                return (now, false);
            }
            Some(l) => {
                eprintln!("bench-report: load {l:.2} >= {max}; waiting 30 s");
                std::thread::sleep(Duration::from_secs(30));
            }
        }
    }
}

/// The first line of a command's standard output, trimmed.
fn first_line(program: &str, args: &[&str], dir: &Path) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_owned()
    })
}

/// What the machine and the code are.
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub rustc: String,
    pub commit: String,
    pub date: String,
}

impl Machine {
    pub fn describe(root: &Path) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, v)| v.trim().to_owned());
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                let kb: f64 = m
                    .lines()
                    .find(|l| l.starts_with("MemTotal:"))?
                    .split_whitespace()
                    .nth(1)?
                    .parse()
                    .ok()?;
                Some(format!("{:.1} GiB", kb / 1024.0 / 1024.0))
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| std::env::consts::OS.to_owned(), |k| k.trim().to_owned());
        let mut commit = first_line("git", &["rev-parse", "--short", "HEAD"], root)
            .unwrap_or_else(|| "unknown".to_owned());
        let dirty = Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .current_dir(root)
            .output()
            .is_ok_and(|o| !o.stdout.is_empty());
        if dirty {
            commit.push_str(" with uncommitted changes");
        }
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory,
            kernel,
            rustc: first_line("rustc", &["-V"], root).unwrap_or_else(|| "unknown".to_owned()),
            commit,
            date: first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"], root)
                .unwrap_or_else(|| "unknown date".to_owned()),
        }
    }
}

/// How two threads of a pure ALU loop (8 independent adds an iteration, no
/// memory) scale over one: about 2 when the two vCPUs run on separate
/// cores, about 1 when the host runs them on one core's two hyperthreads
/// (see "The bimodal hot path" in `stats-core/benches/README.md`). The best
/// of 3 tries of about 0.2 s each.
pub fn alu_scaling() -> f64 {
    fn spin(iterations: u64) -> u64 {
        let mut lanes = [1u64, 2, 3, 4, 5, 6, 7, 8];
        for i in 0..iterations {
            for (k, lane) in lanes.iter_mut().enumerate() {
                *lane = lane.wrapping_add(i ^ k as u64);
            }
            lanes = std::hint::black_box(lanes);
        }
        lanes.iter().fold(0, |a, b| a ^ b)
    }
    let iterations = 20_000_000;
    let rate = |threads: u64| {
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| std::hint::black_box(spin(iterations)));
            }
        });
        threads as f64 / start.elapsed().as_secs_f64()
    };
    (0..3).map(|_| rate(2) / rate(1)).fold(0.0, f64::max)
}
