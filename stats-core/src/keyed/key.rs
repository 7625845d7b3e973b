//! What can key the series of a [`Keyed`](crate::Keyed) field: the variants
//! of a closed key set (`#[derive(StatKey)]` on a fieldless enum) or the
//! strings of an open one.

use std::cmp::Ordering;

/// A value that keys one series of a keyed field, and the label value that
/// series is exported with.
///
/// Implemented for `str` and `String` (open key sets) and by
/// `#[derive(StatKey)]` (closed key sets). Two keys are the same series
/// exactly when their [`rank`](Self::rank) and [`label`](Self::label) are
/// equal, and [`Keyed`](crate::Keyed) keeps its series in that order.
pub trait KeyLabel {
    /// The label value: the string itself, or the variant's label
    /// (`snake_case` of its name unless renamed).
    fn label(&self) -> &str;

    /// The position in a stable order: a closed key's variant index, so its
    /// series keep declaration order; 0 for strings, which sort by their
    /// bytes.
    fn rank(&self) -> usize {
        0
    }
}

impl KeyLabel for str {
    fn label(&self) -> &str {
        self
    }
}

impl KeyLabel for String {
    fn label(&self) -> &str {
        self
    }
}

/// The stable order of keys: by rank, then by label bytes.
pub(crate) fn key_order<A, B>(a: &A, b: &B) -> Ordering
where
    A: KeyLabel + ?Sized,
    B: KeyLabel + ?Sized,
{
    a.rank()
        .cmp(&b.rank())
        .then_with(|| a.label().cmp(b.label()))
}

/// The index of `key` in `K::ALL`, never trusting [`StatKey::index`]: a
/// derived `index` is checked with one compare; a hand-written one that
/// breaks its contract costs a search; a key that is not in `ALL` at all
/// gives `None`, and the caller counts it as the field's overflow.
#[inline]
pub(crate) fn checked_index<K: StatKey>(key: K) -> Option<usize> {
    let index = key.index();
    if K::ALL.get(index) == Some(&key) {
        Some(index)
    } else {
        K::ALL.iter().position(|known| *known == key)
    }
}

/// A closed key set: a fieldless enum whose variants key the series of a
/// `Keyed<Self>` field. Implemented by `#[derive(StatKey)]`.
///
/// Each variant has a dense index (its position in declaration order) and a
/// label value, so a keyed field of a closed key set is an array of
/// counters in the table's per-thread rows: no hashing, and the same hot
/// path as a plain counter.
///
/// # Examples
///
/// ```
/// use stats_core::{KeyLabel, StatKey};
///
/// #[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Method {
///     Card,
///     BankTransfer,
///     #[stat_key(rename = "apple-pay")]
///     ApplePay,
/// }
///
/// assert_eq!(Method::ALL, [Method::Card, Method::BankTransfer, Method::ApplePay]);
/// assert_eq!(Method::BankTransfer.index(), 1);
/// assert_eq!(Method::BankTransfer.label(), "bank_transfer");
/// assert_eq!(Method::ApplePay.label(), "apple-pay");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a closed key set",
    label = "`Keyed<{Self}>` needs `{Self}: StatKey`",
    note = "derive `StatKey` on a fieldless enum for a closed key set, \
            or count open keys with `#[stat(keyed(capacity = N))] field: Keyed<String>`"
)]
pub trait StatKey: KeyLabel + Copy + Eq + 'static {
    /// Every variant, in declaration order: `ALL[k.index()] == k`.
    const ALL: &'static [Self];

    /// The label value of every variant, in declaration order: one for each
    /// of [`ALL`](Self::ALL). Labels are distinct (the derive rejects two
    /// variants with one label). A table with a `Keyed<K>` field whose
    /// `K::LABELS` and `K::ALL` differ in length does not compile.
    const LABELS: &'static [&'static str];

    /// The variant's position in declaration order, below `ALL.len()`.
    ///
    /// The runtime checks it (`ALL[index] == self`) before it counts, so a
    /// hand-written implementation that breaks this contract never writes
    /// another key's or another field's counter and never panics: its keys
    /// are counted under their place in `ALL`, or as the field's overflow
    /// if they are not in `ALL`.
    fn index(self) -> usize;
}
