//! Handles to a keyed field of a table: what `table.by_method()` and
//! `table.by_region()` return, and their versioned iterators.

use crate::defend::gate;
use crate::keyed::key::StatKey;
use crate::keyed::key::checked_index;
use crate::keyed::open::OpenField;
use crate::keyed::value::Keyed;
use crate::read::iter::StaleIterator;
use crate::table::layout::{Layout, RawAccess};
use crate::table::reader::{TableReader, check_version as check};
use std::fmt;
use std::marker::PhantomData;

/// A keyed field of a closed key set, `by_method: Keyed<Method>`:
/// `table.by_method()`.
///
/// Each variant has its own counter in the calling thread's row, found by
/// the variant's index: an increment is the same plain load and store as a
/// plain counter's, with no hashing.
///
/// # Examples
///
/// ```
/// use stats_core::{Keyed, StatKey, StatTable};
///
/// #[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Method { Card, Wallet }
///
/// #[derive(StatTable, Debug, Default)]
/// struct Payments {
///     /// Payments by method.
///     by_method: Keyed<Method>,
/// }
///
/// let table = Payments::table();
/// table.by_method().inc(Method::Card);
/// table.by_method().add(Method::Wallet, 2);
/// assert_eq!(table.by_method().get(Method::Wallet), 2);
/// let counts: Vec<_> = table.by_method().iter().collect();
/// assert_eq!(counts, [(Method::Card, 1), (Method::Wallet, 2)]);
/// ```
pub struct ClosedKeyed<'a, K, T: Layout> {
    raw: &'a T::Raw,
    table: &'a dyn TableReader,
    /// The index of the first variant.
    first: usize,
    key: PhantomData<fn(K)>,
}

impl<K, T: Layout> Clone for ClosedKeyed<'_, K, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, T: Layout> Copy for ClosedKeyed<'_, K, T> {}

impl<'a, K: StatKey, T: Layout> ClosedKeyed<'a, K, T> {
    pub(crate) fn new(raw: &'a T::Raw, table: &'a dyn TableReader, first: usize) -> Self {
        Self {
            raw,
            table,
            first,
            key: PhantomData,
        }
    }

    /// Adds one to `key`'s count.
    #[inline]
    pub fn inc(&self, key: K) {
        self.add(key, 1);
    }

    /// Adds `n` to `key`'s count, wrapping at `u64::MAX`.
    ///
    /// A key that a hand-written [`StatKey`] left out of `ALL` is counted
    /// as the field's [`overflow`](Self::overflow): never panics, never
    /// another field's counter.
    #[inline]
    pub fn add(&self, key: K, n: u64) {
        let index = checked_index(key).unwrap_or_else(|| {
            crate::defend::health::count(|health| health.keyed_overflow().inc());
            K::ALL.len()
        });
        gate::write!(
            self.raw.table_breaker(),
            self.raw.add_word(self.first + index, n),
            self.raw.add_word(self.first + index, 0),
        );
    }

    fn overflow_index(&self) -> usize {
        self.first + K::ALL.len()
    }

    /// `key`'s current count since the last reset or clear, summed over
    /// every thread. For reports, not for the hot path.
    #[must_use]
    pub fn get(&self, key: K) -> u64 {
        checked_index(key).map_or(0, |index| self.table.counter(self.first + index))
    }

    /// Increments of keys that are not in `K::ALL` (only a hand-written
    /// [`StatKey`] makes them), plus overflow that steps carried in
    /// (`table.add(&step)` with `Keyed::add_overflow`).
    #[must_use]
    pub fn overflow(&self) -> u64 {
        self.table.counter(self.overflow_index())
    }

    /// The field's counts as a snapshot would show them.
    #[must_use]
    pub fn snapshot(&self) -> Keyed<K> {
        Keyed::from_counts(self.iter(), self.overflow())
    }

