//! Code generation: the table, its field enum, and the trait impls.

use crate::ast::{Container, Field, FieldKind};
use crate::case;
use crate::ctxt::Ctxt;
use crate::valid;
use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, format_ident, quote};
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

fn table_ident(cont: &Container<'_>) -> Ident {
    format_ident!("{}Table", cont.ident)
}

fn field_enum_ident(cont: &Container<'_>) -> Ident {
    format_ident!("{}Field", cont.ident)
}

fn runtime(cont: &Container<'_>) -> TokenStream {
    crate::symbol::runtime_path(cont.attrs.krate.as_ref())
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

/// Where each table field lives in the runtime table.
///
/// Counter slots can be `const` expressions rather than numbers, because a
/// closed keyed field takes one slot per variant of its key enum, and only
/// the compiler knows how many that is: `<Method as StatKey>::ALL.len()`.
struct Layout<'a, 'b> {
    fields: Vec<Place<'a, 'b>>,
    /// The number of counter slots, as a `const` expression.
    counters: TokenStream,
    /// The words of a row: the counter slots, then two per gauge.
    words: TokenStream,
    /// The number of gauges.
    gauges: usize,
}

/// One table field and where it lives.
struct Place<'a, 'b> {
    field: &'b Field<'a>,
    /// A gauge's index; a counter's slot; a closed keyed field's first slot;
    /// an open keyed field's overflow slot.
    slot: TokenStream,
    /// An open keyed field's index among the open keyed fields.
    open_index: usize,
}

/// A counter slot: a number plus the widths of the closed keyed fields
/// before it, which only the compiler knows. Written out as a literal when
/// there are none, so the compiler has no arithmetic to evaluate.
#[derive(Clone, Default)]
struct Slot {
    fixed: usize,
    key_widths: Vec<TokenStream>,
}

impl ToTokens for Slot {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let fixed = self.fixed;
        let widths = &self.key_widths;
        tokens.extend(quote!(#fixed #(+ #widths)*));
    }
}

impl<'a, 'b> Layout<'a, 'b> {
    fn of(cont: &'b Container<'a>) -> Self {
        let rt = runtime(cont);
        let mut counters = Slot::default();
        let mut gauges = 0;
        let mut opens = 0;
        let mut fields = Vec::new();
        for field in cont.table_fields() {
            let slot = match field.kind {
                FieldKind::Gauge => {
                    let index = gauges;
                    gauges += 1;
                    quote!(#index)
                }
                FieldKind::Counter | FieldKind::OpenKeyed { .. } => {
                    let slot = counters.to_token_stream();
                    counters.fixed += 1;
                    slot
                }
                // One slot per variant, then the field's overflow.
                FieldKind::ClosedKeyed { key } => {
                    let slot = counters.to_token_stream();
                    counters
                        .key_widths
                        .push(quote!(<#key as #rt::StatKey>::ALL.len()));
                    counters.fixed += 1;
                    slot
                }
                // One word per bucket (the last is `+Inf`), then the sum.
                FieldKind::Histogram => {
                    let slot = counters.to_token_stream();
                    counters.fixed += field.bounds.len() + 2;
                    slot
                }
                FieldKind::Skip => continue,
            };
            let open_index = opens;
            if matches!(field.kind, FieldKind::OpenKeyed { .. }) {
                opens += 1;
            }
            fields.push(Place {
                field,
                slot,
                open_index,
            });
        }
        let mut words = counters.clone();
        words.fixed += 2 * gauges;
        Self {
            fields,
            counters: counters.to_token_stream(),
            words: words.to_token_stream(),
            gauges,
        }
    }

    fn place(&self, field: &Field<'_>) -> Option<&Place<'a, 'b>> {
        self.fields.iter().find(|p| p.field.ident == field.ident)
    }

    fn plain(&self) -> impl Iterator<Item = &Place<'a, 'b>> {
        self.fields.iter().filter(|p| p.field.kind.is_plain())
    }
}

fn expand(cont: &Container<'_>) -> TokenStream {
    // Where every field lives, worked out once for every part below.
    let layout = Layout::of(cont);
    let schema = expand_schema(cont, &layout);
    let assertions = field_assertions(cont);
    let table = expand_table(cont, &layout);
    let field_enum = expand_field_enum(cont, &layout);
    quote! {
        #schema
        #assertions
        #table
        #field_enum
    }
}

/// `impl Schema` and `impl StatTable` for the user's struct.
fn expand_schema(cont: &Container<'_>, layout: &Layout<'_, '_>) -> TokenStream {
    let ident = cont.ident;
    let rt = runtime(cont);
    let table = table_ident(cont);
    let table_name = ident.unraw().to_string();
    let descs = layout.fields.iter().map(|place| {
        let field = place.field;
        let field_ident = field.ident.unraw().to_string();
        let name = cont.metric_name(field);
        let help = &field.help;
        let kind = kind_tokens(&rt, field.kind);
        let slot = &place.slot;
        let label = &field.label.value;
        let shape = match field.kind {
            FieldKind::ClosedKeyed { key } => quote! {
                #rt::FieldShape::Closed {
                    label: #label,
                    labels: <#key as #rt::StatKey>::LABELS,
                }
            },
            FieldKind::OpenKeyed {
                capacity,
                max_key_len,
            } => {
                let (capacity, max_key_len) = open_options(&rt, capacity, max_key_len);
                let index = place.open_index;
                quote! {
                    #rt::FieldShape::Open {
                        label: #label,
                        capacity: #capacity,
                        max_key_len: #max_key_len,
                        index: #index,
                    }
                }
            }
            FieldKind::Histogram => {
                let bounds = &field.bounds;
                quote!(#rt::FieldShape::Histogram { bounds: &[#(#bounds),*] })
            }
            FieldKind::Counter | FieldKind::Gauge | FieldKind::Skip => {
                quote!(#rt::FieldShape::Plain)
            }
        };
        quote! {
            #rt::FieldDesc {
                ident: #field_ident,
                name: #name,
                help: #help,
                kind: #kind,
                offset: #slot,
                shape: #shape,
            }
        }
    });
    let raw_param = if layout.fields.is_empty() {
        quote!(_)
    } else {
        quote!(raw)
    };
    let inits = cont.fields.iter().map(|field| {
        let field_ident = field.ident;
        let Some(place) = layout.place(field) else {
            return quote!(#field_ident: ::core::default::Default::default());
        };
        let slot = &place.slot;
        match field.kind {
            FieldKind::Counter => quote!(#field_ident: raw.counter(#slot)),
            FieldKind::Gauge => quote!(#field_ident: raw.gauge(#slot)),
            FieldKind::ClosedKeyed { key } => quote!(#field_ident: raw.closed::<#key>(#slot)),
            FieldKind::OpenKeyed { .. } => {
                let index = place.open_index;
                quote!(#field_ident: raw.open(#index))
            }
            FieldKind::Histogram => {
                let bounds = &field.bounds;
                quote!(#field_ident: raw.histogram(#slot, &[#(#bounds),*]))
            }
            FieldKind::Skip => quote!(#field_ident: ::core::default::Default::default()),
        }
    });
    quote! {
        #[automatically_derived]
        impl #rt::Schema for #ident {
            const TABLE_NAME: &'static str = #table_name;
            const FIELDS: &'static [#rt::FieldDesc] = &[#(#descs),*];

            #[inline]
            fn from_raw(#raw_param: &mut #rt::RawValues<'_>) -> Self {
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

/// An open keyed field's capacity and key length as `usize` expressions:
/// literals, or the runtime's default key length when none is set.
fn open_options(
    rt: &TokenStream,
    capacity: u64,
    max_key_len: Option<u64>,
) -> (TokenStream, TokenStream) {
    #[allow(clippy::cast_possible_truncation)] // bounded by limits::MAX_CAPACITY
    let capacity = capacity as usize;
    let max_key_len = match max_key_len {
        #[allow(clippy::cast_possible_truncation)] // bounded by limits::MAX_KEY_LEN
        Some(len) => {
            let len = len as usize;
            quote!(#len)
        }
        None => quote!(#rt::DEFAULT_MAX_KEY_LEN),
    };
    (quote!(#capacity), max_key_len)
}

/// A `const` assertion per keyed field of what the runtime relies on and
/// only the compiler can check:
///
/// * a closed key set's `LABELS` has one label per variant of `ALL` (a
///   hand-written `StatKey` could say otherwise, and the table's layout
///   counts the variants while its series name them);
/// * the runtime's default key length is the derive's (the derive needs it
///   at expansion time, for the memory limit);
/// * an open keyed field's worst-case memory, by the runtime's own
///   `open_field_max_bytes`, is within the runtime's `MAX_OPEN_FIELD_BYTES`.
///   The derive has already checked this against its copy of the formula
///   (`limits`), with a better message; this backstop makes a field that
///   the copy lets through but the runtime's bound does not (a runtime
///   changed without the copy, a target of other sizes) a compile error
///   too, never a silent disagreement.
fn field_assertions(cont: &Container<'_>) -> TokenStream {
    let rt = runtime(cont);
    let ident = cont.ident.unraw();
    cont.table_fields()
        .filter_map(|field| {
            if let FieldKind::ClosedKeyed { key } = field.kind {
                let message = format!(
                    "the key set of `{ident}::{field}` has not one label in `LABELS` for each \
                     variant in `ALL`: a hand-written `StatKey` must list them alike",
                    field = field.ident.unraw(),
                );
                return Some(quote! {
                    const _: () = ::core::assert!(
                        <#key as #rt::StatKey>::LABELS.len() == <#key as #rt::StatKey>::ALL.len(),
                        #message,
                    );
                });
            }
            let FieldKind::OpenKeyed {
                capacity,
                max_key_len,
            } = field.kind
            else {
                return None;
            };
            let message = format!(
                "open keyed field `{ident}::{field}` can take more memory than the runtime's \
                 MAX_OPEN_FIELD_BYTES: lower its capacity ({capacity}) or max_key_len ({len})",
                field = field.ident.unraw(),
                len = max_key_len.map_or_else(|| "the default".to_owned(), |len| len.to_string()),
            );
            // The derive checked the limit with its own default key length;
            // the runtime's must be the same one.
            let same_default = max_key_len.is_none().then(|| {
                let default = crate::limits::DEFAULT_MAX_KEY_LEN as usize;
                quote! {
                    const _: () = ::core::assert!(
                        #rt::DEFAULT_MAX_KEY_LEN == #default,
                        "the derive and the runtime disagree on the default max_key_len",
                    );
                }
            });
            let (capacity, max_key_len) = open_options(&rt, capacity, max_key_len);
            Some(quote! {
                const _: () = ::core::assert!(
                    #rt::open_field_max_bytes(#capacity, #max_key_len)
                        <= #rt::MAX_OPEN_FIELD_BYTES,
                    #message,
                );
                #same_default
            })
        })
        .collect()
}

fn kind_tokens(rt: &TokenStream, kind: FieldKind<'_>) -> TokenStream {
    match kind {
        FieldKind::Gauge => quote!(#rt::MetricKind::Gauge),
        FieldKind::Histogram => quote!(#rt::MetricKind::Histogram),
        FieldKind::Counter
        | FieldKind::ClosedKeyed { .. }
        | FieldKind::OpenKeyed { .. }
        | FieldKind::Skip => quote!(#rt::MetricKind::Counter),
    }
}

/// The accessor of one field: `table.created()`.
fn accessor(cont: &Container<'_>, place: &Place<'_, '_>) -> TokenStream {
    let vis = cont.vis;
    let rt = runtime(cont);
    let table = table_ident(cont);
    let field = place.field;
    let field_ident = field.ident;
    let slot = &place.slot;
    let metric = cont.metric_name(field);
    let help = if field.help.is_empty() {
        String::new()
    } else {
        format!(": {}", field.help)
    };
    let label = &field.label.value;
    let (doc, ty, body) = match field.kind {
        FieldKind::Gauge => (
            format!("The gauge `{metric}`{help}"),
            quote!(#rt::Gauge<'_, #table>),
            quote!(self.raw.gauge::<Self>(#slot)),
        ),
        FieldKind::ClosedKeyed { key } => (
            format!("The counters `{metric}{{{label}=\"...\"}}`, one per variant{help}"),
            quote!(#rt::ClosedKeyed<'_, #key, #table>),
            quote!(self.raw.closed_keyed::<Self, #key>(#slot)),
        ),
        FieldKind::OpenKeyed { .. } => {
            let index = place.open_index;
            (
                format!("The counters `{metric}{{{label}=\"...\"}}`, one per key{help}"),
                quote!(#rt::OpenKeyed<'_>),
                quote!(self.raw.open_keyed(#index, #slot)),
            )
        }
        FieldKind::Histogram => {
            let bounds = &field.bounds;
            (
                format!("The histogram `{metric}`{help}"),
                quote!(#rt::HistogramField<'_, #table>),
                quote!(self.raw.histogram_field::<Self>(#slot, &[#(#bounds),*])),
            )
        }
        FieldKind::Counter | FieldKind::Skip => (
            format!("The counter `{metric}`{help}"),
            quote!(#rt::Counter<'_, #table>),
            quote!(self.raw.counter::<Self>(#slot)),
        ),
    };
    quote! {
        #[doc = #doc]
        #[inline]
        #[must_use]
        #vis fn #field_ident(&self) -> #ty {
            #body
        }
    }
}

/// The body of `table.add(&step)`: counters (closed keyed ones included) in
/// one consistent write, then gauges, then open keyed fields.
fn add_step_body(cont: &Container<'_>, layout: &Layout<'_, '_>) -> TokenStream {
    let rt = runtime(cont);
    let n_counters = &layout.counters;
    let mut counter_fills = Vec::new();
    let mut gauge_steps = Vec::new();
    let mut open_steps = Vec::new();
    for place in &layout.fields {
        let field_ident = place.field.ident;
        let slot = &place.slot;
        match place.field.kind {
            FieldKind::Counter => counter_fills.push(quote!(counters[#slot] = step.#field_ident;)),
            FieldKind::ClosedKeyed { .. } => {
                counter_fills
                    .push(quote!(#rt::fill_closed(&mut counters, #slot, &step.#field_ident);));
            }
            FieldKind::Gauge => gauge_steps.push(quote!(step.#field_ident)),
            FieldKind::OpenKeyed { .. } => {
                let index = place.open_index;
                open_steps.push(
                    quote!(self.raw.open_keyed(#index, #slot).add_keyed(&step.#field_ident);),
                );
            }
            FieldKind::Histogram => {
                let bounds = &place.field.bounds;
                counter_fills.push(quote!(
                    #rt::fill_histogram(&mut counters, #slot, &[#(#bounds),*], &step.#field_ident);
                ));
            }
            FieldKind::Skip => {}
        }
    }
    let binding = if counter_fills.is_empty() {
        quote!(let counters)
    } else {
        quote!(let mut counters)
    };
    quote! {
        #binding = [0u64; #n_counters];
        #(#counter_fills)*
        self.raw.add(&counters, &[#(#gauge_steps),*]);
        #(#open_steps)*
    }
}

/// The table struct, its constructor, accessors and methods, and `impl Table`.
#[allow(clippy::too_many_lines)] // one quote! of the generated table reads best whole
fn expand_table(cont: &Container<'_>, layout: &Layout<'_, '_>) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let rt = runtime(cont);
    let table = table_ident(cont);
    let field_enum = field_enum_ident(cont);
    let n_words = &layout.words;
    let n_gauges = layout.gauges;
    let raw_ty = quote!(#rt::RawTable<{ #n_words }, #n_gauges>);

    let table_doc = format!(
        "The concurrent table of [`{ident}`], generated by `#[derive(StatTable)]`: \
         `Send + Sync`, no locks on the write path. Build it with [`{ident}::table`]."
    );
    let accessors = layout.fields.iter().map(|place| accessor(cont, place));
    // The field's place from a table, then one write: one copy of the
    // write path, not one per field, and no match for the compiler to
    // check. A struct without plain fields has an empty enum.
    let add_to_body = if layout.plain().next().is_none() {
        quote!(match field {})
    } else {
        quote! {
            let (index, is_gauge) = #field_enum::PLACES[field as ::core::primitive::usize];
            if is_gauge {
                self.raw.add_to_gauge(index, n);
            } else {
                self.raw.counter::<Self>(index).add(n);
            }
        }
    };
    let step_param = if layout.fields.is_empty() {
        quote!(_)
    } else {
        quote!(step)
    };
    let add_body = add_step_body(cont, layout);

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
            #[inline]
            #vis fn table() -> #table {
                #table { raw: <#raw_ty>::new::<#ident>() }
            }
        }

        #[automatically_derived]
        impl ::core::default::Default for #table {
            #[inline]
            fn default() -> Self {
                #ident::table()
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for #table {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.raw, f)
            }
        }

        #[automatically_derived]
        #[allow(dead_code)] // a table need not use every generated method
        impl #table {
            #(#accessors)*

            /// Adds one to a plain field chosen at run time. (A keyed
            /// field needs a key: use its accessor.)
            #[inline]
            #vis fn inc(&self, field: #field_enum) {
                self.add_to(field, 1);
            }

            /// Adds `n` to a plain field chosen at run time. For a gauge,
            /// `n` is added to its level (values above `i64::MAX` wrap).
            #[inline]
            #vis fn add_to(&self, field: #field_enum, n: ::core::primitive::u64) {
                #add_to_body
            }

            /// Adds every field of `step` in one write of the thread's row: a
            /// snapshot or delta sees all of its counters and gauges or none,
            /// closed keyed fields included. Then the keys of open keyed
            /// fields, one by one.
            #[inline]
            #vis fn add(&self, #step_param: &#ident) {
                #add_body
            }

            /// A copy of every field as the user's struct. Each thread's part
            /// is copied consistently: a step made with `add(&step)` is in it
            /// whole or not at all, and an invariant every writer keeps holds
            /// in it if the table was never reset.
            #[must_use]
            #[inline]
            #vis fn snapshot(&self) -> #ident {
                self.raw.snapshot()
            }

            /// A fresh snapshot if the copy completes within `within`, else
            /// the last one published, marked stale: see
            /// `stats_core::Snapshot`. The write-up's deadline is
            /// `stats_core::DEFAULT_SNAPSHOT_DEADLINE` (50 ms).
            #[must_use]
            #[inline]
            #vis fn snapshot_within(&self, within: ::core::time::Duration) -> #rt::Snapshot<#ident> {
                self.raw.snapshot_within(within)
            }

            /// A reader whose deltas return what changed since its previous
            /// delta; its first delta covers what happens after this call.
            #[must_use]
            #[inline]
            #vis fn cursor(&self) -> #rt::Cursor<'_, #ident> {
                self.raw.cursor()
            }

            /// Every series (metric name, help, kind, value, and a keyed
            /// field's label). A reset, or clearing a keyed field, makes the
            /// iterator stale: its next step panics with a message
            /// containing `stale` (`try_next` returns an error instead).
            #[must_use]
            #[inline]
            #vis fn iter(&self) -> #rt::Iter<'_> {
                self.raw.iter()
            }

            /// Zeroes every counter, empties every keyed field and makes
            /// live iterators (and those made while it runs) stale. Gauges
            /// are levels and keep them. Cursors are not disturbed: their
            /// next delta holds exactly the increments made since their
            /// previous one, keyed fields included.
            #[inline]
            #vis fn reset(&self) {
                self.raw.reset();
            }

            /// How many resets and clears of the table have begun.
            #[must_use]
            #[inline]
            #vis fn version(&self) -> ::core::primitive::u64 {
                self.raw.version()
            }

            /// The table's circuit breaker: `open()`, `close()`, `state()`.
            /// Writes while it or `stats_core::Breaker::global()` is open are
            /// dropped and counted in the health table's `write_blocked`.
            #[must_use]
            #[inline]
            #vis fn breaker(&self) -> &#rt::Breaker {
                self.raw.breaker()
            }

            /// An empty table guarded by `breaker` (a breaker of another
            /// configuration, or with a clock of the caller's, for tests)
            /// instead of a default one.
            #[must_use]
            #[inline]
            #vis fn with_breaker(breaker: #rt::Breaker) -> Self {
                Self {
                    raw: #rt::RawTable::with_breaker::<#ident>(breaker),
                }
            }

            /// How many per-thread rows the table has allocated. A thread
            /// that wrote to any table (the health table included) holds its
            /// row slot until it exits, so this stays below twice the largest
            /// number of such threads alive at once.
            #[must_use]
            #[inline]
            #vis fn shard_count(&self) -> ::core::primitive::usize {
                self.raw.shard_count()
            }

            /// Every byte the table holds: its rows, its open keyed fields'
            /// keys, index and counts, and the table itself. Cursors hold
            /// their own memory, not counted here.
            #[must_use]
            #[inline]
            #vis fn memory_bytes(&self) -> ::core::primitive::usize {
                self.raw.memory_bytes()
            }
        }

        #[automatically_derived]
        impl #rt::Layout for #table {
            type Raw = #raw_ty;
        }

        #[automatically_derived]
        impl #rt::Table for #table {
            type Stats = #ident;

            #[inline]
            fn snapshot(&self) -> #ident {
                self.raw.snapshot()
            }

            #[inline]
            fn snapshot_within(&self, within: ::core::time::Duration) -> #rt::Snapshot<#ident> {
                self.raw.snapshot_within(within)
            }

            #[inline]
            fn cursor(&self) -> #rt::Cursor<'_, #ident> {
                self.raw.cursor()
            }

            #[inline]
            fn iter(&self) -> #rt::Iter<'_> {
                self.raw.iter()
            }

            #[inline]
            fn reset(&self) {
                self.raw.reset();
            }

            #[inline]
            fn version(&self) -> ::core::primitive::u64 {
                self.raw.version()
            }

            #[inline]
            fn exported(&self) -> &dyn #rt::Exported {
                &self.raw
            }
        }
    }
}

/// The `{Struct}Field` enum of the plain (not keyed) fields.
fn expand_field_enum(cont: &Container<'_>, layout: &Layout<'_, '_>) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let rt = runtime(cont);
    let field_enum = field_enum_ident(cont);
    let fields: Vec<&Field<'_>> = cont.plain_fields().collect();
    let variants: Vec<Ident> = fields.iter().map(|f| case::variant_name(f.ident)).collect();
    let variant_docs = fields.iter().map(|field| {
        let metric = cont.metric_name(field);
        if field.help.is_empty() {
            format!("`{metric}`")
        } else {
            format!("`{metric}`: {}", field.help)
        }
    });
    let count = fields.len();
    let enum_doc = format!(
        "The plain fields of [`{ident}`]'s table, for access chosen at run time. \
         Generated by `#[derive(StatTable)]`."
    );
    let schema = quote!(<#ident as #rt::Schema>::FIELDS);
    // Keyed fields are in `FIELDS` but not in this enum: each variant's
    // place in `FIELDS`, and its slot in the table.
    let positions = fields.iter().map(|field| {
        cont.table_fields()
            .position(|f| f.ident == field.ident)
            .unwrap_or_default()
    });
    let places = layout.plain().map(|place| {
        let slot = &place.slot;
        let is_gauge = matches!(place.field.kind, FieldKind::Gauge);
        quote!((#slot, #is_gauge))
    });
    // Variants are numbered from 0 in order, so `self as usize` is the
    // index; an enum without variants has no value to cast.
    let (index_body, desc_body) = if count == 0 {
        (quote!(match self {}), quote!(match self {}))
    } else {
        (
            quote!(self as ::core::primitive::usize),
            quote!(&#schema[Self::POSITIONS[self as ::core::primitive::usize]]),
        )
    };
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
            /// Every plain field, in declaration order.
            #vis const ALL: [Self; #count] = [#(Self::#variants),*];

            /// Each field's position in the schema's `FIELDS`.
            const POSITIONS: [::core::primitive::usize; #count] = [#(#positions),*];

            /// Each field's slot in the table, and whether it is a gauge.
            const PLACES: [(::core::primitive::usize, ::core::primitive::bool); #count] = [#(#places),*];

            /// The field's position in `ALL` (skipped and keyed fields do
            /// not count).
            #[must_use]
            #vis const fn index(self) -> ::core::primitive::usize {
                #index_body
            }

            const fn desc(self) -> &'static #rt::FieldDesc {
                #desc_body
            }

            /// The metric name, prefix included.
            #[must_use]
            #vis const fn name(self) -> &'static ::core::primitive::str {
                self.desc().name
            }

            /// The help text: the field's doc comment.
            #[must_use]
            #vis const fn help(self) -> &'static ::core::primitive::str {
                self.desc().help
            }

            /// Counter or gauge.
            #[must_use]
            #vis const fn kind(self) -> #rt::MetricKind {
                self.desc().kind
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::derive_stat_table;
    use crate::symbol::TABLE_METHODS;

    /// `symbol::TABLE_METHODS` is the list the validator checks field names
    /// against; this keeps it the list of what `expand_table` generates, so
    /// a method added to one and not the other fails here.
    #[test]
    fn table_methods_are_the_generated_methods() {
        let input: syn::DeriveInput = syn::parse_quote! {
            struct Stats {
                /// A field whose accessor is not a table method.
                only_field: u64,
            }
        };
        let file: syn::File =
            syn::parse2(derive_stat_table(&input)).expect("the derive's output parses");
        let mut generated: Vec<String> = file
            .items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(block)
                    if block.trait_.is_none()
                        && matches!(&*block.self_ty, syn::Type::Path(path) if path.path.is_ident("StatsTable")) =>
                {
                    Some(block)
                }
                _ => None,
            })
            .flat_map(|block| &block.items)
            .filter_map(|item| match item {
                syn::ImplItem::Fn(method) => Some(method.sig.ident.to_string()),
                _ => None,
            })
            .filter(|name| name != "only_field")
            .collect();
        generated.sort();
        let mut listed: Vec<String> = TABLE_METHODS.iter().map(ToString::to_string).collect();
        listed.sort();
        assert_eq!(generated, listed);
    }
}
