//! A package's dependencies, read for their facts: a lock around another
//! crate's struct that owns a map is a lock around a map, and that crate's
//! `&mut self` method that inserts into it is a mutation.
//!
//! Which folder holds a dependency: a path dependency's own; for one from
//! the registry, the folder in Cargo's source cache of the version
//! `Cargo.lock` pins, else the newest there that the manifest's requirement
//! accepts. Only the library's pass 1 runs on it (its statics, structs,
//! aliases, functions, mutators, module `use` tables), once per run however
//! many packages depend on it; nothing in it is linted. Only a package's
//! normal dependencies are read, not its dev- or build-dependencies, and
//! not theirs (dependencies of dependencies); a normal path dependency is
//! read whatever the package locks.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use semver::{Version, VersionReq};

use crate::config::Dependencies;
use crate::diagnostic::NoticeKind;
use crate::engine::{self, Exported, Imports, ParsedFile};
use crate::workspace::{self, Dependency, Package, Unit};

/// Crates not read. Those whose types the linter models by name (std's
/// kin: locks, maps, pointers, framework state) would only repeat the
/// model, and the model is what the package's code means by them; the
/// others are large and hold no map a package locks (serialisation, syntax,
/// logging, errors, platform bindings, numbers, time, randomness).
const NOT_READ: &[&str] = &[
    // Modelled by name.
    "tokio",
    "parking_lot",
    "parking_lot_core",
    "lock_api",
    "spin",
    "async-lock",
    "async-std",
    "futures",
    "futures-util",
    "futures-core",
    "futures-channel",
    "futures-executor",
    "crossbeam",
    "crossbeam-utils",
    "crossbeam-channel",
    "crossbeam-queue",
    "crossbeam-epoch",
    "crossbeam-deque",
    "dashmap",
    "hashbrown",
    "indexmap",
    "arc-swap",
    "once_cell",
    "lazy_static",
    "hash_hasher",
    "nohash-hasher",
    "hashlink",
    "linked-hash-map",
    "rustc-hash",
    "fxhash",
    "ahash",
    "fnv",
    "smallvec",
    "arrayvec",
    "axum",
    "axum-core",
    "axum-extra",
    "actix-web",
    "rocket",
    "poem",
    "salvo",
    "tauri",
    "tower-http",
    // Large, and no map in them that a package locks.
    "serde",
    "serde_json",
    "serde_yaml",
    "toml",
    "syn",
    "quote",
    "proc-macro2",
    "tracing",
    "tracing-core",
    "log",
    "anyhow",
    "thiserror",
    "libc",
    "winapi",
    "windows",
    "windows-sys",
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "nix",
    "regex",
    "rand",
    "chrono",
    "time",
    "uuid",
    "bytes",
    "itertools",
    "clap",
    "num-traits",
    "rayon",
    "rayon-core",
];

/// The most `.rs` source a dependency may hold to be read for a package of
/// this much source: the package's own size, within these bounds. Parsing
/// a dependency costs as much as linting as much of the package, so a
/// small package does not pay for a large library (harper-ls, 60 KB, locks
/// harper-core's 3.6 MB: reading it took 2 s of the 2.15), while a lock
/// around quinn-proto's connection (1.1 MB) is read for any package.
const MIN_DEPENDENCY_BYTES: u64 = 3 << 19;
const MAX_DEPENDENCY_BYTES: u64 = 4 << 20;

/// The most `.rs` source a dependency's own dependency may hold to be read
/// with it: those are read for the few types a package may reach through
/// them (a re-exported `OrderedMap`, a graph in a wallet), and a font
/// shaper or a parallelism library under a GUI crate (egui's epaint reads
/// harfrust's 1.4 MB) is not worth its parse.
const MAX_NESTED_DEPENDENCY_BYTES: u64 = 1 << 19;

/// Versions in the registry cache, by package name, oldest first.
type RegistryIndex = HashMap<String, Vec<(Version, PathBuf)>>;

/// The versions a `Cargo.lock` pins, by package name, oldest first.
type Pinned = HashMap<String, Vec<Version>>;

/// A library's facts, once the first package that needs them has read them.
type LibrarySlot = Arc<OnceLock<Option<Arc<Library>>>>;

