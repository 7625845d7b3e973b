//! A table snapshot as one JSON object: what the archiver's JSON-lines sink
//! writes, one per line (the shape is documented on
//! `TableSnapshot::write_json`).

use crate::export::snapshot::TableSnapshot;
use crate::table::contract::FieldShape;
use crate::table::traits::MetricKind;
use std::time::UNIX_EPOCH;

/// Appends `snapshot` as one JSON object.
pub(crate) fn write_snapshot(snapshot: &TableSnapshot, out: &mut String) {
    let reading = &snapshot.reading;
    let millis = reading
        .taken_at_wall
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    out.push_str("{\"table\":");
    write_string(snapshot.table_name, out);
    out.push_str(",\"timestamp_ms\":");
    out.push_str(itoa::Buffer::new().format(millis));
    out.push_str(",\"stale\":");
    out.push_str(if snapshot.stale { "true" } else { "false" });
    out.push_str(",\"stats\":{");
    for (n, field) in snapshot.fields.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        write_string(field.ident, out);
        out.push(':');
        let mut numbers = itoa::Buffer::new();
        match (field.kind, field.shape) {
            (MetricKind::Gauge, _) => out.push_str(numbers.format(reading.gauge(field.offset))),
            (_, FieldShape::Plain) => out.push_str(numbers.format(reading.counter(field.offset))),
            (_, FieldShape::Closed { labels, .. }) => {
                let counts = labels
                    .iter()
                    .enumerate()
                    .map(|(i, label)| (*label, reading.counter(field.offset + i)));
                write_keyed(counts, reading.counter(field.offset + labels.len()), out);
            }
            (_, FieldShape::Open { index, .. }) => write_keyed(
                reading.open(index).iter().filter(|(_, count)| *count != 0),
                reading.counter(field.offset),
                out,
            ),
            (_, FieldShape::Histogram { bounds }) => {
                out.push_str("{\"bounds\":[");
                write_list(bounds.iter().copied(), out);
                out.push_str("],\"buckets\":[");
                let buckets = (0..=bounds.len()).map(|i| reading.counter(field.offset + i));
                write_list(buckets.clone(), out);
                out.push_str("],\"count\":");
                let count = buckets.fold(0_u64, u64::wrapping_add);
                out.push_str(numbers.format(count));
                out.push_str(",\"sum\":");
                let sum = reading.counter(field.offset + bounds.len() + 1);
                out.push_str(numbers.format(sum));
                out.push('}');
            }
        }
    }
    out.push_str("}}");
}

/// `{"counts":{"key":n,..},"overflow":n}`.
fn write_keyed<'a>(counts: impl Iterator<Item = (&'a str, u64)>, overflow: u64, out: &mut String) {
    let mut numbers = itoa::Buffer::new();
    out.push_str("{\"counts\":{");
    for (n, (key, count)) in counts.enumerate() {
        if n > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        out.push_str(numbers.format(count));
    }
    out.push_str("},\"overflow\":");
    out.push_str(numbers.format(overflow));
    out.push('}');
}

fn write_list(values: impl Iterator<Item = u64>, out: &mut String) {
    let mut numbers = itoa::Buffer::new();
    for (n, value) in values.enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(numbers.format(value));
    }
}

/// A JSON string literal: quotes, backslashes and control characters
/// escaped (RFC 8259), everything else as it is.
pub(crate) fn write_string(text: &str, out: &mut String) {
    out.push('"');
    let mut clean = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[clean..at]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(escape);
        }
        clean = at + 1;
    }
    out.push_str(&text[clean..]);
    out.push('"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::write_string;

    #[test]
    fn strings_escape_what_json_requires() {
        let mut out = String::new();
        write_string("a\"b\\c\nd\u{1}é", &mut out);
        assert_eq!(out, r#""a\"b\\c\nd\u0001é""#);
    }
}
