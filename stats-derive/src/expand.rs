//! Code generation: the table, its field enum, and the trait impls.

use crate::ast::{Container, Field, FieldKind};
use crate::ctxt::Ctxt;
use crate::valid;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::DeriveInput;
use syn::ext::IdentExt;

/// The whole derive: parse, validate, expand. On errors, the errors plus a
/// placeholder table so the user's other code does not add follow-on errors.
pub fn derive_stat_table(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::default();
    let Some(cont) = Container::from_ast(&cx, input) else {
        return cx.into_compile_errors();
    };
    valid::check(&cx, &cont);
    if cx.has_errors() {
        let placeholder = placeholder(&cont);
        let errors = cx.into_compile_errors();
        return quote!(#errors #placeholder);
    }
    expand(&cont)
}

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

fn table_ident(cont: &Container<'_>) -> Ident {
    format_ident!("{}Table", cont.ident)
}

fn field_enum_ident(cont: &Container<'_>) -> Ident {
    format_ident!("{}Field", cont.ident)
}

fn runtime(cont: &Container<'_>) -> TokenStream {
    match &cont.attrs.krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::stats_core::__private),
    }
}

/// The error path: a bare table type and constructor, so uses of
/// `Struct::table()` elsewhere do not add errors of their own.
fn placeholder(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let table = table_ident(cont);
    quote! {
        #[allow(dead_code, missing_docs)]
        #vis struct #table {}
        #[allow(dead_code, missing_docs)]
        impl #ident {
            #vis fn table() -> #table {
                #table {}
            }
        }
    }
}

/// The slot of each table field among fields of its kind.
struct Slots<'a, 'b> {
    counters: Vec<(&'b Field<'a>, usize)>,
    gauges: Vec<(&'b Field<'a>, usize)>,
}

impl<'a, 'b> Slots<'a, 'b> {
    fn of(cont: &'b Container<'a>) -> Self {
        let mut slots = Self {
            counters: Vec::new(),
            gauges: Vec::new(),
        };
        for field in cont.table_fields() {
            match field.kind {
                FieldKind::Counter => slots.counters.push((field, slots.counters.len())),
                FieldKind::Gauge => slots.gauges.push((field, slots.gauges.len())),
                FieldKind::Skip => {}
            }
        }
        slots
    }

    fn slot(&self, field: &Field<'_>) -> usize {
        self.counters
            .iter()
            .chain(&self.gauges)
            .find(|(f, _)| f.ident == field.ident)
            .map_or(0, |(_, slot)| *slot)
    }
}

fn expand(cont: &Container<'_>) -> TokenStream {
    let schema = expand_schema(cont);
    let table = expand_table(cont);
    let field_enum = expand_field_enum(cont);
    quote! {
        #schema
        #table
        #field_enum
    }
}

/// `impl Schema` and `impl StatTable` for the user's struct.
fn expand_schema(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let rt = runtime(cont);
    let table = table_ident(cont);
    let slots = Slots::of(cont);
    let table_name = ident.unraw().to_string();
    let descs = cont.table_fields().map(|field| {
        let field_ident = field.ident.unraw().to_string();
        let name = cont.metric_name(field);
        let help = &field.help;
        let kind = kind_tokens(&rt, field.kind);
        let slot = slots.slot(field);
        quote! {
            #rt::FieldDesc {
                ident: #field_ident,
                name: #name,
                help: #help,
                kind: #kind,
                slot: #slot,
            }
        }
    });
    let counters_param = if slots.counters.is_empty() {
        quote!(_)
    } else {
        quote!(counters)
    };
    let gauges_param = if slots.gauges.is_empty() {
        quote!(_)
    } else {
        quote!(gauges)
    };
    let inits = cont.fields.iter().map(|field| {
        let field_ident = field.ident;
        let slot = slots.slot(field);
        match field.kind {
            FieldKind::Counter => quote!(#field_ident: counters[#slot]),
            FieldKind::Gauge => quote!(#field_ident: gauges[#slot]),
            FieldKind::Skip => quote!(#field_ident: ::core::default::Default::default()),
        }
    });
    quote! {
        #[automatically_derived]
        impl #rt::Schema for #ident {
            const TABLE_NAME: &'static str = #table_name;
            const FIELDS: &'static [#rt::FieldDesc] = &[#(#descs),*];

            #[inline]
            fn from_raw(
                #counters_param: &[::core::primitive::u64],
                #gauges_param: &[::core::primitive::i64],
            ) -> Self {
                Self { #(#inits),* }
            }
        }

        #[automatically_derived]
        impl #rt::StatTable for #ident {
            type Table = #table;

            #[inline]
            fn new_table() -> #table {
                <#table as ::core::default::Default>::default()
            }
        }
    }
}

