//! Parsing 2015-edition sources: bare trait objects and anonymous
//! parameters.
//!
//! syn reads the 2018 grammar, where a trait object is written `dyn Trait`
//! and every parameter has a pattern. Old crates write `Box<Fn(u8) + Send>`
//! or `&Error`, and trait methods without parameter names (`fn
//! execute(&self, Self::TaskId);`), and syn rejects the whole file. When a
//! file does not parse, it is read again with `dyn` put before what looks
//! like a bare trait object (`Fn(..)`, `FnMut(..)`, `FnOnce(..)`, or a path
//! followed by `+`, right after `<`, `&`, `(`, `,` or `=`), then, if it
//! still does not parse, also with `_: ` before each parameter of a named
//! `fn` that has no pattern. Lines stay where they are; on such a line a
//! column after an insertion is off by its length. A file that still does
//! not parse keeps its first error.

/// Parses a file, retrying with bare trait objects made `dyn`, then with
/// anonymous parameters named `_`.
pub(crate) fn parse_file(text: &str) -> Result<syn::File, syn::Error> {
    let first = syn::parse_file(text);
    if first.is_ok() {
        return first;
    }
    let dyn_text = with_dyn(text);
    let base = dyn_text.as_deref().unwrap_or(text);
    if dyn_text.is_some()
        && let Ok(file) = syn::parse_file(base)
    {
        return Ok(file);
    }
    match with_named_params(base) {
        Some(rewritten) => syn::parse_file(&rewritten).or(first),
        None => first,
    }
}