/// What was read of a dependency's library.
struct Library {
    facts: Arc<Exported>,
    /// Its files that do not parse: what they declare is unknown.
    unparsed: Vec<PathBuf>,
}

/// The dependency facts of one run, shared by its worker threads.
pub(crate) struct DependencyReader {
    /// Cargo's source cache (`registry/src`), if dependencies are read from it.
    registry: Option<PathBuf>,
    /// Whether any dependency is read.
    enabled: bool,
    index: OnceLock<RegistryIndex>,
    /// `Cargo.lock` files by path: pinned versions by package name.
    lockfiles: Mutex<HashMap<PathBuf, Arc<Pinned>>>,
    /// Each library's facts by folder, whether its own dependencies were
    /// read for it and the features on, computed by the first thread that
    /// needs them while the others wait (`None`: not readable).
    libraries: Mutex<HashMap<LibraryKey, LibrarySlot>>,
    /// Each dependency's `.rs` source, in bytes, by folder.
    sizes: Mutex<HashMap<PathBuf, u64>>,
    /// What each dependency's manifest says of its library, by folder.
    manifests: Mutex<HashMap<PathBuf, Arc<LibraryManifest>>>,
}

/// A library read: its folder, whether its own dependencies are read for
/// it, and the features on.
type LibraryKey = (PathBuf, bool, Vec<String>);

/// What a dependency's manifest says of its library.
#[derive(Default)]
struct LibraryManifest {
    /// `[lib] name`, when given: a dependency not renamed is named by it in
    /// the code that uses it (`steel-core`'s library is `steel`).
    name: Option<String>,
    /// A procedural macro crate: its types never reach the code that uses
    /// it, so it is not read, and not named as unread either.
    proc_macro: bool,
    /// Its `[features]` table: each feature and what it turns on.
    features: HashMap<String, Vec<String>>,
}

impl LibraryManifest {
    /// The features on when a dependent asks for `requested` (and, when
    /// `default`, for the `default` feature), with those they turn on, in
    /// order. `dep:x` and `x/y` entries turn on dependencies, not features
    /// of this crate.
    fn enabled_features(&self, requested: &[String], default: bool) -> Vec<String> {
        let mut on: Vec<String> = Vec::new();
        let mut todo: Vec<String> = requested.to_vec();
        if default {
            todo.push("default".to_string());
        }
        while let Some(f) = todo.pop() {
            if f.contains('/') || f.starts_with("dep:") || on.contains(&f) {
                continue;
            }
            if let Some(more) = self.features.get(&f) {
                todo.extend(more.iter().cloned());
            }
            on.push(f);
        }
        on.sort();
        on
    }
}

impl DependencyReader {
    /// A reader for a run with this configuration.
    pub(crate) fn new(config: &Dependencies) -> DependencyReader {
        let (enabled, registry) = match config {
            Dependencies::Registry => (true, workspace::registry_src()),
            Dependencies::RegistryAt(dir) => (true, Some(dir.clone())),
            Dependencies::Off => (false, None),
        };
        DependencyReader {
            registry,
            enabled,
            index: OnceLock::new(),
            lockfiles: Mutex::new(HashMap::new()),
            libraries: Mutex::new(HashMap::new()),
            sizes: Mutex::new(HashMap::new()),
            manifests: Mutex::new(HashMap::new()),
        }
    }

