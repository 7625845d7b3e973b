//! The one error type of a lint run: what stops it (exit code 2 on the
//! command line), as a message for the user.

use std::fmt;

/// Something that stops a run: an unreadable file or manifest, a bad
/// configuration, a path that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}
