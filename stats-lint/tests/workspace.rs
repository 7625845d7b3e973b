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

/// `(lint, file, line)` triples as `findings` gives them.
fn owned(want: &[(&str, &str, usize)]) -> Vec<(String, String, usize)> {
    want.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
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
    // not part of any target: not linted, and named in the report
    t.write(
        "src/orphan.rs",
        "static mut O: Option<std::collections::HashSet<u8>> = None;\n",
    );
    let got = findings(&t.0);
    let report = lint_paths(std::slice::from_ref(&t.0), &Config::default()).unwrap();
    let unlinted: Vec<String> = report
        .notices
        .iter()
        .map(|n| n.file.to_string_lossy().into_owned())
        .collect();
    assert_eq!(unlinted.len(), 1, "{unlinted:?}");
    assert!(unlinted[0].ends_with("src/orphan.rs"), "{unlinted:?}");
    let want = [
        ("static_mut_map", "build.rs", 1),
        ("poison_cascade", "src/handlers/api.rs", 4),
        ("shared_map_mutation", "src/handlers/api.rs", 4),
        ("shared_map_mutation", "src/handlers/api.rs", 8),
        ("static_mut_map", "src/odd/place.rs", 1),
        ("static_mut_map", "tests/it.rs", 1),
    ];
    let want = owned(&want);
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

#[test]
fn modules_inside_item_macros_and_unreached_files_are_reported() {
    let t = TempDir::new("coverage");
    t.write("Cargo.toml", &package_manifest("cov", ""));
    t.write(
        "src/lib.rs",
        "cfg_if::cfg_if! {\n    if #[cfg(unix)] {\n        mod unix;\n        pub use unix::*;\n    } else {\n        #[path = \"platform/other.rs\"]\n        mod other;\n    }\n}\n\
         macro_rules! decl { () => { mod never; } }\n\
         mod state;\n\
         include!(\"generated/tables.rs\");\n",
    );
    t.write(
        "src/unix.rs",
        "static mut U: Option<std::collections::HashMap<u8, u8>> = None;\n",
    );
    t.write(
        "src/platform/other.rs",
        "static mut P: Option<std::collections::HashMap<u8, u8>> = None;\n",
    );
    // a module tree inside the macro-declared module, and an item inside cfg_if in a module
    t.write(
        "src/state.rs",
        "use std::collections::HashMap;\nuse std::sync::{LazyLock, Mutex};\n\
         cfg_if::cfg_if! {\n    if #[cfg(feature = \"x\")] {\n        pub static S: LazyLock<Mutex<HashMap<u8, u8>>> = LazyLock::new(Default::default);\n    }\n}\n\
         pub fn f() { S.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear(); }\n",
    );
    // an included file is linted as part of the including module
    t.write(
        "src/generated/tables.rs",
        "static mut G: Option<std::collections::HashMap<u8, u8>> = None;\n",
    );
    // only reachable through a `macro_rules!` template, and a stray file
    t.write("src/never.rs", "fn f() {}\n");
    t.write("src/stray/helper.rs", "fn g() {}\n");
    // a nested package is its own business, not a stray file of this one
    t.write(
        "nested/Cargo.toml",
        "[package]\nname = \"nested\"\nversion = \"0.1.0\"\n",
    );
    t.write("nested/src/lib.rs", "fn h() {}\n");
    let got = findings(&t.0);
    let want = [
        ("static_mut_map", "src/generated/tables.rs", 1),
        ("static_mut_map", "src/platform/other.rs", 1),
        ("shared_map_mutation", "src/state.rs", 8),
        ("static_mut_map", "src/unix.rs", 1),
    ];
    let want = owned(&want);
    assert_eq!(got, want);
    let report = lint_paths(std::slice::from_ref(&t.0), &Config::default()).unwrap();
    let root = std::path::absolute(&t.0).unwrap();
    let unlinted: Vec<String> = report
        .notices
        .iter()
        .map(|n| {
            let abs = std::path::absolute(&n.file).unwrap();
            abs.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(unlinted, ["src/never.rs", "src/stray/helper.rs"]);
    // named in every format
    let summary = report.summary();
    assert!(
        summary.contains("src/never.rs") && summary.contains("2 file(s) not linted"),
        "{summary}"
    );
    let short = report.render_short_notices();
    assert_eq!(short.lines().collect::<Vec<_>>().len(), 2, "{short}");
    assert!(
        short
            .lines()
            .all(|l| l.contains(": note[stats_lint::not_linted]: ")),
        "{short}"
    );
    let json = report.render_json();
    assert_eq!(json.matches("stats_lint::not_linted").count(), 2, "{json}");
    for line in json.lines() {
        let m: cargo_metadata::Message = serde_json::from_str(line).unwrap();
        assert!(
            matches!(m, cargo_metadata::Message::CompilerMessage(_)),
            "{line}"
        );
    }
    let sarif: serde_json::Value = serde_json::from_str(&report.render_sarif()).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 2);
}

#[test]
fn statics_and_types_of_a_workspace_member_are_seen_by_its_dependents() {
    let t = TempDir::new("cross");
    t.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"state\", \"web\"]\n",
    );
    t.write("state/Cargo.toml", &package_manifest("app-state", ""));
    t.write(
        "state/src/lib.rs",
        "use std::collections::HashMap;\nuse std::sync::{LazyLock, Mutex};\n\
         pub static SESSIONS: LazyLock<Mutex<HashMap<u64, String>>> = LazyLock::new(Default::default);\n\
         pub mod model;\npub use model::AppState;\n",
    );
    t.write(
        "state/src/model.rs",
        "use std::collections::HashMap;\nuse std::sync::RwLock;\n\
         pub struct AppState {\n    pub hits: RwLock<HashMap<String, u64>>,\n}\n",
    );
    t.write(
        "web/Cargo.toml",
        &package_manifest(
            "web",
            "\n[dependencies]\napp-state = { path = \"../state\" }\n\n\
         [dev-dependencies]\nst = { package = \"app-state\", path = \"../state\" }\n",
        ),
    );
    t.write(
        "web/src/lib.rs",
        "use std::sync::Arc;\nuse app_state::{AppState, SESSIONS};\n\
         pub fn login(id: u64) {\n    SESSIONS.lock().unwrap().insert(id, String::new());\n}\n\
         pub fn hit(s: Arc<AppState>) {\n    s.hits.write().unwrap().insert(\"x\".into(), 1);\n}\n\
         pub fn renamed(s: &st::AppState) {\n    s.hits.write().unwrap().clear();\n}\n\
         pub fn own(m: std::collections::HashMap<u8, u8>) {\n    let mut m = m;\n    m.insert(1, 1);\n}\n",
    );
    let got = findings(&t.0);
    let want = [
        ("poison_cascade", "web/src/lib.rs", 4),
        ("shared_map_mutation", "web/src/lib.rs", 4),
        ("poison_cascade", "web/src/lib.rs", 7),
        ("shared_map_mutation", "web/src/lib.rs", 7),
        ("poison_cascade", "web/src/lib.rs", 10),
        ("shared_map_mutation", "web/src/lib.rs", 10),
    ];
    let want = owned(&want);
    assert_eq!(got, want);
    // The same from the member's own folder: the sibling it depends on by
    // path is read, its statics with it (not the dev-dependency `st`: a
    // package's dev-dependencies are not read).
    let alone: Vec<(String, usize)> = findings(&t.0.join("web"))
        .into_iter()
        .map(|(lint, file, line)| {
            assert_eq!(file, "src/lib.rs");
            (lint, line)
        })
        .collect();
    let want_alone: Vec<(String, usize)> = want
        .iter()
        .filter(|(_, _, n)| *n != 10)
        .map(|(l, _, n)| (l.clone(), *n))
        .collect();
    assert_eq!(alone, want_alone);
    // The note points at the declaration in the other package.
    let report = lint_paths(std::slice::from_ref(&t.0), &Config::default()).unwrap();
    let note = report.diagnostics[1].children[0].span.as_ref().unwrap();
    assert!(note.file.ends_with("state/src/lib.rs"), "{note:?}");
    assert_eq!(note.start.line, 3);
    // Same result on one thread as on several.
    let one = lint_paths(
        std::slice::from_ref(&t.0),
        &Config {
            jobs: Some(1),
            ..Config::default()
        },
    )
    .unwrap();
    assert_eq!(one.render_json(), report.render_json());
}

/// A module declared by a `macro_rules!` of the same file
/// (`define_blocks!(cpu, net)` writing `pub mod $block;`, i3status-rs) is
/// followed like a written `mod` item.
#[test]
fn modules_a_macro_of_the_file_declares_are_followed() {
    let t = TempDir::new("macro-mods");
    t.write("Cargo.toml", &package_manifest("blocks", ""));
    t.write(
        "src/lib.rs",
        "macro_rules! define_blocks {\n    ($($block:ident $(,)?)*) => { $(pub mod $block;)* };\n}\n\
         define_blocks!(cpu, net);\n",
    );
    let map_static = "static mut M: Option<std::collections::HashMap<u8, u8>> = None;\n";
    t.write("src/cpu.rs", map_static);
    t.write("src/net.rs", map_static);
    let got = findings(&t.0);
    let files: Vec<&str> = got.iter().map(|(_, file, _)| file.as_str()).collect();
    assert_eq!(files, ["src/cpu.rs", "src/net.rs"]);
    let report = lint_paths(std::slice::from_ref(&t.0), &Config::default()).unwrap();
    assert!(report.notices.is_empty(), "{:?}", report.notices);
}

#[test]
fn every_path_option_of_a_module_is_followed_from_the_right_folder() {
    let t = TempDir::new("paths");
    t.write("Cargo.toml", &package_manifest("paths", ""));
    // one module, a file per platform (mio's selectors); and a non-mod-rs
    // file whose `#[path]` is relative to its own folder (tokio's loom)
    t.write(
        "src/lib.rs",
        "#[cfg_attr(target_os = \"linux\", path = \"sel/a.rs\")]\n\
         #[cfg_attr(target_os = \"macos\", path = \"sel/b.rs\")]\n\
         mod selector;\n\
         mod loom;\n",
    );
    let map_static = "static mut M: Option<std::collections::HashMap<u8, u8>> = None;\n";
    t.write("src/sel/a.rs", map_static);
    t.write("src/sel/b.rs", map_static);
    // with only `cfg_attr` paths, no `cfg` may hold: the default file counts
    t.write("src/selector.rs", map_static);
    t.write(
        "src/loom.rs",
        "macro_rules! cfg_x { ($($i:item)*) => { $($i)* } }\n\
         cfg_x! {\n    #[path = \"native.rs\"]\n    mod imp;\n}\n\
         mod inline {\n    #[path = \"deep.rs\"]\n    mod deep;\n}\n\
         mod up {\n    #[path = \"../plat/nested.rs\"]\n    mod nested;\n}\n",
    );
    t.write("src/native.rs", map_static);
    t.write("src/loom/inline/deep.rs", map_static);
    // named without its `..`
    t.write("src/loom/up/.keep", "");
    t.write("src/loom/plat/nested.rs", map_static);
    let got = findings(&t.0);
    let files: Vec<&str> = got.iter().map(|(_, file, _)| file.as_str()).collect();
    assert_eq!(
        files,
        [
            "src/loom/inline/deep.rs",
            "src/loom/plat/nested.rs",
            "src/native.rs",
            "src/sel/a.rs",
            "src/sel/b.rs",
            "src/selector.rs"
        ]
    );
    let report = lint_paths(std::slice::from_ref(&t.0), &Config::default()).unwrap();
    assert!(report.notices.is_empty(), "{:?}", report.notices);
}

/// A member's type that derefs to a map and its `Weak` wrapper are followed
/// in the members that depend on it.
#[test]
fn deref_maps_and_weak_wrappers_cross_members() {
    let t = TempDir::new("cross-deref");
    t.write("Cargo.toml", "[workspace]\nmembers = [\"core\", \"app\"]\n");
    t.write("core/Cargo.toml", &package_manifest("core-types", ""));
    t.write(
        "core/src/lib.rs",
        "use std::collections::HashMap;\nuse std::ops::{Deref, DerefMut};\nuse std::sync::{Arc, Weak};\n\
         pub struct Cache(HashMap<u8, u8>);\n\
         impl Deref for Cache { type Target = HashMap<u8, u8>; fn deref(&self) -> &HashMap<u8, u8> { &self.0 } }\n\
         impl DerefMut for Cache { fn deref_mut(&mut self) -> &mut HashMap<u8, u8> { &mut self.0 } }\n\
         pub struct WeakOpt<T>(Option<Weak<T>>);\n\
         impl<T> WeakOpt<T> { pub fn upgrade(&self) -> Option<Arc<T>> { self.0.as_ref().and_then(Weak::upgrade) } }\n",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest(
            "app",
            "\n[dependencies]\ncore-types = { path = \"../core\" }\n",
        ),
    );
    t.write(
        "app/src/lib.rs",
        "use std::collections::HashMap;\nuse std::sync::{Arc, Mutex};\nuse core_types::{Cache, WeakOpt};\n\
         pub fn put(c: Arc<Mutex<Cache>>) {\n    c.lock().unwrap_or_else(|e| e.into_inner()).insert(1, 1);\n}\n\
         pub fn poke(p: &WeakOpt<Mutex<HashMap<u8, u8>>>) {\n    if let Some(m) = p.upgrade() {\n        m.lock().unwrap_or_else(|e| e.into_inner()).clear();\n    }\n}\n",
    );
    let got = findings(&t.0);
    let want: Vec<(String, String, usize)> = [5, 9]
        .iter()
        .map(|l| {
            (
                "shared_map_mutation".to_string(),
                "app/src/lib.rs".to_string(),
                *l,
            )
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_target_uses_its_lib_named_like_a_private_module() {
    // `mod config; pub use crate::config::Config;` in the crate `config`: an
    // example's `use config::Config` goes through the lib's re-export.
    let t = TempDir::new("same-name-module");
    t.write("Cargo.toml", &package_manifest("config", ""));
    t.write(
        "src/lib.rs",
        "mod config;\npub use crate::config::Config;\n",
    );
    t.write(
        "src/config.rs",
        "use std::collections::HashMap;\n#[derive(Default)]\npub struct Config {\n    overrides: HashMap<String, i64>,\n}\n\
         impl Config {\n    pub fn set(&mut self, k: &str, v: i64) {\n        self.overrides.insert(k.to_string(), v);\n    }\n}\n",
    );
    t.write(
        "examples/global.rs",
        "use config::Config;\nuse std::sync::{OnceLock, RwLock};\n\
         fn settings() -> &'static RwLock<Config> {\n    static C: OnceLock<RwLock<Config>> = OnceLock::new();\n    C.get_or_init(|| RwLock::new(Config::default()))\n}\n\
         fn main() {\n    settings().write().unwrap_or_else(|e| e.into_inner()).set(\"a\", 1);\n}\n",
    );
    let got = findings(&t.0);
    let want = vec![(
        "shared_map_mutation".to_string(),
        "examples/global.rs".to_string(),
        8,
    )];
    assert_eq!(got, want);
}

#[test]
fn a_test_is_judged_by_the_package_code_it_may_call() {
    let t = TempDir::new("reach");
    t.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"engine\", \"web\"]\n",
    );
    t.write("engine/Cargo.toml", &package_manifest("engine", ""));
    t.write(
        "engine/src/lib.rs",
        "use std::collections::HashMap;\nuse std::sync::{Arc, RwLock};\n\
         #[derive(Default)]\npub struct Engine {\n    pub m: RwLock<HashMap<u8, u8>>,\n}\n\
         pub fn start(e: Arc<Engine>) {\n    std::thread::spawn(move || drop(e));\n}\n",
    );
    t.write(
        "web/Cargo.toml",
        &package_manifest(
            "web",
            "\n[dependencies]\nengine = { path = \"../engine\" }\n",
        ),
    );
    // A test that hands its `Arc` to another member (whose bodies are not
    // read here) is judged as other code; one whose calls reach only quiet
    // code of its own crate is its own, though a test target of the
    // package has a method of the same name that starts a thread.
    t.write(
        "web/src/lib.rs",
        "use std::collections::HashMap;\nuse std::sync::{Arc, RwLock};\n\
         #[derive(Default)]\npub struct Local {\n    pub m: RwLock<HashMap<u8, u8>>,\n}\n\
         impl Local {\n    pub fn run(&self) {}\n}\n\
         pub fn keep(_: Arc<Local>) {}\n\
         #[test]\nfn calls_another_member() {\n    let e = Arc::new(engine::Engine::default());\n    engine::start(e.clone());\n    e.m.write().unwrap().insert(1, 1);\n}\n\
         #[test]\nfn own_local() {\n    let l = Arc::new(Local::default());\n    l.run();\n    l.m.write().unwrap().insert(1, 1);\n}\n",
    );
    t.write(
        "web/tests/it.rs",
        "struct Worker;\nimpl Worker {\n    fn run(&self) {\n        std::thread::spawn(|| ());\n    }\n}\n\
         #[test]\nfn t() {\n    Worker.run();\n}\n",
    );
    let got = findings(&t.0);
    let want = [
        ("poison_cascade", "web/src/lib.rs", 15),
        ("shared_map_mutation", "web/src/lib.rs", 15),
    ];
    let want = owned(&want);
    assert_eq!(got, want);
}

#[test]
fn counter_tables_of_one_name_in_two_targets_are_both_reported() {
    // Function bodies are numbered per file: the library's and the
    // example's first method must not be taken for one body.
    let t = TempDir::new("counters");
    t.write("Cargo.toml", &package_manifest("counters", ""));
    let collector = |lock: &str| {
        format!(
            "use std::collections::HashMap;\nuse std::sync::{{Arc, {lock}}};\n\
             #[derive(Default)]\npub struct MetricsCollector {{\n    counters: {lock}<HashMap<String, u64>>,\n}}\n\
             impl MetricsCollector {{\n    pub fn increment(&self, name: &str) {{\n        let mut c = self.counters.{}().unwrap();\n        *c.entry(name.to_string()).or_insert(0) += 1;\n    }}\n}}\n\
             pub fn run(m: Arc<MetricsCollector>) {{\n    m.increment(\"a\");\n}}\n",
            if lock == "Mutex" { "lock" } else { "write" }
        )
    };
    t.write("src/lib.rs", &collector("RwLock"));
    t.write(
        "examples/demo.rs",
        &format!("{}fn main() {{}}\n", collector("Mutex")),
    );
    let got: Vec<(String, String, usize)> = findings(&t.0)
        .into_iter()
        .filter(|(lint, _, _)| lint == "counter_map")
        .collect();
    let want = [
        ("counter_map", "examples/demo.rs", 10),
        ("counter_map", "src/lib.rs", 10),
    ];
    let want = owned(&want);
    assert_eq!(got, want);
}

/// A 2015-edition package (no `edition` key): `use templates::Context;` and
/// `::templates::Context` start at the crate root; a 2018 package's
/// `use parking_lot::Mutex;` beside its own `mod parking_lot` is the
/// registry crate's.
#[test]
fn edition_2015_use_paths_start_at_the_crate_root() {
    let t = TempDir::new("ed2015");
    t.write(
        "old/Cargo.toml",
        "[package]\nname = \"old\"\nversion = \"0.1.0\"\n",
    );
    t.write("old/src/lib.rs", "pub mod templates;\n");
    t.write(
        "old/src/templates/mod.rs",
        "use std::collections::HashMap;\n\
         pub mod fairing;\n\
         pub struct Context {\n    pub templates: HashMap<String, String>,\n}\n",
    );
    t.write(
        "old/src/templates/fairing.rs",
        "use std::sync::{Arc, RwLock};\n\
         use templates::Context;\n\
         pub struct Fairing {\n    context: Arc<RwLock<Context>>,\n    other: Arc<RwLock<::templates::Context>>,\n}\n\
         impl Fairing {\n\
         \x20   pub fn reload(&self) {\n\
         \x20       self.context.write().unwrap().templates.clear();\n\
         \x20       self.other.write().unwrap().templates.clear();\n\
         \x20   }\n\
         }\n",
    );
    t.write(
        "new/Cargo.toml",
        "[package]\nname = \"new\"\nversion = \"0.1.0\"\nedition = \"2018\"\n",
    );
    t.write(
        "new/src/lib.rs",
        "pub mod parking_lot {\n    pub fn shim() {}\n}\npub mod store;\n",
    );
    t.write(
        "new/src/store.rs",
        "use std::collections::HashMap;\nuse std::sync::Arc;\nuse parking_lot::Mutex;\n\
         pub struct Store {\n    map: Arc<Mutex<HashMap<u8, u8>>>,\n}\n\
         impl Store {\n    pub fn put(&self) {\n        self.map.lock().insert(1, 1);\n    }\n}\n",
    );
    let mut got = findings(&t.0.join("old"));
    got.extend(findings(&t.0.join("new")));
    got.sort();
    let want = [
        ("poison_cascade", "src/templates/fairing.rs", 9),
        ("poison_cascade", "src/templates/fairing.rs", 10),
        ("shared_map_mutation", "src/store.rs", 9),
        ("shared_map_mutation", "src/templates/fairing.rs", 9),
        ("shared_map_mutation", "src/templates/fairing.rs", 10),
    ];
    assert_eq!(got, owned(&want));
}

/// A dependency's library as a registry folder would hold it.
fn registry_crate(t: &TempDir, folder: &str, name: &str, version: &str, lib: &str) {
    t.write(
        &format!("registry/src/index.example/{folder}/Cargo.toml"),
        &format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n"),
    );
    t.write(
        &format!("registry/src/index.example/{folder}/src/lib.rs"),
        lib,
    );
}

/// `cargo-stats-lint --format short .` run in `dir` with `cargo_home` as
/// `CARGO_HOME` (its `registry/src` the cache): stdout and stderr.
fn lint_dot(dir: &Path, cargo_home: &Path) -> (String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-stats-lint"))
        .args(["--format", "short", "."])
        .current_dir(dir)
        .env("CARGO_HOME", cargo_home)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A package manifest: `[package]` of `name`, then `rest` (its tables).
fn package_manifest(name: &str, rest: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{rest}")
}

/// A configuration that reads dependencies from the registry cache in `dir`.
fn deps_at(dir: PathBuf) -> Config {
    Config {
        dependencies: stats_lint::Dependencies::RegistryAt(dir),
        ..Config::default()
    }
}

/// A configuration that reads no dependency.
fn no_deps() -> Config {
    Config {
        dependencies: stats_lint::Dependencies::Off,
        ..Config::default()
    }
}

fn findings_with(root: &Path, config: &Config) -> Vec<(String, String, usize)> {
    let report = lint_paths(&[root.to_path_buf()], config).unwrap();
    let base = std::path::absolute(root).unwrap();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = std::path::absolute(&d.span.file).unwrap();
            let rel = file.strip_prefix(&base).unwrap_or(&file);
            (
                d.lint.to_string(),
                rel.to_string_lossy().into_owned(),
                d.span.start.line,
            )
        })
        .collect()
}

/// A lock around another crate's struct that owns a map is a lock around a
/// map: the dependency's sources are read (its structs, re-exports and
/// `&mut self` mutators), from the version `Cargo.lock` pins.
#[test]
fn a_dependency_from_the_registry_is_read_for_its_types() {
    let t = TempDir::new("registry-dep");
    let handler = "pub mod diff {\n    use std::collections::HashMap;\n\
         pub struct DiffHandler {\n        masks: HashMap<u32, u64>,\n    }\n\
         impl DiffHandler {\n        pub fn register(&mut self, k: u32) {\n            self.masks.insert(k, 0);\n        }\n\
         pub fn len(&self) -> usize {\n            self.masks.len()\n        }\n    }\n}\n\
         pub use diff::DiffHandler;\n\
         /// Named like a lock: the model stands for it, not this struct.\n\
         pub struct Mutex<T>(pub T);\n";
    registry_crate(&t, "netshared-0.4.2", "netshared", "0.4.2", handler);
    // A newer version in the cache, whose handler holds no map.
    registry_crate(
        &t,
        "netshared-0.4.9",
        "netshared",
        "0.4.9",
        "pub struct DiffHandler { pub count: u64 }\nimpl DiffHandler { pub fn register(&mut self, _k: u32) { self.count += 1; } }\n",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest(
            "app",
            "\n[dependencies]\nnet = { package = \"netshared\", version = \"0.4\" }\n",
        ),
    );
    t.write(
        "app/src/lib.rs",
        "use std::sync::{Arc, Mutex, RwLock};\nuse net::DiffHandler;\n\
         pub struct Client {\n    handler: Arc<RwLock<DiffHandler>>,\n    other: Arc<Mutex<net::diff::DiffHandler>>,\n}\n\
         impl Client {\n    pub fn on_spawn(&self, k: u32) {\n        self.handler.write().unwrap().register(k);\n    }\n\
         pub fn size(&self) -> usize {\n        self.other.lock().unwrap().len()\n    }\n\
         pub fn again(&self) {\n        self.other.lock().unwrap().register(1);\n    }\n}\n\
         pub fn modelled(m: &net::Mutex<u8>) -> u8 {\n    m.0\n}\n",
    );
    t.write(
        "app/Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n\
         [[package]]\nname = \"netshared\"\nversion = \"0.4.2\"\n",
    );
    let registry = |dir: &str| deps_at(t.0.join(dir));
    let app = t.0.join("app");
    let want = owned(&[
        ("poison_cascade", "src/lib.rs", 9),
        ("shared_map_mutation", "src/lib.rs", 9),
        ("poison_cascade", "src/lib.rs", 12),
        ("poison_cascade", "src/lib.rs", 15),
        ("shared_map_mutation", "src/lib.rs", 15),
    ]);
    assert_eq!(findings_with(&app, &registry("registry/src")), want);
    // The note names the map's declaration in the dependency.
    let report = lint_paths(std::slice::from_ref(&app), &registry("registry/src")).unwrap();
    let note = report.diagnostics[1].children[0].span.as_ref().unwrap();
    assert!(
        note.file.ends_with("netshared-0.4.2/src/lib.rs"),
        "{note:?}"
    );
    assert_eq!(note.start.line, 4);
    assert!(report.notices.is_empty(), "{:?}", report.notices);
    // A pinned version the cache lacks: the newest the requirement accepts
    // is read, and a note says so.
    t.write(
        "app/Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"netshared\"\nversion = \"0.4.5\"\n",
    );
    let report = lint_paths(std::slice::from_ref(&app), &registry("registry/src")).unwrap();
    let notes: Vec<&str> = report.notices.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(report.notices[0].code(), "stats_lint::dependency_version");
    assert!(
        notes[0].starts_with("dependency `net` was read at another version than `Cargo.lock` pins: netshared 0.4.5 is not in Cargo's registry cache")
            && notes[0].contains("netshared-0.4.9"),
        "{notes:?}"
    );
    // Without the lock file, the newest version the requirement accepts.
    std::fs::remove_file(app.join("Cargo.lock")).unwrap();
    assert_eq!(findings_with(&app, &registry("registry/src")), []);
    // Not read: the other crate's type is unknown, as before.
    let off = no_deps();
    assert_eq!(findings_with(&app, &off), []);
    // A cache that lacks the crate, or a requirement no version meets: unknown.
    assert_eq!(findings_with(&app, &registry("missing")), []);
}

/// A path dependency outside any workspace is read from its folder; a
/// dev-dependency is not read (only a package's normal dependencies are).
#[test]
fn a_path_dependency_is_read_and_a_dev_dependency_is_not() {
    let t = TempDir::new("path-dep");
    let store = "use std::collections::BTreeMap;\n\
         #[derive(Default)]\npub struct Store { rows: BTreeMap<u64, String> }\n\
         impl Store { pub fn put(&mut self, k: u64) { self.rows.insert(k, String::new()); } }\n";
    for name in ["store", "fixtures"] {
        t.write(&format!("{name}/Cargo.toml"), &package_manifest(name, ""));
        t.write(&format!("{name}/src/lib.rs"), store);
    }
    t.write(
        "app/Cargo.toml",
        &package_manifest(
            "app",
            "\n[dependencies]\nstore = { path = \"../store\" }\n\n\
         [dev-dependencies]\nfixtures = { path = \"../fixtures\" }\n",
        ),
    );
    t.write(
        "app/src/lib.rs",
        "use std::sync::{Arc, Mutex};\n\
         pub fn put(s: Arc<Mutex<store::Store>>) {\n    s.lock().unwrap().put(1);\n}\n\
         pub fn fixture(s: Arc<Mutex<fixtures::Store>>) {\n    s.lock().unwrap().put(1);\n}\n",
    );
    let got = findings_with(&t.0.join("app"), &deps_at(t.0.join("none")));
    assert_eq!(
        got,
        owned(&[
            ("poison_cascade", "src/lib.rs", 3),
            ("shared_map_mutation", "src/lib.rs", 3),
        ])
    );
}

/// Another crate's alias of a lock around the package's own struct
/// (`matchbox_signaling::StateObj<T> = Arc<Mutex<T>>`) is that lock.
#[test]
fn a_dependency_alias_of_a_lock_around_an_own_struct() {
    let t = TempDir::new("dep-alias");
    registry_crate(
        &t,
        "signal-0.2.0",
        "signal",
        "0.2.0",
        "use std::sync::{Arc, Mutex};\npub type StateObj<T> = Arc<Mutex<T>>;\n",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest("app", "\n[dependencies]\nsignal = \"0.2\"\n"),
    );
    t.write(
        "app/src/lib.rs",
        "use std::collections::HashMap;\nuse signal::StateObj;\n\
         #[derive(Default)]\npub struct Rooms {\n    by_id: HashMap<u32, String>,\n}\n\
         pub fn join(s: StateObj<Rooms>, id: u32) {\n    s.lock().unwrap().by_id.insert(id, String::new());\n}\n",
    );
    let app = t.0.join("app");
    assert_eq!(
        findings_with(&app, &deps_at(t.0.join("registry/src"))),
        owned(&[
            ("poison_cascade", "src/lib.rs", 8),
            ("shared_map_mutation", "src/lib.rs", 8),
        ])
    );
    assert_eq!(findings_with(&app, &no_deps()), []);
}

/// `dep.workspace = true` takes the workspace's entry: its version
/// requirement (or its path, relative to the workspace's folder).
#[test]
fn a_dependency_inherited_from_the_workspace_is_read() {
    let t = TempDir::new("dep-inherited");
    registry_crate(
        &t,
        "jar-1.3.0",
        "jar",
        "1.3.0",
        "#[derive(Default)]\npub struct Jar { cookies: std::collections::HashMap<String, String> }\n\
         impl Jar { pub fn store(&mut self, k: String) { self.cookies.insert(k, String::new()); } }\n",
    );
    t.write(
        "ws/Cargo.toml",
        "[workspace]\nmembers = [\"app\"]\n\n[workspace.dependencies]\njar = \"1\"\n\
         cookies = { package = \"jar\", version = \"1\" }\n",
    );
    t.write(
        "ws/app/Cargo.toml",
        &package_manifest(
            "app",
            "\n[dependencies]\njar.workspace = true\ncookies = { workspace = true }\n",
        ),
    );
    t.write(
        "ws/app/src/lib.rs",
        "use std::sync::{Arc, Mutex};\n\
         pub fn store(j: Arc<Mutex<jar::Jar>>) {\n    j.lock().unwrap().store(String::new());\n}\n\
         pub fn keep(j: Arc<Mutex<cookies::Jar>>) {\n    j.lock().unwrap().store(String::new());\n}\n",
    );
    let got = findings_with(&t.0.join("ws"), &deps_at(t.0.join("registry/src")));
    assert_eq!(
        got,
        owned(&[
            ("poison_cascade", "app/src/lib.rs", 3),
            ("shared_map_mutation", "app/src/lib.rs", 3),
            ("poison_cascade", "app/src/lib.rs", 6),
            ("shared_map_mutation", "app/src/lib.rs", 6),
        ])
    );
    // The member linted on its own finds its workspace above it.
    let alone = deps_at(t.0.join("registry/src"));
    assert_eq!(
        findings_with(&t.0.join("ws/app"), &alone),
        owned(&[
            ("poison_cascade", "src/lib.rs", 3),
            ("shared_map_mutation", "src/lib.rs", 3),
            ("poison_cascade", "src/lib.rs", 6),
            ("shared_map_mutation", "src/lib.rs", 6),
        ])
    );
    let report = lint_paths(&[t.0.join("ws/app")], &alone).unwrap();
    assert!(report.notices.is_empty(), "{:?}", report.notices);
    // Also as `cargo stats-lint` run in the member's folder, the path `.`.
    let (stdout, stderr) = lint_dot(&t.0.join("ws/app"), &t.0);
    assert_eq!(
        stdout.matches("shared_map_mutation").count(),
        2,
        "{stdout}{stderr}"
    );
    assert!(!stderr.contains("dependency_not_read"), "{stderr}");
    // The workspace's `Cargo.lock` is found from `.` too: it pins a version
    // the cache lacks, and the note says the one read instead.
    t.write(
        "ws/Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"jar\"\nversion = \"1.2.0\"\n",
    );
    let (_, stderr) = lint_dot(&t.0.join("ws/app"), &t.0);
    assert!(
        stderr.contains("note[stats_lint::dependency_version]: dependency `jar` was read at another version than `Cargo.lock` pins: jar 1.2.0"),
        "{stderr}"
    );
}

/// A test double in its own file, declared `#[cfg(test)] mod mock_chain;`,
/// is judged as the same code in an inline `#[cfg(test)] mod` is: its
/// locks stay on the threads of the tests that use it.
#[test]
fn a_test_module_in_its_own_file_is_test_code() {
    let t = TempDir::new("test-file-module");
    let mock = "use std::collections::HashMap;\nuse std::sync::{Arc, RwLock};\n\
         #[derive(Clone, Default)]\npub(crate) struct MockChain {\n    blocks: Arc<RwLock<HashMap<u64, u64>>>,\n}\n\
         impl MockChain {\n    pub(crate) fn extend(&self, b: u64) {\n        self.blocks.write().unwrap().insert(b, b);\n    }\n}\n";
    for (name, decl) in [
        ("test", "#[cfg(test)]\nmod mock_chain;"),
        ("plain", "mod mock_chain;"),
    ] {
        t.write(&format!("{name}/Cargo.toml"), &package_manifest(name, ""));
        t.write(&format!("{name}/src/mock_chain.rs"), mock);
        t.write(
            &format!("{name}/src/lib.rs"),
            &format!(
                "{decl}\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn extends() {{\n        \
                 let c = super::mock_chain::MockChain::default();\n        c.extend(1);\n    }}\n}}\n"
            ),
        );
    }
    assert_eq!(findings(&t.0.join("test")), []);
    // Not test code: another part of the library may share it.
    assert_eq!(
        findings(&t.0.join("plain")),
        owned(&[
            ("poison_cascade", "src/mock_chain.rs", 9),
            ("shared_map_mutation", "src/mock_chain.rs", 9),
        ])
    );
}

/// A `macro_rules!` of another file of the package (`#[macro_use] mod
/// macros;`, or a `#[macro_export]` one called as `crate::name!`) is
/// expanded where it is invoked; a finding inside its body is reported at
/// the invocation.
#[test]
fn a_macro_of_another_file_is_expanded_where_it_is_invoked() {
    let t = TempDir::new("macro-other-file");
    t.write("Cargo.toml", &package_manifest("reg", ""));
    t.write(
        "src/lib.rs",
        "#[macro_use]\nmod macros;\nmod users;\nmod peers;\n",
    );
    t.write(
        "src/macros.rs",
        "macro_rules! shared_table {\n    ($name:ident, $inner:ident, $k:ty) => {\n        \
         pub struct $inner { pub rows: std::collections::HashMap<$k, u64> }\n        \
         #[derive(Clone)]\n        pub struct $name(std::sync::Arc<std::sync::Mutex<$inner>>);\n        \
         impl $name {\n            pub fn with<R>(&self, f: impl FnOnce(&mut $inner) -> R) -> R {\n                \
         f(&mut self.0.lock().unwrap())\n            }\n        }\n    };\n}\n\
         #[macro_export]\nmacro_rules! bump {\n    ($t:expr, $k:expr) => {\n        \
         $t.0.lock().unwrap().rows.insert($k, 1)\n    };\n}\n",
    );
    t.write(
        "src/users.rs",
        "shared_table!(Users, UsersInner, u32);\n\n\
         pub fn add(u: &Users, id: u32) {\n    u.with(|inner| inner.rows.insert(id, 0));\n}\n",
    );
    t.write(
        "src/peers.rs",
        "shared_table!(Peers, PeersInner, String);\n\n\
         pub fn seen(p: &Peers, k: String) {\n    crate::bump!(p, k);\n}\n",
    );
    assert_eq!(
        findings(&t.0),
        owned(&[
            ("poison_cascade", "src/peers.rs", 1),
            ("poison_cascade", "src/peers.rs", 4),
            ("shared_map_mutation", "src/peers.rs", 4),
            ("poison_cascade", "src/users.rs", 1),
            ("shared_map_mutation", "src/users.rs", 4),
        ])
    );
}

/// A lock macro defined once per `cfg` (a feature's and the default
/// build's) is read as the default build defines it, in either order.
#[test]
fn a_lock_macro_defined_per_feature_is_the_default_builds() {
    let t = TempDir::new("cfg-lock-macro");
    t.write("Cargo.toml", &package_manifest("px", ""));
    t.write(
        "src/lib.rs",
        "#[cfg(feature = \"fast\")]\nmacro_rules! wlock {\n    ($l:expr) => {\n        $l.write()\n    };\n}\n\
         #[cfg(not(feature = \"fast\"))]\nmacro_rules! wlock {\n    ($l:expr) => {\n        $l.write().unwrap()\n    };\n}\n\
         #[cfg(not(feature = \"fast\"))]\nmacro_rules! rlock {\n    ($l:expr) => {\n        $l.read().unwrap()\n    };\n}\n\
         #[cfg(feature = \"fast\")]\nmacro_rules! rlock {\n    ($l:expr) => {\n        $l.read()\n    };\n}\n\
         mod proxy;\n",
    );
    t.write(
        "src/proxy.rs",
        "use std::collections::HashMap;\nuse std::sync::{Arc, RwLock};\n\
         #[derive(Clone, Default)]\npub struct Proxy {\n    inner: Arc<RwLock<HashMap<String, u64>>>,\n}\n\
         impl Proxy {\n    pub fn set(&self, k: String) {\n        wlock!(self.inner).insert(k, 1);\n    }\n\
         pub fn get(&self, k: &str) -> Option<u64> {\n        rlock!(self.inner).get(k).copied()\n    }\n}\n",
    );
    assert_eq!(
        findings(&t.0),
        owned(&[
            ("poison_cascade", "src/proxy.rs", 9),
            ("shared_map_mutation", "src/proxy.rs", 9),
            ("poison_cascade", "src/proxy.rs", 12),
        ])
    );
}

/// A dependency larger than the package (and than 1.5 MiB) is not read:
/// a small package does not pay for parsing a large library.
#[test]
fn a_dependency_much_larger_than_the_package_is_not_read() {
    let t = TempDir::new("dep-size");
    let lib = "pub mod data;\n#[derive(Default)]\npub struct Index { rows: std::collections::HashMap<u32, u32> }\n\
         impl Index { pub fn add(&mut self, k: u32) { self.rows.insert(k, k); } }\n";
    registry_crate(&t, "bigindex-1.0.0", "bigindex", "1.0.0", lib);
    registry_crate(&t, "smallindex-1.0.0", "smallindex", "1.0.0", lib);
    let filler = "// filler line of a generated table, to make the crate large\n".repeat(30_000);
    t.write(
        "registry/src/index.example/bigindex-1.0.0/src/data.rs",
        &filler,
    );
    t.write(
        "registry/src/index.example/smallindex-1.0.0/src/data.rs",
        "",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest(
            "app",
            "\n[dependencies]\nbigindex = \"1\"\nsmallindex = \"1\"\n",
        ),
    );
    t.write(
        "app/src/lib.rs",
        "use std::sync::{Arc, Mutex};\n\
         pub fn big(i: Arc<Mutex<bigindex::Index>>) {\n    i.lock().unwrap().add(1);\n}\n\
         pub fn small(i: Arc<Mutex<smallindex::Index>>) {\n    i.lock().unwrap().add(1);\n}\n",
    );
    let got = findings_with(&t.0.join("app"), &deps_at(t.0.join("registry/src")));
    assert_eq!(
        got,
        owned(&[
            ("poison_cascade", "src/lib.rs", 6),
            ("shared_map_mutation", "src/lib.rs", 6),
        ])
    );
    // The dependency not read is named, on the package's manifest, in the
    // human summary and in JSON; it is not a file not linted.
    let report = lint_paths(&[t.0.join("app")], &deps_at(t.0.join("registry/src"))).unwrap();
    assert_eq!(report.notices.len(), 1, "{:?}", report.notices);
    let n = &report.notices[0];
    assert_eq!(n.kind, stats_lint::NoticeKind::DependencyNotRead);
    assert!(n.file.ends_with("app/Cargo.toml"), "{n:?}");
    assert!(
        n.message
            .starts_with("dependency `bigindex` was not read (its "),
        "{n:?}"
    );
    let summary = report.summary();
    assert!(
        summary.contains("dependency `bigindex` was not read"),
        "{summary}"
    );
    assert!(!summary.contains("not linted"), "{summary}");
    assert!(
        report
            .render_json()
            .contains("stats_lint::dependency_not_read")
    );
}

/// A dependency with a file that does not parse is read from the files
/// that do, and the one that does not is named: what it declares is unknown.
#[test]
fn a_dependency_file_that_does_not_parse_is_named() {
    let t = TempDir::new("dep-unparsed");
    registry_crate(
        &t,
        "jar-1.0.0",
        "jar",
        "1.0.0",
        "pub mod broken;\n#[derive(Default)]\npub struct Jar { cookies: std::collections::HashMap<String, String> }\n\
         impl Jar { pub fn add(&mut self, k: String) { self.cookies.insert(k.clone(), k); } }\n",
    );
    t.write(
        "registry/src/index.example/jar-1.0.0/src/broken.rs",
        "pub fn half_written( {\n",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest("app", "\n[dependencies]\njar = \"1\"\n"),
    );
    t.write(
        "app/src/lib.rs",
        "use std::sync::{Arc, Mutex};\npub fn f(j: Arc<Mutex<jar::Jar>>) {\n    j.lock().unwrap().add(String::new());\n}\n",
    );
    let config = deps_at(t.0.join("registry/src"));
    assert_eq!(
        findings_with(&t.0.join("app"), &config),
        owned(&[
            ("poison_cascade", "src/lib.rs", 3),
            ("shared_map_mutation", "src/lib.rs", 3),
        ])
    );
    let report = lint_paths(&[t.0.join("app")], &config).unwrap();
    assert_eq!(report.notices.len(), 1, "{:?}", report.notices);
    let n = &report.notices[0];
    assert_eq!(n.kind, stats_lint::NoticeKind::DependencyNotRead);
    assert!(n.file.ends_with("app/Cargo.toml"), "{n:?}");
    assert!(
        n.message.starts_with("dependency `jar` was read in part: ")
            && n.message
                .contains("jar-1.0.0/src/broken.rs` does not parse"),
        "{n:?}"
    );
}

/// A dependency's own `macro_rules!` of another of its files are expanded
/// when it is read: a mutator a macro writes is a mutator.
#[test]
fn a_dependency_macro_of_another_file_is_expanded() {
    let t = TempDir::new("dep-macro");
    registry_crate(
        &t,
        "jar-1.0.0",
        "jar",
        "1.0.0",
        "#[macro_use]\nmod macros;\n#[derive(Default)]\npub struct Jar { cookies: std::collections::HashMap<String, String> }\n\
         impl Jar { adder!(add); }\n",
    );
    t.write(
        "registry/src/index.example/jar-1.0.0/src/macros.rs",
        "macro_rules! adder {\n    ($name:ident) => {\n        pub fn $name(&mut self, k: String) { self.cookies.insert(k.clone(), k); }\n    };\n}\n",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest("app", "\n[dependencies]\njar = \"1\"\n"),
    );
    t.write(
        "app/src/lib.rs",
        "use std::sync::{Arc, Mutex};\npub fn f(j: Arc<Mutex<jar::Jar>>) {\n    j.lock().unwrap().add(String::new());\n}\n",
    );
    assert_eq!(
        findings_with(&t.0.join("app"), &deps_at(t.0.join("registry/src"))),
        owned(&[
            ("poison_cascade", "src/lib.rs", 3),
            ("shared_map_mutation", "src/lib.rs", 3),
        ])
    );
}

/// A dependency's one-parameter generic struct that owns a map
/// (`enr::Enr<CombinedKey>`) is that struct, not a wrapper of its
/// parameter; one that owns none (`Guarded<T>`) is still read through.
/// A dependency's struct whose map sits in another struct of its crate
/// counts as a map when one of its `&mut self` methods mutates that map
/// (keyed_priority_queue's `push` through a field bound to a name, into its
/// private `Mediator`), also when that struct is a field of the locked one
/// (parley's `FontContext { collection }`); a struct whose nested set is
/// never mutated (a parsed schedule) does not.
#[test]
fn a_dependency_struct_that_mutates_a_nested_map_holds_it() {
    let t = TempDir::new("dep-nested-map");
    registry_crate(
        &t,
        "pqueue-0.4.0",
        "pqueue",
        "0.4.0",
        "use std::collections::{BTreeSet, HashMap};\n\
         pub(crate) struct Mediator { map: HashMap<u64, usize> }\n\
         impl Mediator { fn entry(&mut self, k: u64) -> &mut usize { self.map.entry(k).or_default() } }\n\
         pub struct Queue { heap: Vec<u64>, key_to_pos: Mediator }\n\
         impl Queue {\n    pub fn push(&mut self, k: u64) {\n        let key_to_pos = &mut self.key_to_pos;\n        let heap = &mut self.heap;\n        *key_to_pos.entry(k) = heap.len();\n        heap.push(k);\n    }\n\
         pub fn len(&self) -> usize { self.heap.len() }\n}\n\
         pub(crate) struct Hours { set: BTreeSet<u8> }\n\
         pub struct Schedule { hours: Hours, runs: u64 }\n\
         impl Schedule { pub fn tick(&mut self) { self.runs += 1; } pub fn due(&self, h: u8) -> bool { self.hours.set.contains(&h) } }\n\
         pub struct Collection { families: HashMap<u8, u8> }\n\
         impl Collection { pub fn register(&mut self, k: u8) { self.families.insert(k, k); } }\n\
         pub struct FontContext { pub collection: Collection }\n",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest("app", "\n[dependencies]\npqueue = \"0.4\"\n"),
    );
    t.write(
        "app/src/lib.rs",
        "use std::sync::{Arc, Mutex};\n\
         pub struct Pool {\n    queue: Arc<Mutex<pqueue::Queue>>,\n    cron: Arc<Mutex<pqueue::Schedule>>,\n    fonts: Arc<Mutex<pqueue::FontContext>>,\n}\n\
         impl Pool {\n    pub fn add(&self, k: u64) {\n        self.queue.lock().unwrap().push(k);\n        self.cron.lock().unwrap().tick();\n        let fonts = self.fonts.lock().unwrap();\n        drop(fonts);\n    }\n}\n",
    );
    assert_eq!(
        findings_with(&t.0.join("app"), &deps_at(t.0.join("registry/src"))),
        owned(&[
            ("poison_cascade", "src/lib.rs", 9),
            ("shared_map_mutation", "src/lib.rs", 9),
            ("poison_cascade", "src/lib.rs", 11),
        ])
    );
}

#[test]
fn a_dependency_generic_struct_that_owns_a_map_is_itself() {
    let t = TempDir::new("dep-generic");
    registry_crate(
        &t,
        "enr-1.0.0",
        "enr",
        "1.0.0",
        "use std::collections::BTreeMap;\nuse std::marker::PhantomData;\n\
         pub struct Ck;\n\
         pub struct Enr<K> { content: BTreeMap<Vec<u8>, u8>, _k: PhantomData<K> }\n\
         impl<K> Enr<K> { pub fn insert(&mut self, k: &[u8]) { self.content.insert(k.to_vec(), 1); } }\n\
         pub struct Guarded<T> { inner: T }\n\
         impl<T> std::ops::Deref for Guarded<T> { type Target = T; fn deref(&self) -> &T { &self.inner } }\n",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest("app", "\n[dependencies]\nenr = \"1\"\n"),
    );
    t.write(
        "app/src/lib.rs",
        "use std::sync::{Arc, Mutex, RwLock};\n\
         pub struct Table { names: std::collections::HashMap<u8, u8> }\n\
         pub struct Node {\n    enr: Arc<RwLock<enr::Enr<enr::Ck>>>,\n    table: Arc<enr::Guarded<Mutex<Table>>>,\n}\n\
         impl Node {\n    pub fn update(&self) {\n        self.enr.write().unwrap().insert(b\"ip\");\n        self.table.lock().unwrap().names.insert(1, 1);\n    }\n}\n",
    );
    assert_eq!(
        findings_with(&t.0.join("app"), &deps_at(t.0.join("registry/src"))),
        owned(&[
            ("poison_cascade", "src/lib.rs", 9),
            ("shared_map_mutation", "src/lib.rs", 9),
            ("poison_cascade", "src/lib.rs", 10),
            ("shared_map_mutation", "src/lib.rs", 10),
        ])
    );
}

/// In a program (a package with no library), a struct that holds locks is
/// shared only as the program's own code shares it: an LSP server's state
/// with `Arc<RwLock<..>>` fields made in its constructor and never cloned
/// is its owner's alone. The same code in a library, or a program that puts
/// the struct in an `Arc` (also as a helper function returns it), clones a
/// field's `Arc` or lends it to scoped threads, is reported.
#[test]
fn a_program_s_own_state_is_not_shared_by_owning_a_lock() {
    let state = "use std::collections::HashMap;\nuse std::sync::{Arc, RwLock};\n\
         pub struct State { docs: Arc<RwLock<HashMap<String, String>>> }\n\
         impl State {\n    pub fn new() -> Self { State { docs: Default::default() } }\n\
         \x20   pub fn upsert(&self, k: String) { self.docs.write().unwrap().insert(k, String::new()); }\n}\n";
    let kept = "fn main() {\n    let s = State::new();\n    s.upsert(String::new());\n}\n";
    let t = TempDir::new("program-state");
    let program = |dir: &str, main: &str| {
        t.write(&format!("{dir}/Cargo.toml"), &package_manifest(dir, ""));
        t.write(&format!("{dir}/src/main.rs"), &format!("{state}{main}"));
    };
    program("kept", kept);
    // Put in an `Arc` through a binding.
    program(
        "arced",
        "fn main() {\n    let s = State::new();\n    let s = Arc::new(s);\n    s.upsert(String::new());\n}\n",
    );
    // A field's `Arc` cloned out.
    program(
        "cloned",
        "impl State { pub fn docs(&self) -> Arc<RwLock<HashMap<String, String>>> { self.docs.clone() } }\n\
         fn main() {\n    let s = State::new();\n    let _ = s.docs();\n}\n",
    );
    // Put in an `Arc` as a helper returns it, directly or through a binding.
    program(
        "helper_arc",
        "fn build() -> State { State::new() }\n\
         fn main() {\n    let s = Arc::new(build());\n    s.upsert(String::new());\n}\n",
    );
    program(
        "helper_let",
        "fn build() -> State { State::new() }\n\
         fn main() {\n    let s = build();\n    let s = Arc::new(s);\n    s.upsert(String::new());\n}\n",
    );
    // Built by the closure given to tower-lsp's service, which serves it
    // from many tasks.
    program(
        "lsp",
        "fn main() {\n    let (_service, _socket) = tower_lsp::LspService::new(|_client| State::new());\n}\n",
    );
    // A function named as the service's constructor, or called in its closure.
    program(
        "lsp_path",
        "fn main() {\n    let (_service, _socket) = tower_lsp::LspService::new(State::for_client);\n}\n\
         impl State { fn for_client(_c: u8) -> Self { State::new() } }\n",
    );
    program(
        "lsp_fn",
        "fn make(_c: u8) -> State { State::new() }\n\
         fn main() {\n    let (_service, _socket) = tower_lsp::LspService::new(make);\n}\n",
    );
    program(
        "lsp_helper",
        "fn make(_c: u8) -> State { State::new() }\n\
         fn main() {\n    let (_service, _socket) = tower_lsp::LspService::new(|c| make(c));\n}\n",
    );
    // A helper's other struct in an `Arc`: the state stays the program's own.
    program(
        "helper_other",
        "pub struct Counter(u64);\nfn counter() -> Counter { Counter(0) }\n\
         fn main() {\n    let c = Arc::new(counter());\n    let s = State::new();\n    s.upsert(c.0.to_string());\n}\n",
    );
    // Lent to scoped threads.
    program(
        "scoped",
        "fn main() {\n    let s = State::new();\n    std::thread::scope(|sc| { sc.spawn(|| s.upsert(String::new())); });\n}\n",
    );
    // The same state in a library.
    t.write("library/Cargo.toml", &package_manifest("library", ""));
    t.write("library/src/lib.rs", state);
    let found = |dir: &str| -> Vec<usize> {
        findings_with(&t.0.join(dir), &no_deps())
            .into_iter()
            .filter(|(lint, _, _)| lint == "shared_map_mutation")
            .map(|(_, _, line)| line)
            .collect()
    };
    assert_eq!(found("kept"), Vec::<usize>::new());
    assert_eq!(found("arced"), [6]);
    assert_eq!(found("helper_arc"), [6]);
    assert_eq!(found("helper_let"), [6]);
    assert_eq!(found("helper_other"), Vec::<usize>::new());
    assert_eq!(found("lsp"), [6]);
    assert_eq!(found("lsp_path"), [6]);
    assert_eq!(found("lsp_fn"), [6]);
    assert_eq!(found("lsp_helper"), [6]);
    assert_eq!(found("cloned"), [6]);
    assert_eq!(found("scoped"), [6]);
    assert_eq!(found("library"), [6]);
}

/// An invocation of the package's own macro larger than the linter expands
/// is not read, and a note says so; a smaller one is read.
#[test]
fn a_macro_invocation_over_the_budget_is_named() {
    let t = TempDir::new("macro-budget");
    t.write("app/Cargo.toml", &package_manifest("app", ""));
    let args = (0..300)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    t.write(
        "app/src/lib.rs",
        &format!(
            "use std::collections::HashMap;\nuse std::sync::Mutex;\n\
             pub static M: Mutex<Option<HashMap<u32, u32>>> = Mutex::new(None);\n\
             macro_rules! fill {{\n    ($($k:expr),*) => {{\n        pub fn fill() {{ $( M.lock().unwrap().get_or_insert_with(HashMap::new).insert($k, $k); )* }}\n    }};\n}}\n\
             mod small {{ use super::*; fill!(1, 2); }}\n\
             mod large {{ use super::*; fill!({args}); }}\n"
        ),
    );
    let report = lint_paths(&[t.0.join("app")], &no_deps()).unwrap();
    let lines: Vec<usize> = report
        .diagnostics
        .iter()
        .map(|d| d.span.start.line)
        .collect();
    assert!(
        // (found on the macro body's line, as for a macro of the same file)
        lines.contains(&6),
        "the small invocation is read: {lines:?}"
    );
    assert_eq!(report.notices.len(), 1, "{:?}", report.notices);
    let n = &report.notices[0];
    assert_eq!(n.kind, stats_lint::NoticeKind::MacroNotExpanded);
    assert_eq!(n.code(), "stats_lint::macro_not_expanded");
    assert!(n.file.ends_with("app/src/lib.rs"), "{n:?}");
    assert!(
        n.message
            .starts_with("line 10: the invocation of `fill!` is larger than"),
        "{n:?}"
    );
    // Not counted among the files not linted.
    assert!(!report.summary().contains("file(s) not linted"));
}

/// A dependency the package locks that is not in the cache is named, with
/// what to do; one the package does not lock is not looked for.
#[test]
fn a_locked_dependency_missing_from_the_cache_is_named() {
    let t = TempDir::new("dep-missing");
    t.write(
        "app/Cargo.toml",
        &package_manifest(
            "app",
            "\n[dependencies]\njar = \"1.2\"\nunused = \"3\"\nopt = { version = \"1\", optional = true }\n\n\
         [dev-dependencies]\nopt = { version = \"1\", features = [\"serde\"] }\n",
        ),
    );
    // `opt` is optional (also when it is a dev-dependency too): fetched
    // only with its feature, silent without.
    t.write(
        "app/src/lib.rs",
        "use std::sync::Mutex;\npub fn f(j: &Mutex<jar::Jar>, u: &unused::Thing, o: &Mutex<opt::O>) {\n    let _ = (j, u, o);\n}\n",
    );
    let report = lint_paths(&[t.0.join("app")], &deps_at(t.0.join("none"))).unwrap();
    let notes: Vec<&str> = report.notices.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        notes,
        [
            "dependency `jar` was not read (no version of `jar` matching `1.2` in Cargo's registry cache (run `cargo fetch`)), so the types this package locks from it are unknown"
        ]
    );
    assert!(
        report
            .render_short_notices()
            .contains("note[stats_lint::dependency_not_read]")
    );
    // `--no-deps`: nothing is looked for, nothing to say.
    let off = lint_paths(&[t.0.join("app")], &no_deps()).unwrap();
    assert!(off.notices.is_empty());
}

/// A file nested deeper than the parser's stack allows (100,000
/// parentheses) is named as not parsed; the process does not abort and
/// the package's other files are linted.
#[test]
fn a_file_nested_too_deeply_is_named_and_the_others_are_linted() {
    let t = TempDir::new("deep-nesting");
    t.write("app/Cargo.toml", &package_manifest("app", ""));
    t.write("app/src/lib.rs", "mod deep;\nmod ok;\n");
    t.write(
        "app/src/deep.rs",
        &format!(
            "pub fn f() -> u32 {{ {}1{} }}\n",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
    );
    t.write(
        "app/src/ok.rs",
        "use std::collections::HashMap;\nuse std::sync::Mutex;\n\
         static M: Mutex<Option<HashMap<u8, u8>>> = Mutex::new(None);\n\
         pub fn g() {\n    M.lock().unwrap().as_mut().unwrap().insert(1, 1);\n}\n",
    );
    assert_eq!(
        findings_with(&t.0.join("app"), &no_deps()),
        owned(&[
            ("syntax_error", "src/deep.rs", 1),
            ("poison_cascade", "src/ok.rs", 5),
            ("shared_map_mutation", "src/ok.rs", 5),
        ])
    );
}

/// A dependency whose `[lib] name` differs from its package's name is named
/// by its library in the code that uses it (`steel-core`'s is `steel`):
/// read so, from the registry and from a path; a procedural macro crate
/// the locks name is neither read nor named as unread.
#[test]
fn a_dependency_named_by_its_library_name_is_read() {
    let t = TempDir::new("dep-lib-name");
    let engine = "use std::collections::HashMap;\n\
         pub struct Engine { globals: HashMap<String, u64> }\n\
         impl Engine { pub fn define(&mut self, k: String) { self.globals.insert(k, 0); } }\n";
    t.write(
        "registry/src/index.example/engine-core-0.8.0/Cargo.toml",
        "[package]\nname = \"engine-core\"\nversion = \"0.8.0\"\nedition = \"2021\"\n\n[lib]\nname = \"engine\"\n",
    );
    t.write(
        "registry/src/index.example/engine-core-0.8.0/src/lib.rs",
        engine,
    );
    t.write(
        "local-store/Cargo.toml",
        "[package]\nname = \"local-store\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\nname = \"store\"\npath = \"src/store.rs\"\n",
    );
    t.write(
        "local-store/src/store.rs",
        "pub struct Store { pub rows: std::collections::BTreeMap<u64, u64> }\n",
    );
    t.write(
        "registry/src/index.example/derives-1.0.0/Cargo.toml",
        "[package]\nname = \"derives\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[lib]\nproc-macro = true\n",
    );
    t.write(
        "registry/src/index.example/derives-1.0.0/src/lib.rs",
        "pub struct Never;\n",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest(
            "app",
            "\n[dependencies]\nengine-core = \"0.8\"\nlocal-store = { path = \"../local-store\" }\nderives = \"1\"\n",
        ),
    );
    t.write(
        "app/src/lib.rs",
        "use std::sync::{Arc, Mutex, RwLock};\nuse derives::*;\n\
         pub struct Server {\n    engine: Arc<RwLock<engine::Engine>>,\n    store: Arc<Mutex<store::Store>>,\n    other: Arc<Mutex<Unknown>>,\n}\n\
         impl Server {\n    pub fn define(&self, k: String) {\n        self.engine.write().unwrap().define(k);\n        self.store.lock().unwrap().rows.insert(1, 2);\n        drop(self.other.lock());\n    }\n}\n",
    );
    let report = lint_paths(&[t.0.join("app")], &deps_at(t.0.join("registry/src"))).unwrap();
    assert!(report.notices.is_empty(), "{:?}", report.notices);
    assert_eq!(
        findings_with(&t.0.join("app"), &deps_at(t.0.join("registry/src"))),
        owned(&[
            ("poison_cascade", "src/lib.rs", 10),
            ("shared_map_mutation", "src/lib.rs", 10),
            ("poison_cascade", "src/lib.rs", 11),
            ("shared_map_mutation", "src/lib.rs", 11),
        ])
    );
}

/// A dependency's own dependencies whose types its structs hold or that it
/// re-exports are read for it, one level deep: a wallet that holds a chain
/// graph whose `&mut self` methods fill a map holds that map, and a type a
/// crate re-exports from its dependency (`pub use core::primitives::*`) is
/// known by the re-exporting crate's path. The inner crate's types named
/// like the model's (`rc::Arc`) stay the model's.
#[test]
fn a_dependency_s_own_dependencies_it_holds_or_re_exports_are_read() {
    let t = TempDir::new("dep-of-dep");
    registry_crate(
        &t,
        "chain-core-1.0.0",
        "chain-core",
        "1.0.0",
        "use std::collections::{BTreeMap, HashMap};\n\
         pub struct Graph { edges: HashMap<u8, u8> }\n\
         impl Graph { pub fn apply(&mut self, k: u8) { self.edges.insert(k, k); } }\n\
         pub mod primitives { pub struct Symbols { pub names: super::BTreeMap<u8, u8> } }\n\
         pub mod rc { pub struct Arc<T>(pub T); }\n",
    );
    t.write(
        "registry/src/index.example/wallet-1.0.0/Cargo.toml",
        "[package]\nname = \"wallet\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[dependencies]\nchain-core = \"1\"\n",
    );
    t.write(
        "registry/src/index.example/wallet-1.0.0/src/lib.rs",
        "pub use chain_core::primitives::*;\n\
         pub struct Wallet { graph: chain_core::Graph, shared: chain_core::rc::Arc<u8> }\n\
         impl Wallet { pub fn sync(&mut self, k: u8) { self.graph.apply(k); } }\n",
    );
    t.write(
        "app/Cargo.toml",
        &package_manifest(
            "app",
            "\n[dependencies]\nwallet = \"1\"\nchain-core = \"1\"\n",
        ),
    );
    t.write(
        "app/src/lib.rs",
        "use std::collections::HashMap;\nuse std::sync::{Arc, Mutex};\n\
         pub struct Node {\n    wallet: Arc<Mutex<wallet::Wallet>>,\n    symbols: Arc<Mutex<wallet::Symbols>>,\n    seen: chain_core::rc::Arc<Mutex<HashMap<u8, u8>>>,\n}\n\
         impl Node {\n    pub fn sync(&self) {\n        self.wallet.lock().unwrap().sync(1);\n        self.symbols.lock().unwrap().names.insert(1, 1);\n        self.seen.lock().unwrap().insert(1, 1);\n    }\n}\n",
    );
    let app = t.0.join("app");
    let report = lint_paths(
        std::slice::from_ref(&app),
        &deps_at(t.0.join("registry/src")),
    )
    .unwrap();
    assert!(report.notices.is_empty(), "{:?}", report.notices);
    assert_eq!(
        findings_with(&app, &deps_at(t.0.join("registry/src"))),
        owned(&[
            ("poison_cascade", "src/lib.rs", 10),
            ("shared_map_mutation", "src/lib.rs", 10),
            ("poison_cascade", "src/lib.rs", 11),
            ("shared_map_mutation", "src/lib.rs", 11),
            ("poison_cascade", "src/lib.rs", 12),
            ("shared_map_mutation", "src/lib.rs", 12),
        ])
    );
}

/// A module or `include!` that names something other than a regular file
/// (`/dev/zero`, a FIFO) or a file over 64 MiB is not read: a note names it
/// and the rest of the package is linted, in bounded memory and without
/// blocking.
#[test]
fn a_module_file_that_is_not_a_regular_file_or_too_large_is_named() {
    let t = TempDir::new("unreadable-module");
    t.write("app/Cargo.toml", &package_manifest("app", ""));
    t.write(
        "app/src/lib.rs",
        "#[path = \"/dev/zero\"]\nmod zero;\nmod fifo;\nmod huge;\ninclude!(\"/dev/urandom\");\n\
         use std::collections::BTreeMap;\nuse std::sync::Mutex;\n\
         pub static M: Mutex<BTreeMap<u8, u8>> = Mutex::new(BTreeMap::new());\n\
         pub fn put() {\n    M.lock().unwrap().insert(1, 1);\n}\n",
    );
    let fifo = t.0.join("app/src/fifo.rs");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let huge = std::fs::File::create(t.0.join("app/src/huge.rs")).unwrap();
    huge.set_len((64 << 20) + 1).unwrap();
    let report = lint_paths(&[t.0.join("app")], &no_deps()).unwrap();
    let mut notes: Vec<(String, String)> = report
        .notices
        .iter()
        .map(|n| {
            let file = n.file.to_string_lossy();
            let name = file.rsplit('/').next().unwrap().to_string();
            (name, n.message.clone())
        })
        .collect();
    notes.sort();
    let unread = |why: &str| format!("could not be read ({why}), so it was not linted");
    assert_eq!(
        notes,
        [
            ("fifo.rs".to_string(), unread("not a regular file")),
            ("huge.rs".to_string(), unread("larger than 64 MiB")),
            ("urandom".to_string(), unread("not a regular file")),
            ("zero".to_string(), unread("not a regular file")),
        ]
    );
    assert!(
        report
            .notices
            .iter()
            .all(|n| n.code() == "stats_lint::not_linted")
    );
    assert_eq!(
        findings_with(&t.0.join("app"), &no_deps()),
        owned(&[
            ("poison_cascade", "src/lib.rs", 10),
            ("shared_map_mutation", "src/lib.rs", 10),
        ])
    );
}

/// A dependency is read with the features its dependent turns on (and its
/// defaults, with what they turn on): of two `cfg` alternatives of a `use`,
/// `cfg(feature = "loader")` names the type when `loader` is on, and
/// `cfg(not(feature = "loader"))` when it is off.
#[test]
fn a_dependency_is_read_with_the_features_turned_on() {
    let t = TempDir::new("dep-features");
    let lib = "pub mod basic {\n    pub struct BasicStore { pub names: Vec<String> }\n    impl BasicStore { pub fn add(&mut self, n: String) { self.names.push(n); } }\n}\n\
         pub mod loader {\n    pub struct LoaderStore { map: std::collections::HashMap<String, String> }\n    impl LoaderStore { pub fn add(&mut self, n: String) { self.map.insert(n.clone(), n); } }\n}\n\
         #[cfg(feature = \"loader\")]\nuse loader::LoaderStore as Store;\n#[cfg(not(feature = \"loader\"))]\nuse basic::BasicStore as Store;\n\
         pub struct Environment { store: Store }\n\
         impl Environment { pub fn add_template(&mut self, n: String) { self.store.add(n); } }\n";
    for (folder, name, defaults) in [
        ("tmpl-1.0.0", "tmpl", "default = []\nloader = []\n"),
        (
            "tmpl-auto-1.0.0",
            "tmpl-auto",
            "default = [\"std\"]\nstd = [\"loader\"]\nloader = []\n",
        ),
    ] {
        t.write(
            &format!("registry/src/index.example/{folder}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[features]\n{defaults}"),
        );
        t.write(
            &format!("registry/src/index.example/{folder}/src/lib.rs"),
            lib,
        );
    }
    let app = "use std::sync::Mutex;\n\
         pub static ENV: Mutex<Option<tmpl::Environment>> = Mutex::new(None);\n\
         pub static AUTO: Mutex<Option<tmpl_auto::Environment>> = Mutex::new(None);\n\
         pub fn add(n: String) {\n    if let Some(e) = ENV.lock().unwrap().as_mut() { e.add_template(n.clone()); }\n    if let Some(e) = AUTO.lock().unwrap().as_mut() { e.add_template(n); }\n}\n";
    let cases = [
        (
            "on",
            "tmpl = { version = \"1\", features = [\"loader\"] }\ntmpl-auto = \"1\"\n",
            vec![5, 6],
        ),
        (
            "off",
            "tmpl = \"1\"\ntmpl-auto = { version = \"1\", default-features = false }\n",
            vec![],
        ),
    ];
    for (dir, deps, lines) in cases {
        t.write(
            &format!("{dir}/Cargo.toml"),
            &package_manifest(dir, &format!("\n[dependencies]\n{deps}")),
        );
        t.write(&format!("{dir}/src/lib.rs"), app);
        let want: Vec<(&str, &str, usize)> = lines
            .iter()
            .flat_map(|&l| {
                [
                    ("poison_cascade", "src/lib.rs", l),
                    ("shared_map_mutation", "src/lib.rs", l),
                ]
            })
            .collect();
        assert_eq!(
            findings_with(&t.0.join(dir), &deps_at(t.0.join("registry/src"))),
            owned(&want),
            "{dir}"
        );
    }
}

/// A module cycle through a symlinked folder (`src/sub/up -> ..` and
/// `#[path = "up/lib.rs"] mod again;`) reads each file once: its findings
/// are reported once, under the name the package's tree first gives it.
#[cfg(unix)]
#[test]
fn a_module_cycle_through_a_symlinked_folder_reads_each_file_once() {
    let t = TempDir::new("symlink-cycle");
    t.write("app/Cargo.toml", &package_manifest("app", ""));
    t.write(
        "app/src/lib.rs",
        "use std::collections::BTreeMap;\nuse std::sync::Mutex;\n\
         pub static M: Mutex<BTreeMap<u8, u8>> = Mutex::new(BTreeMap::new());\n\
         pub fn put() {\n    M.lock().unwrap().insert(1, 1);\n}\nmod sub;\n",
    );
    t.write(
        "app/src/sub/mod.rs",
        "#[path = \"up/lib.rs\"]\nmod again;\n",
    );
    std::os::unix::fs::symlink("..", t.0.join("app/src/sub/up")).unwrap();
    let report = lint_paths(&[t.0.join("app")], &no_deps()).unwrap();
    assert!(report.notices.is_empty(), "{:?}", report.notices);
    assert_eq!(
        findings_with(&t.0.join("app"), &no_deps()),
        owned(&[
            ("poison_cascade", "src/lib.rs", 5),
            ("shared_map_mutation", "src/lib.rs", 5),
        ])
    );
}