fn kind_tokens(rt: &TokenStream, kind: FieldKind) -> TokenStream {
    match kind {
        FieldKind::Gauge => quote!(#rt::MetricKind::Gauge),
        FieldKind::Counter | FieldKind::Skip => quote!(#rt::MetricKind::Counter),
    }
}

/// The table struct, its constructor, accessors and methods, and `impl Table`.
#[allow(clippy::too_many_lines)] // one quote! of the generated table reads best whole
fn expand_table(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let rt = runtime(cont);
    let table = table_ident(cont);
    let field_enum = field_enum_ident(cont);
    let slots = Slots::of(cont);
    let n_counters = slots.counters.len();
    let n_gauges = slots.gauges.len();
    let raw_ty = quote!(#rt::RawTable<#n_counters, #n_gauges>);

    let table_doc = format!(
        "The concurrent table of [`{ident}`], generated by `#[derive(StatTable)]`: \
         `Send + Sync`, no locks on the write path. Build it with [`{ident}::table`]."
    );
    let accessors = cont.table_fields().map(|field| {
        let field_ident = field.ident;
        let slot = slots.slot(field);
        let metric = cont.metric_name(field);
        let help = if field.help.is_empty() {
            String::new()
        } else {
            format!(": {}", field.help)
        };
        match field.kind {
            FieldKind::Gauge => {
                let doc = format!("The gauge `{metric}`{help}");
                quote! {
                    #[doc = #doc]
                    #[inline]
                    #[must_use]
                    #vis fn #field_ident(&self) -> #rt::Gauge<'_> {
                        self.raw.gauge(#slot)
                    }
                }
            }
            FieldKind::Counter | FieldKind::Skip => {
                let doc = format!("The counter `{metric}`{help}");
                quote! {
                    #[doc = #doc]
                    #[inline]
                    #[must_use]
                    #vis fn #field_ident(&self) -> #rt::Counter<'_, #n_counters> {
                        self.raw.counter(#slot)
                    }
                }
            }
        }
    });
    let counter_steps = slots.counters.iter().map(|(field, _)| {
        let field_ident = field.ident;
        quote!(step.#field_ident)
    });
    let gauge_steps = slots.gauges.iter().map(|(field, _)| {
        let field_ident = field.ident;
        quote!(step.#field_ident)
    });
    let add_to_arms = cont.table_fields().map(|field| {
        let variant = variant_name(field.ident);
        let slot = slots.slot(field);
        match field.kind {
            FieldKind::Gauge => quote!(#field_enum::#variant => self.raw.add_to_gauge(#slot, n)),
            FieldKind::Counter | FieldKind::Skip => {
                quote!(#field_enum::#variant => self.raw.counter(#slot).add(n))
            }
        }
    });
    let step_param = if n_counters + n_gauges == 0 {
        quote!(_)
    } else {
        quote!(step)
    };

    quote! {
        #[doc = #table_doc]
        #vis struct #table {
            raw: #raw_ty,
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            /// Builds an empty concurrent table for this struct.
            #[must_use]
            #vis fn table() -> #table {
                #table { raw: <#raw_ty>::new::<#ident>() }
            }
        }

        #[automatically_derived]
        impl ::core::default::Default for #table {
            fn default() -> Self {
                #ident::table()
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for #table {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.raw, f)
            }
        }

        #[automatically_derived]
        #[allow(dead_code)] // a table need not use every generated method
        impl #table {
            #(#accessors)*

            /// Adds one to a field chosen at run time.
            #[inline]
            #vis fn inc(&self, field: #field_enum) {
                self.add_to(field, 1);
            }

            /// Adds `n` to a field chosen at run time. For a gauge, `n` is
            /// added to its level (values above `i64::MAX` wrap).
            #[inline]
            #vis fn add_to(&self, field: #field_enum, n: ::core::primitive::u64) {
                match field {
                    #(#add_to_arms,)*
                }
            }

            /// Adds every field of `step` in one step: a snapshot or delta
            /// sees all of its counters or none. Gauges are added after the
            /// counters.
            #[inline]
            #vis fn add(&self, #step_param: &#ident) {
                self.raw.add(&[#(#counter_steps),*], &[#(#gauge_steps),*]);
            }

            /// A copy of every field as the user's struct. Each thread's part
            /// is copied consistently, so an invariant every writer keeps holds
            /// in the snapshot.
            #[must_use]
            #vis fn snapshot(&self) -> #ident {
                self.raw.snapshot()
            }

            /// A reader whose deltas return what changed since its previous
            /// delta; its first delta covers what happens after this call.
            #[must_use]
            #vis fn cursor(&self) -> #rt::Cursor<'_, #ident> {
                self.raw.cursor()
            }

            /// Every series (metric name, help, kind, value). A reset makes the
            /// iterator stale: its next step panics with a message containing
            /// `stale` (`try_next` returns an error instead).
            #[must_use]
            #vis fn iter(&self) -> #rt::Iter<'_> {
                self.raw.iter()
            }

            /// Zeroes every counter and gauge and makes live iterators stale.
            /// Cursors are not disturbed: their next delta holds exactly the
            /// increments made since their previous one.
            #vis fn reset(&self) {
                self.raw.reset();
            }

            /// How many resets the table has seen.
            #[must_use]
            #vis fn version(&self) -> ::core::primitive::u64 {
                self.raw.version()
            }

            /// How many per-thread rows the table has allocated: below twice
            /// the largest number of writing threads alive at once.
            #[must_use]
            #vis fn shard_count(&self) -> ::core::primitive::usize {
                self.raw.shard_count()
            }
        }

        #[automatically_derived]
        impl #rt::Table for #table {
            type Stats = #ident;

            fn snapshot(&self) -> #ident {
                self.raw.snapshot()
            }

            fn cursor(&self) -> #rt::Cursor<'_, #ident> {
                self.raw.cursor()
            }

            fn iter(&self) -> #rt::Iter<'_> {
                self.raw.iter()
            }

            fn reset(&self) {
                self.raw.reset();
            }

            fn version(&self) -> ::core::primitive::u64 {
                self.raw.version()
            }
        }
    }
}

