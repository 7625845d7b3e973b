//! Finding what to lint: the packages of a workspace from their manifests,
//! each package's targets, and each target's module tree (`mod x;` resolved
//! to `x.rs` or `x/mod.rs`, `#[path = ".."]` honoured, modules declared
//! inside item macros such as `cfg_if!` followed). Every `.rs` file under a
//! package that no target reaches is named, never skipped silently.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::Error;
use crate::engine::facts::macro_items;
use crate::engine::macro_rules::MacroRules;
use crate::engine::test_scope::is_cfg_test;
use crate::engine::{ParsedFile, TestModule};
use crate::render::json::TargetInfo;

/// One target of a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// The target's name.
    pub(crate) name: String,
    /// `lib`, `bin`, `test`, `bench`, `example` or `custom-build`.
    pub(crate) kind: String,
    /// The root source file.
    pub(crate) src: PathBuf,
}

/// A package found from a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Package {
    /// The package name.
    pub(crate) name: String,
    /// The package version.
    pub(crate) version: String,
    /// The edition.
    pub(crate) edition: String,
    /// The `Cargo.toml`.
    pub(crate) manifest: PathBuf,
    /// Its targets.
    pub(crate) targets: Vec<Target>,
    /// Its dependencies (normal, dev, build and target-specific ones).
    pub(crate) deps: Vec<Dependency>,
    /// The manifest of the workspace that lists it, if any: the members of
    /// one workspace linted in one run share their libraries' facts (other
    /// dependencies are read by `dependencies`, for the types locked).
    pub(crate) workspace: Option<PathBuf>,
    /// Whether its library is a procedural macro crate.
    pub(crate) proc_macro: bool,
}

impl Package {
    /// The crate name of its library, when it has one (`[lib] name`, else
    /// the package's name with `-` as `_`).
    pub(crate) fn lib_root(&self) -> Option<String> {
        self.targets
            .iter()
            .find(|t| t.kind == "lib")
            .map(|t| t.name.replace('-', "_"))
    }
}

/// A dependency as the manifest declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dependency {
    /// The name the package's code uses for it (`-` as `_`).
    pub(crate) name: String,
    /// The package it names (`package = ".."` of a renamed dependency).
    pub(crate) package: String,
    /// The version requirement (`"1.2"`, `">=0.3, <0.5"`), if any.
    pub(crate) req: Option<String>,
    /// A path dependency's folder.
    pub(crate) path: Option<PathBuf>,
    /// Whether the library's own code may use it: a normal dependency, not
    /// a dev- or build-dependency.
    pub(crate) normal: bool,
    /// `optional = true`: used only with a feature on.
    pub(crate) optional: bool,
    /// The features the package turns on (`features = ["loader"]`).
    pub(crate) features: Vec<String>,
    /// Whether its default features are on (`default-features = false`).
    pub(crate) default_features: bool,
}

/// A set of files linted together (one crate-wide pass 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A cargo package: its targets' module trees.
    Package(Package),
    /// Files that belong to no manifest (a folder of sources, or one file).
    Loose(Vec<PathBuf>),
}

impl Unit {
    /// The size of the `.rs` files under the unit, from their metadata: an
    /// estimate of the work it takes, for scheduling.
    pub(crate) fn source_bytes(&self) -> u64 {
        match self {
            Unit::Package(p) => {
                let mut files = Vec::new();
                let mut nested = Vec::new();
                walk_rs_until_package(
                    p.manifest.parent().unwrap_or(Path::new(".")),
                    &mut files,
                    &mut nested,
                );
                bytes_of(&files)
            }
            Unit::Loose(files) => bytes_of(files),
        }
    }
}

/// The size of files, from their metadata (an unreadable one counts 0).
pub(crate) fn bytes_of(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum()
}

impl Unit {
    /// The path that names the unit: the manifest, or the first loose file.
    pub(crate) fn name(&self) -> PathBuf {
        match self {
            Unit::Package(p) => p.manifest.clone(),
            Unit::Loose(files) => files.first().cloned().unwrap_or_default(),
        }
    }
}

