//! The Prometheus text format 0.0.4 and OpenMetrics 1.0 text, written
//! straight into a caller's buffer: no allocation per series.

use crate::export::names::counter_family;
use crate::export::snapshot::TableSnapshot;
use crate::table::contract::{FieldDesc, FieldShape};
use crate::table::traits::MetricKind;

/// The help text of a keyed field's overflow family.
pub(crate) const OVERFLOW_HELP: &str =
    "Increments not counted under their own key: the key set was full or the key too long.";

/// An exposition format: what a [`Registry`](crate::Registry) encodes and
/// `/metrics` serves.
///
/// # What a table looks like
///
/// Fields in declaration order, tables in registration order, the
/// library's health table last. For `prefix = "orders"`:
///
/// | field | Prometheus text 0.0.4 | OpenMetrics 1.0 |
/// |---|---|---|
/// | counter `created` | family and sample `orders_created_total` | family `orders_created`, sample `orders_created_total` |
/// | gauge `in_flight` | `orders_in_flight` | the same |
/// | closed keyed `by_method` | `orders_by_method_total{method="card"}`, every variant | the same samples |
/// | open keyed `by_region` | `orders_by_region_total{region="eu"}`, keys with a count, sorted | the same samples |
/// | a keyed field's overflow | a family of its own, `orders_by_region_overflow_total` | the same sample |
/// | histogram `latency_us` | `orders_latency_us_bucket{le="100"}` (cumulative, then `+Inf`), `_sum`, `_count` | the same, `le="100.0"` |
///
/// A counter whose name already ends in `_total` keeps it once. The
/// overflow family counts the increments not counted under their own key
/// (the key set was full or the key too long); an open keyed field always
/// has one, a closed one only when a hand-written `StatKey` gave a key
/// outside its `ALL`. It is a family of its own, not a label value, so no
/// key can collide with it.
///
/// `HELP` is the field's doc comment, with backslashes and newlines
/// escaped (and double quotes, in OpenMetrics); label values escape
/// backslashes, double quotes and newlines. OpenMetrics output ends with
/// `# EOF`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The Prometheus text format, version 0.0.4.
    PrometheusText,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl Format {
    /// The HTTP `Content-Type` of the format.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::PrometheusText => "text/plain; version=0.0.4; charset=utf-8",
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The format an HTTP `Accept` header asks for: OpenMetrics if it
    /// names `application/openmetrics-text` with a quality above 0 that is
    /// at least that of any `text/plain` it names, else the Prometheus
    /// text format (what Prometheus sends prefers OpenMetrics).
    ///
    /// # Examples
    ///
    /// ```
    /// use stats_core::Format;
    ///
    /// let prometheus = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(Format::from_accept(prometheus), Format::OpenMetrics);
    /// assert_eq!(Format::from_accept("text/plain"), Format::PrometheusText);
    /// assert_eq!(Format::from_accept(""), Format::PrometheusText);
    /// ```
    #[must_use]
    pub fn from_accept(accept: &str) -> Self {
        let mut openmetrics = 0.0_f32;
        let mut text = 0.0_f32;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            // Parameter names are case-insensitive: `q=` or `Q=`.
            let quality = parts
                .filter_map(|param| param.split_once('='))
                .filter(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .find_map(|(_, q)| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/openmetrics-text" => openmetrics = openmetrics.max(quality),
                "text/plain" => text = text.max(quality),
                _ => {}
            }
        }
        if openmetrics > 0.0 && openmetrics >= text {
            Self::OpenMetrics
        } else {
            Self::PrometheusText
        }
    }
}

