//! [`Keyed`]: the value of a keyed field in a snapshot, a delta or a step.

use crate::keyed::key::{KeyLabel, key_order};
use std::borrow::Borrow;
use std::fmt;

/// The counts of a keyed field, key by key: what a snapshot or a delta holds
/// for a `Keyed<K>` field, and what [`add`](Keyed::add) builds for a
/// `table.add(&step)`.
///
/// It holds the keys whose count is not zero, in a stable order (a closed
/// key set's declaration order; strings by their bytes), and the
/// [`overflow`](Keyed::overflow): increments of keys that found an open key
/// set full, or that were too long to be a key. Two values are equal when
/// they hold the same counts and the same overflow, so a fresh table's
/// snapshot equals `Default::default()`.
///
/// # Examples
///
/// ```
/// use stats_core::{Keyed, StatTable};
///
/// #[derive(StatTable, Debug, Default, PartialEq)]
/// struct Traffic {
///     /// Requests by region.
///     #[stat(keyed(capacity = 64))]
///     by_region: Keyed<String>,
/// }
///
/// let table = Traffic::table();
/// table.by_region().inc("eu-west");
/// table.by_region().add("us-east", 2);
///
/// let snapshot = table.snapshot().by_region;
/// assert_eq!(snapshot.get("us-east"), Some(2));
/// assert_eq!(snapshot.get("ap-south"), None);
/// let pairs: Vec<(&str, u64)> = snapshot.iter().map(|(k, n)| (k.as_str(), n)).collect();
/// assert_eq!(pairs, [("eu-west", 1), ("us-east", 2)]);
/// assert_eq!((snapshot.len(), snapshot.overflow()), (2, 0));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Keyed<K> {
    /// Sorted by [`key_order`], counts never zero, keys distinct.
    entries: Vec<(K, u64)>,
    overflow: u64,
}

impl<K> Default for Keyed<K> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            overflow: 0,
        }
    }
}

impl<K: KeyLabel> Keyed<K> {
    /// An empty value: no keys, no overflow.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The count of `key`, or `None` if it has none. `String` keys can be
    /// looked up by `&str`.
    #[must_use]
    pub fn get<Q>(&self, key: &Q) -> Option<u64>
    where
        K: Borrow<Q>,
        Q: KeyLabel + ?Sized,
    {
        self.position(key).ok().map(|i| self.entries[i].1)
    }

    /// Every key and its count, in the stable order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&K, u64)> + '_ {
        self.entries.iter().map(|(key, count)| (key, *count))
    }

    /// How many keys have a count.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key has a count (the overflow may still have one).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Increments that were not counted under their own key: the key set
    /// was full (or its last free entries were held by racing inserts: see
    /// `OpenKeyed`, "Filling to capacity"), or the key was longer than the
    /// field's `max_key_len`. For
    /// a closed key set: keys a hand-written `StatKey` left out of `ALL`,
    /// and overflow that steps carried in (`table.add`); 0 otherwise.
    #[must_use]
    pub fn overflow(&self) -> u64 {
        self.overflow
    }

    /// Every increment: the keys' counts plus the overflow (wrapping).
    #[must_use]
    pub fn total(&self) -> u64 {
        self.entries
            .iter()
            .fold(self.overflow, |sum, (_, count)| sum.wrapping_add(*count))
    }

    /// Adds `n` to `key`'s count (wrapping), for building a step for
    /// `table.add(&step)`.
    pub fn add(&mut self, key: K, n: u64) {
        match self.position(&key) {
            Ok(i) => {
                let count = &mut self.entries[i].1;
                *count = count.wrapping_add(n);
                if *count == 0 {
                    self.entries.remove(i);
                }
            }
            Err(i) if n != 0 => self.entries.insert(i, (key, n)),
            Err(_) => {}
        }
    }

    /// Adds `n` to the overflow (wrapping), for a step that carries overflow
    /// from another table. `table.add` adds it to the field's overflow, for
    /// a closed key set too, so adding a snapshot to another table keeps
    /// every count.
    pub fn add_overflow(&mut self, n: u64) {
        self.overflow = self.overflow.wrapping_add(n);
    }

    /// Adds every count and the overflow of `other`: summing deltas gives
    /// the snapshot.
    pub fn merge(&mut self, other: &Self)
    where
        K: Clone,
    {
        for (key, n) in other.iter() {
            self.add(key.clone(), n);
        }
        self.add_overflow(other.overflow);
    }

    fn position<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: KeyLabel + ?Sized,
    {
        self.entries
            .binary_search_by(|(k, _)| key_order(k.borrow(), key))
    }

    /// Builds a value from counts in any order; zero counts are dropped and
    /// a repeated key's counts are summed.
    pub(crate) fn from_counts(counts: impl IntoIterator<Item = (K, u64)>, overflow: u64) -> Self {
        let mut entries: Vec<(K, u64)> = counts.into_iter().filter(|(_, n)| *n != 0).collect();
        entries.sort_by(|(a, _), (b, _)| key_order(a, b));
        entries.dedup_by(|(later_key, later), (key, count)| {
            let same = key_order(&*later_key, &*key).is_eq();
            if same {
                *count = count.wrapping_add(*later);
            }
            same
        });
        entries.retain(|(_, n)| *n != 0);
        Self { entries, overflow }
    }
}

impl<K: KeyLabel> FromIterator<(K, u64)> for Keyed<K> {
    fn from_iter<I: IntoIterator<Item = (K, u64)>>(iter: I) -> Self {
        Self::from_counts(iter, 0)
    }
}

impl<K: KeyLabel> Extend<(K, u64)> for Keyed<K> {
    fn extend<I: IntoIterator<Item = (K, u64)>>(&mut self, iter: I) {
        for (key, n) in iter {
            self.add(key, n);
        }
    }
}

impl<K: fmt::Debug> fmt::Debug for Keyed<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Counts<'a, K>(&'a [(K, u64)]);
        impl<K: fmt::Debug> fmt::Debug for Counts<'_, K> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(k, n)| (k, n)))
                    .finish()
            }
        }
        f.debug_struct("Keyed")
            .field("counts", &Counts(&self.entries))
            .field("overflow", &self.overflow)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Keyed;

    #[test]
    fn add_keeps_keys_sorted_distinct_and_nonzero() {
        let mut keyed = Keyed::new();
        keyed.add("b".to_owned(), 2);
        keyed.add("a".to_owned(), 1);
        keyed.add("b".to_owned(), 3);
        keyed.add("c".to_owned(), 0);
        keyed.add("a".to_owned(), u64::MAX); // wraps to zero: the key goes
        let pairs: Vec<_> = keyed.iter().map(|(k, n)| (k.clone(), n)).collect();
        assert_eq!(pairs, [("b".to_owned(), 5)]);
        assert_eq!(keyed.get("b"), Some(5));
        assert_eq!(keyed.get("a"), None);
    }

    #[test]
    fn from_counts_sums_repeats_and_equals_built_value() {
        let built = Keyed::from_counts(
            [
                ("x".to_owned(), 1),
                ("y".to_owned(), 0),
                ("x".to_owned(), 4),
            ],
            3,
        );
        let mut added = Keyed::new();
        added.add("x".to_owned(), 5);
        added.add_overflow(3);
        assert_eq!(built, added);
        assert_eq!(built.total(), 8);
        assert_eq!(
            format!("{built:?}"),
            r#"Keyed { counts: {"x": 5}, overflow: 3 }"#
        );
    }
}