    /// The facts of those of a package's normal dependencies that its
    /// locks name (`locked`, by the name its code uses) and that can be
    /// read, each with that name; `skip` names those already known
    /// (members of its workspace linted in this run).
    ///
    /// Each locked dependency that could not be read, or only in part, or
    /// at another version than `Cargo.lock` pins, is pushed to `unread`
    /// with a sentence that says so and why.
    ///
    /// `deep` (a package's own dependencies): each library read also reads
    /// those of its own dependencies its structs' fields name or it
    /// re-exports, without theirs.
    pub(crate) fn imports(
        &self,
        pkg: &Package,
        skip: &[String],
        locked: &HashSet<String>,
        tree_budget: usize,
        unread: &mut Vec<(NoticeKind, String)>,
        deep: bool,
    ) -> Imports {
        if !self.enabled {
            return Vec::new();
        }
        let dir = pkg.manifest.parent().unwrap_or(Path::new("."));
        let lock = self.lockfile(dir);
        let candidates = pkg.deps.iter().filter(|d| {
            d.normal
                && !skip.contains(&d.name)
                && !NOT_READ.contains(&d.package.as_str())
                // FFI bindings: no map in them.
                && !d.package.ends_with("-sys")
        });
        // A name the locks use that no dependency's key gives may be the
        // `[lib] name` of one not renamed, which only its manifest says.
        let unmatched = locked.iter().any(|n| {
            !matches!(
                n.as_str(),
                "std" | "core" | "alloc" | "crate" | "self" | "super"
            ) && !pkg.deps.iter().any(|d| &d.name == n)
        });
        let mut wanted: Vec<(String, &Dependency)> = Vec::new();
        for d in candidates {
            if locked.contains(&d.name) || d.path.is_some() {
                // A path dependency (a sibling member of the workspace,
                // the package linted on its own) is read whatever the
                // package locks: its statics are the package's to lock
                // too, as when the workspace is linted whole.
                wanted.push((d.name.clone(), d));
            } else if unmatched
                && d.package.replace('-', "_") == d.name
                && let Some((folder, _)) = self.locate(d, lock.as_deref())
                && let Some(lib) = self.manifest(&folder).name.clone()
                && locked.contains(&lib)
                && !skip.contains(&lib)
            {
                wanted.push((lib, d));
            }
        }
        if wanted.is_empty() {
            return Vec::new();
        }
        let cap = Unit::Package(pkg.clone())
            .source_bytes()
            .clamp(MIN_DEPENDENCY_BYTES, MAX_DEPENDENCY_BYTES);
        // A dependency's own dependencies (read for it, not deeper).
        let cap = if deep {
            cap
        } else {
            cap.min(MAX_NESTED_DEPENDENCY_BYTES)
        };
        let mut out = Vec::new();
        for (name, d) in wanted {
            let Some((folder, pin_missing)) = self.locate(d, lock.as_deref()) else {
                // An optional dependency is fetched only with its feature
                // on; the code that locks its types is off with it.
                if d.optional && d.path.is_none() {
                    continue;
                }
                let why = match &d.path {
                    Some(path) => format!("no `Cargo.toml` in `{}`", path.display()),
                    None => format!(
                        "no version of `{}`{} in Cargo's registry cache (run `cargo fetch`)",
                        d.package,
                        d.req
                            .as_deref()
                            .map(|r| format!(" matching `{r}`"))
                            .unwrap_or_default()
                    ),
                };
                unread.push((NoticeKind::DependencyNotRead, not_read(&name, &why)));
                continue;
            };
            if let Some(pin) = pin_missing {
                unread.push((
                    NoticeKind::DependencyVersion,
                    format!(
                        "dependency `{}` was read at another version than `Cargo.lock` pins: {} {pin} is not in Cargo's registry cache (run `cargo fetch`), `{}` was read",
                        name,
                        d.package,
                        folder.display()
                    ),
                ));
            }
            if self.manifest(&folder).proc_macro {
                continue;
            }
            let size = self.size(&folder);
            if size > cap {
                unread.push((
                    NoticeKind::DependencyNotRead,
                    not_read(
                        &name,
                        &format!(
                            "its {} KiB of source are more than read for this package ({} KiB)",
                            size >> 10,
                            cap >> 10
                        ),
                    ),
                ));
                continue;
            }
            let features = self
                .manifest(&folder)
                .enabled_features(&d.features, d.default_features);
            match self.library(&folder, tree_budget, deep, features) {
                Some(library) => {
                    if let Some(first) = library.unparsed.first() {
                        let others = match library.unparsed.len() - 1 {
                            0 => String::new(),
                            n => format!(" (and {n} more of its files)"),
                        };
                        unread.push((
                            NoticeKind::DependencyNotRead,
                            format!(
                                "dependency `{}` was read in part: `{}`{others} does not parse, so the types this package locks from it may be unknown",
                                name,
                                first.display()
                            ),
                        ));
                    }
                    out.push((name, library.facts.clone()));
                }
                None => unread.push((
                    NoticeKind::DependencyNotRead,
                    not_read(
                        &name,
                        &format!("no library could be read in `{}`", folder.display()),
                    ),
                )),
            }
        }
        out
    }

