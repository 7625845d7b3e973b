//! Raw `#[stat_table(...)]` and `#[stat(...)]` attributes into typed options.
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
                    let lit = string_value(&meta)?;
                    match lit.parse::<Path>() {
                        Ok(path) => {
                            if out.krate.replace(path).is_some() {
                                duplicate(cx, &meta);
                            }
                        }
                        Err(_) => cx.error_help(
                            &lit,
                            format!("`{}` is not a path", lit.value()),
                            "write the runtime's path, such as `crate = \"my_lib::stats_core\"`",
                        ),
                    }
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