    /// Zeroes every variant's count and the overflow, and bumps the
    /// table's version, so iterators over the table or this field made
    /// before now are stale. Cursors still see every increment exactly
    /// once.
    pub fn clear(&self) {
        self.table.clear_slots(self.first, K::ALL.len() + 1);
    }

    /// Every variant whose count is not zero, with the count, in
    /// declaration order. Versioned: after a clear or reset of the table,
    /// the next step panics with a message that contains `stale`
    /// ([`ClosedKeyedIter::try_next`] returns the error instead).
    #[must_use]
    pub fn iter(&self) -> ClosedKeyedIter<'a, K> {
        ClosedKeyedIter {
            table: self.table,
            version: self.table.state(),
            first: self.first,
            next: 0,
            key: PhantomData,
        }
    }
}

impl<K: StatKey + fmt::Debug, T: Layout> fmt::Debug for ClosedKeyed<'_, K, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClosedKeyed")
            .field(&self.snapshot())
            .finish()
    }
}

/// The iterator of [`ClosedKeyed::iter`].
pub struct ClosedKeyedIter<'a, K> {
    table: &'a dyn TableReader,
    version: u64,
    first: usize,
    next: usize,
    key: PhantomData<fn() -> K>,
}

impl<K: StatKey> ClosedKeyedIter<'_, K> {
    /// The next variant with a non-zero count, or an error if the table was
    /// reset or the field cleared since this iterator was made.
    pub fn try_next(&mut self) -> Result<Option<(K, u64)>, StaleIterator> {
        while let Some(&key) = K::ALL.get(self.next) {
            check(self.table, self.version)?;
            let count = self.table.counter(self.first + self.next);
            // A reset or clear that this read saw has moved the version.
            check(self.table, self.version)?;
            self.next += 1;
            if count != 0 {
                return Ok(Some((key, count)));
            }
        }
        check(self.table, self.version)?;
        Ok(None)
    }
}

impl<K: StatKey> Iterator for ClosedKeyedIter<'_, K> {
    type Item = (K, u64);

    /// # Panics
    ///
    /// Panics if the table was reset or the field cleared after this
    /// iterator was made; the message contains `stale`.
    fn next(&mut self) -> Option<(K, u64)> {
        self.try_next().unwrap_or_else(|stale| panic!("{stale}"))
    }
}

impl<K> fmt::Debug for ClosedKeyedIter<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClosedKeyedIter")
            .field("table", &self.table.table_name())
            .field("version", &self.version)
            .field("next", &self.next)
            .finish()
    }
}

