//! The storage of one open key set: a fixed number of keys, each with its
//! own counter, found by a lock-free hash index.
//!
//! # Layout
//!
//! Everything is allocated when the store is built and never resized:
//!
//! * `entries`: `capacity` entries, each in whole 128-byte blocks: word 0 is
//!   the count, word 1 the key's length, then the key's bytes, 8 per word.
//!   With the default `max_key_len` of 112 bytes an entry is exactly one
//!   block, so the count and the key it is compared against share a cache
//!   line and two entries never do.
//! * `cells`: the hash index, a power of two of at least `2 * capacity`
//!   cells, so it is at most half full and a probe stops early. A cell is 0
//!   (empty) or `tag << 32 | (entry + 1)`, where `tag` is the high half of
//!   the key's hash: a mismatched tag skips the key compare.
//! * `free`: the entries not yet given to a key.
//!
//! Keys are stored in the entry rather than allocated, so memory is exactly
//! what the capacity and the key length limit say, and a key costs no
//! allocation, ever. A key longer than `max_key_len` bytes is not stored: its
//! increments go to the field's overflow counter.
//!
//! # Insertion without locks
//!
//! Cells go from empty to full once and never change again (a cleared key
//! set is replaced by a new store, see [`crate::table`]), and linear probing
//! keeps every key reachable from its home cell through full cells. To add
//! a key, a thread probes from the key's home cell; on reaching an empty
//! cell it takes a free entry, writes the key into it (nobody else can see
//! that entry yet), and publishes it with one compare-and-swap of the empty
//! cell. If another thread filled the cell first, the probe goes on from
//! that cell with the entry in hand: if the winner's key is the same, the
//! entry goes back to the free list unseen, so two threads adding one key
//! at once use one entry and one counter. Nothing waits for anything; a
//! lookup of a present key loads cells and key words and nothing else.
//!
//! One consequence at the edge of capacity: an entry a thread has taken but
//! not yet published is not free, so when the last free entries are in
//! flight, another thread adding a new key counts its increment as overflow
//! even if an in-flight insert later frees an entry or publishes that very
//! key. The increment is counted, once, in the overflow.
//!
//! # Memory ordering
//!
//! The key is written with relaxed stores before the release CAS that
//! publishes it; a thread that loads the cell with acquire ordering sees the
//! whole key. Counts are added with release ordering and read with acquire,
//! so a reader that sees a non-zero count also sees the key of that entry,
//! even when the count came from a thread other than the one that wrote the
//! key. Entries that went back to the free list were never published and
//! have a zero count, so no reader ever reads their key.

use crate::sync::{AtomicU64, AtomicUsize, Ordering};
use crossbeam_queue::ArrayQueue;
use crossbeam_utils::CachePadded;
use std::hash::BuildHasher;

/// The keys' hasher: foldhash with a random seed per field of each table.
///
/// Not SipHash, which cost 9 ns of a 30 ns increment against 1 ns for
/// foldhash (`benches/keyed.rs`). What a hash-flooding client could gain
/// here is bounded anyway: the index never holds more than half its cells,
/// so a probe ends at an empty cell, and a key set never grows, so the worst
/// colliding keys can do is make the probes of one field longer, never lose
/// an increment or allocate. Choosing such keys needs the seed, which is
/// random per table.
#[cfg(not(stats_loom))]
pub(crate) type KeyHasher = foldhash::fast::RandomState;
/// Under loom the model must run the same way every time, so the seed is
/// fixed.
#[cfg(stats_loom)]
pub(crate) type KeyHasher = foldhash::fast::FixedState;

/// Words in one 128-byte block.
const BLOCK_WORDS: usize = 16;
/// Word 0 of an entry: its count. Word 1: its key's length in bytes.
const COUNT: usize = 0;
const LEN: usize = 1;
const KEY: usize = 2;

/// The default longest key, in bytes: an entry is then one 128-byte block.
pub const DEFAULT_MAX_KEY_LEN: usize = (BLOCK_WORDS - KEY) * 8;

type Block = CachePadded<[AtomicU64; BLOCK_WORDS]>;

/// One generation of an open key set's keys and counts.
pub(crate) struct KeyStore {
    hasher: KeyHasher,
    max_key_len: usize,
    blocks_per_entry: usize,
    entries: Box<[Block]>,
    cells: Box<[AtomicU64]>,
    free: ArrayQueue<u32>,
    len: AtomicUsize,
}

/// Where a key's increments went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The key's own entry.
    Entry(usize),
    /// The store is full, or the key is too long: count it as overflow.
    Overflow,
}