fn read_manifest(path: &Path) -> Result<toml::Table, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.parse::<toml::Table>().map_err(|e| Error::Manifest {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })
}

/// Finds the units under a path: a `.rs` file, a crate, a workspace, or any
/// folder. In a folder without a manifest, each folder below it that has one
/// is its own unit (so the cargo registry cache is linted package by
/// package), and the remaining `.rs` files form one loose unit.
pub(crate) fn discover(path: &Path) -> Result<Vec<Unit>, Error> {
    if path.is_file() {
        if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            return discover(path.parent().unwrap_or(Path::new(".")));
        }
        return Ok(vec![Unit::Loose(vec![path.to_path_buf()])]);
    }
    if !path.is_dir() {
        return Err(Error::NotFound(path.to_path_buf()));
    }
    let manifest = path.join("Cargo.toml");
    if manifest.is_file() {
        let table = read_manifest(&manifest)?;
        let mut units = Vec::new();
        // A member linted on its own inherits from the workspace above it.
        let enclosing = if table.contains_key("workspace") {
            None
        } else {
            enclosing_workspace(path, &table)
        };
        let ws_deps = match &enclosing {
            Some((dir, ws)) => ws
                .get("workspace")
                .and_then(|w| w.get("dependencies"))
                .and_then(|d| d.as_table())
                .map(|d| (dir.as_path(), d)),
            None => table
                .get("workspace")
                .and_then(|w| w.get("dependencies"))
                .and_then(|d| d.as_table())
                .map(|d| (path, d)),
        };
        if let Some(ws) = table.get("workspace").and_then(|w| w.as_table()) {
            let excluded: Vec<PathBuf> = strings(ws.get("exclude"))
                .iter()
                .map(|e| normalize(&path.join(e)))
                .collect();
            let mut seen = HashSet::new();
            for m in strings(ws.get("members")) {
                for dir in expand_member(path, &m) {
                    let norm = normalize(&dir);
                    if excluded.iter().any(|e| norm.starts_with(e)) || !seen.insert(norm) {
                        continue;
                    }
                    let mf = dir.join("Cargo.toml");
                    if mf.is_file() && dir != path {
                        let t = read_manifest(&mf)?;
                        if let Some(mut p) = package(&mf, &t, ws_deps) {
                            p.workspace = Some(manifest.clone());
                            units.push(Unit::Package(p));
                        }
                    }
                }
            }
        }
        if let Some(mut p) = package(&manifest, &table, ws_deps) {
            if table.contains_key("workspace") {
                p.workspace = Some(manifest.clone());
            } else if let Some((dir, _)) = &enclosing {
                p.workspace = Some(dir.join("Cargo.toml"));
            }
            units.insert(0, Unit::Package(p));
        }
        return Ok(units);
    }
    let mut files = Vec::new();
    let mut packages = Vec::new();
    walk_rs_until_package(path, &mut files, &mut packages);
    files.sort();
    let mut units = Vec::new();
    if !files.is_empty() {
        units.push(Unit::Loose(files));
    }
    for dir in packages {
        units.extend(discover(&dir)?);
    }
    Ok(units)
}

/// Every `.rs` file under a folder, skipping `target` and hidden folders and
/// stopping at folders that hold a `Cargo.toml` (listed in `packages`).
fn walk_rs_until_package(dir: &Path, out: &mut Vec<PathBuf>, packages: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with('.') || name == "target" {
                continue;
            }
            if p.join("Cargo.toml").is_file() {
                packages.push(p);
            } else {
                walk_rs_until_package(&p, out, packages);
            }
        } else if ft.is_file() && name.ends_with(".rs") {
            out.push(p);
        }
    }
}

