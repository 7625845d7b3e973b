//! The keys of an open keyed field in sorted order, kept from one read to
//! the next.
//!
//! An entry of a key store keeps its key until a clear, so a read need not
//! copy and sort every key again: [`KeyText`] holds the text of every key
//! a read has seen, and their order, for one epoch of the field; a read
//! copies only the keys new since the last one, sorts those, and merges
//! them in. What a read returns, [`OpenCounts`], shares the text (`Arc`),
//! so a read allocates the same few blocks whatever the number of keys,
//! and copies the text only when new keys arrive while an earlier read
//! still holds it.
//!
//! Only the keys of entries whose count was seen non-zero are copied: a
//! count is added after its key is complete, so such a key is whole. A
//! read that a clear interrupts may copy garbage; it does so into a
//! `KeyText` of the old epoch, which no read of a later epoch uses.

use std::cmp::Ordering;
use std::ops::Range;
use std::sync::Arc;

/// What `spans` holds for an entry whose key was not seen yet.
const UNSEEN: (u32, u32) = (u32::MAX, 0);

/// The keys a field's reads have seen in one epoch, and their order.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyText {
    epoch: u64,
    text: String,
    /// By entry: its key's start and length in `text`, or [`UNSEEN`].
    spans: Vec<(u32, u32)>,
    /// The seen entries, sorted by key.
    order: Vec<u32>,
}

impl KeyText {
    /// The keys of epoch `epoch`, none seen yet.
    pub(crate) fn new(epoch: u64) -> Self {
        Self {
            epoch,
            ..Self::default()
        }
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    fn seen(&self, entry: usize) -> bool {
        self.spans.get(entry).is_some_and(|span| *span != UNSEEN)
    }

    /// The key of a seen entry ("" for another).
    pub(crate) fn key(&self, entry: u32) -> &str {
        let (start, len) = self.spans.get(entry as usize).copied().unwrap_or(UNSEEN);
        if start == u32::MAX {
            return "";
        }
        let range: Range<usize> = start as usize..start as usize + len as usize;
        self.text.get(range).unwrap_or_default()
    }

    /// The entries with a count in `counts` whose keys were not seen yet.
    pub(crate) fn unseen(&self, counts: &[u64]) -> Vec<u32> {
        counts
            .iter()
            .enumerate()
            .filter(|&(entry, count)| *count != 0 && !self.seen(entry))
            .filter_map(|(entry, _)| u32::try_from(entry).ok())
            .collect()
    }

    /// Adds the keys of `entries` (sorted here), whose text `write_key`
    /// appends, and merges them into the order.
    pub(crate) fn add(
        &mut self,
        mut entries: Vec<u32>,
        mut write_key: impl FnMut(u32, &mut String),
    ) {
        for &entry in &entries {
            let start = self.text.len();
            write_key(entry, &mut self.text);
            let (Ok(start32), Ok(len)) =
                (u32::try_from(start), u32::try_from(self.text.len() - start))
            else {
                // Beyond 4 GiB of key text (impossible within a field's
                // 64 MiB bound): leave the entry unseen.
                self.text.truncate(start);
                continue;
            };
            let index = entry as usize;
            if self.spans.len() <= index {
                self.spans.resize(index + 1, UNSEEN);
            }
            self.spans[index] = (start32, len);
        }
        entries.retain(|&entry| self.seen(entry as usize));
        entries.sort_unstable_by(|a, b| self.key(*a).cmp(self.key(*b)));
        let mut merged = Vec::with_capacity(self.order.len() + entries.len());
        let (mut old, mut new) = (self.order.iter().peekable(), entries.iter().peekable());
        while let (Some(&&a), Some(&&b)) = (old.peek(), new.peek()) {
            if self.key(a).cmp(self.key(b)) == Ordering::Greater {
                merged.push(b);
                new.next();
            } else {
                merged.push(a);
                old.next();
            }
        }
        merged.extend(old);
        merged.extend(new);
        self.order = merged;
    }

    /// The seen entries in key order.
    pub(crate) fn order(&self) -> &[u32] {
        &self.order
    }

    /// The bytes it holds.
    pub(crate) fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.text.capacity()
            + self.spans.capacity() * size_of::<(u32, u32)>()
            + self.order.capacity() * size_of::<u32>()
    }
}

/// The keys of one open keyed field that have a count, sorted, with their
/// counts: one read's view of the field.
#[derive(Clone, Debug, Default)]
pub(crate) struct OpenCounts {
    keys: Option<Arc<KeyText>>,
    /// Entries in key order, with their counts (never 0).
    entries: Vec<(u32, u64)>,
}

impl OpenCounts {
    /// The entries of `keys`'s order that have a count in `counts`.
    pub(crate) fn new(keys: Arc<KeyText>, counts: &[u64]) -> Self {
        // One allocation of the most it can need, not a doubling per
        // power of two of the keys.
        let mut entries = Vec::with_capacity(keys.order().len());
        for &entry in keys.order() {
            let count = counts.get(entry as usize).copied().unwrap_or(0);
            if count != 0 {
                entries.push((entry, count));
            }
        }
        Self {
            keys: Some(keys),
            entries,
        }
    }

    /// Every key with a count, in order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&str, u64)> + '_ {
        self.entries.iter().map(|&(entry, count)| {
            let key = self.keys.as_deref().map_or("", |keys| keys.key(entry));
            (key, count)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::KeyText;

    #[test]
    fn new_keys_merge_into_the_order() {
        let keys = ["m", "a", "z", "b", "y"];
        let mut text = KeyText::new(0);
        text.add(vec![0, 1, 2], |entry, out| {
            out.push_str(keys[entry as usize])
        });
        text.add(vec![4, 3], |entry, out| out.push_str(keys[entry as usize]));
        let sorted: Vec<&str> = text.order().iter().map(|&e| text.key(e)).collect();
        assert_eq!(sorted, ["a", "b", "m", "y", "z"]);
        assert_eq!(text.unseen(&[1, 1, 0, 1, 1, 7]), [5]);
    }
}
