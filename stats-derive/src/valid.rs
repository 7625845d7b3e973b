//! Rules that look at more than one attribute or field.

use crate::ast::Container;
use crate::case::variant_name;
use crate::ctxt::Ctxt;
use crate::symbol;
use std::collections::HashMap;
use syn::ext::IdentExt;

/// Checks the container as a whole, recording every problem in `cx`.
pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_prefix(cx, cont);
    check_metric_names(cx, cont);
    check_accessor_names(cx, cont);
    check_label_names(cx, cont);
}

/// A keyed field's label name is a valid Prometheus label name.
fn check_label_names(cx: &Ctxt, cont: &Container<'_>) {
    for field in cont.table_fields().filter(|f| f.kind.is_keyed()) {
        let label = &field.label;
        if !is_metric_name(&label.value) || label.value.starts_with("__") {
            cx.error_help(
                &label.tokens,
                format!("`{}` is not a valid label name", label.value),
                "a label name starts with a letter or `_` (not `__`, which Prometheus reserves) \
                 and holds only ASCII letters, digits and `_`; \
                 set one with `#[stat(keyed(label = \"...\"))]`",
            );
        }
    }
}

fn check_prefix(cx: &Ctxt, cont: &Container<'_>) {
    if let Some(prefix) = &cont.attrs.prefix
        && !is_metric_name(&prefix.value)
    {
        cx.error_help(
            &prefix.tokens,
            format!("`{}` is not a valid metric name prefix", prefix.value),
            "a prefix starts with a letter or `_` and holds only ASCII letters, digits and `_`",
        );
    }
}

/// Each metric name is valid and used by one field only.
fn check_metric_names(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen: HashMap<String, String> = HashMap::new();
    for field in cont.table_fields() {
        if !is_metric_name(&field.short_name.value) {
            cx.error_help(
                &field.short_name.tokens,
                format!("`{}` is not a valid metric name", field.short_name.value),
                "a metric name starts with a letter or `_` and holds only ASCII letters, digits and `_`",
            );
            continue;
        }
        let name = cont.metric_name(field);
        let ident = field.ident.unraw().to_string();
        if let Some(first) = seen.insert(name.clone(), ident.clone()) {
            cx.error_help(
                &field.short_name.tokens,
                format!("metric name `{name}` is used by fields `{first}` and `{ident}`"),
                "give one of them another name with `#[stat(name = \"...\")]`",
            );
        }
    }
}

/// Accessors and field-enum variants must not clash with each other or with
/// the table's own methods.
fn check_accessor_names(cx: &Ctxt, cont: &Container<'_>) {
    let mut variants: HashMap<String, String> = HashMap::new();
    for field in cont.table_fields() {
        let ident = field.ident.unraw().to_string();
        if symbol::TABLE_METHODS.contains(&ident.as_str()) {
            cx.error_help(
                field.ident,
                format!("field `{ident}` clashes with the table method `{ident}`"),
                format!(
                    "rename the field and keep its metric name with `#[stat(name = \"{ident}\")]`"
                ),
            );
        }
        if !field.kind.is_plain() {
            continue;
        }
        let variant = variant_name(field.ident).to_string();
        if let Some(first) = variants.insert(variant.clone(), ident.clone()) {
            cx.error_help(
                field.ident,
                format!("fields `{first}` and `{ident}` both become the variant `{variant}`"),
                "rename one of the fields",
            );
        }
    }
}

/// Prometheus metric names without colons (those are for recording rules).
fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