    /// The folder of a dependency's package, and the version `Cargo.lock`
    /// pins when the cache lacks it (another that the requirement accepts
    /// is read instead).
    fn locate(&self, d: &Dependency, lock: Option<&Pinned>) -> Option<(PathBuf, Option<Version>)> {
        if let Some(path) = &d.path {
            return path
                .join("Cargo.toml")
                .is_file()
                .then(|| (path.clone(), None));
        }
        let versions = self.index().get(&d.package)?;
        let req = d.req.as_deref().and_then(|r| VersionReq::parse(r).ok());
        let accepts = |v: &Version| req.as_ref().is_none_or(|r| r.matches(v));
        let pins: Vec<&Version> = lock
            .and_then(|l| l.get(&d.package))
            .into_iter()
            .flatten()
            .rev()
            .filter(|v| accepts(v))
            .collect();
        if let Some((_, folder)) = pins
            .iter()
            .find_map(|v| versions.iter().find(|(w, _)| w == *v))
        {
            return Some((folder.clone(), None));
        }
        let (_, folder) = versions.iter().rev().find(|(v, _)| accepts(v))?;
        Some((folder.clone(), pins.first().map(|v| (*v).clone())))
    }

    /// The registry cache's packages, listed once per run.
    fn index(&self) -> &RegistryIndex {
        self.index.get_or_init(|| {
            let mut index = RegistryIndex::new();
            let Some(registry) = &self.registry else {
                return index;
            };
            for source in read_dirs(registry) {
                for folder in read_dirs(&source) {
                    let name = folder
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    if let Some((package, version)) = split_folder_name(&name) {
                        index
                            .entry(package.to_string())
                            .or_default()
                            .push((version, folder));
                    }
                }
            }
            for versions in index.values_mut() {
                versions.sort_by(|a, b| a.0.cmp(&b.0));
            }
            index
        })
    }

    /// The versions pinned by the `Cargo.lock` of the package's folder or
    /// the nearest folder above it that has one (a workspace's).
    fn lockfile(&self, dir: &Path) -> Option<Arc<Pinned>> {
        // From the absolute folder: `.` has no parent to search.
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let path = dir
            .ancestors()
            .map(|d| d.join("Cargo.lock"))
            .find(|p| p.is_file())?;
        let mut files = self
            .lockfiles
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = files.get(&path) {
            return Some(found.clone());
        }
        let pinned = Arc::new(read_lockfile(&path).unwrap_or_default());
        files.insert(path, pinned.clone());
        Some(pinned)
    }

    /// The `.rs` source a dependency's package holds, measured once.
    fn size(&self, folder: &Path) -> u64 {
        let mut sizes = self.sizes.lock().unwrap_or_else(PoisonError::into_inner);
        *sizes.entry(folder.to_path_buf()).or_insert_with(|| {
            let mut files = Vec::new();
            workspace::walk_rs(folder, &mut files);
            workspace::bytes_of(&files)
        })
    }