/// The `{Struct}Field` enum.
fn expand_field_enum(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let rt = runtime(cont);
    let field_enum = field_enum_ident(cont);
    let fields: Vec<&Field<'_>> = cont.table_fields().collect();
    let variants: Vec<Ident> = fields.iter().map(|f| variant_name(f.ident)).collect();
    let variant_docs = fields.iter().map(|field| {
        let metric = cont.metric_name(field);
        if field.help.is_empty() {
            format!("`{metric}`")
        } else {
            format!("`{metric}`: {}", field.help)
        }
    });
    let indices = 0..fields.len();
    let count = fields.len();
    let enum_doc = format!(
        "The fields of [`{ident}`]'s table, for access chosen at run time. \
         Generated by `#[derive(StatTable)]`."
    );
    let schema = quote!(<#ident as #rt::Schema>::FIELDS);
    let index_arms = variants
        .iter()
        .zip(indices)
        .map(|(variant, index)| quote!(Self::#variant => #index));
    quote! {
        #[doc = #enum_doc]
        #[allow(dead_code)] // a field may never be named at run time
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash,
            ::core::cmp::PartialOrd,
            ::core::cmp::Ord,
        )]
        #vis enum #field_enum {
            #(
                #[doc = #variant_docs]
                #variants,
            )*
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #field_enum {
            /// Every field, in declaration order.
            #vis const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The field's position in declaration order (skipped fields do
            /// not count).
            #[must_use]
            #vis const fn index(self) -> ::core::primitive::usize {
                match self {
                    #(#index_arms,)*
                }
            }

            /// The metric name, prefix included.
            #[must_use]
            #vis const fn name(self) -> &'static ::core::primitive::str {
                #schema[self.index()].name
            }

            /// The help text: the field's doc comment.
            #[must_use]
            #vis const fn help(self) -> &'static ::core::primitive::str {
                #schema[self.index()].help
            }

            /// Counter or gauge.
            #[must_use]
            #vis const fn kind(self) -> #rt::MetricKind {
                #schema[self.index()].kind
            }
        }
    }
}