impl KeyStore {
    /// An empty store for `capacity` keys of up to `max_key_len` bytes,
    /// hashed with `hasher` (whose random seed the caller chose). A capacity
    /// of 0 is raised to 1: the derive rejects 0, and a store must hold a
    /// key to count one.
    pub(crate) fn new(capacity: usize, max_key_len: usize, hasher: KeyHasher) -> Self {
        let capacity = capacity.clamp(1, u32::MAX as usize / 2);
        let words = KEY + max_key_len.div_ceil(8);
        let blocks_per_entry = words.div_ceil(BLOCK_WORDS);
        let cells = (2 * capacity).next_power_of_two();
        let free = ArrayQueue::new(capacity);
        for entry in 0..capacity {
            // The queue holds exactly `capacity` entries, so every push fits.
            let _ = free.push(entry as u32);
        }
        Self {
            hasher,
            max_key_len,
            blocks_per_entry,
            entries: (0..capacity * blocks_per_entry)
                .map(|_| CachePadded::new(std::array::from_fn(|_| AtomicU64::new(0))))
                .collect(),
            cells: (0..cells).map(|_| AtomicU64::new(0)).collect(),
            free,
            len: AtomicUsize::new(0),
        }
    }

    /// How many keys the store can hold.
    pub(crate) fn capacity(&self) -> usize {
        self.free.capacity()
    }

    /// How many keys it holds.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    fn word(&self, entry: usize, word: usize) -> &AtomicU64 {
        &self.entries[entry * self.blocks_per_entry + word / BLOCK_WORDS][word % BLOCK_WORDS]
    }

    /// Adds `n` to `key`'s count, adding the key if it is new and there is
    /// room. Returns where the increment went.
    #[inline]
    pub(crate) fn add(&self, key: &str, n: u64) -> Slot {
        let slot = self.find_or_insert(key);
        if let Slot::Entry(entry) = slot {
            // Release: see the module docs, "Memory ordering".
            self.word(entry, COUNT).fetch_add(n, Ordering::Release);
        }
        slot
    }

    /// The count of `key`, if the store holds it.
    pub(crate) fn get(&self, key: &str) -> Option<u64> {
        if key.len() > self.max_key_len {
            return None;
        }
        let (tag, mut cell) = self.home(key);
        loop {
            let value = self.cells[cell].load(Ordering::Acquire);
            if value == 0 {
                return None;
            }
            if let Some(entry) = self.matching_entry(value, tag, key) {
                return Some(self.count(entry));
            }
            cell = (cell + 1) & (self.cells.len() - 1);
        }
    }

    /// The key's tag and home cell.
    #[inline]
    fn home(&self, key: &str) -> (u32, usize) {
        let hash = self.hasher.hash_one(key);
        #[allow(clippy::cast_possible_truncation)] // the halves of the hash, on purpose
        ((hash >> 32) as u32, hash as usize & (self.cells.len() - 1))
    }

    /// The entry a cell points at, if its tag and key are `key`'s.
    #[inline]
    fn matching_entry(&self, cell: u64, tag: u32, key: &str) -> Option<usize> {
        #[allow(clippy::cast_possible_truncation)] // the low half holds the entry
        let entry = (cell as u32 as usize).wrapping_sub(1);
        ((cell >> 32) as u32 == tag && self.key_is(entry, key)).then_some(entry)
    }

    #[inline]
    fn find_or_insert(&self, key: &str) -> Slot {
        if key.len() > self.max_key_len {
            return Slot::Overflow;
        }
        let (tag, mut cell) = self.home(key);
        // An entry this thread took and wrote `key` into, not yet published.
        let mut taken: Option<usize> = None;
        loop {
            let mut value = self.cells[cell].load(Ordering::Acquire);
            if value == 0 {
                let entry = match taken {
                    Some(entry) => entry,
                    None => match self.free.pop() {
                        Some(entry) => {
                            let entry = entry as usize;
                            self.write_key(entry, key);
                            taken = Some(entry);
                            entry
                        }
                        // Full, and the probe reached an empty cell: the key
                        // is not here and cannot be added.
                        None => return Slot::Overflow,
                    },
                };
                let new = u64::from(tag) << 32 | (entry as u64 + 1);
                match self.cells[cell].compare_exchange(0, new, Ordering::AcqRel, Ordering::Acquire)
                {
                    Ok(_) => {
                        self.len.fetch_add(1, Ordering::Relaxed);
                        return Slot::Entry(entry);
                    }
                    // Another key took the cell first: look at it below.
                    Err(now) => value = now,
                }
            }
            if let Some(entry) = self.matching_entry(value, tag, key) {
                if let Some(unused) = taken {
                    // Never published, so nobody has seen it.
                    let _ = self.free.push(unused as u32);
                }
                return Slot::Entry(entry);
            }
            cell = (cell + 1) & (self.cells.len() - 1);
        }
    }

    /// Writes `key` into an entry only this thread can see.
    fn write_key(&self, entry: usize, key: &str) {
        self.word(entry, LEN)
            .store(key.len() as u64, Ordering::Relaxed);
        for (i, word) in words(key.as_bytes()).enumerate() {
            self.word(entry, KEY + i).store(word, Ordering::Relaxed);
        }
    }

    /// Whether a published entry holds `key`.
    #[inline]
    fn key_is(&self, entry: usize, key: &str) -> bool {
        self.word(entry, LEN).load(Ordering::Relaxed) == key.len() as u64
            && words(key.as_bytes())
                .enumerate()
                .all(|(i, word)| self.word(entry, KEY + i).load(Ordering::Relaxed) == word)
    }

    /// An entry's count (0 for an entry no key has).
    pub(crate) fn count(&self, entry: usize) -> u64 {
        self.word(entry, COUNT).load(Ordering::Acquire)
    }

    /// The key of an entry whose count was seen non-zero.
    pub(crate) fn key(&self, entry: usize) -> String {
        let len = usize::try_from(self.word(entry, LEN).load(Ordering::Relaxed))
            .unwrap_or(usize::MAX)
            .min(self.max_key_len);
        let mut bytes = Vec::with_capacity(len.next_multiple_of(8));
        for i in 0..len.div_ceil(8) {
            bytes.extend_from_slice(
                &self
                    .word(entry, KEY + i)
                    .load(Ordering::Relaxed)
                    .to_le_bytes(),
            );
        }
        bytes.truncate(len);
        // The bytes came from a `&str`, so this never replaces anything.
        String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }

    /// Every entry with a non-zero count: `(entry, key, count)`, in entry
    /// order. Entries keep their place, so keys added meanwhile come later
    /// or not at all, and none moves.
    pub(crate) fn counts(&self) -> impl Iterator<Item = (usize, String, u64)> + '_ {
        (0..self.capacity()).filter_map(|entry| {
            let count = self.count(entry);
            (count != 0).then(|| (entry, self.key(entry), count))
        })
    }

    /// The next entry at or after `entry` with a non-zero count.
    pub(crate) fn next_counted(&self, entry: usize) -> Option<(usize, String, u64)> {
        (entry..self.capacity()).find_map(|entry| {
            let count = self.count(entry);
            (count != 0).then(|| (entry, self.key(entry), count))
        })
    }
}