    /// What a dependency's manifest says of its library, read once (an
    /// unreadable manifest says nothing: the library is then not found).
    fn manifest(&self, folder: &Path) -> Arc<LibraryManifest> {
        let mut manifests = self
            .manifests
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        manifests
            .entry(folder.to_path_buf())
            .or_insert_with(|| {
                let table = std::fs::read_to_string(folder.join("Cargo.toml"))
                    .ok()
                    .and_then(|text| text.parse::<toml::Table>().ok());
                let lib = table.as_ref().and_then(|t| t.get("lib"));
                let field = |key: &str| lib.and_then(|l| l.get(key));
                Arc::new(LibraryManifest {
                    name: field("name")
                        .and_then(|n| n.as_str())
                        .map(|n| n.replace('-', "_")),
                    proc_macro: [field("proc-macro"), field("proc_macro")]
                        .into_iter()
                        .any(|v| v.and_then(|v| v.as_bool()) == Some(true)),
                    features: table
                        .as_ref()
                        .and_then(|t| t.get("features"))
                        .and_then(|f| f.as_table())
                        .map(|f| {
                            f.iter()
                                .map(|(k, v)| {
                                    let on = v.as_array().into_iter().flatten();
                                    let on = on.filter_map(|x| x.as_str().map(str::to_string));
                                    (k.clone(), on.collect())
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            })
            .clone()
    }

    /// A library's facts, read by the first package that needs them.
    fn library(
        &self,
        folder: &Path,
        tree_budget: usize,
        deep: bool,
        features: Vec<String>,
    ) -> Option<Arc<Library>> {
        let cell = self
            .libraries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((folder.to_path_buf(), deep, features.clone()))
            .or_default()
            .clone();
        cell.get_or_init(|| {
            // A bug on another crate's code must not cost the package its lint.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.read_library(folder, tree_budget, deep, features)
            }))
            .ok()
            .flatten()
            .map(Arc::new)
        })
        .clone()
    }

    /// The facts of the library of the package in `folder`: `None` for a
    /// package with no library or a proc-macro crate (its types never reach
    /// the code that uses it). When `deep`, its own dependencies that its
    /// structs' fields name are read for it (parley's `FontContext` holds
    /// fontique's `Collection`, whose maps its methods fill), and what they
    /// say of those types is part of its facts.
    fn read_library(
        &self,
        folder: &Path,
        tree_budget: usize,
        deep: bool,
        features: Vec<String>,
    ) -> Option<Library> {
        let mut pkg = workspace::discover(folder)
            .ok()?
            .into_iter()
            .find_map(|u| match u {
                Unit::Package(p) if p.manifest.parent() == Some(folder) => Some(p),
                _ => None,
            })?;
        if pkg.proc_macro {
            return None;
        }
        let root = pkg.lib_root()?;
        pkg.targets.retain(|t| t.kind == "lib");
        let loaded =
            workspace::load_package(&pkg, &crate::display_path, &|_| false, tree_budget).ok()?;
        let files: Vec<ParsedFile> = loaded.files.into_iter().map(|(f, _)| f).collect();
        let nested = |named: &HashSet<String>| {
            if !deep {
                return Vec::new();
            }
            self.imports(&pkg, &[], named, tree_budget, &mut Vec::new(), false)
        };
        let (facts, unparsed) = engine::library_facts(files, &root, &nested, features);
        Some(Library {
            facts: Arc::new(facts),
            unparsed,
        })
    }
}

/// The note for a dependency not read, and why.
fn not_read(name: &str, why: &str) -> String {
    format!(
        "dependency `{name}` was not read ({why}), so the types this package locks from it are unknown"
    )
}

/// The sub-folders of a folder, sorted.
fn read_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs
}

/// A registry folder's package name and version: `toml-0.9.12+spec-1.1.0`
/// is `toml` 0.9.12+spec-1.1.0 (a name may hold `-`, a version too).
fn split_folder_name(name: &str) -> Option<(&str, Version)> {
    name.match_indices('-').find_map(|(i, _)| {
        let rest = &name[i + 1..];
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        Some((&name[..i], Version::parse(rest).ok()?))
    })
}

/// The versions a `Cargo.lock` pins, by package name, oldest first.
fn read_lockfile(path: &Path) -> Option<Pinned> {
    let text = std::fs::read_to_string(path).ok()?;
    let table: toml::Table = text.parse().ok()?;
    let mut pinned: HashMap<String, Vec<Version>> = HashMap::new();
    for entry in table.get("package")?.as_array()? {
        let field = |k: &str| entry.get(k).and_then(|v| v.as_str());
        if let (Some(name), Some(version)) = (field("name"), field("version"))
            && let Ok(version) = Version::parse(version)
        {
            pinned.entry(name.to_string()).or_default().push(version);
        }
    }
    for versions in pinned.values_mut() {
        versions.sort();
    }
    Some(pinned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_folder_names_split_at_the_version() {
        let got = |n: &str| split_folder_name(n).map(|(p, v)| format!("{p} {v}"));
        assert_eq!(got("serde-1.0.200").as_deref(), Some("serde 1.0.200"));
        assert_eq!(got("tokio-util-0.7.1").as_deref(), Some("tokio-util 0.7.1"));
        assert_eq!(
            got("toml-0.9.12+spec-1.1.0").as_deref(),
            Some("toml 0.9.12+spec-1.1.0")
        );
        assert_eq!(
            got("x25519-dalek-2.0.0-rc.3").as_deref(),
            Some("x25519-dalek 2.0.0-rc.3")
        );
        assert_eq!(got("no-version"), None);
        assert_eq!(got("sha2-0.10"), None);
    }
}
