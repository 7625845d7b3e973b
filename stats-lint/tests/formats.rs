//! Output formats: the JSON lines parse as cargo messages (with the
//! `cargo_metadata` crate, which is what cargo-based tools use), the SARIF
//! log validates against the SARIF 2.1.0 JSON schema (the schema file is
//! the one the `serde-sarif` crate ships, kept in `tests/schema/`), and the
//! command's exit codes are 0, 1 and 2 as documented.

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::Message;
use cargo_metadata::diagnostic::DiagnosticLevel;

fn ui(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ui")
        .join(name)
}

fn report_for(files: &[&str]) -> stats_lint::Report {
    let paths: Vec<PathBuf> = files.iter().map(|f| ui(f)).collect();
    stats_lint::lint_paths(&paths, &stats_lint::Config::default()).unwrap()
}

#[test]
fn json_lines_are_cargo_compiler_messages() {
    let report = report_for(&["shared_map_mutation.rs", "static_mut_map.rs"]);
    assert!(report.diagnostics.len() > 10);
    let json = report.render_json();
    let mut n = 0;
    for m in Message::parse_stream(json.as_bytes()) {
        let Message::CompilerMessage(cm) = m.unwrap() else {
            panic!("not a compiler message");
        };
        let d = cm.message;
        let code = d.code.as_ref().expect("a code").code.clone();
        assert!(code.starts_with("stats_lint::"), "{code}");
        assert!(matches!(
            d.level,
            DiagnosticLevel::Warning | DiagnosticLevel::Error
        ));
        let primary = d.spans.iter().find(|s| s.is_primary).expect("primary span");
        assert!(primary.line_start >= 1 && primary.column_start >= 1);
        assert!(primary.file_name.ends_with(".rs"));
        assert!(!primary.text.is_empty());
        assert!(d.children.iter().any(|c| c.level == DiagnosticLevel::Help));
        let rendered = d.rendered.expect("rendered");
        assert!(rendered.contains(&format!(
            "{}:{}:{}",
            primary.file_name, primary.line_start, primary.column_start
        )));
        n += 1;
    }
    assert_eq!(n, report.diagnostics.len());
}

#[test]
fn sarif_validates_against_the_schema() {
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let report = report_for(&[
        "shared_map_mutation.rs",
        "unsafe_sync_map.rs",
        "counter_map.rs",
    ]);
    let log: serde_json::Value = serde_json::from_str(&report.render_sarif()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), report.diagnostics.len());
    // A log with no results validates too, and so does one with files not linted.
    let empty = stats_lint::render::sarif::log(&[]);
    assert!(validator.is_valid(&empty));
    let notice = stats_lint::Notice {
        file: "src/stray.rs".into(),
        message: "not reached from any target, so it was not linted".into(),
        kind: stats_lint::NoticeKind::NotLinted,
    };
    let with_notice = stats_lint::render::sarif::log_with_notices(&[], &[notice]);
    let errors: Vec<String> = validator
        .iter_errors(&with_notice)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(
        with_notice["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"],
        "src/stray.rs"
    );
    // And the validator is not vacuous: a broken log fails.
    let mut broken = log.clone();
    broken["version"] = serde_json::json!("9.9");
    assert!(!validator.is_valid(&broken));
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cargo-stats-lint"))
}