/// The bytes as little-endian words, the last one zero-padded.
///
/// Whole words convert directly: copying every chunk into a buffer, as a
/// single loop would, compiled to a `memcpy` call per word and cost 4 to 6
/// ns a lookup (`benches/keyed.rs`).
#[inline]
fn words(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    let whole = bytes.chunks_exact(8);
    let tail = whole.remainder();
    let last = (!tail.is_empty()).then(|| {
        tail.iter()
            .rev()
            .fold(0u64, |word, &byte| word << 8 | u64::from(byte))
    });
    whole
        .map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap_or_default()))
        .chain(last)
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("max_key_len", &self.max_key_len)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(stats_loom)))]
mod tests {
    use super::{DEFAULT_MAX_KEY_LEN, KeyHasher, KeyStore, Slot, words};

    fn store(capacity: usize) -> KeyStore {
        KeyStore::new(capacity, DEFAULT_MAX_KEY_LEN, KeyHasher::default())
    }

    #[test]
    fn words_are_little_endian_and_zero_padded() {
        let packed: Vec<u64> = words(b"abcdefghij").collect();
        let mut tail = [0u8; 8];
        tail[..2].copy_from_slice(b"ij");
        assert_eq!(
            packed,
            [u64::from_le_bytes(*b"abcdefgh"), u64::from_le_bytes(tail)]
        );
        assert_eq!(words(b"").count(), 0);
        assert_eq!(words(b"12345678").count(), 1);
    }

    #[test]
    fn default_entry_is_one_block() {
        assert_eq!(store(1).blocks_per_entry, 1);
        assert_eq!(
            KeyStore::new(1, 113, KeyHasher::default()).blocks_per_entry,
            2
        );
    }

