//! Output formats: `human` (rustc-style, via annotate-snippets), `json`
//! (cargo's `--message-format=json` shape) and `sarif` (SARIF 2.1.0).

pub mod human;
pub mod json;
pub mod sarif;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Pos, Span};

/// The text of every linted file, by displayed path.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: HashMap<PathBuf, Arc<str>>,
}

impl Sources {
    /// Records a file's text.
    pub fn insert(&mut self, display: PathBuf, text: Arc<str>) {
        self.files.insert(display, text);
    }

    /// A file's text.
    pub fn get(&self, display: &Path) -> Option<&str> {
        self.files.get(display).map(|s| &**s)
    }
}

/// The byte offset of the start of each line.
fn line_starts(src: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(src.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// The byte offset of a position (clamped to the end of its line).
pub fn offset(src: &str, pos: Pos) -> usize {
    let starts = line_starts(src);
    offset_with(src, &starts, pos)
}

fn offset_with(src: &str, starts: &[usize], pos: Pos) -> usize {
    let Some(&ls) = starts.get(pos.line.saturating_sub(1)) else {
        return src.len();
    };
    let le = starts
        .get(pos.line)
        .map(|e| e.saturating_sub(1))
        .unwrap_or(src.len());
    let line = &src[ls..le];
    let col = pos.column.saturating_sub(1);
    ls + line
        .char_indices()
        .nth(col)
        .map(|(i, _)| i)
        .unwrap_or(line.len())
}

/// The lines a span covers: `(text of those lines, first line number, span
/// as a byte range within that text, byte range within the whole file)`.
pub fn excerpt<'s>(src: &'s str, span: &Span) -> (&'s str, usize, Range<usize>, Range<usize>) {
    let starts = line_starts(src);
    let first = span.start.line.clamp(1, starts.len());
    let last = span.end.line.clamp(first, starts.len());
    let from = starts[first - 1];
    let to = starts
        .get(last)
        .map(|e| e.saturating_sub(1))
        .unwrap_or(src.len());
    let to = if src[from..to].ends_with('\r') {
        to - 1
    } else {
        to
    };
    let a = offset_with(src, &starts, span.start).clamp(from, to);
    let b = offset_with(src, &starts, span.end).clamp(a, to);
    (&src[from..to], first, (a - from)..(b - from), a..b)
}
