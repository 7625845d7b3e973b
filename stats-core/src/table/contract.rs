//! The hidden contract between the derive and the runtime: what the derive
//! tells the runtime about a user's struct (`Schema`, `FieldDesc`), and what
//! the runtime hands back to build the struct (`RawValues`). Not public API.

use crate::histogram::value::Histogram;
use crate::keyed::key::StatKey;
use crate::keyed::key::checked_index;
use crate::keyed::value::Keyed;
use crate::table::traits::MetricKind;

/// One field of a table, as the derive describes it. Not public API: the
/// derive builds a `const` array of these.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDesc {
    /// The Rust field name (`in_flight`).
    pub ident: &'static str,
    /// The full metric name, prefix included (`orders_in_flight`).
    pub name: &'static str,
    /// Help text from the field's doc comment; may be empty.
    pub help: &'static str,
    /// Counter or gauge.
    pub kind: MetricKind,
    /// A gauge's index among the gauges; a counter's index in the shards; a
    /// closed keyed field's first index; an open keyed field's overflow index.
    pub offset: usize,
    /// A plain value or a keyed field.
    pub shape: FieldShape,
}

/// Whether a field is one series or one per key. Not public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldShape {
    /// One counter or gauge.
    Plain,
    /// `Keyed<K>` with `K: StatKey`: one counter index per variant, from
    /// `index` on, then one for keys outside `K::ALL` (only a hand-written
    /// `StatKey` makes them).
    Closed {
        /// The label name (`method`).
        label: &'static str,
        /// The variants' label values, in index order.
        labels: &'static [&'static str],
    },
    /// A histogram: one counter per bucket from `index` on (the last is
    /// `+Inf`), then the sum.
    Histogram {
        /// The buckets' upper bounds, sorted.
        bounds: &'static [u64],
    },
    /// `Keyed<String>`: a key store of its own, and an overflow counter at
    /// `index`.
    Open {
        /// The label name (`region`).
        label: &'static str,
        /// The most keys it holds.
        capacity: usize,
        /// The longest key it stores, in bytes.
        max_key_len: usize,
        /// Its index among the open keyed fields.
        index: usize,
    },
}

impl FieldShape {
    /// How many counter slots a counter field of this shape takes.
    #[must_use]
    pub const fn counter_slots(&self) -> usize {
        match self {
            Self::Plain | Self::Open { .. } => 1,
            Self::Closed { labels, .. } => labels.len() + 1,
            Self::Histogram { bounds } => bounds.len() + 2,
        }
    }
}

/// What a snapshot or a delta read, for `Schema::from_raw`. Not public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct RawValues<'a> {
    pub(crate) counters: &'a [u64],
    pub(crate) gauges: &'a [i64],
    /// One per open keyed field, overflow included; taken by `open`.
    pub(crate) open: &'a mut [Keyed<String>],
}

impl RawValues<'_> {
    /// The counter in `index`.
    #[must_use]
    pub fn counter(&self, index: usize) -> u64 {
        self.counters.get(index).copied().unwrap_or_default()
    }

    /// The gauge in `index`.
    #[must_use]
    pub fn gauge(&self, index: usize) -> i64 {
        self.gauges.get(index).copied().unwrap_or_default()
    }

    /// The closed keyed field whose first index is `index`.
    #[must_use]
    pub fn closed<K: StatKey>(&self, index: usize) -> Keyed<K> {
        Keyed::from_counts(
            K::ALL
                .iter()
                .enumerate()
                .map(|(i, key)| (*key, self.counter(index + i))),
            self.counter(index + K::ALL.len()),
        )
    }

    /// The histogram field whose first bucket is `index`.
    #[must_use]
    pub fn histogram(&self, index: usize, bounds: &'static [u64]) -> Histogram {
        let buckets: Vec<u64> = (0..=bounds.len())
            .map(|bucket| self.counter(index + bucket))
            .collect();
        Histogram::from_parts(bounds, &buckets, self.counter(index + bounds.len() + 1))
    }

    /// The open keyed field with index `index`; a second call returns an
    /// empty value.
    pub fn open(&mut self, index: usize) -> Keyed<String> {
        self.open
            .get_mut(index)
            .map(std::mem::take)
            .unwrap_or_default()
    }
}

/// Writes a closed keyed field's counts into a step's counter slots, from
/// `first` on: each key to its variant's index, its overflow and any key
/// outside `K::ALL` to the field's overflow index, never to another field's.
/// Not public API: `table.add(&step)` uses it.
#[doc(hidden)]
pub fn fill_closed<K: StatKey>(counters: &mut [u64], first: usize, keyed: &Keyed<K>) {
    let overflow = first + K::ALL.len();
    let mut add = |index: usize, n: u64| {
        if let Some(count) = counters.get_mut(index) {
            *count = count.wrapping_add(n);
        }
    };
    for (key, n) in keyed.iter() {
        add(
            checked_index(*key).map_or(overflow, |index| first + index),
            n,
        );
    }
    add(overflow, keyed.overflow());
}

/// Writes a histogram field's observations into a step's counter slots,
/// from `first` on: its buckets and its sum. A value with other bounds has
/// each of its buckets moved to where the bucket's upper bound falls. Not
/// public API: `table.add(&step)` uses it.
#[doc(hidden)]
pub fn fill_histogram(
    counters: &mut [u64],
    first: usize,
    bounds: &'static [u64],
    step: &Histogram,
) {
    let mut ours = Histogram::from_parts(bounds, &vec![0; bounds.len() + 1], 0);
    ours.merge(step);
    for (offset, (_, count)) in ours.buckets().enumerate() {
        if let Some(word) = counters.get_mut(first + offset) {
            *word = word.wrapping_add(count);
        }
    }
    if let Some(word) = counters.get_mut(first + bounds.len() + 1) {
        *word = word.wrapping_add(ours.sum());
    }
}

/// The derive's description of a struct. Not public API.
#[doc(hidden)]
pub trait Schema: Sized {
    /// The struct's name, used in messages (`OrderStats`).
    const TABLE_NAME: &'static str;
    /// Every field that is part of the table, in declaration order.
    const FIELDS: &'static [FieldDesc];
    /// Builds the struct from the values a snapshot or delta read.
    fn from_raw(raw: &mut RawValues<'_>) -> Self;
}

#[cfg(test)]
mod private_module_tests {
    /// The hidden module's name follows the crate's version.
    #[test]
    fn the_private_module_is_named_for_this_version() {
        let mut version = env!("CARGO_PKG_VERSION").split('.');
        let (major, minor) = (version.next(), version.next());
        assert_eq!(
            (major, minor),
            (Some("0"), Some("1")),
            "rename __private_0_1"
        );
    }
}
