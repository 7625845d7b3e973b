//! A bound on how deeply a file's brackets nest before it is parsed.
//!
//! syn parses by recursive descent, so each level of `(`, `[` or `{` costs
//! stack: 100,000 nested parentheses overflow even the workers' 256 MiB
//! stacks, and a stack overflow aborts the whole process, not one package.
//! Real code nests a few dozen levels; a file nested deeper than
//! [`MAX_NESTING`] is not parsed and is named as a file that does not parse.
//! Operators nest the tree without brackets (`----1`, `x.f.f.f`, `a + b +
//! c`): an expression of more than [`MAX_OPERATORS`] of them is refused too.

/// The deepest bracket nesting parsed.
pub(crate) const MAX_NESTING: usize = 4096;

/// The most operator characters parsed between two of `;`, `,`, `{`, `}`.
pub(crate) const MAX_OPERATORS: usize = 20_000;

/// The error for a file nested deeper than [`MAX_NESTING`], or with an
/// expression of more than [`MAX_OPERATORS`] operators, if it is.
pub(crate) fn check(text: &str) -> Result<(), syn::Error> {
    let Depth {
        brackets,
        operators,
    } = max_depth(text);
    let message = if brackets > MAX_NESTING {
        format!("brackets nested more than {MAX_NESTING} levels deep (at least {brackets})")
    } else if operators > MAX_OPERATORS {
        format!("an expression of more than {MAX_OPERATORS} operators (at least {operators})")
    } else {
        return Ok(());
    };
    Err(syn::Error::new(
        proc_macro2::Span::call_site(),
        format!("{message}: not parsed, as a deeper syntax tree could overflow the stack"),
    ))
}

/// How deeply a file's syntax tree may nest.
#[derive(Debug, PartialEq)]
struct Depth {
    /// The deepest nesting of `(`, `[` and `{`.
    brackets: usize,
    /// The most operator characters (`.`, `-`, `!`, `&`, `+`, ..) between
    /// two of `;`, `,`, `{`, `}`.
    operators: usize,
}

/// The nesting of `(`, `[` and `{`, and the longest run of operators,
/// outside comments, strings and character literals. A lexer's
/// approximation: it only has to be exact where a file nests deeply.
fn max_depth(text: &str) -> Depth {
    let b = text.as_bytes();
    let (mut i, mut depth, mut max) = (0, 0usize, 0usize);
    let (mut run, mut longest) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                max = max.max(depth);
                run = 0;
                i += 1;
            }
            b'(' | b'[' => {
                depth += 1;
                max = max.max(depth);
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                run = 0;
                i += 1;
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b';' | b',' => {
                run = 0;
                i += 1;
            }
            b'.' | b'-' | b'!' | b'&' | b'*' | b'+' | b'%' | b'^' | b'|' | b'<' | b'>' | b'='
            | b'?' => {
                run += 1;
                longest = longest.max(run);
                i += 1;
            }
            b'/' if !matches!(b.get(i + 1), Some(b'/' | b'*')) => {
                run += 1;
                longest = longest.max(run);
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = block_comment_end(b, i),
            b'"' => i = string_end(b, i + 1),
            b'r' if is_raw_string(b, i) => i = raw_string_end(b, i + 1),
            b'\'' => i = char_end(b, i),
            _ => i += 1,
        }
    }
    Depth {
        brackets: max,
        operators: longest,
    }
}

/// Past a block comment starting at `i` (they nest).
fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut open = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            open += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            open -= 1;
            i += 2;
            if open == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Past the closing quote of a string whose content starts at `i`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// `r"..."`, `r#"..."#` (also after `b` or `c`), not an identifier ending in `r`.
fn is_raw_string(b: &[u8], i: usize) -> bool {
    let ident_before = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    let prefixed =
        i > 0 && matches!(b[i - 1], b'b' | b'c') && (i < 2 || !b[i - 2].is_ascii_alphanumeric());
    if ident_before && !prefixed {
        return false;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    b.get(j) == Some(&b'"')
}

/// Past a raw string whose hashes start at `i`.
fn raw_string_end(b: &[u8], mut i: usize) -> usize {
    let mut hashes = 0;
    while b.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    i += 1;
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

/// Past a character literal (`'('`, `'\''`, `'\u{28}'`) at `i`, or past the
/// quote of a lifetime (`'a`).
fn char_end(b: &[u8], i: usize) -> usize {
    match (b.get(i + 1), b.get(i + 2)) {
        (Some(b'\\'), _) => {
            let mut j = i + 2;
            while j < b.len() && b[j] != b'\'' && j < i + 12 {
                j += 1;
            }
            j + 1
        }
        (Some(_), Some(b'\'')) => i + 3,
        _ => {
            // A multi-byte character: `'é'`.
            let rest = std::str::from_utf8(&b[i + 1..b.len().min(i + 6)]).unwrap_or("");
            match rest.chars().next() {
                Some(c) if b.get(i + 1 + c.len_utf8()) == Some(&b'\'') => i + 2 + c.len_utf8(),
                _ => i + 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_code_count_and_those_in_literals_do_not() {
        let brackets = |t: &str| max_depth(t).brackets;
        assert_eq!(brackets("fn f() { g((1, [2])) }"), 4);
        assert_eq!(
            brackets("fn f<'a>(x: &'a str) { let c = '('; let s = \"(((\"; }"),
            1
        );
        assert_eq!(brackets("// ((((\n/* (( /* ( */ ( */ fn f() {}"), 1);
        assert_eq!(
            brackets("let s = r#\"((\"# ; let t = br\"[[\"; let q = '\\''; let u = '\\u{28}';"),
            0
        );
        assert_eq!(brackets("let s = \"\\\"((\"; let e = 'é'; (x)"), 1);
        assert_eq!(brackets("for r in rs { (r) }"), 2);
    }

    #[test]
    fn a_file_nested_too_deeply_is_an_error_not_a_stack_overflow() {
        let deep = format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let err = check(&deep).expect_err("too deep");
        assert!(err.to_string().contains("more than 4096 levels"), "{err}");
        let shallow = format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(MAX_NESTING - 2),
            ")".repeat(MAX_NESTING - 2)
        );
        assert!(check(&shallow).is_ok());
    }

    #[test]
    fn operators_chained_without_brackets_are_counted_per_expression() {
        let ops = |t: &str| max_depth(t).operators;
        assert_eq!(ops("let a = x.y + -z; let b = !c;"), 4);
        // Separators, braces and comments end a run; strings hold none.
        assert_eq!(ops("f(a.b, c.d); { e.f } // ...\n let s = \"....\";"), 1);
        for chain in ["-".repeat(200_000), ".f".repeat(200_000)] {
            let text = format!("fn f() {{ let w = x{chain}; }}");
            let err = check(&text).expect_err("too long");
            assert!(
                err.to_string().contains("more than 20000 operators"),
                "{err}"
            );
        }
        let long_but_fine = format!("fn f() {{ let w = 1{}; }}", " + 1".repeat(9_000));
        assert!(check(&long_but_fine).is_ok());
    }
}
