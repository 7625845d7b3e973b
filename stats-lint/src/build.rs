//! Linting inside `cargo build`: call [`check()`] from a package's `build.rs`.
//!
//! ```toml
//! # Cargo.toml of the package to check
//! [build-dependencies]
//! stats-lint = { version = "0.1", default-features = false }
//! ```
//!
//! ```rust,no_run
//! // build.rs
//! fn main() {
//!     stats_lint::build::check();
//! }
//! ```
//!
//! Each finding is printed as a `cargo:warning=` line, so cargo shows it
//! during the build; a finding at deny level fails the build.

use std::path::PathBuf;

use crate::{Config, Report, lint_paths};

/// Lints the package being built (`CARGO_MANIFEST_DIR`), prints each finding
/// as a `cargo:warning=` line, and exits the build script with status 1 when
/// any finding is at deny level.
pub fn check() {
    match try_check() {
        Ok(report) if report.has_errors() => {
            let (w, e) = report.counts();
            println!("cargo:warning=stats-lint: {e} error(s), {w} warning(s): failing the build");
            eprintln!("{}", report.render_human());
            std::process::exit(1);
        }
        Ok(_) => {}
        Err(e) => {
            println!("cargo:warning=stats-lint: {e}");
            std::process::exit(1);
        }
    }
}

/// Lints the package being built and prints its findings as `cargo:warning=`
/// lines, returning the report instead of exiting.
pub fn try_check() -> Result<Report, crate::Error> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or(crate::Error::NotInBuildScript)?;
    // Lint again whenever a source of any target changes.
    for entry in ["src", "tests", "benches", "examples", "build.rs"] {
        if dir.join(entry).exists() {
            println!("cargo:rerun-if-changed={entry}");
        }
    }
    let config = Config::discover(&dir)?;
    if config.root.join(crate::config::FILE_NAME).is_file() {
        println!(
            "cargo:rerun-if-changed={}",
            config.root.join(crate::config::FILE_NAME).display()
        );
    }
    let report = lint_paths(&[dir], &config)?;
    for line in warning_lines(&report) {
        println!("cargo:warning={line}");
    }
    Ok(report)
}

/// One line per finding: `LEVEL[stats_lint::NAME]: MESSAGE at FILE:LINE:COL`.
pub fn warning_lines(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}[{}]: {} at {}:{}:{}",
                d.level.diagnostic_name(),
                d.code(),
                d.message,
                d.span.file.display(),
                d.span.start.line,
                d.span.start.column
            )
        })
        .collect()
}
