//! Parsing 2015-edition sources: bare trait objects.
//!
//! syn reads the 2018 grammar, where a trait object is written `dyn Trait`.
//! Old crates write `Box<Fn(u8) + Send>` or `&Error`, and syn rejects the
//! whole file. When a file does not parse, it is read again with `dyn`
//! put before what looks like a bare trait object (`Fn(..)`, `FnMut(..)`,
//! `FnOnce(..)`, or a path followed by `+`, right after `<`, `&`, `(`, `,`
//! or `=`). Lines stay where they are; on such a line a column after the
//! insertion is off by four. A file that still does not parse keeps its
//! first error.

/// Parses a file, retrying once with bare trait objects made `dyn`.
pub(crate) fn parse_file(text: &str) -> Result<syn::File, syn::Error> {
    let first = syn::parse_file(text);
    if first.is_ok() {
        return first;
    }
    match with_dyn(text) {
        Some(rewritten) => syn::parse_file(&rewritten).or(first),
        None => first,
    }
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
