//! Configuration: `stats-lint.toml` at the workspace root, then command-line
//! `-A/-W/-D NAME` (and `-D warnings`), applied in order.
//!
//! ```toml
//! # stats-lint.toml
//! [lints]
//! counter_map = "allow"          # allow | warn | deny
//! shared_map_mutation = "deny"
//!
//! [paths]
//! skip = ["examples/legacy", "src/generated/**"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::diagnostic::Level;
use crate::lints;

/// The file name looked for at the workspace root.
pub const FILE_NAME: &str = "stats-lint.toml";

/// Lint levels and skipped paths.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Levels set by the file or the command line, by lint name.
    pub levels: BTreeMap<String, Level>,
    /// `-D warnings` / `-A warnings`: the level every `warn` finding is raised (or lowered) to.
    pub warnings: Option<Level>,
    /// Path patterns (relative to `root`) whose files are not linted.
    pub skip: Vec<String>,
    /// The folder the skip patterns are relative to.
    pub root: PathBuf,
    /// How many packages are linted at once; `None`: one per core.
    pub jobs: Option<usize>,
    /// Where the libraries a package depends on are read from.
    pub dependencies: Dependencies,
}

/// Where the sources of a package's dependencies are read from. Their
/// types, aliases and methods are facts for the package's code (a lock
/// around another crate's struct that owns a map is a lock around a map);
/// they are never linted themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dependencies {
    /// Path dependencies from their folders, registry dependencies from
    /// Cargo's source cache (`$CARGO_HOME/registry/src`, filled by `cargo
    /// fetch` or any build): the version `Cargo.lock` pins, else the newest
    /// there that the manifest's requirement accepts.
    #[default]
    Registry,
    /// As `Registry`, with the registry's sources in this folder instead
    /// (laid out as Cargo's: `<index>/<name>-<version>/`).
    RegistryAt(PathBuf),
    /// Read no dependency: only the package's code and, in a workspace, the
    /// libraries of its members.
    Off,
}

impl Config {
    /// Reads `stats-lint.toml` from `dir` or its nearest ancestor that has
    /// one; an empty configuration rooted at `dir` when there is none.
    pub fn discover(dir: &Path) -> Result<Config, Error> {
        let mut cur = Some(dir);
        while let Some(d) = cur {
            let p = d.join(FILE_NAME);
            if p.is_file() {
                return Config::load(&p);
            }
            cur = d.parent();
        }
        Ok(Config {
            root: dir.to_path_buf(),
            ..Config::default()
        })
    }

