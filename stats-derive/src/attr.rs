//! Raw `#[stat_table(...)]`, `#[stat(...)]` and `#[stat_key(...)]` attributes
//! into typed options.
//! Each option keeps the tokens it came from, so later errors can point at
//! them.

use crate::ctxt::Ctxt;
use crate::symbol;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Path};

/// A parsed option value with the tokens it came from.
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// The literal or keyword that set it, for error spans.
    pub tokens: proc_macro2::TokenStream,
}

/// Options of `#[stat_table(...)]`.
#[derive(Default)]
pub struct ContainerAttrs {
    /// `prefix = "orders"`.
    pub prefix: Option<Spanned<String>>,
    /// `crate = "path"`.
    pub krate: Option<Path>,
}

/// Options of `#[stat(...)]` on one field.
#[derive(Default)]
pub struct FieldAttrs {
    /// `gauge`: the keyword, for spans.
    pub gauge: Option<proc_macro2::TokenStream>,
    /// `skip`.
    pub skip: Option<proc_macro2::TokenStream>,
    /// `name = "..."`.
    pub name: Option<Spanned<String>>,
    /// `keyed(...)`.
    pub keyed: Option<KeyedAttrs>,
    /// `histogram(...)`.
    pub histogram: Option<HistogramAttrs>,
}

/// Options of `histogram(...)` inside `#[stat(...)]`.
pub struct HistogramAttrs {
    /// The `histogram` keyword, for spans.
    pub keyword: proc_macro2::TokenStream,
    /// `buckets = [..]` or `buckets = exponential(start, factor, count)`:
    /// the bounds as written, before they are checked.
    pub buckets: Option<Spanned<Vec<u64>>>,
    /// Whether `buckets` was written at all (its error, if any, is already
    /// reported).
    pub buckets_written: bool,
}

/// Options of `keyed(...)` inside `#[stat(...)]`.
pub struct KeyedAttrs {
    /// The `keyed` keyword, for spans.
    pub keyword: proc_macro2::TokenStream,
    /// `capacity = N`: the most keys of an open key set.
    pub capacity: Option<Spanned<u64>>,
    /// `max_key_len = N`: the longest key an open key set stores, in bytes.
    pub max_key_len: Option<Spanned<u64>>,
    /// `label = "..."`: the label name.
    pub label: Option<Spanned<String>>,
}

impl ContainerAttrs {
    /// Reads every `#[stat_table]` attribute of the struct.
    pub fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = Self::default();
        for attr in attrs
            .iter()
            .filter(|a| a.path().is_ident(symbol::STAT_TABLE))
        {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident(symbol::PREFIX) {
                    let lit = string_value(&meta)?;
                    set_once(cx, &meta, &mut out.prefix, spanned(&lit));
                } else if meta.path.is_ident(symbol::CRATE) {
                    crate_path(cx, &meta, &mut out.krate)?;
                } else {
                    unknown(cx, &meta, symbol::STAT_TABLE, symbol::CONTAINER_KEYS);
                    skip_value(&meta)?;
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.push(error);
            }
        }
        out
    }
}

impl FieldAttrs {
    /// Reads every `#[stat]` attribute of one field.
    pub fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = Self::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident(symbol::STAT)) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident(symbol::GAUGE) {
                    flag(cx, &meta, &mut out.gauge)?;
                } else if meta.path.is_ident(symbol::SKIP) {
                    flag(cx, &meta, &mut out.skip)?;
                } else if meta.path.is_ident(symbol::NAME) {
                    let lit = string_value(&meta)?;
                    set_once(cx, &meta, &mut out.name, spanned(&lit));
                } else if meta.path.is_ident(symbol::HISTOGRAM) {
                    let histogram = HistogramAttrs::parse(cx, &meta)?;
                    set_once(cx, &meta, &mut out.histogram, histogram);
                } else if meta.path.is_ident(symbol::KEYED) {
                    let keyed = KeyedAttrs::parse(cx, &meta)?;
                    set_once(cx, &meta, &mut out.keyed, keyed);
                } else {
                    unknown(cx, &meta, symbol::STAT, symbol::FIELD_KEYS);
                    skip_value(&meta)?;
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.push(error);
            }
        }
        out
    }
}

