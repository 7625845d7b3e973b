//! The input struct as this crate sees it: its fields classified as counters,
//! gauges or skipped, with metric names and help text.

use crate::attr::{ContainerAttrs, FieldAttrs, Spanned};
use crate::ctxt::Ctxt;
use crate::limits::{self, DEFAULT_MAX_KEY_LEN, MAX_CAPACITY, MAX_KEY_LEN};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type, Visibility};

/// A struct that derives `StatTable`.
pub struct Container<'a> {
    /// The struct's name.
    pub ident: &'a Ident,
    /// The struct's visibility, given to every generated item.
    pub vis: &'a Visibility,
    /// `#[stat_table]` options.
    pub attrs: ContainerAttrs,
    /// Every named field, skipped ones included, in declaration order.
    pub fields: Vec<Field<'a>>,
}

/// One named field.
pub struct Field<'a> {
    /// The field's name.
    pub ident: &'a Ident,
    /// What the field becomes in the table.
    pub kind: FieldKind<'a>,
    /// A keyed field's label name: `keyed(label = "...")`, or the field name
    /// without `by_`.
    pub label: Spanned<String>,
    /// The metric name after the prefix: `#[stat(name)]` or the field name.
    pub short_name: Spanned<String>,
    /// The doc comment, lines joined by spaces.
    pub help: String,
    /// A histogram's bucket bounds, sorted; empty for other fields.
    pub bounds: Vec<u64>,
}

/// What a field becomes in the table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FieldKind<'a> {
    /// A `u64` counter.
    Counter,
    /// An `i64` gauge.
    Gauge,
    /// `Keyed<K>` with `K: StatKey`: one counter per variant.
    ClosedKeyed {
        /// `K`.
        key: &'a Type,
    },
    /// `Keyed<String>` with `keyed(capacity = N)`.
    OpenKeyed {
        /// The most keys it holds.
        capacity: u64,
        /// The longest key it stores, in bytes; `None` for the default.
        max_key_len: Option<u64>,
    },
    /// A `Histogram` with `histogram(buckets = ..)`; its bounds are in
    /// [`Field::bounds`].
    Histogram,
    /// Not part of the table.
    Skip,
}

impl FieldKind<'_> {
    /// Whether the field is a `Keyed<K>`.
    pub fn is_keyed(self) -> bool {
        matches!(self, Self::ClosedKeyed { .. } | Self::OpenKeyed { .. })
    }

    /// Whether the field is one series, a counter or a gauge: what the
    /// `{Struct}Field` enum and `inc(field)` cover.
    pub fn is_plain(self) -> bool {
        matches!(self, Self::Counter | Self::Gauge)
    }
}