    #[test]
    fn keys_get_their_own_counts_until_full() {
        let store = store(2);
        assert!(matches!(store.add("a", 1), Slot::Entry(_)));
        assert!(matches!(store.add("b", 2), Slot::Entry(_)));
        assert!(matches!(store.add("a", 3), Slot::Entry(_)));
        assert_eq!(store.add("c", 1), Slot::Overflow);
        assert_eq!(
            (store.get("a"), store.get("b"), store.get("c")),
            (Some(4), Some(2), None)
        );
        assert_eq!(store.len(), 2);
        let mut keys: Vec<_> = store.counts().map(|(_, k, n)| (k, n)).collect();
        keys.sort();
        assert_eq!(keys, [("a".to_owned(), 4), ("b".to_owned(), 2)]);
    }

    #[test]
    fn keys_that_share_a_prefix_or_padding_stay_distinct() {
        let store = store(8);
        for key in [
            "",
            "\0",
            "abcdefgh",
            "abcdefgh\0",
            "abcdefghi",
            "é",
            "e\u{301}",
        ] {
            store.add(key, 1);
        }
        assert_eq!(store.len(), 7);
        assert_eq!(store.get("abcdefgh"), Some(1));
        assert_eq!(store.get("abcdefgh\0"), Some(1));
        let long = "k".repeat(DEFAULT_MAX_KEY_LEN);
        assert!(matches!(store.add(&long, 1), Slot::Entry(_)));
        assert_eq!(store.add(&format!("{long}k"), 1), Slot::Overflow);
        let keys: Vec<_> = store.counts().map(|(_, k, _)| k).collect();
        assert!(keys.contains(&long));
    }
}

/// Loom models: `RUSTFLAGS="--cfg stats_loom" cargo test -p stats-core --release --lib loom`.
#[cfg(all(test, stats_loom))]
mod loom_tests {
    use super::{KeyHasher, KeyStore, Slot};
    use loom::sync::Arc;
    use loom::thread;

    fn store(capacity: usize) -> Arc<KeyStore> {
        Arc::new(KeyStore::new(capacity, 24, KeyHasher::default()))
    }

    /// Two keys of the same home cell, so their inserts race for one cell.
    fn colliding_keys(store: &KeyStore) -> (String, String) {
        let first = "k0".to_owned();
        let home = store.home(&first).1;
        let second = (1..)
            .map(|i| format!("k{i}"))
            .find(|key| store.home(key).1 == home)
            .expect("some key shares the home cell");
        (first, second)
    }

    /// Two threads add the same new key at once: one entry, one counter,
    /// both increments, and the loser's entry back on the free list.
    #[test]
    fn loom_same_new_key_gets_one_entry() {
        loom::model(|| {
            let store = store(2);
            let other = {
                let store = Arc::clone(&store);
                thread::spawn(move || store.add("k", 1))
            };
            let mine = store.add("k", 2);
            let theirs = other.join().unwrap();
            assert_eq!(mine, theirs);
            assert!(matches!(mine, Slot::Entry(_)));
            assert_eq!(store.get("k"), Some(3));
            assert_eq!(store.len(), 1);
            assert_eq!(store.free.len(), 1);
        });
    }

    /// Two different keys race for one cell: each gets its own entry.
    #[test]
    fn loom_colliding_keys_stay_apart() {
        loom::model(|| {
            let store = store(2);
            let (a, b) = colliding_keys(&store);
            let other = {
                let store = Arc::clone(&store);
                let b = b.clone();
                thread::spawn(move || store.add(&b, 1))
            };
            let mine = store.add(&a, 2);
            let theirs = other.join().unwrap();
            assert_ne!(mine, theirs);
            assert_eq!((store.get(&a), store.get(&b)), (Some(2), Some(1)));
            assert_eq!(store.len(), 2);
        });
    }

    /// A reader that sees a count also sees the whole key of that entry,
    /// even when the count came from a thread that did not write the key.
    #[test]
    fn loom_counted_entry_has_its_whole_key() {
        loom::model(|| {
            let store = store(2);
            let key = "a-key-longer-than-8"; // three key words
            let writers: Vec<_> = (0..2)
                .map(|_| {
                    let store = Arc::clone(&store);
                    thread::spawn(move || {
                        store.add(key, 1);
                    })
                })
                .collect();
            for (_, seen, count) in store.counts() {
                assert_eq!(seen, key);
                assert!(count >= 1);
            }
            for writer in writers {
                writer.join().unwrap();
            }
            assert_eq!(store.get(key), Some(2));
        });
    }
}
