//! `cargo stats-lint`: lints a workspace, crate, folder or file for shared map mutation.
//!
//! Exit status: 0 when no finding is at deny level, 1 when one is, 2 on a
//! usage or I/O error. The human format goes to stderr (as rustc's
//! diagnostics do); `short`, `json` and `sarif` go to stdout.

/// Parsing builds and drops millions of small syntax-tree nodes: mimalloc
/// is markedly faster at that than the system allocator (see the README's
/// "Speed").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use stats_lint::{Config, Dependencies, LINTS, Level};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// Rendered like rustc.
    Human,
    /// One line per finding: `FILE:LINE:COL: LEVEL[CODE]: MESSAGE`.
    Short,
    /// One cargo `compiler-message` JSON object per line.
    Json,
    /// A SARIF 2.1.0 log.
    Sarif,
}

const AFTER_HELP: &str = "\
Output:
  human  rendered like rustc, on stderr, followed by a summary line (and a
         note for each file under a package that no target reaches)
  short  one line per finding, on stdout; files that were not linted are
         named on stderr (FILE: note[stats_lint::not_linted]: ..), and so
         are dependencies a package locks that could not be read
         (Cargo.toml: note[stats_lint::dependency_not_read]: ..)
  json   one cargo `compiler-message` JSON object per line, on stdout; files
         that were not linted are `note` messages (code stats_lint::not_linted),
         dependencies not read too (code stats_lint::dependency_not_read)
  sarif  a SARIF 2.1.0 log on stdout; files not linted are tool execution
         notifications
  Errors that stop the run (exit code 2) always go to stderr.

Exit status:
  0  no finding at deny level (warnings only, or nothing found)
  1  at least one finding at deny level (see -D)
  2  usage error, unknown lint, bad configuration, or a path or file that
     cannot be read";

/// Lints Rust code for maps shared between threads.
#[derive(Parser, Debug)]
#[command(
    name = "cargo-stats-lint",
    bin_name = "cargo stats-lint",
    version,
    about,
    after_help = AFTER_HELP
)]
struct Cli {
    /// Files, crates, workspaces or folders to lint (default: the current folder).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Allow a lint (`-A NAME`).
    #[arg(short = 'A', value_name = "LINT")]
    allow: Vec<String>,
    /// Warn on a lint (`-W NAME`).
    #[arg(short = 'W', value_name = "LINT")]
    warn: Vec<String>,
    /// Deny a lint (`-D NAME`, or `-D warnings` to deny every warning).
    #[arg(short = 'D', value_name = "LINT")]
    deny: Vec<String>,
    /// Configuration file (default: `stats-lint.toml` in the first path or an ancestor).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print a lint's documentation and exit.
    #[arg(long, value_name = "LINT")]
    explain: Option<String>,
    /// List the lints and exit.
    #[arg(long)]
    list: bool,
    /// Colour the human output: auto, always or never.
    #[arg(long, default_value = "auto")]
    color: String,
    /// How many packages to lint at once (default: one per core).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Do not read the packages' dependencies (by default their sources are
    /// read from path dependencies and Cargo's registry cache, for the
    /// types the linted code locks).
    #[arg(long)]
    no_deps: bool,
}

fn main() -> ExitCode {
    // `cargo stats-lint ...` runs `cargo-stats-lint stats-lint ...`.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "stats-lint") {
        args.remove(1);
    }
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    // A deep syntax tree needs a deep stack.
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || run(cli, &matches));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("error: stats-lint failed unexpectedly");
            ExitCode::from(2)
        }
    }
}

fn level_ops(m: &ArgMatches) -> Vec<(usize, Level, String)> {
    let mut ops = Vec::new();
    for (id, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
    ] {
        if let (Some(idx), Some(vals)) = (m.indices_of(id), m.get_many::<String>(id)) {
            for (i, v) in idx.zip(vals) {
                ops.push((i, level, v.clone()));
            }
        }
    }
    ops.sort_by_key(|(i, _, _)| *i);
    ops
}

fn run(cli: Cli, matches: &ArgMatches) -> ExitCode {
    if cli.list {
        for l in LINTS {
            println!(
                "{:<22} {:<12} {:<6} {}",
                l.name,
                l.group.as_str(),
                l.default_level.as_str(),
                l.summary
            );
        }
        return ExitCode::SUCCESS;
    }
    if let Some(name) = &cli.explain {
        return match stats_lint::lints::find(name) {
            Some(l) => {
                println!(
                    "# stats_lint::{} ({}, {})\n",
                    l.name,
                    l.group.as_str(),
                    l.default_level.as_str()
                );
                println!(
                    "{}",
                    l.docs
                        .lines()
                        .map(|s| s.strip_prefix(' ').unwrap_or(s))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: unknown lint `{name}`");
                ExitCode::from(2)
            }
        };
    }
    let paths = if cli.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        cli.paths.clone()
    };
    let config = match &cli.config {
        Some(p) => Config::load(p),
        None => {
            let start = if paths[0].is_dir() {
                paths[0].clone()
            } else {
                paths[0].parent().map(PathBuf::from).unwrap_or_default()
            };
            let start = std::path::absolute(&start).unwrap_or(start);
            Config::discover(&start)
        }
    };
    let mut config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    config.jobs = cli.jobs;
    if cli.no_deps {
        config.dependencies = Dependencies::Off;
    }
    for (_, level, name) in level_ops(matches) {
        if let Err(e) = config.set(&name, level) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let report = match stats_lint::lint_paths(&paths, &config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    let written = match cli.format {
        Format::Human => {
            let color = match cli.color.as_str() {
                "always" => true,
                "never" => false,
                _ => std::io::stderr().is_terminal(),
            };
            let mut s = report.render_human_with(color);
            s.push_str(&report.summary());
            std::io::stderr().write_all(s.as_bytes())
        }
        Format::Short => std::io::stderr()
            .write_all(report.render_short_notices().as_bytes())
            .and_then(|_| out.write_all(report.render_short().as_bytes())),
        Format::Json => out.write_all(report.render_json().as_bytes()),
        Format::Sarif => out
            .write_all(report.render_sarif().as_bytes())
            .and_then(|_| out.write_all(b"\n")),
    };
    if let Err(e) = written.and_then(|_| out.flush()) {
        eprintln!("error: cannot write output: {e}");
        return ExitCode::from(2);
    }
    if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