/// A keyed field of an open key set,
/// `#[stat(keyed(capacity = N))] by_region: Keyed<String>`:
/// `table.by_region()`.
///
/// The field holds up to `capacity` distinct keys, each with its own
/// counter, in storage allocated with the table and never resized. Keys are
/// hashed with a seed chosen at random for each table. When the field is
/// full, increments of new keys go to its overflow counter, and so do
/// increments of keys longer than `max_key_len` bytes (112 unless set):
/// every increment is counted somewhere, and no two keys ever share a
/// counter.
///
/// An increment takes no lock: it hashes the key, finds its entry, and adds
/// to the entry's count in one of the field's stripes (at most 8, as many
/// as the machine runs threads at once), which it holds for that moment
/// with one compare-and-swap; a thread that finds every stripe held never
/// waits, it adds atomically to a shared stripe instead. The only
/// allocation is a stripe's chunk of 64 counts on the first write to one
/// of its entries (512 bytes).
///
/// [`clear`](Self::clear) never makes a writer wait: it points writers at
/// a second, empty generation of keys and counts at once, waits for the
/// increments in flight in the first, and empties that one behind them.
///
/// # Snapshots
///
/// A snapshot copies each thread's row of the table consistently, and a
/// closed keyed field lives in that row; an open keyed field's counts are
/// read after the row, each on its own. So an invariant between plain
/// fields and a closed keyed field holds in every snapshot, while one
/// between a plain field and an open keyed field (`created ==
/// by_region.total()`) can be off by the increments in flight while the
/// snapshot was taken. Every count is exact once writers pause, and cursor
/// deltas lose and double-count nothing, clears included. A read whose
/// generation a clear retired reads again; after two such tries it reads
/// under the field's clear lock, so it always finishes. Its cost follows
/// the entries handed out since the last clear, not the capacity.
///
/// # Filling to capacity
///
/// Two threads that add the same new key at once each take a free entry
/// until one of them publishes the key; the other gives its entry back. So
/// when the last free entries are all held by such inserts, a third
/// thread's new key counts as overflow, though an entry frees up a moment
/// later. A field that many threads fill at once to exactly its capacity
/// can therefore end a few keys short: at most one for each other thread
/// inserting at that moment. Nothing is lost: those increments are in the
/// overflow, and every increment is counted once.
///
/// # Keys
///
/// A key is any string: quotes, backslashes, newlines, the empty string and
/// any UTF-8 are stored byte for byte as given (exporters escape them). A
/// key longer than `max_key_len` bytes is not stored or truncated: its
/// increments go to the overflow counter, whole.
///
/// # Memory
///
/// Independent of the number of threads. Two generations, each of:
///
/// * the keys: `capacity * 8 * (1 + ceil(max_key_len / 8))` bytes (120 a
///   key for the default 112-byte limit), an index of
///   `8 * next_power_of_two(2 * capacity)` bytes and a free list of
///   `16 * capacity` bytes, all allocated when the table is built;
/// * the counts: in each of at most 9 stripes, a table of
///   `24 * ceil(capacity / 64)` bytes, and 512 bytes for each chunk of 64
///   entries once one of them is written in that stripe.
///
/// The derive rejects a field whose worst case, by these terms, exceeds
/// 64 MiB. For
/// `capacity = 1024` one thread's writes leave the table at about 320 KiB
/// whatever keys clients send: `tests/keyed_hostile.rs` throws 10^7
/// distinct keys at such a field and measures it with a counting
/// allocator. `memory_bytes()` on the table reports it.
///
/// # Examples
///
/// ```
/// use stats_core::{Keyed, StatTable};
///
/// #[derive(StatTable, Debug, Default)]
/// struct Traffic {
///     /// Requests by region.
///     #[stat(keyed(capacity = 2))]
///     by_region: Keyed<String>,
/// }
///
/// let table = Traffic::table();
/// table.by_region().inc("eu-west");
/// table.by_region().inc("us-east");
/// table.by_region().inc("ap-south"); // full: counted as overflow
/// table.by_region().inc("eu-west");
/// assert_eq!(table.by_region().get("eu-west"), Some(2));
/// assert_eq!((table.by_region().len(), table.by_region().overflow()), (2, 1));
///
/// table.by_region().clear(); // room again
/// table.by_region().inc("ap-south");
/// assert_eq!(table.snapshot().by_region.get("ap-south"), Some(1));
/// ```
#[derive(Clone, Copy)]
pub struct OpenKeyed<'a> {
    field: &'a OpenField,
    table: &'a dyn TableReader,
    index: usize,
    overflow_index: usize,
}

impl<'a> OpenKeyed<'a> {
    pub(crate) fn new(
        field: &'a OpenField,
        table: &'a dyn TableReader,
        index: usize,
        overflow_index: usize,
    ) -> Self {
        Self {
            field,
            table,
            index,
            overflow_index,
        }
    }

    /// Adds one to `key`'s count.
    #[inline]
    pub fn inc(&self, key: &str) {
        self.add(key, 1);
    }

    /// Adds `n` to `key`'s count (wrapping), adding the key if it is new and
    /// there is room; otherwise adds `n` to the overflow.
    #[inline]
    pub fn add(&self, key: &str, n: u64) {
        if n != 0 {
            gate::write!(
                self.table.breaker(),
                self.add_now(key, n),
                self.field.add(key, 0)
            );
        }
    }