impl<'a> Container<'a> {
    /// Builds the container, recording every problem in `cx`. Returns `None`
    /// when the input is not a struct with named fields, or is generic: then
    /// no placeholder can be generated either.
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = ContainerAttrs::parse(cx, &input.attrs);
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Some(named),
                Fields::Unnamed(_) | Fields::Unit => {
                    cx.error_help(
                        &input.ident,
                        "`StatTable` needs a struct with named fields",
                        "name each field: `struct Stats { created: u64 }`",
                    );
                    None
                }
            },
            Data::Enum(data) => {
                cx.error_help(
                    data.enum_token,
                    "`StatTable` cannot be derived for an enum",
                    "declare a struct with one `u64` field per statistic; to count by the \
                     variants of this enum, derive `StatKey` on it and add a \
                     `Keyed<ThisEnum>` field to the struct",
                );
                None
            }
            Data::Union(data) => {
                cx.error_help(
                    data.union_token,
                    "`StatTable` cannot be derived for a union",
                    "declare a struct with one field per statistic",
                );
                None
            }
        };
        if !input.generics.params.is_empty() {
            cx.error_help(
                &input.generics,
                "`StatTable` cannot be derived for a generic struct",
                "a table's layout is fixed at compile time: remove the type and lifetime parameters",
            );
            return None;
        }
        let fields = named?
            .named
            .iter()
            .filter_map(|field| Field::from_ast(cx, field))
            .collect();
        Some(Self {
            ident: &input.ident,
            vis: &input.vis,
            attrs,
            fields,
        })
    }

    /// The fields that are part of the table (not skipped).
    pub fn table_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.kind != FieldKind::Skip)
    }

    /// The plain (not keyed) fields: those of the `{Struct}Field` enum.
    pub fn plain_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.table_fields().filter(|f| f.kind.is_plain())
    }

    /// The full metric name of a field: `prefix_name`, or `name` without a
    /// prefix.
    pub fn metric_name(&self, field: &Field<'_>) -> String {
        match &self.attrs.prefix {
            Some(prefix) => format!("{}_{}", prefix.value, field.short_name.value),
            None => field.short_name.value.clone(),
        }
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field) -> Option<Self> {
        let ident = field.ident.as_ref()?;
        let attrs = FieldAttrs::parse(cx, &field.attrs);
        let kind = classify(cx, field, &attrs)?;
        let bounds = match (&attrs.histogram, kind) {
            (Some(histogram), FieldKind::Histogram) => histogram
                .buckets
                .as_ref()
                .map(|buckets| buckets.value.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let short_name = attrs.name.unwrap_or_else(|| Spanned {
            value: ident.unraw().to_string(),
            tokens: ident.to_token_stream(),
        });
        let label = attrs
            .keyed
            .and_then(|keyed| keyed.label)
            .unwrap_or_else(|| {
                let name = ident.unraw().to_string();
                Spanned {
                    value: match name.strip_prefix("by_") {
                        Some(rest) if !rest.is_empty() => rest.to_owned(),
                        _ => name,
                    },
                    tokens: ident.to_token_stream(),
                }
            });
        Some(Self {
            ident,
            kind,
            label,
            short_name,
            help: doc_comment(&field.attrs),
            bounds,
        })
    }
}

/// Decides what a field is from its type and options.
fn classify<'a>(cx: &Ctxt, field: &'a syn::Field, attrs: &FieldAttrs) -> Option<FieldKind<'a>> {
    if let Some(skip) = &attrs.skip {
        if let Some(gauge) = &attrs.gauge {
            cx.error_help(
                gauge,
                "`gauge` has no effect on a skipped field",
                format!("remove `gauge` or `{skip}`"),
            );
        }
        if let Some(keyed) = &attrs.keyed {
            cx.error_help(
                &keyed.keyword,
                "`keyed` has no effect on a skipped field",
                format!("remove `keyed(...)` or `{skip}`"),
            );
        }
        return Some(FieldKind::Skip);
    }
    let ty = &field.ty;
    if is_histogram(ty) || attrs.histogram.is_some() {
        return classify_histogram(cx, ty, attrs);
    }
    if let Some(key) = keyed_key(ty) {
        return classify_keyed(cx, ty, key, attrs);
    }
    if let Some(keyed) = &attrs.keyed {
        cx.error_help(
            &keyed.keyword,
            format!("`keyed` needs a `Keyed<K>` field, not `{}`", type_text(ty)),
            "declare the field as `Keyed<String>` for an open key set, \
             or as `Keyed<E>` with `#[derive(StatKey)] enum E` for a closed one",
        );
        return None;
    }
    match (primitive_name(ty).as_deref(), &attrs.gauge) {
        (Some("u64"), None) => Some(FieldKind::Counter),
        (Some("i64"), Some(_)) => Some(FieldKind::Gauge),
        (Some("u64"), Some(_)) => {
            cx.error_help(
                ty,
                "a gauge must be `i64`",
                "make the field `i64` for a gauge that goes up and down, \
                 or remove `#[stat(gauge)]` for a `u64` counter",
            );
            None
        }
        (Some("i64"), None) => {
            cx.error_help(
                ty,
                "an `i64` field must be marked `#[stat(gauge)]`",
                "add `#[stat(gauge)]` for a gauge, or make the field `u64` for a counter",
            );
            None
        }
        (_, Some(gauge)) => {
            cx.error_help(
                ty,
                format!("unsupported gauge type `{}`", type_text(ty)),
                format!("a gauge must be `i64` (marked by `{gauge}`)"),
            );
            None
        }
        (_, None) if is_map(ty) => {
            cx.error_help(
                ty,
                format!("a map cannot be a table field: `{}`", type_text(ty)),
                "use `Keyed<K>`: `#[stat(keyed(capacity = 256))] field: Keyed<String>` \
                 counts open keys in bounded memory, `field: Keyed<E>` counts the variants \
                 of a `#[derive(StatKey)]` enum",
            );
            None
        }
        (_, None) => {
            cx.error_help(
                ty,
                format!("unsupported field type `{}`", type_text(ty)),
                "a table field is a `u64` counter, an `i64` gauge marked `#[stat(gauge)]` \
                 or a `Keyed<K>`; leave other fields out with `#[stat(skip)]`",
            );
            None
        }
    }
}

