//! The error type of a lint run: what stops it (exit code 2 on the command
//! line). Findings are never errors; a file that does not parse is a
//! `syntax_error` finding, not an [`Error`].

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Something that stops a run.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file, manifest or configuration could not be read.
    Io {
        /// The path that could not be read.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A path given to the linter does not exist.
    NotFound(PathBuf),
    /// A `Cargo.toml` is not valid TOML.
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// The TOML parser's message.
        message: String,
    },
    /// A `stats-lint.toml` is not valid: bad TOML, an unknown key or level.
    Config {
        /// The configuration file, when the text came from one.
        path: Option<PathBuf>,
        /// What is wrong, lower case.
        message: String,
    },
    /// A lint name that no lint has (in the configuration or on the command line).
    UnknownLint {
        /// The name as given.
        name: String,
    },
    /// `build::check()` was called outside a build script.
    NotInBuildScript,
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::Config {
            path: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::NotFound(path) => write!(f, "no such file or folder: {}", path.display()),
            Error::Manifest { path, message } => {
                write!(f, "cannot parse {}: {message}", path.display())
            }
            Error::Config {
                path: Some(path),
                message,
            } => write!(f, "{}: {message}", path.display()),
            Error::Config {
                path: None,
                message,
            } => f.write_str(message),
            Error::UnknownLint { name } => {
                let known: Vec<&str> = crate::lints::LINTS.iter().map(|l| l.name).collect();
                write!(
                    f,
                    "unknown lint `{name}` (known lints: {})",
                    known.join(", ")
                )
            }
            Error::NotInBuildScript => {
                f.write_str("CARGO_MANIFEST_DIR is not set: call this from build.rs")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