    /// The write itself, past the breakers: whether it crossed a sampling
    /// boundary.
    #[inline]
    fn add_now(&self, key: &str, n: u64) -> bool {
        let (counted, crossed) = self.field.add(key, n);
        if !counted {
            crate::defend::health::count(|health| health.keyed_overflow().inc());
            self.table.add_counter(self.overflow_index, n);
        }
        crossed
    }

    /// Adds every count of `step` under its key, and its overflow to the
    /// overflow.
    pub fn add_keyed(&self, step: &Keyed<String>) {
        for (key, n) in step.iter() {
            self.add(key, n);
        }
        if step.overflow() != 0 {
            self.table.add_counter(self.overflow_index, step.overflow());
        }
    }

    /// `key`'s count, if the field holds `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<u64> {
        self.field.get(key)
    }

    /// How many keys the field holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.field.len()
    }

    /// Whether the field holds no key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most keys the field holds.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.field.capacity()
    }

    /// The longest key it stores, in bytes; longer keys count as overflow.
    #[must_use]
    pub fn max_key_len(&self) -> usize {
        self.field.max_key_len()
    }

    /// Increments since the last reset or clear that were not counted under
    /// their own key.
    #[must_use]
    pub fn overflow(&self) -> u64 {
        self.table.counter(self.overflow_index)
    }

    /// The field's counts as a snapshot would show them.
    #[must_use]
    pub fn snapshot(&self) -> Keyed<String> {
        let (counts, _) = self.field.read(|view| view.counts());
        Keyed::from_counts(counts, self.overflow())
    }

    /// Empties the field, overflow included, and bumps the table's version,
    /// so iterators over the table or this field made before now are stale.
    /// Increments in flight finish before the clear empties the field;
    /// increments that start during it count after it, without waiting.
    /// Cursors are handed what the clear emptied, so they lose nothing.
    pub fn clear(&self) {
        self.table.clear_open(self.index);
    }

    /// Every key with a non-zero count, in the order the keys were added.
    /// Keys added during iteration do not disturb it (they may or may not
    /// be yielded); after a clear or reset, its next step panics with a
    /// message that contains `stale` ([`OpenKeyedIter::try_next`] returns
    /// the error instead).
    #[must_use]
    pub fn iter(&self) -> OpenKeyedIter<'a> {
        OpenKeyedIter {
            table: self.table,
            version: self.table.state(),
            field: self.field,
            next: 0,
        }
    }
}

impl fmt::Debug for OpenKeyed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OpenKeyed").field(&self.snapshot()).finish()
    }
}

/// The iterator of [`OpenKeyed::iter`].
pub struct OpenKeyedIter<'a> {
    table: &'a dyn TableReader,
    version: u64,
    field: &'a OpenField,
    next: usize,
}

impl OpenKeyedIter<'_> {
    /// The next key with its count, or an error if the table was reset or
    /// the field cleared since this iterator was made. An error does not
    /// advance the iterator.
    pub fn try_next(&mut self) -> Result<Option<(String, u64)>, StaleIterator> {
        check(self.table, self.version)?;
        let (next, _) = self.field.read(|view| view.next_counted(self.next));
        // A clear that ran during the read bumped the version first.
        check(self.table, self.version)?;
        Ok(next.map(|(entry, key, count)| {
            self.next = entry + 1;
            (key, count)
        }))
    }
}

impl Iterator for OpenKeyedIter<'_> {
    type Item = (String, u64);

    /// # Panics
    ///
    /// Panics if the table was reset or the field cleared after this
    /// iterator was made; the message contains `stale`.
    fn next(&mut self) -> Option<(String, u64)> {
        self.try_next().unwrap_or_else(|stale| panic!("{stale}"))
    }
}

impl fmt::Debug for OpenKeyedIter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenKeyedIter")
            .field("table", &self.table.table_name())
            .field("version", &self.version)
            .field("next", &self.next)
            .finish()
    }
}
