//! Finding what to lint: the packages of a workspace from their manifests,
//! each package's targets, and each target's module tree (`mod x;` resolved
//! to `x.rs` or `x/mod.rs`, `#[path = ".."]` honoured).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::engine::ParsedFile;
use crate::render::json::TargetInfo;

use crate::Error;

/// One target of a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The target's name.
    pub name: String,
    /// `lib`, `bin`, `test`, `bench`, `example` or `custom-build`.
    pub kind: String,
    /// The root source file.
    pub src: PathBuf,
}

/// A package found from a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// The package version.
    pub version: String,
    /// The edition.
    pub edition: String,
    /// The `Cargo.toml`.
    pub manifest: PathBuf,
    /// Its targets.
    pub targets: Vec<Target>,
}

/// A set of files linted together (one crate-wide pass 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A cargo package: its targets' module trees.
    Package(Package),
    /// Files that belong to no manifest (a folder of sources, or one file).
    Loose(Vec<PathBuf>),
}

fn read_manifest(path: &Path) -> Result<toml::Table, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error(format!("cannot read {}: {e}", path.display())))?;
    text.parse::<toml::Table>()
        .map_err(|e| Error(format!("cannot parse {}: {e}", path.display())))
}

/// Finds the units under a path: a `.rs` file, a crate, a workspace, or any folder.
pub fn discover(path: &Path) -> Result<Vec<Unit>, Error> {
    if path.is_file() {
        if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            return discover(path.parent().unwrap_or(Path::new(".")));
        }
        return Ok(vec![Unit::Loose(vec![path.to_path_buf()])]);
    }
    if !path.is_dir() {
        return Err(Error(format!("no such file or folder: {}", path.display())));
    }
    let manifest = path.join("Cargo.toml");
    if manifest.is_file() {
        let table = read_manifest(&manifest)?;
        let mut units = Vec::new();
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
                        if let Some(p) = package(&mf, &t) {
                            units.push(Unit::Package(p));
                        }
                    }
                }
            }
        }
        if let Some(p) = package(&manifest, &table) {
            units.insert(0, Unit::Package(p));
        }
        return Ok(units);
    }
    let mut files = Vec::new();
    walk_rs(path, &mut files);
    files.sort();
    Ok(vec![Unit::Loose(files)])
}

/// Every `.rs` file under a folder, skipping `target` and hidden folders.
pub fn walk_rs(dir: &Path, out: &mut Vec<PathBuf>) {
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

fn package(manifest: &Path, t: &toml::Table) -> Option<Package> {
    let pkg = t.get("package")?.as_table()?;
    let root = manifest.parent().unwrap_or(Path::new("."));
    let name = pkg.get("name")?.as_str()?.to_string();
    let version = pkg
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or("0.0.0")
        .to_string();
    let edition = pkg
        .get("edition")
        .and_then(|v| v.as_str())
        .unwrap_or("2021")
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
    // lib
    let lib_name = name.replace('-', "_");
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
    Some(Package {
        name,
        version,
        edition,
        manifest: manifest.to_path_buf(),
        targets,
    })
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

/// Reads and parses every file of a package's targets, following `mod`
/// declarations. Returns the files and, for each, the target it was reached from.
pub fn load_package(
    pkg: &Package,
    display: &dyn Fn(&Path) -> PathBuf,
    skip: &dyn Fn(&Path) -> bool,
) -> Result<Vec<(ParsedFile, TargetInfo)>, Error> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
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
        let base = t.src.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut queue = vec![(t.src.clone(), base)];
        while let Some((file, child_dir)) = queue.pop() {
            if !seen.insert(normalize(&file)) || skip(&file) {
                continue;
            }
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) if file == t.src => {
                    return Err(Error(format!("cannot read {}: {e}", file.display())));
                }
                Err(_) => continue,
            };
            let pf = ParsedFile::parse(file.clone(), display(&file), text);
            if let Ok(ast) = &pf.ast {
                let mut mods = Vec::new();
                module_files(&ast.items, &child_dir, &mut mods);
                queue.extend(mods);
            }
            out.push((pf, info.clone()));
        }
    }
    Ok(out)
}

fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The files declared by `mod x;` items, with the folder their own `mod`s live in.
fn module_files(items: &[syn::Item], dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
    for item in items {
        let syn::Item::Mod(m) = item else { continue };
        let name = m.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        match &m.content {
            Some((_, inner)) => {
                let sub = match path_attr(&m.attrs) {
                    Some(p) => dir.join(p),
                    None => dir.join(name),
                };
                module_files(inner, &sub, out);
            }
            None => {
                if let Some(p) = path_attr(&m.attrs) {
                    let f = dir.join(p);
                    let child = f.parent().unwrap_or(dir).to_path_buf();
                    out.push((f, child));
                    continue;
                }
                let flat = dir.join(format!("{name}.rs"));
                let nested = dir.join(name).join("mod.rs");
                if flat.is_file() {
                    out.push((flat, dir.join(name)));
                } else if nested.is_file() {
                    out.push((nested, dir.join(name)));
                }
            }
        }
    }
}

/// The cargo registry's source cache, `$CARGO_HOME/registry/src` (by
/// default `~/.cargo/registry/src`): a large body of real Rust code for the
/// robustness test and the speed benchmark. `None` when neither `CARGO_HOME`
/// nor `HOME` is set.
pub fn registry_src() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    Some(home.join("registry").join("src"))
}