/// A `Keyed<K>` field: open if `K` is `String`, closed otherwise.
fn classify_keyed<'a>(
    cx: &Ctxt,
    ty: &Type,
    key: &'a Type,
    attrs: &FieldAttrs,
) -> Option<FieldKind<'a>> {
    if let Some(gauge) = &attrs.gauge {
        cx.error_help(
            gauge,
            "a keyed field counts; it cannot be a gauge",
            "remove `gauge`: each key of a `Keyed<K>` field is a counter",
        );
        return None;
    }
    let keyed = attrs.keyed.as_ref();
    let capacity = keyed.and_then(|k| k.capacity.as_ref());
    let max_key_len = keyed.and_then(|k| k.max_key_len.as_ref());
    if !is_string(key) {
        for option in [capacity, max_key_len].into_iter().flatten() {
            cx.error_help(
                &option.tokens,
                format!(
                    "`Keyed<{}>` is a closed key set: it takes no `capacity` or `max_key_len`",
                    type_text(key)
                ),
                "a `#[derive(StatKey)]` enum's variants are its keys; \
                 those options are for open key sets, `Keyed<String>`",
            );
        }
        return (capacity.is_none() && max_key_len.is_none())
            .then_some(FieldKind::ClosedKeyed { key });
    }
    let Some(capacity) = capacity else {
        cx.error_help(
            ty,
            "an open key set needs a capacity",
            "add `#[stat(keyed(capacity = 256))]`: the most distinct keys it holds; \
             increments of further keys are counted as its overflow",
        );
        return None;
    };
    let mut ok = true;
    if capacity.value == 0 || capacity.value > MAX_CAPACITY {
        cx.error_help(
            &capacity.tokens,
            format!("capacity must be between 1 and {MAX_CAPACITY}"),
            "the capacity is the most distinct keys the field holds, all allocated \
             with the table; a key set that needs more is not bounded",
        );
        ok = false;
    }
    if let Some(len) = max_key_len
        && (len.value == 0 || len.value > MAX_KEY_LEN)
    {
        cx.error_help(
            &len.tokens,
            format!("max_key_len must be between 1 and {MAX_KEY_LEN} bytes"),
            format!(
                "longer keys are counted as overflow; \
                 leave it out for the default of {DEFAULT_MAX_KEY_LEN} bytes"
            ),
        );
        ok = false;
    }
    // With each option within its own range, the two together may still
    // ask for more memory than the runtime allows.
    ok = ok && check_open_field_memory(cx, capacity, max_key_len);
    ok.then_some(FieldKind::OpenKeyed {
        capacity: capacity.value,
        max_key_len: max_key_len.map(|len| len.value),
    })
}

/// An open keyed field's worst-case memory, [`limits::open_field_max_bytes`],
/// is within [`limits::MAX_OPEN_FIELD_BYTES`]; records an error if not.
///
/// The error points at the option that pushed the field over: at
/// `max_key_len` when it is written and the same capacity would fit with
/// the default key length, else at `capacity`. Its help gives the largest
/// capacity that fits with the field's key length, and the largest key
/// length that fits with its capacity when there is one.
fn check_open_field_memory(
    cx: &Ctxt,
    capacity: &Spanned<u64>,
    max_key_len: Option<&Spanned<u64>>,
) -> bool {
    let len = max_key_len.map_or(DEFAULT_MAX_KEY_LEN, |len| len.value);
    let bytes = limits::open_field_max_bytes(capacity.value, len);
    if bytes <= limits::MAX_OPEN_FIELD_BYTES {
        return true;
    }
    let culprit = match max_key_len {
        Some(len) if limits::open_field_fits(capacity.value, DEFAULT_MAX_KEY_LEN) => &len.tokens,
        _ => &capacity.tokens,
    };
    let default = if max_key_len.is_none() {
        ", the default"
    } else {
        ""
    };
    let keys = limits::largest_capacity(len);
    let key_len = limits::largest_key_len(capacity.value);
    let fewer_keys = format!("at most {keys} keys fit with max_key_len = {len}{default}");
    let shorter_keys = format!(
        "at most {key_len} bytes fit with capacity = {}",
        capacity.value
    );
    // Within the per-option ranges some capacity always fits (1 key of
    // `MAX_KEY_LEN` bytes takes under a MiB), so `keys` is never 0 today;
    // the first arm keeps the help useful should the ranges change.
    let help = match (keys, key_len) {
        (0, _) => format!("lower max_key_len ({shorter_keys})"),
        (_, 0) => format!(
            "lower capacity ({fewer_keys}); no max_key_len fits {} keys",
            capacity.value
        ),
        _ => format!("lower capacity ({fewer_keys}) or max_key_len ({shorter_keys})"),
    };
    cx.error_help(
        culprit,
        format!(
            "open keyed field needs up to {} MiB, more than the {} MiB limit",
            limits::mib_rounded_up(bytes),
            limits::MAX_OPEN_FIELD_BYTES >> 20
        ),
        help,
    );
    false
}