    /// Reads one configuration file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut c = Config::parse(&text).map_err(|e| match e {
            Error::Config { message, .. } => Error::Config {
                path: Some(path.to_path_buf()),
                message,
            },
            other => other,
        })?;
        c.root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(c)
    }

    /// Parses the text of a configuration file.
    pub fn parse(text: &str) -> Result<Config, Error> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| Error::config(e.to_string().trim_end()))?;
        let mut c = Config::default();
        for (key, value) in &table {
            match key.as_str() {
                "lints" => {
                    let t = value
                        .as_table()
                        .ok_or_else(|| Error::config("`lints` must be a table"))?;
                    for (name, level) in t {
                        let level_str = level.as_str().ok_or_else(|| {
                            Error::config(format!("the level of `{name}` must be a string"))
                        })?;
                        let level = Level::parse(level_str).ok_or_else(|| {
                            Error::config(format!(
                                "unknown level `{level_str}` for `{name}` (expected allow, warn or deny)"
                            ))
                        })?;
                        c.set(name, level)?;
                    }
                }
                "paths" => {
                    let t = value
                        .as_table()
                        .ok_or_else(|| Error::config("`paths` must be a table"))?;
                    for (k, v) in t {
                        if k != "skip" {
                            return Err(Error::config(format!(
                                "unknown key `paths.{k}` (expected `skip`)"
                            )));
                        }
                        let arr = v
                            .as_array()
                            .ok_or_else(|| Error::config("`paths.skip` must be an array"))?;
                        for p in arr {
                            let s = p
                                .as_str()
                                .ok_or_else(|| Error::config("`paths.skip` must hold strings"))?;
                            c.skip.push(s.trim_end_matches('/').to_string());
                        }
                    }
                }
                other => {
                    return Err(Error::config(format!(
                        "unknown key `{other}` (expected `lints` or `paths`)"
                    )));
                }
            }
        }
        Ok(c)
    }

    /// Sets a lint's level; `warnings` sets the level of every warning.
    pub fn set(&mut self, name: &str, level: Level) -> Result<(), Error> {
        if name == "warnings" {
            self.warnings = Some(level);
            return Ok(());
        }
        let lint = lints::find(name).ok_or_else(|| Error::UnknownLint {
            name: name.to_string(),
        })?;
        self.levels.insert(lint.name.to_string(), level);
        Ok(())
    }

    /// The level in force for a finding of `lint`.
    pub fn level(&self, lint: &str) -> Level {
        let base = match lints::find(lint) {
            Some(l) => self.levels.get(l.name).copied().unwrap_or(l.default_level),
            None => Level::Warn,
        };
        match (base, self.warnings) {
            (Level::Warn, Some(w)) => w,
            (b, _) => b,
        }
    }

    /// Whether `path` is skipped by a `paths.skip` pattern.
    pub fn is_skipped(&self, path: &Path) -> bool {
        if self.skip.is_empty() {
            return false;
        }
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        let rel = rel.to_string_lossy().replace('\\', "/");
        self.skip.iter().any(|pat| glob_match(pat, &rel))
    }
}

/// Matches a path against a pattern: `*` matches within one path segment,
/// `**` any number of segments; a pattern also matches everything below it.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let segs: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    match_segs(&pat, &segs)
}

fn match_segs(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => true, // prefix match: everything below a matched folder
        Some((&"**", rest)) => (0..=segs.len()).any(|i| match_segs(rest, &segs[i..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, srest)) => match_one(p, s) && match_segs(rest, srest),
            None => false,
        },
    }
}

fn match_one(p: &str, s: &str) -> bool {
    match p.split_once('*') {
        None => p == s,
        Some((pre, post)) => {
            s.len() >= pre.len() + post.len()
                && s.starts_with(pre)
                && match_one_rest(post, &s[pre.len()..])
        }
    }
}

fn match_one_rest(p: &str, s: &str) -> bool {
    // `p` is what follows a `*`: find it anywhere after
    if !p.contains('*') {
        return s.ends_with(p);
    }
    (0..=s.len()).any(|i| s.is_char_boundary(i) && match_one(p, &s[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("examples/bad", "examples/bad/src/lib.rs"));
        assert!(glob_match("src/**/gen_*.rs", "src/a/b/gen_x.rs"));
        assert!(glob_match("src/*.rs", "src/lib.rs"));
        assert!(!glob_match("src/*.rs", "src/a/lib.rs"));
        assert!(!glob_match("examples/bad", "examples/badder/x.rs"));
    }

    #[test]
    fn parses_levels_and_warnings() {
        let mut c =
            Config::parse("[lints]\ncounter_map = \"allow\"\n[paths]\nskip = [\"gen\"]\n").unwrap();
        assert_eq!(c.level("counter_map"), Level::Allow);
        assert_eq!(c.level("static_mut_map"), Level::Deny);
        c.set("warnings", Level::Deny).unwrap();
        assert_eq!(c.level("shared_map_mutation"), Level::Deny);
        assert_eq!(c.level("counter_map"), Level::Allow);
        assert!(Config::parse("[lints]\nnope = \"warn\"").is_err());
        assert!(Config::parse("[lints]\ncounter_map = \"loud\"").is_err());
    }
}
