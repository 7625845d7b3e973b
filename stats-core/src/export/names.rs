//! The names a table's fields take in the exposition formats, and the
//! checks a registry makes before it accepts a table.

use crate::table::contract::{FieldDesc, FieldShape};
use crate::table::traits::MetricKind;
use std::error::Error;
use std::fmt;

/// The name of a counter's family without `_total`: OpenMetrics names the
/// family so and its sample `{family}_total`; the Prometheus text format
/// names both `{family}_total`.
pub(crate) fn counter_family(name: &str) -> &str {
    name.strip_suffix("_total").unwrap_or(name)
}

/// Every name a field's samples and families take: a registry refuses a
/// table that would repeat one.
pub(crate) fn exposed_names(field: &FieldDesc) -> Vec<String> {
    let name = field.name;
    match (field.kind, field.shape) {
        (MetricKind::Gauge, _) => vec![name.to_owned()],
        (_, FieldShape::Histogram { .. }) => ["", "_bucket", "_sum", "_count", "_created"]
            .iter()
            .map(|suffix| format!("{name}{suffix}"))
            .collect(),
        (_, FieldShape::Plain) => counter_names(counter_family(name)),
        (_, FieldShape::Closed { .. } | FieldShape::Open { .. }) => {
            let family = counter_family(name);
            let mut names = counter_names(family);
            names.extend(counter_names(&format!("{family}_overflow")));
            names
        }
    }
}

/// A counter family's names: OpenMetrics also reserves `_created` for it.
fn counter_names(family: &str) -> Vec<String> {
    vec![
        family.to_owned(),
        format!("{family}_total"),
        format!("{family}_created"),
    ]
}

/// Whether `name` is a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Whether `name` is a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not
/// starting with `__` (reserved) and not `le` or `quantile` (which
/// histograms and summaries give a meaning).
pub(crate) fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
        && name != "le"
        && name != "quantile"
}

/// Why a [`Registry`](crate::Registry) refused a table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisterError {
    /// A field's metric name is not `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    InvalidMetricName {
        /// The table's struct name.
        table: &'static str,
        /// The offending name.
        name: &'static str,
    },
    /// A keyed field's label name is not `[a-zA-Z_][a-zA-Z0-9_]*`, starts
    /// with `__`, or is `le` or `quantile`.
    InvalidLabelName {
        /// The table's struct name.
        table: &'static str,
        /// The field's metric name.
        metric: &'static str,
        /// The offending label name.
        label: &'static str,
    },
    /// The same table (the same instance) is registered already.
    AlreadyRegistered {
        /// The table's struct name.
        table: &'static str,
    },
    /// Two series families would have one name: in one table (a field
    /// `x` and a keyed field `x`'s overflow family `x_overflow`, or a
    /// counter `x` and a counter `x_total`), or in two tables (the same
    /// table registered twice, or two tables with one prefix).
    DuplicateName {
        /// The name exposed twice.
        name: String,
        /// The table already registered that exposes it.
        first: &'static str,
        /// The table that was refused.
        second: &'static str,
    },
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMetricName { table, name } => write!(
                f,
                "table `{table}`: `{name}` is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)"
            ),
            Self::InvalidLabelName {
                table,
                metric,
                label,
            } => write!(
                f,
                "table `{table}`, metric `{metric}`: `{label}` is not a valid label name \
                 ([a-zA-Z_][a-zA-Z0-9_]*, not `__...`, `le` or `quantile`)"
            ),
            Self::AlreadyRegistered { table } => {
                write!(f, "this `{table}` table is registered already")
            }
            Self::DuplicateName {
                name,
                first,
                second,
            } if first == second => write!(
                f,
                "table `{second}` exposes `{name}` twice (or is registered twice)"
            ),
            Self::DuplicateName {
                name,
                first,
                second,
            } => write!(
                f,
                "table `{second}` exposes `{name}`, which table `{first}` already exposes"
            ),
        }
    }
}

impl Error for RegisterError {}

/// Checks the names of a table's fields; returns every name it exposes.
pub(crate) fn check_table(
    table: &'static str,
    fields: &'static [FieldDesc],
) -> Result<Vec<String>, RegisterError> {
    let mut names = Vec::new();
    for field in fields {
        if !is_metric_name(field.name) {
            return Err(RegisterError::InvalidMetricName {
                table,
                name: field.name,
            });
        }
        if let FieldShape::Closed { label, .. } | FieldShape::Open { label, .. } = field.shape
            && !is_label_name(label)
        {
            return Err(RegisterError::InvalidLabelName {
                table,
                metric: field.name,
                label,
            });
        }
        for name in exposed_names(field) {
            if names.contains(&name) {
                return Err(RegisterError::DuplicateName {
                    name,
                    first: table,
                    second: table,
                });
            }
            names.push(name);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::{is_label_name, is_metric_name};

    #[test]
    fn names_follow_the_exposition_grammar() {
        for good in ["a", "_a", "a:b", "A_1", "orders_created"] {
            assert!(is_metric_name(good), "{good}");
        }
        for bad in ["", "1a", "a-b", "a b", "é"] {
            assert!(!is_metric_name(bad), "{bad}");
        }
        for good in ["region", "_x", "a1"] {
            assert!(is_label_name(good), "{good}");
        }
        for bad in ["", "__name__", "le", "quantile", "a:b", "1a"] {
            assert!(!is_label_name(bad), "{bad}");
        }
    }
}
