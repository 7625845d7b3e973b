//! `#[derive(StatKey)]`: a fieldless enum as a closed key set.
//!
//! The same pipeline as `StatTable`'s, in one file since it is small: read
//! the enum and its `#[stat_key]` options, check the labels, write
//! `impl KeyLabel` and `impl StatKey`. Every error is collected in a
//! [`Ctxt`] and reported at once; on errors nothing else is generated (an
//! enum's own code does not depend on the derive, so no placeholder is
//! needed).

use crate::attr::{KeyAttrs, KeyPlace, Spanned};
use crate::case;
use crate::ctxt::Ctxt;
use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, quote};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Path};

/// The whole derive: parse, check, expand; or every error found.
pub fn derive_stat_key(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::default();
    let key = KeyEnum::from_ast(&cx, input);
    if let Some(key) = &key {
        check_labels(&cx, key);
    }
    match key {
        Some(key) if !cx.has_errors() => expand(&key),
        _ => cx.into_compile_errors(),
    }
}

/// An enum that derives `StatKey`.
struct KeyEnum<'a> {
    /// The enum's name.
    ident: &'a Ident,
    /// `#[stat_key(crate = "...")]`.
    krate: Option<Path>,
    /// Every variant, in declaration order.
    variants: Vec<Variant<'a>>,
}

/// One variant and its label value.
struct Variant<'a> {
    ident: &'a Ident,
    /// `#[stat_key(rename)]`, or the `snake_case` of the name spanned on the
    /// variant's ident.
    label: Spanned<String>,
}

impl<'a> KeyEnum<'a> {
    /// Reads the enum, recording every problem in `cx`. Returns `None` when
    /// the input is not an enum.
    fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = KeyAttrs::parse(cx, &input.attrs, KeyPlace::Enum);
        let variants = match &input.data {
            Data::Enum(data) => Some(&data.variants),
            Data::Struct(data) => {
                not_an_enum(cx, data.struct_token);
                None
            }
            Data::Union(data) => {
                not_an_enum(cx, data.union_token);
                None
            }
        };
        if !input.generics.params.is_empty() {
            cx.error_help(
                &input.generics,
                "`StatKey` cannot be derived for a generic enum",
                "a key set is fixed at compile time: remove the type and lifetime parameters",
            );
        }
        let variants = variants?;
        if variants.is_empty() {
            cx.error_help(
                &input.ident,
                "`StatKey` needs an enum with at least one variant",
                "add at least one variant: an empty key set can count nothing",
            );
        }
        let variants = variants
            .iter()
            .map(|variant| Variant::from_ast(cx, variant))
            .collect();
        Some(Self {
            ident: &input.ident,
            krate: attrs.krate,
            variants,
        })
    }

    /// The runtime's private module (see `symbol::runtime_path`), under
    /// the path `#[stat_key(crate = "...")]` names, if any.
    fn runtime(&self) -> TokenStream {
        crate::symbol::runtime_path(self.krate.as_ref())
    }
}

impl<'a> Variant<'a> {
    fn from_ast(cx: &Ctxt, variant: &'a syn::Variant) -> Self {
        let attrs = KeyAttrs::parse(cx, &variant.attrs, KeyPlace::Variant);
        let ident = &variant.ident;
        match &variant.fields {
            Fields::Unit => {}
            Fields::Named(_) | Fields::Unnamed(_) => cx.error_help(
                &variant.fields,
                format!(
                    "variant `{}` has fields; `StatKey` needs a fieldless enum",
                    ident.unraw()
                ),
                "key variants carry no data: move the data out, \
                 or use an open key set `Keyed<String>`",
            ),
        }
        // An explicit discriminant (`Card = 10`) is allowed and ignored: the
        // index is the declaration position.
        let label = attrs.rename.unwrap_or_else(|| Spanned {
            value: case::snake_case(&ident.unraw().to_string()),
            tokens: ident.to_token_stream(),
        });
        Self { ident, label }
    }
}

fn not_an_enum(cx: &Ctxt, token: impl ToTokens) {
    cx.error_help(
        token,
        "`StatKey` needs a fieldless enum",
        "a closed key set is an enum like `enum Method { Card, Wallet }`; \
         for open key sets use `Keyed<String>` with `#[stat(keyed(capacity = N))]`",
    );
}

/// Each label is non-empty and used by one variant only.
fn check_labels(cx: &Ctxt, key: &KeyEnum<'_>) {
    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    for variant in &key.variants {
        let label = &variant.label;
        if label.value.is_empty() {
            cx.error_help(
                &label.tokens,
                format!("variant `{}` has an empty label", variant.ident.unraw()),
                "a label value must not be empty",
            );
            continue;
        }
        match seen.entry(&label.value) {
            Entry::Vacant(slot) => {
                slot.insert(variant.ident);
            }
            Entry::Occupied(first) => cx.error_help(
                &label.tokens,
                format!(
                    "label `{}` is already used by variant `{}`",
                    label.value,
                    first.get().unraw()
                ),
                "give one of them a different `#[stat_key(rename = \"...\")]`",
            ),
        }
    }
}

fn expand(key: &KeyEnum<'_>) -> TokenStream {
    let ident = key.ident;
    let rt = key.runtime();
    let variants: Vec<&Ident> = key.variants.iter().map(|v| v.ident).collect();
    let labels: Vec<&str> = key
        .variants
        .iter()
        .map(|v| v.label.value.as_str())
        .collect();
    let indices: Vec<Literal> = (0..variants.len()).map(Literal::usize_unsuffixed).collect();
    quote! {
        #[automatically_derived]
        impl #rt::KeyLabel for #ident {
            #[inline]
            fn label(&self) -> &::core::primitive::str {
                match self {
                    #(Self::#variants => #labels,)*
                }
            }

            #[inline]
            fn rank(&self) -> ::core::primitive::usize {
                match self {
                    #(Self::#variants => #indices,)*
                }
            }
        }

        #[automatically_derived]
        impl #rt::StatKey for #ident {
            const ALL: &'static [Self] = &[#(Self::#variants),*];
            const LABELS: &'static [&'static ::core::primitive::str] = &[#(#labels),*];

            #[inline]
            fn index(self) -> ::core::primitive::usize {
                match self {
                    #(Self::#variants => #indices,)*
                }
            }
        }
    }
}