/// Every `.rs` file under a folder, skipping `target` and hidden folders.
pub(crate) fn walk_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with('.') || name == "target" {
                continue;
            }
            walk_rs(&p, out);
        } else if ft.is_file() && name.ends_with(".rs") {
            out.push(p);
        }
    }
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `a/b/../c.rs` as `a/c.rs`, without asking the file system; a leading
/// `..` stays.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Expands a `members` entry; `*` matches any folder name in its segment.
fn expand_member(root: &Path, member: &str) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    for seg in member.split('/').filter(|s| !s.is_empty() && *s != ".") {
        let mut next = Vec::new();
        for d in &dirs {
            if seg.contains('*') {
                if let Ok(rd) = std::fs::read_dir(d) {
                    let mut names: Vec<_> = rd
                        .filter_map(Result::ok)
                        .filter(|e| e.path().is_dir())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect();
                    names.sort();
                    for n in names {
                        if crate::config::glob_match(seg, &n) {
                            next.push(d.join(n));
                        }
                    }
                }
            } else {
                next.push(d.join(seg));
            }
        }
        dirs = next;
    }
    dirs
}

/// The workspace a package that inherits from one (`dep.workspace = true`)
/// belongs to when its folder is linted on its own: `package.workspace`'s
/// folder, else the nearest folder above with a `[workspace]` manifest.
fn enclosing_workspace(dir: &Path, table: &toml::Table) -> Option<(PathBuf, toml::Table)> {
    let inherits = ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|k| table.get(*k).and_then(|d| d.as_table()))
        .chain(
            table
                .get("target")
                .and_then(|t| t.as_table())
                .into_iter()
                .flat_map(|t| t.values())
                .filter_map(|t| t.get("dependencies").and_then(|d| d.as_table())),
        )
        .flat_map(|deps| deps.values())
        .any(|d| d.get("workspace").and_then(|w| w.as_bool()) == Some(true));
    if !inherits {
        return None;
    }
    let declared = table
        .get("package")
        .and_then(|p| p.get("workspace"))
        .and_then(|w| w.as_str())
        .map(|w| normalize(&dir.join(w)));
    let candidates: Vec<PathBuf> = match declared {
        Some(d) => vec![d],
        // From the absolute folder: `.` has no parent to search.
        None => std::path::absolute(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .ancestors()
            .skip(1)
            .map(Path::to_path_buf)
            .collect(),
    };
    candidates.into_iter().find_map(|d| {
        let m = d.join("Cargo.toml");
        let t = m.is_file().then(|| read_manifest(&m).ok()).flatten()?;
        t.contains_key("workspace").then_some((d, t))
    })
}

