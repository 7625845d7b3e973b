//! Case conversion, in one place: field names to the `{Struct}Field`
//! enum's variants (`PascalCase`), and key variant names to their labels
//! (`snake_case`).

use proc_macro2::Ident;
use syn::ext::IdentExt;

/// `created` -> `Created`, `errors_5xx` -> `Errors5xx`, `r#type` -> `Type`.
pub fn variant_name(field: &Ident) -> Ident {
    let name: String = field
        .unraw()
        .to_string()
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect();
    // A field named `_` or `__` has no letters to keep.
    let name = if name.is_empty() {
        "Field".to_owned()
    } else {
        name
    };
    Ident::new(&name, field.span())
}

/// The `snake_case` label of a variant name: words are split before an
/// uppercase letter that follows a lowercase letter or a digit
/// (`BankTransfer` -> `bank_transfer`, `Http2Server` -> `http2_server`), and
/// before the last capital of a run of capitals followed by a lowercase
/// letter, so an acronym stays one word (`HTTPServer` -> `http_server`,
/// `HTTP2` -> `http2`, `IPv4` -> `i_pv4`). Then everything is lowercased.
/// Digits never start a word, and an `_` already in the name is kept as the
/// only separator (`Bank_Transfer` -> `bank_transfer`).
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 && !out.ends_with('_') {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_is_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_splits_words_and_keeps_acronyms_whole() {
        let cases = [
            ("Card", "card"),
            ("BankTransfer", "bank_transfer"),
            ("HttpServer", "http_server"),
            ("HTTPServer", "http_server"),
            ("HTTP2", "http2"),
            ("Http2Server", "http2_server"),
            ("IPv4", "i_pv4"),
            ("ABTest", "ab_test"),
            ("X509Cert", "x509_cert"),
            ("Errors5xx", "errors5xx"),
            ("Bank_Transfer", "bank_transfer"),
            ("A", "a"),
            ("AB", "ab"),
            ("Über", "über"),
            ("ÜberSchnell", "über_schnell"),
        ];
        for (name, label) in cases {
            assert_eq!(snake_case(name), label, "{name}");
        }
    }
}