/// The text with `_: ` before each parameter of a named `fn` that has no
/// pattern (`fn execute(&self, Self::TaskId);`), if there is one.
fn with_named_params(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut inserts = Vec::new();
    let mut i = 0;
    while let Some(found) = text[i..].find("fn") {
        let at = i + found;
        i = at + 2;
        let word_start = at == 0 || !is_ident_byte(bytes[at - 1]);
        if !word_start || !bytes.get(at + 2).is_some_and(u8::is_ascii_whitespace) {
            continue;
        }
        // `fn name`, not a `fn(..)` pointer type.
        let name = skip_ws(bytes, at + 2);
        let mut j = skip_ident(bytes, name);
        if j == name {
            continue;
        }
        j = skip_ws(bytes, j);
        if bytes.get(j) == Some(&b'<') {
            let Some(end) = close_of(bytes, j) else {
                continue;
            };
            j = skip_ws(bytes, end + 1);
        }
        if bytes.get(j) != Some(&b'(') {
            continue;
        }
        let Some(end) = close_of(bytes, j) else {
            continue;
        };
        for (start, stop) in params(bytes, j + 1, end) {
            let param = text[start..stop].trim();
            if !param.is_empty() && !has_pattern(param) {
                inserts
                    .push(start + (text[start..stop].len() - text[start..stop].trim_start().len()));
            }
        }
        i = end;
    }
    if inserts.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 3 * inserts.len());
    let mut last = 0;
    for at in inserts {
        out.push_str(&text[last..at]);
        out.push_str("_: ");
        last = at;
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// Whether a parameter has a pattern: a `self` receiver, `...`, or a `:`
/// outside brackets that is not part of a `::`.
fn has_pattern(param: &str) -> bool {
    // `self`, `mut self`, `&self`, `&mut self`, `&'a self`, `&'a mut self`.
    let mut receiver = param.strip_prefix('&').unwrap_or(param).trim_start();
    if let Some(lifetime) = receiver.strip_prefix('\'') {
        receiver = lifetime
            .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_')
            .trim_start();
    }
    if let Some(rest) = receiver.strip_prefix("mut ") {
        receiver = rest.trim_start();
    }
    if receiver == "self" || param == "..." {
        return true;
    }
    let b = param.as_bytes();
    let mut depth = 0i32;
    for k in 0..b.len() {
        if b[k] == b':' && depth == 0 && b.get(k + 1) != Some(&b':') && (k == 0 || b[k - 1] != b':')
        {
            return true;
        }
        depth += bracket(b, k);
    }
    false
}

/// How the byte at `k` changes the bracket depth: `(`, `[`, `{`, `<` open,
/// their closers close, and the `>` of `->` does neither.
fn bracket(bytes: &[u8], k: usize) -> i32 {
    match bytes[k] {
        b'(' | b'[' | b'{' | b'<' => 1,
        b'>' if k > 0 && bytes[k - 1] == b'-' => 0,
        b')' | b']' | b'}' | b'>' => -1,
        _ => 0,
    }
}

/// The byte ranges of the comma-separated parameters between `from` and
/// the closing parenthesis at `end`.
fn params(bytes: &[u8], from: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = from;
    for k in from..end {
        if bytes[k] == b',' && depth == 0 {
            out.push((start, k));
            start = k + 1;
        }
        depth += bracket(bytes, k);
    }
    out.push((start, end));
    out
}

/// The index of the bracket closing the one at `open` (`(` or `<`), on the
/// same item: `None` at a `;` or `{` outside brackets.
fn close_of(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for k in open..bytes.len() {
        if matches!(bytes[k], b';' | b'{') && depth <= 0 {
            return None;
        }
        let step = bracket(bytes, k);
        depth += step;
        if step < 0 && depth == 0 {
            return Some(k);
        }
    }
    None
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The text with `dyn ` before each bare trait object, if there is one.
fn with_dyn(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'<' | b'&' | b'(' | b',' | b'=') {
            // Skip whitespace, `mut ` after `&`, and a lifetime after `&`.
            let mut j = i + 1;
            j = skip_ws(bytes, j);
            if b == b'&' {
                if bytes[j..].starts_with(b"'") {
                    j = skip_ident(bytes, j + 1);
                    j = skip_ws(bytes, j);
                }
                if bytes[j..].starts_with(b"mut ") {
                    j = skip_ws(bytes, j + 3);
                }
            }
            if bare_trait_object_at(bytes, j) {
                out.push_str(&text[last..j]);
                out.push_str("dyn ");
                last = j;
                changed = true;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    if !changed {
        return None;
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// Whether a bare trait object starts at `j`: `Fn(`, `FnMut(`, `FnOnce(`,
/// or an upper-case path (`Error`, `std::any::Any`, `Handler<T>`) followed by `+`.
fn bare_trait_object_at(bytes: &[u8], j: usize) -> bool {
    if !bytes.get(j).is_some_and(u8::is_ascii_uppercase) && !bytes[j..].starts_with(b"std::") {
        return false;
    }
    let start = j;
    let mut k = j;
    // A path: identifiers joined by `::`.
    loop {
        let end = skip_ident(bytes, k);
        if end == k {
            return false;
        }
        k = end;
        if bytes[k..].starts_with(b"::") {
            k += 2;
        } else {
            break;
        }
    }
    let name = &bytes[start..k];
    let last = name.rsplit(|&c| c == b':').next().unwrap_or(name);
    if matches!(last, b"Fn" | b"FnMut" | b"FnOnce") {
        return bytes.get(k) == Some(&b'(');
    }
    if !last.first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    // Generic arguments, then `+`.
    if bytes.get(k) == Some(&b'<') {
        let mut depth = 0usize;
        while k < bytes.len() {
            match bytes[k] {
                b'<' => depth += 1,
                b'>' => {
                    depth -= 1;
                    if depth == 0 {
                        k += 1;
                        break;
                    }
                }
                b'\n' | b';' | b'{' => return false,
                _ => {}
            }
            k += 1;
        }
    }
    let k = skip_ws(bytes, k);
    bytes.get(k) == Some(&b'+')
}

fn skip_ws(bytes: &[u8], mut j: usize) -> usize {
    while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
        j += 1;
    }
    j
}

fn skip_ident(bytes: &[u8], mut j: usize) -> usize {
    while bytes
        .get(j)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        j += 1;
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_trait_objects_get_dyn() {
        let src = "pub struct S { f: Box<FnMut(String) + Send>, g: Box<Fn(u8) -> u8 + Send + Sync> }\n\
                   type E = Box<Error + Send + Sync>;\n\
                   fn h(x: &Any, y: Box<Handler<T> + Send>, z: &'a mut Fn(u8)) {}\n";
        let out = with_dyn(src).expect("rewritten");
        assert!(out.contains("Box<dyn FnMut(String) + Send>"), "{out}");
        assert!(out.contains("Box<dyn Fn(u8) -> u8"), "{out}");
        assert!(out.contains("Box<dyn Error + Send"), "{out}");
        assert!(out.contains("Box<dyn Handler<T> + Send>"), "{out}");
        assert!(out.contains("&'a mut dyn Fn(u8)"), "{out}");
        assert!(out.contains("x: &Any"), "{out}");
        assert_eq!(out.lines().count(), src.lines().count());
        assert!(parse_file(src).is_ok());
    }

    #[test]
    fn anonymous_parameters_get_a_pattern() {
        let src = "trait TaskGroup {\n    fn execute(&self, Self::TaskId);\n    \
                   fn add<T: Into<u8>>(&mut self, Vec<T>, Box<Fn(u8) -> u8>) -> bool;\n    \
                   fn named(&'a self, x: u8, (a, b): (u8, u8), ::std::string::String);\n}\n\
                   type F = fn(u8) -> u8;\n";
        let out = with_named_params(src).expect("rewritten");
        assert!(out.contains("fn execute(&self, _: Self::TaskId);"), "{out}");
        assert!(
            out.contains("(&mut self, _: Vec<T>, _: Box<Fn(u8) -> u8>)"),
            "{out}"
        );
        assert!(
            out.contains("(&'a self, x: u8, (a, b): (u8, u8), _: ::std::string::String)"),
            "{out}"
        );
        assert!(out.contains("type F = fn(u8) -> u8;"), "{out}");
        assert_eq!(out.lines().count(), src.lines().count());
        assert!(syn::parse_file(src).is_err());
        assert!(parse_file(src).is_ok());
        assert!(with_named_params("fn f(&self, x: u8) {} fn g() {}").is_none());
    }

    #[test]
    fn parsable_and_hopeless_files_are_left_alone() {
        assert!(with_dyn("fn f<F: Fn(u8)>(f: F) -> Vec<u8> { if a < b { } vec![] }").is_none());
        let broken = "fn f( { Box<Fn(u8) + Send> }";
        let err = parse_file(broken).expect_err("still broken");
        assert_eq!(
            err.to_string(),
            syn::parse_file(broken).expect_err("broken").to_string()
        );
    }
}