/// The package a manifest declares; `ws_deps` is the workspace's
/// `[workspace.dependencies]` with the workspace's folder, for
/// `dep.workspace = true`.
fn package(
    manifest: &Path,
    t: &toml::Table,
    ws_deps: Option<(&Path, &toml::Table)>,
) -> Option<Package> {
    let pkg = t.get("package")?.as_table()?;
    let root = manifest.parent().unwrap_or(Path::new("."));
    let name = pkg.get("name")?.as_str()?.to_string();
    let version = pkg
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or("0.0.0")
        .to_string();
    // No `edition` key is Cargo's 2015; `edition.workspace = true` is the
    // workspace's, taken as a current one.
    let edition = match pkg.get("edition") {
        None => "2015",
        Some(v) => v.as_str().unwrap_or("2021"),
    }
    .to_string();
    let auto = |key: &str| pkg.get(key).and_then(|v| v.as_bool()).unwrap_or(true);
    let mut targets: Vec<Target> = Vec::new();
    let mut push = |targets: &mut Vec<Target>, name: String, kind: &str, src: PathBuf| {
        if src.is_file() && !targets.iter().any(|t| t.src == src) {
            targets.push(Target {
                name,
                kind: kind.into(),
                src,
            });
        }
    };
    // lib: its crate name is `[lib] name` when given (`steel-core`'s is `steel`).
    let lib_name = t
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or(&name)
        .replace('-', "_");
    let proc_macro = t
        .get("lib")
        .and_then(|l| l.get("proc-macro").or_else(|| l.get("proc_macro")))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    match t.get("lib").and_then(|l| l.as_table()) {
        Some(lib) => {
            let p = lib
                .get("path")
                .and_then(|p| p.as_str())
                .map(|p| root.join(p))
                .unwrap_or_else(|| root.join("src/lib.rs"));
            push(&mut targets, lib_name, "lib", p);
        }
        None => push(&mut targets, lib_name, "lib", root.join("src/lib.rs")),
    }
    // explicit targets
    for (key, kind, dir) in [
        ("bin", "bin", "src/bin"),
        ("test", "test", "tests"),
        ("bench", "bench", "benches"),
        ("example", "example", "examples"),
    ] {
        if let Some(arr) = t.get(key).and_then(|v| v.as_array()) {
            for entry in arr.iter().filter_map(|e| e.as_table()) {
                let tname = entry
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or("")
                    .to_string();
                let p = match entry.get("path").and_then(|p| p.as_str()) {
                    Some(p) => root.join(p),
                    None if key == "bin" && tname == name => root.join("src/main.rs"),
                    None => root.join(dir).join(format!("{tname}.rs")),
                };
                push(&mut targets, tname, kind, p);
            }
        }
    }
    // automatic targets
    if auto("autobins") {
        push(&mut targets, name.clone(), "bin", root.join("src/main.rs"));
        auto_dir(&mut targets, &root.join("src/bin"), "bin", &mut push);
    }
    for (key, kind, dir) in [
        ("autotests", "test", "tests"),
        ("autobenches", "bench", "benches"),
        ("autoexamples", "example", "examples"),
    ] {
        if auto(key) {
            auto_dir(&mut targets, &root.join(dir), kind, &mut push);
        }
    }
    match pkg.get("build") {
        Some(toml::Value::String(s)) => push(
            &mut targets,
            "build-script-build".into(),
            "custom-build",
            root.join(s),
        ),
        Some(toml::Value::Boolean(false)) => {}
        _ => push(
            &mut targets,
            "build-script-build".into(),
            "custom-build",
            root.join("build.rs"),
        ),
    }
    let mut tables: Vec<(&toml::Table, bool)> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(table) = t.get(key).and_then(|d| d.as_table()) {
            tables.push((table, key == "dependencies"));
        }
    }
    // `[target.'cfg(unix)'.dependencies]` and its kin.
    for spec in t
        .get("target")
        .and_then(|v| v.as_table())
        .into_iter()
        .flat_map(|t| t.values())
    {
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(table) = spec.get(key).and_then(|d| d.as_table()) {
                tables.push((table, key == "dependencies"));
            }
        }
    }
    let mut deps: Vec<Dependency> = Vec::new();
    for (table, normal) in tables {
        for (dep, spec) in table {
            let d = dependency(root, dep, spec, normal, ws_deps);
            match deps.iter_mut().find(|e| e.name == d.name) {
                Some(e) => {
                    // Optional is said of the normal entries: the same crate
                    // as a dev-dependency does not make it required.
                    e.optional = match (e.normal, d.normal) {
                        (false, true) => d.optional,
                        (true, false) => e.optional,
                        _ => e.optional && d.optional,
                    };
                    e.normal |= d.normal;
                }
                None => deps.push(d),
            }
        }
    }
    Some(Package {
        name,
        version,
        edition,
        manifest: manifest.to_path_buf(),
        targets,
        deps,
        workspace: None,
        proc_macro,
    })
}