impl KeyedAttrs {
    /// Reads `keyed(capacity = N, max_key_len = N, label = "...")`.
    fn parse(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Self> {
        let path = &meta.path;
        let mut out = Self {
            keyword: quote::quote!(#path),
            capacity: None,
            max_key_len: None,
            label: None,
        };
        if !meta.input.peek(syn::token::Paren) {
            cx.error_help(
                path,
                "`keyed` needs options",
                "write `keyed(capacity = 256)` for an open key set of `String`, \
                 or leave `keyed` out for a closed key set",
            );
            skip_value(meta)?;
            return Ok(out);
        }
        meta.parse_nested_meta(|inner| {
            if inner.path.is_ident(symbol::CAPACITY) {
                let lit = inner.value()?.parse::<syn::LitInt>()?;
                set_once(cx, &inner, &mut out.capacity, spanned_int(&lit)?);
            } else if inner.path.is_ident(symbol::MAX_KEY_LEN) {
                let lit = inner.value()?.parse::<syn::LitInt>()?;
                set_once(cx, &inner, &mut out.max_key_len, spanned_int(&lit)?);
            } else if inner.path.is_ident(symbol::LABEL) {
                let lit = string_value(&inner)?;
                set_once(cx, &inner, &mut out.label, spanned(&lit));
            } else {
                unknown(cx, &inner, "stat(keyed)", symbol::KEYED_KEYS);
                skip_value(&inner)?;
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl HistogramAttrs {
    /// Reads `histogram(buckets = [..])` or
    /// `histogram(buckets = exponential(start, factor, count))`.
    fn parse(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Self> {
        let path = &meta.path;
        let mut out = Self {
            keyword: quote::quote!(#path),
            buckets: None,
            buckets_written: false,
        };
        if !meta.input.peek(syn::token::Paren) {
            cx.error_help(
                path,
                "`histogram` needs its buckets",
                "write `histogram(buckets = [10, 100, 1000])` or `histogram(buckets = exponential(10, 2, 8))`",
            );
            skip_value(meta)?;
            return Ok(out);
        }
        meta.parse_nested_meta(|inner| {
            if inner.path.is_ident(symbol::BUCKETS) {
                out.buckets_written = true;
                let value: syn::Expr = inner.value()?.parse()?;
                if let Some(buckets) = bucket_bounds(cx, &value) {
                    set_once(cx, &inner, &mut out.buckets, buckets);
                }
            } else {
                unknown(cx, &inner, "stat(histogram)", &[symbol::BUCKETS]);
                skip_value(&inner)?;
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// The bounds of `[a, b, ..]` or `exponential(start, factor, count)`, as
/// written; `None` (and an error) for anything else. Whether they are sorted
/// and how many is checked later, with the field.
fn bucket_bounds(cx: &Ctxt, value: &syn::Expr) -> Option<Spanned<Vec<u64>>> {
    let tokens = quote::quote!(#value);
    let int = |expr: &syn::Expr| -> Option<u64> {
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(lit),
                ..
            }) => match lit.base10_parse::<u64>() {
                Ok(value) => Some(value),
                Err(_) => {
                    cx.error_help(
                        lit,
                        "a bucket bound is a whole number",
                        "use a `u64` literal",
                    );
                    None
                }
            },
            other => {
                cx.error_help(
                    other,
                    "a bucket bound must be an integer literal",
                    "histogram values are `u64`: write bounds such as `[10, 100, 1000]`",
                );
                None
            }
        }
    };
    match value {
        syn::Expr::Array(array) => {
            let bounds: Vec<Option<u64>> = array.elems.iter().map(int).collect();
            let bounds: Option<Vec<u64>> = bounds.into_iter().collect();
            bounds.map(|value| Spanned { value, tokens })
        }
        syn::Expr::Call(call) if matches!(&*call.func, syn::Expr::Path(path) if path.path.is_ident(symbol::EXPONENTIAL)) =>
        {
            let args: Vec<Option<u64>> = call.args.iter().map(int).collect();
            let [Some(start), Some(factor), Some(count)] = args[..] else {
                if args.len() != 3 {
                    cx.error_help(
                        call,
                        "`exponential` takes three whole numbers",
                        "write `exponential(start, factor, count)`: `count` bounds from `start`, each `factor` times the one before",
                    );
                }
                return None;
            };
            exponential(cx, call, start, factor, count).map(|value| Spanned { value, tokens })
        }
        other => {
            cx.error_help(
                other,
                "`buckets` must be a list of bounds or `exponential(start, factor, count)`",
                "write `buckets = [10, 100, 1000]` or `buckets = exponential(10, 2, 8)`",
            );
            None
        }
    }
}

/// `count` bounds from `start`, each `factor` times the one before.
fn exponential(
    cx: &Ctxt,
    call: &syn::ExprCall,
    start: u64,
    factor: u64,
    count: u64,
) -> Option<Vec<u64>> {
    if start == 0 || factor < 2 || count == 0 {
        cx.error_help(
            call,
            "`exponential` needs a start of at least 1, a factor of at least 2 and a count of at least 1",
            "for example `exponential(10, 2, 8)`: 10, 20, 40, .. 1280",
        );
        return None;
    }
    let mut bounds = Vec::new();
    let mut bound = start;
    for _ in 0..count.min(u64::from(u16::MAX)) {
        bounds.push(bound);
        match bound.checked_mul(factor) {
            Some(next) => bound = next,
            None if bounds.len() as u64 == count => break,
            None => {
                cx.error_help(
                    call,
                    format!(
                        "`exponential` passes `u64::MAX` after {} bounds",
                        bounds.len()
                    ),
                    "lower the start, the factor or the count",
                );
                return None;
            }
        }
    }
    Some(bounds)
}

fn spanned_int(lit: &syn::LitInt) -> syn::Result<Spanned<u64>> {
    Ok(Spanned {
        value: lit.base10_parse()?,
        tokens: quote::quote!(#lit),
    })
}

/// Where a `#[stat_key]` attribute sits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeyPlace {
    /// On the enum that derives `StatKey`.
    Enum,
    /// On one of its variants.
    Variant,
}

/// Options of `#[stat_key(...)]`: `crate` on the enum, `rename` on a variant.
/// An option in the wrong place is an error and is not stored.
#[derive(Default)]
pub struct KeyAttrs {
    /// `crate = "path"`, on the enum.
    pub krate: Option<Path>,
    /// `rename = "..."`, on a variant.
    pub rename: Option<Spanned<String>>,
}

impl KeyAttrs {
    /// Reads every `#[stat_key]` attribute of the enum or of one variant.
    pub fn parse(cx: &Ctxt, attrs: &[Attribute], place: KeyPlace) -> Self {
        let mut out = Self::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident(symbol::STAT_KEY)) {
            let result = attr.parse_nested_meta(|meta| {
                let is_rename = meta.path.is_ident(symbol::RENAME);
                let is_crate = meta.path.is_ident(symbol::CRATE);
                match place {
                    KeyPlace::Variant if is_rename => {
                        let lit = string_value(&meta)?;
                        set_once(cx, &meta, &mut out.rename, spanned(&lit));
                    }
                    KeyPlace::Enum if is_crate => crate_path(cx, &meta, &mut out.krate)?,
                    KeyPlace::Enum if is_rename => {
                        cx.error_help(
                            &meta.path,
                            "`rename` belongs on a variant, not on the enum",
                            "write `#[stat_key(rename = \"...\")]` on the variant whose label it sets",
                        );
                        skip_value(&meta)?;
                    }
                    KeyPlace::Variant if is_crate => {
                        cx.error_help(
                            &meta.path,
                            "`crate` belongs on the enum, not on a variant",
                            "move `#[stat_key(crate = \"...\")]` onto the enum",
                        );
                        skip_value(&meta)?;
                    }
                    KeyPlace::Enum | KeyPlace::Variant => {
                        let path = &meta.path;
                        cx.error_help(
                            path,
                            format!(
                                "unknown {} option `{}`",
                                symbol::STAT_KEY,
                                quote::quote!(#path)
                            ),
                            "the options of `#[stat_key]` are `rename = \"...\"` on a variant \
                             and `crate = \"...\"` on the enum",
                        );
                        skip_value(&meta)?;
                    }
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.push(error);
            }
        }
        out
    }
}

/// `crate = "path"`: the runtime's path, written as a string.
fn crate_path(cx: &Ctxt, meta: &ParseNestedMeta<'_>, slot: &mut Option<Path>) -> syn::Result<()> {
    let lit = string_value(meta)?;
    match lit.parse::<Path>() {
        Ok(path) => set_once(cx, meta, slot, path),
        Err(_) => cx.error_help(
            &lit,
            format!("`{}` is not a path", lit.value()),
            "write the runtime's path, such as `crate = \"my_lib::stats_core\"`",
        ),
    }
    Ok(())
}

fn spanned(lit: &LitStr) -> Spanned<String> {
    Spanned {
        value: lit.value(),
        tokens: quote::quote!(#lit),
    }
}

fn string_value(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse::<LitStr>()
}

/// A bare keyword such as `gauge`. `gauge = ...` is an error, but the flag
/// still counts, so the field gets no follow-on error about being untagged.
fn flag(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<proc_macro2::TokenStream>,
) -> syn::Result<()> {
    let path = &meta.path;
    let name = quote::quote!(#path);
    if meta.input.peek(syn::Token![=]) {
        cx.error_help(
            path,
            format!("`{name}` takes no value"),
            format!("write `#[stat({name})]`"),
        );
        skip_value(meta)?;
    }
    if slot.replace(name).is_some() {
        duplicate(cx, meta);
    }
    Ok(())
}

fn set_once<T>(cx: &Ctxt, meta: &ParseNestedMeta<'_>, slot: &mut Option<T>, value: T) {
    if slot.replace(value).is_some() {
        duplicate(cx, meta);
    }
}

fn duplicate(cx: &Ctxt, meta: &ParseNestedMeta<'_>) {
    let path = &meta.path;
    cx.error(path, format!("duplicate option `{}`", quote::quote!(#path)));
}

fn unknown(cx: &Ctxt, meta: &ParseNestedMeta<'_>, attr: &str, known: &[&str]) {
    let path = &meta.path;
    cx.error_help(
        path,
        format!("unknown {attr} option `{}`", quote::quote!(#path)),
        format!("the options of `#[{attr}]` are {}", symbol::one_of(known)),
    );
}

/// Consumes `= value` or `(...)` after an unknown key, so parsing can go on
/// and report the next error too.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}
