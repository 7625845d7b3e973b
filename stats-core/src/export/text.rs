//! The Prometheus text format 0.0.4 and OpenMetrics 1.0 text, written
//! straight into a caller's buffer: no allocation per series.
//!
//! # What a table looks like
//!
//! Fields in declaration order, tables in registration order, the
//! library's health table last. For `prefix = "orders"`:
//!
//! | field | Prometheus text 0.0.4 | OpenMetrics 1.0 |
//! |---|---|---|
//! | counter `created` | family and sample `orders_created_total` | family `orders_created`, sample `orders_created_total` |
//! | gauge `in_flight` | `orders_in_flight` | the same |
//! | closed keyed `by_method` | `orders_by_method_total{method="card"}`, every variant | the same samples |
//! | open keyed `by_region` | `orders_by_region_total{region="eu"}`, keys with a count, sorted | the same samples |
//! | a keyed field's overflow | a family of its own, `orders_by_region_overflow_total` | the same sample |
//! | histogram `latency_us` | `orders_latency_us_bucket{le="100"}` (cumulative, then `+Inf`), `_sum`, `_count` | the same, `le="100.0"` |
//!
//! A counter whose name already ends in `_total` keeps it once. The
//! overflow family counts the increments not counted under their own key
//! (the key set was full or the key too long); an open keyed field always
//! has one, a closed one only when a hand-written `StatKey` gave a key
//! outside its `ALL`. It is a family of its own, not a label value, so no
//! key can collide with it.
//!
//! `HELP` is the field's doc comment, with backslashes and newlines
//! escaped (and double quotes, in OpenMetrics); label values escape
//! backslashes, double quotes and newlines. OpenMetrics output ends with
//! `# EOF`.

use crate::export::names::counter_family;
use crate::export::snapshot::TableSnapshot;
use crate::table::contract::{FieldDesc, FieldShape};
use crate::table::traits::MetricKind;

/// The help text of a keyed field's overflow family.
pub(crate) const OVERFLOW_HELP: &str =
    "Increments not counted under their own key: the key set was full or the key too long.";

/// An exposition format.
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
            let quality = parts
                .filter_map(|param| param.strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
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

/// Appends the series of one table in `format` to `out`.
pub(crate) fn encode_table(snapshot: &TableSnapshot, format: Format, out: &mut String) {
    let mut writer = Writer {
        out,
        format,
        numbers: itoa::Buffer::new(),
    };
    for field in snapshot.fields {
        writer.field(snapshot, field);
    }
}

/// Appends what ends an exposition: `# EOF` in OpenMetrics.
pub(crate) fn finish(format: Format, out: &mut String) {
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
}

struct Writer<'a> {
    out: &'a mut String,
    format: Format,
    numbers: itoa::Buffer,
}

impl Writer<'_> {
    fn field(&mut self, snapshot: &TableSnapshot, field: &FieldDesc) {
        let reading = &snapshot.reading;
        let name = field.name;
        match (field.kind, field.shape) {
            (MetricKind::Gauge, _) => {
                self.family(name, "gauge", field.help);
                self.sample(name, "", None, reading.gauge(field.offset));
            }
            (_, FieldShape::Plain) => {
                let family = counter_family(name);
                self.counter_family(family, field.help);
                self.sample(family, "_total", None, reading.counter(field.offset));
            }
            (_, FieldShape::Closed { label, labels }) => {
                let family = counter_family(name);
                self.counter_family(family, field.help);
                for (i, value) in labels.iter().enumerate() {
                    let count = reading.counter(field.offset + i);
                    self.sample(family, "_total", Some((label, value)), count);
                }
                let overflow = reading.counter(field.offset + labels.len());
                if overflow != 0 {
                    self.overflow(family, overflow);
                }
            }
            (_, FieldShape::Open { label, index, .. }) => {
                let family = counter_family(name);
                self.counter_family(family, field.help);
                for (key, count) in reading.open(index).iter() {
                    self.sample(family, "_total", Some((label, key)), count);
                }
                self.overflow(family, reading.counter(field.offset));
            }
            (_, FieldShape::Histogram { bounds }) => {
                self.family(name, "histogram", field.help);
                let mut cumulative = 0_u64;
                for (i, bound) in bounds.iter().enumerate() {
                    cumulative = cumulative.wrapping_add(reading.counter(field.offset + i));
                    self.bucket(name, Some(*bound), cumulative);
                }
                cumulative = cumulative.wrapping_add(reading.counter(field.offset + bounds.len()));
                self.bucket(name, None, cumulative);
                let sum = reading.counter(field.offset + bounds.len() + 1);
                self.sample(name, "_sum", None, sum);
                self.sample(name, "_count", None, cumulative);
            }
        }
    }

    /// The family of a keyed field's overflow, and its one sample.
    fn overflow(&mut self, family: &str, count: u64) {
        // Two pushes instead of a `format!`: no allocation per scrape.
        let mut name = String::new();
        name.push_str(family);
        name.push_str("_overflow");
        self.counter_family(&name, OVERFLOW_HELP);
        self.sample(&name, "_total", None, count);
    }

    fn counter_family(&mut self, family: &str, help: &str) {
        match self.format {
            Format::PrometheusText => self.header(family, "_total", "counter", help),
            Format::OpenMetrics => self.header(family, "", "counter", help),
        }
    }

    fn family(&mut self, name: &str, kind: &str, help: &str) {
        self.header(name, "", kind, help);
    }

    /// `# HELP` (when there is help text) and `# TYPE`, in each format's
    /// order.
    fn header(&mut self, name: &str, suffix: &str, kind: &str, help: &str) {
        let help_line = |out: &mut String, format: Format| {
            if !help.is_empty() {
                out.push_str("# HELP ");
                out.push_str(name);
                out.push_str(suffix);
                out.push(' ');
                escape_help(help, format, out);
                out.push('\n');
            }
        };
        if self.format == Format::PrometheusText {
            help_line(self.out, self.format);
        }
        self.out.push_str("# TYPE ");
        self.out.push_str(name);
        self.out.push_str(suffix);
        self.out.push(' ');
        self.out.push_str(kind);
        self.out.push('\n');
        if self.format == Format::OpenMetrics {
            help_line(self.out, self.format);
        }
    }

    fn sample(
        &mut self,
        name: &str,
        suffix: &str,
        label: Option<(&str, &str)>,
        value: impl itoa::Integer,
    ) {
        self.out.push_str(name);
        self.out.push_str(suffix);
        if let Some((label, value)) = label {
            self.out.push('{');
            self.out.push_str(label);
            self.out.push_str("=\"");
            escape_label_value(value, self.out);
            self.out.push_str("\"}");
        }
        self.out.push(' ');
        self.out.push_str(self.numbers.format(value));
        self.out.push('\n');
    }

    fn bucket(&mut self, name: &str, le: Option<u64>, count: u64) {
        self.out.push_str(name);
        self.out.push_str("_bucket{le=\"");
        match le {
            Some(bound) => {
                self.out.push_str(self.numbers.format(bound));
                if self.format == Format::OpenMetrics {
                    // OpenMetrics wants `le` as a canonical float.
                    self.out.push_str(".0");
                }
            }
            None => self.out.push_str("+Inf"),
        }
        self.out.push_str("\"} ");
        self.out.push_str(self.numbers.format(count));
        self.out.push('\n');
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
    }
}