/// One entry of a dependency table: `name = "1"`, `name = { version, path,
/// package }`, or `name.workspace = true` (the workspace's entry, whose
/// path is relative to the workspace's folder).
fn dependency(
    root: &Path,
    name: &str,
    spec: &toml::Value,
    normal: bool,
    ws_deps: Option<(&Path, &toml::Table)>,
) -> Dependency {
    let inherited = spec.get("workspace").and_then(|w| w.as_bool()) == Some(true);
    let member_spec = spec;
    let (base, spec) = match ws_deps.and_then(|(dir, d)| Some((dir, d.get(name)?))) {
        Some((dir, ws_spec)) if inherited => (dir, ws_spec),
        _ => (root, spec),
    };
    let field = |key: &str| spec.get(key).and_then(|v| v.as_str());
    let req = match spec {
        toml::Value::String(v) => Some(v.clone()),
        _ => field("version").map(str::to_string),
    };
    let package = field("package").unwrap_or(name).to_string();
    // An inherited dependency adds the member's features to the workspace's.
    let features = [Some(spec), inherited.then_some(member_spec)]
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("features").and_then(|f| f.as_array()))
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect();
    let default_features = ["default-features", "default_features"]
        .iter()
        .find_map(|k| spec.get(*k).and_then(|v| v.as_bool()))
        .unwrap_or(true);
    Dependency {
        name: name.replace('-', "_"),
        package,
        req,
        path: field("path").map(|p| base.join(p)),
        normal,
        optional: spec.get("optional").and_then(|o| o.as_bool()) == Some(true),
        features,
        default_features,
    }
}

fn auto_dir(
    targets: &mut Vec<Target>,
    dir: &Path,
    kind: &str,
    push: &mut impl FnMut(&mut Vec<Target>, String, &str, PathBuf),
) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if p.is_file() && p.extension().is_some_and(|e| e == "rs") {
            push(targets, stem, kind, p);
        } else if p.is_dir() && p.join("main.rs").is_file() {
            push(targets, stem, kind, p.join("main.rs"));
        }
    }
}

/// A package read from disk: its parsed files, each with the target it was
/// reached from, and the `.rs` files under it that no target reaches.
pub(crate) struct LoadedPackage {
    pub(crate) files: Vec<(ParsedFile, TargetInfo)>,
    pub(crate) unreached: Vec<PathBuf>,
    /// Files a `mod`, `#[path]` or `include!` names that could not be
    /// read, and why (not a regular file, too large, an I/O error).
    pub(crate) unreadable: Vec<(PathBuf, String)>,
}

/// The largest source file read: a `#[path]` or `include!` naming a device
/// (`/dev/zero`) or a huge generated file must not exhaust memory.
pub(crate) const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// A source file's text (invalid UTF-8 replaced). A missing file is
/// `NotFound`; a file that is not a regular file, or is larger than
/// [`MAX_SOURCE_BYTES`], is an error that says so, found before reading.
pub(crate) fn read_source(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    // Asked before opening: opening a FIFO for reading blocks.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let file = std::fs::File::open(path)?;
    let too_large = || std::io::Error::other(format!("larger than {} MiB", MAX_SOURCE_BYTES >> 20));
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(too_large());
    }
    // A file that grows while it is read stops at the cap too.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(too_large());
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads and parses every file of a package's targets, following `mod`
/// declarations (also inside item macros such as `cfg_if!`).
/// Syntax trees are kept while the package's source read so far is within
/// `tree_budget` bytes; later files are parsed again when linted.
pub(crate) fn load_package(
    pkg: &Package,
    display: &dyn Fn(&Path) -> PathBuf,
    skip: &dyn Fn(&Path) -> bool,
    tree_budget: usize,
) -> Result<LoadedPackage, Error> {
    let mut bytes = 0usize;
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    let mut seen = HashSet::new();
    let mut seen_real = HashSet::new();
    for t in &pkg.targets {
        let info = TargetInfo {
            package: pkg.name.clone(),
            version: pkg.version.clone(),
            manifest_path: absolute(&pkg.manifest),
            target_name: t.name.clone(),
            kind: t.kind.clone(),
            src_path: absolute(&t.src),
            edition: pkg.edition.clone(),
        };
        // The lib is named as other targets import it; the others get a root of their own.
        let root = if t.kind == "lib" {
            t.name.replace('-', "_")
        } else {
            format!("{}:{}", t.kind, t.name.replace('-', "_"))
        };
        let base = t.src.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut queue = vec![(t.src.clone(), base, root, TestModule::No)];
        while let Some((file, child_dir, module, test_module)) = queue.pop() {
            if skip(&file) || !seen.insert(normalize(&file)) {
                continue;
            }
            // The same file by another name, through a symlinked folder
            // (`sub/up -> ..` with `#[path = "up/lib.rs"]`): read once.
            if let Ok(real) = std::fs::canonicalize(&file)
                && !seen_real.insert(real)
            {
                continue;
            }
            let text = match read_source(&file) {
                Ok(text) => text,
                Err(e) if file == t.src => return Err(Error::io(&file, e)),
                // One of the places `mod x;` may be (`x.rs`, `x/mod.rs`).
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    unreadable.push((file, e.to_string()));
                    continue;
                }
            };
            bytes += text.len();
            let mut pf = ParsedFile::parse(display(&file), module.clone(), text);
            pf.edition2015 = pkg.edition == "2015";
            pf.test_module = test_module;
            if let Some(Ok(ast)) = &pf.ast {
                let mut mods = Vec::new();
                let file_dir = file.parent().unwrap_or(Path::new("."));
                let dirs = ModDirs {
                    children: &child_dir,
                    paths: file_dir,
                    file: file_dir,
                };
                module_files(&ast.items, &dirs, &module, test_module, &mut mods, 0);
                queue.extend(mods);
            }
            if bytes > tree_budget {
                pf.ast = None;
            }
            out.push((pf, info.clone()));
        }
    }
    let root = pkg.manifest.parent().unwrap_or(Path::new("."));
    let mut all = Vec::new();
    let mut nested = Vec::new();
    walk_rs_until_package(root, &mut all, &mut nested);
    let unreached = all
        .into_iter()
        .filter(|f| !skip(f) && !seen.contains(&normalize(f)))
        .collect();
    Ok(LoadedPackage {
        files: out,
        unreached,
        unreadable,
    })
}

fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// Every file a `mod` item's attributes can point it at: its `#[path]`, and
/// each `#[cfg_attr(.., path = "..")]` option (mio picks a selector per
/// platform this way). Which `cfg` holds is not evaluated, so every option
/// is linted: each is the module on some target.
fn path_attrs(attrs: &[syn::Attribute]) -> Vec<String> {
    let string = |value: &syn::Expr| match value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    };
    let mut paths = Vec::new();
    for attr in attrs {
        match &attr.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("path") => {
                paths.extend(string(&nv.value));
            }
            syn::Meta::List(l) if l.path.is_ident("cfg_attr") => {
                let parser =
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated;
                let Ok(metas) = l.parse_args_with(parser) else {
                    continue;
                };
                paths.extend(metas.iter().skip(1).filter_map(|m| match m {
                    syn::Meta::NameValue(nv) if nv.path.is_ident("path") => string(&nv.value),
                    _ => None,
                }));
            }
            _ => {}
        }
    }
    paths
}

/// Where a module's `mod` items find their files.
struct ModDirs<'a> {
    /// Where `mod x;` looks for `x.rs` and `x/mod.rs`.
    children: &'a Path,
    /// What a `#[path]` on `mod x;` is relative to: the folder of the file
    /// itself for its top-level items, and `children` inside an inline
    /// `mod { }` (the Reference's rule for `path` attributes).
    paths: &'a Path,
    /// The folder of the file itself, which `include!` is relative to.
    file: &'a Path,
}

/// A module's file: the file, the folder its own `mod`s live in, its
/// module path, and whether it is test code.
type ModFile = (PathBuf, PathBuf, String, TestModule);