/// Appends the series of one table in `format` to `out`: the fixed text
/// of each field (see [`TableText`]) with the snapshot's values.
pub(crate) fn encode_table(snapshot: &TableSnapshot, format: Format, out: &mut String) {
    let reading = &snapshot.reading;
    let mut numbers = itoa::Buffer::new();
    let line = |prefix: &str, value: &str, out: &mut String| {
        out.push_str(prefix);
        out.push_str(value);
        out.push('\n');
    };
    for (field, text) in snapshot.fields.iter().zip(snapshot.text.of(format)) {
        out.push_str(&text.header);
        match (field.kind, field.shape) {
            (MetricKind::Gauge, _) => {
                line(
                    &text.samples[0],
                    numbers.format(reading.gauge(field.offset)),
                    out,
                );
            }
            (_, FieldShape::Plain) => {
                line(
                    &text.samples[0],
                    numbers.format(reading.counter(field.offset)),
                    out,
                );
            }
            (_, FieldShape::Closed { labels, .. }) => {
                for (i, prefix) in text.samples.iter().enumerate() {
                    line(
                        prefix,
                        numbers.format(reading.counter(field.offset + i)),
                        out,
                    );
                }
                let overflow = reading.counter(field.offset + labels.len());
                if overflow != 0 {
                    out.push_str(&text.overflow_header);
                    line(&text.overflow_sample, numbers.format(overflow), out);
                }
            }
            (_, FieldShape::Open { index, .. }) => {
                for (key, count) in reading.open(index).iter() {
                    out.push_str(&text.samples[0]);
                    escape_label_value(key, out);
                    line("\"} ", numbers.format(count), out);
                }
                out.push_str(&text.overflow_header);
                line(
                    &text.overflow_sample,
                    numbers.format(reading.counter(field.offset)),
                    out,
                );
            }
            (_, FieldShape::Histogram { bounds }) => {
                // Bucket prefixes, then `_sum`, then `_count`.
                let mut cumulative = 0_u64;
                for (i, prefix) in text.samples.iter().take(bounds.len() + 1).enumerate() {
                    cumulative = cumulative.wrapping_add(reading.counter(field.offset + i));
                    line(prefix, numbers.format(cumulative), out);
                }
                let sum = reading.counter(field.offset + bounds.len() + 1);
                line(&text.samples[bounds.len() + 1], numbers.format(sum), out);
                line(
                    &text.samples[bounds.len() + 2],
                    numbers.format(cumulative),
                    out,
                );
            }
        }
    }
}

/// Appends what ends an exposition: `# EOF` in OpenMetrics.
pub(crate) fn finish(format: Format, out: &mut String) {
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
}

/// The text of a table's exposition that no value changes: per format and
/// field, its `HELP` and `TYPE` lines and the start of each sample line,
/// escaped. Built once per table, so a scrape copies it in a few blocks
/// and formats only the values (and open keys).
#[derive(Debug)]
pub(crate) struct TableText {
    prometheus_text: Vec<FieldText>,
    openmetrics: Vec<FieldText>,
}

#[derive(Debug, Default)]
struct FieldText {
    /// Empty for a plain field or gauge: its sample holds it.
    header: String,
    /// A plain field or gauge: its header, then its sample's name and the
    /// space. A closed
    /// keyed field: one per variant, up to the space. An open keyed field:
    /// up to the opening quote of the label value. A histogram: each
    /// bucket's, then `_sum`'s, then `_count`'s.
    samples: Vec<String>,
    /// A keyed field's overflow family: its header and its sample's start.
    overflow_header: String,
    overflow_sample: String,
}

impl TableText {
    pub(crate) fn new(fields: &[FieldDesc]) -> Self {
        let of = |format| {
            fields
                .iter()
                .map(|field| FieldText::new(field, format))
                .collect()
        };
        Self {
            prometheus_text: of(Format::PrometheusText),
            openmetrics: of(Format::OpenMetrics),
        }
    }

    fn of(&self, format: Format) -> &[FieldText] {
        match format {
            Format::PrometheusText => &self.prometheus_text,
            Format::OpenMetrics => &self.openmetrics,
        }
    }
}

impl FieldText {
    fn new(field: &FieldDesc, format: Format) -> Self {
        let name = field.name;
        let mut text = Self::default();
        match (field.kind, field.shape) {
            // One series: the header and the sample's start in one string.
            (MetricKind::Gauge, _) => {
                let mut lead = String::new();
                header(&mut lead, format, name, "", "gauge", field.help);
                lead.push_str(name);
                lead.push(' ');
                text.samples.push(lead);
            }
            (_, FieldShape::Plain) => {
                let family = counter_family(name);
                let mut lead = String::new();
                counter_header(&mut lead, format, family, field.help);
                lead.push_str(family);
                lead.push_str("_total ");
                text.samples.push(lead);
            }
            (_, FieldShape::Closed { label, labels }) => {
                let family = counter_family(name);
                counter_header(&mut text.header, format, family, field.help);
                for value in labels {
                    let mut sample = format!("{family}_total{{{label}=\"");
                    escape_label_value(value, &mut sample);
                    sample.push_str("\"} ");
                    text.samples.push(sample);
                }
                text.overflow(format, family);
            }
            (_, FieldShape::Open { label, .. }) => {
                let family = counter_family(name);
                counter_header(&mut text.header, format, family, field.help);
                text.samples.push(format!("{family}_total{{{label}=\""));
                text.overflow(format, family);
            }
            (_, FieldShape::Histogram { bounds }) => {
                header(&mut text.header, format, name, "", "histogram", field.help);
                // OpenMetrics wants `le` as a canonical float.
                let decimals = if format == Format::OpenMetrics {
                    ".0"
                } else {
                    ""
                };
                for bound in bounds {
                    text.samples
                        .push(format!("{name}_bucket{{le=\"{bound}{decimals}\"}} "));
                }
                text.samples.push(format!("{name}_bucket{{le=\"+Inf\"}} "));
                text.samples.push(format!("{name}_sum "));
                text.samples.push(format!("{name}_count "));
            }
        }
        text
    }