/// The most buckets a histogram may have (the `+Inf` bucket aside): each is
/// a word of every writing thread's row.
pub const MAX_BUCKETS: usize = 64;

/// A `Histogram` field: its type, its `histogram(buckets = ..)`, and the
/// bounds: sorted, distinct, at least one, at most [`MAX_BUCKETS`].
fn classify_histogram<'a>(cx: &Ctxt, ty: &Type, attrs: &FieldAttrs) -> Option<FieldKind<'a>> {
    let Some(histogram) = &attrs.histogram else {
        cx.error_help(
            ty,
            "a `Histogram` field needs its buckets",
            "add `#[stat(histogram(buckets = [10, 100, 1000]))]` or `#[stat(histogram(buckets = exponential(10, 2, 8)))]`",
        );
        return None;
    };
    let mut ok = true;
    if !is_histogram(ty) {
        cx.error_help(
            &histogram.keyword,
            format!(
                "`histogram` needs a `Histogram` field, not `{}`",
                type_text(ty)
            ),
            "declare the field as `stats_core::Histogram`",
        );
        ok = false;
    }
    for (option, tokens) in [
        ("gauge", attrs.gauge.as_ref()),
        ("keyed", attrs.keyed.as_ref().map(|keyed| &keyed.keyword)),
    ] {
        if let Some(tokens) = tokens {
            cx.error_help(
                tokens,
                format!("`{option}` cannot be combined with `histogram`"),
                format!("remove `{option}`: a histogram counts observations in buckets"),
            );
            ok = false;
        }
    }
    let Some(buckets) = &histogram.buckets else {
        if ok && !histogram.buckets_written {
            cx.error_help(
                &histogram.keyword,
                "`histogram` needs `buckets`",
                "write `histogram(buckets = [10, 100, 1000])`",
            );
        }
        return None;
    };
    let bounds = &buckets.value;
    if bounds.is_empty() {
        cx.error_help(
            &buckets.tokens,
            "a histogram needs at least one bucket bound",
            "list the upper bounds: `buckets = [10, 100, 1000]`",
        );
        ok = false;
    } else if bounds.len() > MAX_BUCKETS {
        cx.error_help(
            &buckets.tokens,
            format!(
                "{} buckets are more than the {MAX_BUCKETS} a histogram may have",
                bounds.len()
            ),
            "each bucket is a word in every writing thread's row: use fewer, wider buckets",
        );
        ok = false;
    } else if let Some(pair) = bounds.windows(2).find(|pair| pair[0] >= pair[1]) {
        cx.error_help(
            &buckets.tokens,
            format!(
                "bucket bounds must rise: {} is followed by {}",
                pair[0], pair[1]
            ),
            "list each bound once, smallest first",
        );
        ok = false;
    }
    ok.then_some(FieldKind::Histogram)
}

/// A type written `Histogram` (with any path before it).
fn is_histogram(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Histogram" && s.arguments.is_none())
}

/// `K` of a type written `Keyed<K>` (with any path before `Keyed`).
fn keyed_key(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Keyed" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(key)) if args.args.len() == 1 => Some(key),
        _ => None,
    }
}

/// `String`, written plainly or with a path.
fn is_string(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "String" && s.arguments.is_none())
}

/// `u64` or `i64` written plainly or as `core::primitive::u64`.
fn primitive_name(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let segments = &path.path.segments;
    let last = segments.last()?;
    if !last.arguments.is_none() {
        return None;
    }
    let name = last.ident.to_string();
    let prefix_ok = segments.len() == 1
        || segments
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|s| s.ident == "primitive");
    (prefix_ok && (name == "u64" || name == "i64")).then_some(name)
}

/// Whether the type's last path segment names a well-known map or set.
fn is_map(ty: &Type) -> bool {
    const MAPS: &[&str] = &[
        "HashMap", "BTreeMap", "HashSet", "BTreeSet", "IndexMap", "IndexSet", "DashMap",
    ];
    let Type::Path(path) = ty else { return false };
    path.path
        .segments
        .last()
        .is_some_and(|s| MAPS.iter().any(|m| s.ident == m))
}

fn type_text(ty: &Type) -> String {
    ty.to_token_stream()
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace(":: ", "::")
        .replace(" ::", "::")
}

/// The `///` lines, trimmed and joined by spaces.
fn doc_comment(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            let line = s.value();
            let line = line.trim();
            if !line.is_empty() {
                lines.push(line.to_owned());
            }
        }
    }
    lines.join(" ")
}