/// The files declared by `mod x;` items in a module's `items`; `test` says
/// whether that module is test code.
fn module_files(
    items: &[syn::Item],
    dirs: &ModDirs<'_>,
    module: &str,
    test: TestModule,
    out: &mut Vec<ModFile>,
    depth: usize,
) {
    // The module's own `macro_rules!` so far: one that writes `mod` items
    // (`define_blocks!(a, b)` writing `pub mod $block;`) is expanded.
    let mut macros: HashMap<String, MacroRules> = HashMap::new();
    for item in items {
        let m = match item {
            syn::Item::Macro(mac) if mac.mac.path.is_ident("macro_rules") => {
                if let Some(name) = &mac.ident
                    && let Some(rules) = MacroRules::parse(mac.mac.tokens.clone())
                {
                    macros.insert(name.to_string(), rules);
                }
                continue;
            }
            syn::Item::Macro(mac)
                if depth < 8
                    && let Some(name) = mac.mac.path.get_ident()
                    && let Some(rules) = macros.get(&name.to_string()) =>
            {
                if let Some(inner) = rules.expand_items(mac.mac.tokens.clone()) {
                    module_files(&inner, dirs, module, test, out, depth + 1);
                }
                continue;
            }
            syn::Item::Mod(m) => m,
            syn::Item::Macro(mac) if mac.mac.path.is_ident("include") => {
                // `include!("generated/x.rs")`: its items are this module's
                // own, in a file named relative to the including file.
                if let Ok(lit) = mac.mac.parse_body::<syn::LitStr>() {
                    let f = dirs.file.join(lit.value());
                    out.push((f, dirs.children.to_path_buf(), module.to_string(), test));
                }
                continue;
            }
            syn::Item::Macro(mac) if depth < 8 => {
                if let Some(inner) = macro_items(&mac.mac) {
                    module_files(&inner, dirs, module, test, out, depth + 1);
                }
                continue;
            }
            _ => continue,
        };
        let name = m.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        let sub_module = format!("{module}::{name}");
        let paths = path_attrs(&m.attrs);
        let test = match test {
            TestModule::No if is_cfg_test(&m.attrs) => TestModule::Yes {
                private: matches!(m.vis, syn::Visibility::Inherited),
            },
            outer => outer,
        };
        match &m.content {
            Some((_, inner)) => {
                // An inline module's own path names a folder below where its
                // `mod x;` children would live.
                let mut subs: Vec<PathBuf> = paths.iter().map(|p| dirs.children.join(p)).collect();
                if subs.is_empty() {
                    subs.push(dirs.children.join(name));
                }
                for sub in &subs {
                    let inner_dirs = ModDirs {
                        children: sub,
                        paths: sub,
                        file: dirs.file,
                    };
                    module_files(inner, &inner_dirs, &sub_module, test, out, depth + 1);
                }
            }
            None => {
                for p in &paths {
                    // `#[path = "../plat/nested.rs"]`: named as `src/plat/nested.rs`.
                    let f = lexical(&dirs.paths.join(p));
                    let child = f.parent().unwrap_or(dirs.paths).to_path_buf();
                    out.push((f, child, sub_module.clone(), test));
                }
                // With only `cfg_attr` paths, no `cfg` may hold: then the
                // default file is the module.
                let plain_path = m.attrs.iter().any(|a| a.path().is_ident("path"));
                if plain_path {
                    continue;
                }
                let flat = dirs.children.join(format!("{name}.rs"));
                let nested = dirs.children.join(name).join("mod.rs");
                // `exists`, not `is_file`: a FIFO or a device named like
                // the module is named in a note, not skipped silently.
                if flat.exists() {
                    out.push((flat, dirs.children.join(name), sub_module, test));
                } else if nested.exists() {
                    out.push((nested, dirs.children.join(name), sub_module, test));
                }
            }
        }
    }
}

/// The module path of a loose file, from its path below the folder linted:
/// `a/b.rs` is `crate::a::b`; `lib.rs`, `main.rs` and `mod.rs` name their folder.
pub(crate) fn loose_module(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let mut module = String::from("crate");
    let comps: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let name = if last {
            c.strip_suffix(".rs").unwrap_or(c)
        } else {
            c.as_str()
        };
        if (last && matches!(name, "lib" | "main" | "mod")) || (!last && name == "src") {
            continue;
        }
        module.push_str("::");
        module.push_str(&name.replace(['-', '.'], "_"));
    }
    module
}

/// The cargo registry's source cache, `$CARGO_HOME/registry/src` (by
/// default `~/.cargo/registry/src`): a large body of real Rust code for the
/// robustness test and the speed benchmark. `None` when neither `CARGO_HOME`
/// nor `HOME` is set.
pub(crate) fn registry_src() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    Some(home.join("registry").join("src"))
}