    /// The family of a keyed field's overflow.
    fn overflow(&mut self, format: Format, family: &str) {
        let name = format!("{family}_overflow");
        counter_header(&mut self.overflow_header, format, &name, OVERFLOW_HELP);
        self.overflow_sample = format!("{name}_total ");
    }
}

/// A counter family's `HELP` and `TYPE`: named `{family}_total` in the
/// Prometheus text format, `{family}` in OpenMetrics.
fn counter_header(out: &mut String, format: Format, family: &str, help: &str) {
    let suffix = match format {
        Format::PrometheusText => "_total",
        Format::OpenMetrics => "",
    };
    header(out, format, family, suffix, "counter", help);
}

/// `# HELP` (when there is help text) and `# TYPE`, in each format's order.
fn header(out: &mut String, format: Format, name: &str, suffix: &str, kind: &str, help: &str) {
    let help_line = |out: &mut String| {
        if !help.is_empty() {
            out.push_str("# HELP ");
            out.push_str(name);
            out.push_str(suffix);
            out.push(' ');
            escape_help(help, format, out);
            out.push('\n');
        }
    };
    if format == Format::PrometheusText {
        help_line(out);
    }
    out.push_str("# TYPE ");
    out.push_str(name);
    out.push_str(suffix);
    out.push(' ');
    out.push_str(kind);
    out.push('\n');
    if format == Format::OpenMetrics {
        help_line(out);
    }
}

/// A label value: backslash, double quote and newline escaped.
fn escape_label_value(value: &str, out: &mut String) {
    escape(value, out, |byte| match byte {
        b'\\' => Some("\\\\"),
        b'"' => Some("\\\""),
        b'\n' => Some("\\n"),
        _ => None,
    });
}

/// Help text: backslash and newline escaped, and double quote in
/// OpenMetrics.
fn escape_help(help: &str, format: Format, out: &mut String) {
    escape(help, out, |byte| match byte {
        b'\\' => Some("\\\\"),
        b'\n' => Some("\\n"),
        b'"' if format == Format::OpenMetrics => Some("\\\""),
        _ => None,
    });
}

/// Appends `text` with each ASCII byte that `escape_of` names replaced.
fn escape(text: &str, out: &mut String, escape_of: impl Fn(u8) -> Option<&'static str>) {
    // Most text needs no escape: one scan, one copy.
    if text
        .bytes()
        .all(|byte| byte > b'\\' || escape_of(byte).is_none())
    {
        out.push_str(text);
        return;
    }
    let mut clean = 0;
    for (at, byte) in text.bytes().enumerate() {
        if let Some(escaped) = escape_of(byte) {
            out.push_str(&text[clean..at]);
            out.push_str(escaped);
            clean = at + 1;
        }
    }
    out.push_str(&text[clean..]);
}

#[cfg(test)]
mod tests {
    use super::{Format, escape_label_value};

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        let mut out = String::new();
        escape_label_value("a\\b\"c\nd é", &mut out);
        assert_eq!(out, "a\\\\b\\\"c\\nd é");
    }

    #[test]
    fn accept_headers_pick_the_format() {
        assert_eq!(
            Format::from_accept("application/openmetrics-text; version=1.0.0; q=0"),
            Format::PrometheusText
        );
        assert_eq!(
            Format::from_accept("text/plain;q=0.9, application/openmetrics-text;q=0.5"),
            Format::PrometheusText
        );
        assert_eq!(
            Format::from_accept("Application/OpenMetrics-Text"),
            Format::OpenMetrics
        );
        assert_eq!(
            Format::from_accept("application/openmetrics-text;Q=0"),
            Format::PrometheusText
        );
    }
}
