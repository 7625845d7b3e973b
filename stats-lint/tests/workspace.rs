//! Whole-crate linting: crates found from manifests, module trees followed
//! across files, facts from one file used in another (pass 1 then pass 2).

use std::path::{Path, PathBuf};

use stats_lint::{Config, lint_paths};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("stats-lint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn findings(root: &Path) -> Vec<(String, String, usize)> {
    let report = lint_paths(&[root.to_path_buf()], &Config::default()).unwrap();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = std::path::absolute(&d.span.file).unwrap();
            let rel = file
                .strip_prefix(std::path::absolute(root).unwrap())
                .unwrap();
            (
                d.lint.to_string(),
                rel.to_string_lossy().into_owned(),
                d.span.start.line,
            )
        })
        .collect()
}

const STATE: &str = r#"use std::collections::HashMap as Table;
use std::sync::{Arc, Mutex};
use parking_lot::RwLock;

lazy_static::lazy_static! {
    pub static ref ROUTES: Mutex<Table<String, u64>> = Mutex::new(Table::new());
}

pub type Sessions = Arc<RwLock<Table<u64, String>>>;

pub struct Shared {
    pub sessions: Sessions,
}
"#;

const HANDLERS: &str = r#"use crate::state::{Shared, ROUTES};

pub fn route(path: &str) {
    ROUTES.lock().unwrap().insert(path.into(), 1);
}

pub fn login(s: &Shared, id: u64) {
    s.sessions.write().insert(id, String::new());
}
"#;

#[test]
fn facts_cross_files_and_module_tree_is_followed() {
    let t = TempDir::new("crate");
    t.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    t.write(
        "src/lib.rs",
        "pub mod state;\npub mod handlers;\n#[path = \"odd/place.rs\"]\nmod odd;\n",
    );
    t.write("src/state.rs", STATE);
    t.write("src/handlers/mod.rs", "mod api;\n");
    t.write("src/handlers/api.rs", HANDLERS);
    t.write(
        "src/odd/place.rs",
        "static mut M: Option<std::collections::BTreeMap<u8, u8>> = None;\n",
    );
    t.write(
        "tests/it.rs",
        "static mut T: Option<std::collections::HashSet<u8>> = None;\n",
    );
    t.write(
        "build.rs",
        "static mut B: Option<std::collections::HashSet<u8>> = None;\nfn main() {}\n",
    );
    // not part of any target: never linted
    t.write(
        "src/orphan.rs",
        "static mut O: Option<std::collections::HashSet<u8>> = None;\n",
    );
    let got = findings(&t.0);
    let want = [
        ("static_mut_map", "build.rs", 1),
        ("poison_cascade", "src/handlers/api.rs", 4),
        ("shared_map_mutation", "src/handlers/api.rs", 4),
        ("shared_map_mutation", "src/handlers/api.rs", 8),
        ("static_mut_map", "src/odd/place.rs", 1),
        ("static_mut_map", "tests/it.rs", 1),
    ];
    let want: Vec<(String, String, usize)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn workspace_members_globs_and_excludes() {
    let t = TempDir::new("ws");
    t.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skipped\"]\n",
    );
    for name in ["a", "b", "skipped"] {
        t.write(
            &format!("crates/{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
        );
        t.write(
            &format!("crates/{name}/src/lib.rs"),
            "static mut M: Option<std::collections::HashMap<u8, u8>> = None;\n",
        );
    }
    let files: Vec<String> = findings(&t.0).into_iter().map(|f| f.1).collect();
    assert_eq!(files, ["crates/a/src/lib.rs", "crates/b/src/lib.rs"]);
}

#[test]
fn build_warning_lines() {
    let report = stats_lint::lint_source(
        "src/lib.rs",
        "static mut M: Option<std::collections::HashMap<u8, u8>> = None;\n",
    );
    assert_eq!(
        stats_lint::build::warning_lines(&report),
        [
            "error[stats_lint::static_mut_map]: `static mut M` holds a map that any thread can reach without a lock at src/lib.rs:1:1"
        ]
    );
}