#[test]
fn exit_codes() {
    // warnings only: 0
    let out = bin().arg(ui("counter_map.rs")).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: "));
    // a deny-level finding: 1
    let out = bin().arg(ui("static_mut_map.rs")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    // -D warnings turns warnings into errors; `cargo stats-lint` passes its own name first
    let out = bin()
        .args(["stats-lint", "-D", "warnings"])
        .arg(ui("counter_map.rs"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // -A on a deny lint: 0
    let out = bin()
        .args(["-A", "static_mut_map"])
        .arg(ui("static_mut_map.rs"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // order matters: the last flag wins
    let out = bin()
        .args(["-A", "counter_map", "-D", "counter_map"])
        .arg(ui("counter_map.rs"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // usage and I/O errors: 2
    let out = bin()
        .args(["-D", "no_such_lint"])
        .arg(ui("counter_map.rs"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().arg("/no/such/path").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().arg("--format=yaml").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_documents_usage_exit_codes_and_streams() {
    let out = bin().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Usage: cargo stats-lint"), "{help}");
    for needle in [
        "Exit status:",
        "0  no finding at deny level",
        "1  at least one",
        "2  usage error",
        "on stderr",
        "on stdout",
    ] {
        assert!(help.contains(needle), "missing {needle:?} in {help}");
    }
}

#[test]
fn errors_are_typed_and_keep_their_sources() {
    let err = stats_lint::lint_paths(
        &[PathBuf::from("/no/such/path")],
        &stats_lint::Config::default(),
    )
    .unwrap_err();
    assert!(matches!(err, stats_lint::Error::NotFound(_)), "{err:?}");
    let err = stats_lint::Config::load(Path::new("/no/such/stats-lint.toml")).unwrap_err();
    match &err {
        stats_lint::Error::Io { source, .. } => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound)
        }
        other => panic!("{other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
    let mut config = stats_lint::Config::default();
    let err = config.set("nope", stats_lint::Level::Deny).unwrap_err();
    assert!(matches!(err, stats_lint::Error::UnknownLint { .. }));
    assert!(
        err.to_string().contains("known lints: counter_map"),
        "{err}"
    );
}

#[test]
fn output_is_identical_with_one_or_many_threads() {
    let paths: Vec<PathBuf> = [
        "shared_map_mutation.rs",
        "counter_map.rs",
        "name_resolution.rs",
    ]
    .iter()
    .map(|f| ui(f))
    .collect();
    let run = |jobs| {
        let config = stats_lint::Config {
            jobs: Some(jobs),
            ..Default::default()
        };
        stats_lint::lint_paths(&paths, &config)
            .unwrap()
            .render_json()
    };
    let one = run(1);
    assert!(one.lines().count() > 20);
    assert_eq!(one, run(3));
}

#[test]
fn a_file_that_does_not_parse_is_a_diagnostic_not_a_crash() {
    let dir = std::env::temp_dir().join(format!("stats-lint-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.rs"), "fn main() {\n    let x = ;\n}\n").unwrap();
    std::fs::write(
        dir.join("good.rs"),
        "static mut M: Option<std::collections::HashMap<u8, u8>> = None;\n",
    )
    .unwrap();
    let out = bin().arg(&dir).arg("--format=json").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("stats_lint::syntax_error"), "{stdout}");
    assert!(stdout.contains("\"line_start\":2"), "{stdout}");
    assert!(
        stdout.contains("stats_lint::static_mut_map"),
        "linting went on: {stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn config_file_sets_levels_and_skips_paths() {
    let dir = std::env::temp_dir().join(format!("stats-lint-config-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src/gen")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"cfgdemo\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "mod gen;\nmod state;\n").unwrap();
    std::fs::write(
        dir.join("src/gen/mod.rs"),
        "static mut M: Option<std::collections::HashMap<u8, u8>> = None;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/state.rs"),
        "use std::{collections::HashMap, sync::{Arc, Mutex}};\n\
         pub fn f(m: Arc<Mutex<HashMap<u8, u64>>>) {\n    *m.lock().unwrap().entry(1).or_insert(0) += 1;\n}\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = bin()
            .arg(&dir)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("static_mut_map") && out.contains("counter_map"));
    std::fs::write(
        dir.join("stats-lint.toml"),
        "[lints]\ncounter_map = \"deny\"\npoison_cascade = \"allow\"\n[paths]\nskip = [\"src/gen\"]\n",
    )
    .unwrap();
    let (code, out) = run(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(!out.contains("static_mut_map"), "skipped: {out}");
    assert!(!out.contains("poison_cascade"), "allowed: {out}");
    assert!(out.contains("\"code\":{\"code\":\"stats_lint::counter_map\",\"explanation\":null},\"level\":\"error\""), "{out}");
    // the command line overrides the file
    let (code, out) = run(&["-W", "counter_map"]);
    assert_eq!(code, Some(0), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}
