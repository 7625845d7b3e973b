//! The keys of one open key set: a fixed number of entries, each holding one
//! key, found by a lock-free hash index. The counts live apart, in
//! [`crate::keyed::stripes`], indexed by entry.
//!
//! # Layout
//!
//! Everything is allocated when the store is built and never resized:
//!
//! * `entries`: `capacity` entries of `1 + ceil(max_key_len / 8)` words:
//!   the key's length, then its bytes, 8 per word. With the default
//!   `max_key_len` of 112 bytes an entry is 120 bytes. Entries are written
//!   once, by the thread that adds the key, and then only read, so they
//!   are packed without padding.
//! * `cells`: the hash index, a power of two of at least `2 * capacity`
//!   cells, so it is at most half full and a probe stops early. A cell is 0
//!   (empty) or `tag << 32 | (entry + 1)`, where `tag` is the high half of
//!   the key's hash: a mismatched tag skips the key compare.
//! * `free`: the entries not yet given to a key, lowest first after a reset,
//!   so the entries in use stay near the start and `used`, the high-water
//!   mark of the entries handed out, bounds what a reader has to look at.
//!
//! Keys are stored in the entry rather than allocated, so memory is exactly
//! what the capacity and the key length limit say, and a key costs no
//! allocation, ever. A key longer than `max_key_len` bytes is not stored: its
//! increments go to the field's overflow counter.
//!
//! # Insertion without locks
//!
//! Cells go from empty to full once and stay full until a clear resets the
//! whole store, which it does only while no writer is inside it (see
//! [`crate::keyed::open`]). Linear probing keeps every key reachable from
//! its home cell through full cells. To add
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
//! The key is written before the release CAS that publishes it; a thread
//! that loads the cell with acquire ordering sees the whole key. A thread
//! that then counts under the entry stores its count with release ordering,
//! and readers load counts with acquire, so a reader that sees a non-zero
//! count also sees the key of that entry, even when the count came from a
//! thread other than the one that wrote the key. Entries that went back to
//! the free list were never published and have no count, so no reader ever
//! reads their key.
//!
//! Key words are themselves stored with release and loaded with acquire.
//! After a clear an entry can be given to a new key while a reader that
//! began before the clear is still reading it; a reader that loads any word
//! of the new key then also sees the generation the new key's writer saw,
//! so its check of the generation after the read fails and it reads again,
//! instead of pairing the new key with the old count (see
//! [`crate::keyed::open`]).

use crate::sync::{AtomicU64, AtomicUsize, Ordering};
use crossbeam_queue::ArrayQueue;
use std::hash::BuildHasher;

/// The keys' hasher: foldhash with a random seed per field of each table.
///
/// Not SipHash, which cost most of an increment in `benches/keyed.rs` (the
/// figures are in `benches/README.md`). What a hash-flooding client could gain
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

/// Word 0 of an entry: its key's length in bytes; then the key.
const LEN: usize = 0;
const KEY: usize = 1;

/// The default longest key, in bytes: 112, an entry of 120 bytes.
pub const DEFAULT_MAX_KEY_LEN: usize = 112;

/// One generation of an open key set's keys and counts.
pub(crate) struct KeyStore {
    hasher: KeyHasher,
    max_key_len: usize,
    /// Words per entry.
    stride: usize,
    entries: Box<[AtomicU64]>,
    cells: Box<[AtomicU64]>,
    free: ArrayQueue<u32>,
    len: AtomicUsize,
    /// One past the highest entry handed out since the last reset.
    used: AtomicUsize,
}

/// Where a key's increments went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
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
        let stride = KEY + max_key_len.div_ceil(8);
        let cells = (2 * capacity).next_power_of_two();
        let free = ArrayQueue::new(capacity);
        for entry in 0..capacity {
            // The queue holds exactly `capacity` entries, so every push fits.
            let _ = free.push(entry as u32);
        }
        Self {
            hasher,
            max_key_len,
            stride,
            entries: (0..capacity * stride).map(|_| AtomicU64::new(0)).collect(),
            cells: (0..cells).map(|_| AtomicU64::new(0)).collect(),
            free,
            len: AtomicUsize::new(0),
            used: AtomicUsize::new(0),
        }
    }

    /// One past the highest entry handed out since the last reset: every
    /// entry that holds a key, or held one, is below it.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    /// The bytes the store takes: keys, index and free list.
    pub(crate) fn memory_bytes(&self) -> usize {
        size_of_val(&*self.entries) + size_of_val(&*self.cells) + 16 * self.free.capacity()
    }

    /// How many keys the store can hold.
    pub(crate) fn capacity(&self) -> usize {
        self.free.capacity()
    }

    /// The longest key it stores, in bytes.
    pub(crate) fn max_key_len(&self) -> usize {
        self.max_key_len
    }

    /// How many keys it holds.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    #[inline]
    fn word(&self, entry: usize, word: usize) -> &AtomicU64 {
        &self.entries[entry * self.stride + word]
    }

    /// The entry of `key`, if the store holds it.
    pub(crate) fn find(&self, key: &str) -> Option<usize> {
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
                return Some(entry);
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

    /// The entry of `key`, adding the key if it is new and there is room.
    #[inline]
    pub(crate) fn find_or_insert(&self, key: &str) -> Placement {
        if key.len() > self.max_key_len {
            return Placement::Overflow;
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
                            // Before the entry can be seen, so a reader that
                            // loads `used` after it sees the entry counts.
                            self.used.fetch_max(entry + 1, Ordering::AcqRel);
                            self.write_key(entry, key);
                            taken = Some(entry);
                            entry
                        }
                        // Full, and the probe reached an empty cell: the key
                        // is not here and cannot be added.
                        None => return Placement::Overflow,
                    },
                };
                let new = u64::from(tag) << 32 | (entry as u64 + 1);
                match self.cells[cell].compare_exchange(0, new, Ordering::AcqRel, Ordering::Acquire)
                {
                    Ok(_) => {
                        self.len.fetch_add(1, Ordering::Relaxed);
                        return Placement::Entry(entry);
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
                return Placement::Entry(entry);
            }
            cell = (cell + 1) & (self.cells.len() - 1);
        }
    }

    /// Writes `key` into an entry no reader of this generation can see (a
    /// reader of an older one may: see the module docs on orderings).
    fn write_key(&self, entry: usize, key: &str) {
        self.word(entry, LEN)
            .store(key.len() as u64, Ordering::Release);
        for (i, word) in words(key.as_bytes()).enumerate() {
            self.word(entry, KEY + i).store(word, Ordering::Release);
        }
    }

    /// Whether a published entry holds `key`.
    #[inline]
    fn key_is(&self, entry: usize, key: &str) -> bool {
        self.word(entry, LEN).load(Ordering::Acquire) == key.len() as u64
            && words(key.as_bytes())
                .enumerate()
                .all(|(i, word)| self.word(entry, KEY + i).load(Ordering::Acquire) == word)
    }

    /// The key of a published entry (one that some thread counted under).
    pub(crate) fn key(&self, entry: usize) -> String {
        let mut bytes = Vec::new();
        self.key_bytes(entry, &mut bytes);
        // The bytes came from a `&str`, so this never replaces anything.
        String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }

    /// Appends the key of `entry` to `out`, through `scratch` (emptied
    /// first): no allocation once both have room.
    pub(crate) fn key_into(&self, entry: usize, scratch: &mut Vec<u8>, out: &mut String) {
        scratch.clear();
        self.key_bytes(entry, scratch);
        match std::str::from_utf8(scratch) {
            Ok(key) => out.push_str(key),
            // The bytes came from a `&str`, so this never happens.
            Err(_) => out.push_str(&String::from_utf8_lossy(scratch)),
        }
    }

    /// Appends the bytes of the key of `entry` to `bytes`.
    fn key_bytes(&self, entry: usize, bytes: &mut Vec<u8>) {
        let len = usize::try_from(self.word(entry, LEN).load(Ordering::Acquire))
            .unwrap_or(usize::MAX)
            .min(self.max_key_len);
        let start = bytes.len();
        bytes.reserve(len.next_multiple_of(8));
        for i in 0..len.div_ceil(8) {
            bytes.extend_from_slice(
                &self
                    .word(entry, KEY + i)
                    .load(Ordering::Acquire)
                    .to_le_bytes(),
            );
        }
        bytes.truncate(start + len);
    }

    /// Empties the store: no keys, every entry free. Only for a clear,
    /// while no writer is inside the store. Release stores: a reader that
    /// sees an emptied cell also sees the generation that retired the store.
    pub(crate) fn reset(&self) {
        for cell in &self.cells {
            cell.store(0, Ordering::Release);
        }
        self.used.store(0, Ordering::Release);
        while self.free.pop().is_some() {}
        for entry in 0..self.capacity() {
            // The queue was just emptied and holds `capacity` entries.
            let _ = self.free.push(entry as u32);
        }
        self.len.store(0, Ordering::Relaxed);
    }
}

/// The bytes as little-endian words, the last one zero-padded.
///
/// Whole words convert directly: copying every chunk into a buffer, as a
/// single loop would, compiled to a `memcpy` call per word, a cost that
/// `benches/keyed.rs` showed (`benches/README.md`).
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
    use super::{DEFAULT_MAX_KEY_LEN, KeyHasher, KeyStore, Placement, words};

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
    fn an_entry_is_the_length_word_and_the_key_words() {
        assert_eq!(store(1).stride, 15);
        assert_eq!(KeyStore::new(1, 113, KeyHasher::default()).stride, 16);
    }

    #[test]
    fn keys_get_their_own_entries_until_full() {
        let store = store(2);
        let a = store.find_or_insert("a");
        let b = store.find_or_insert("b");
        assert!(matches!(a, Placement::Entry(_)) && matches!(b, Placement::Entry(_)));
        assert_ne!(a, b);
        assert_eq!(store.find_or_insert("a"), a);
        assert_eq!(store.find_or_insert("c"), Placement::Overflow);
        assert_eq!(store.find("c"), None);
        let Placement::Entry(entry) = a else {
            unreachable!()
        };
        assert_eq!(
            (store.find("a"), store.key(entry)),
            (Some(entry), "a".to_owned())
        );
        assert_eq!(store.len(), 2);
        store.reset();
        assert_eq!((store.len(), store.find("a")), (0, None));
        assert!(matches!(store.find_or_insert("c"), Placement::Entry(_)));
        assert!(matches!(store.find_or_insert("d"), Placement::Entry(_)));
        assert_eq!(store.find_or_insert("e"), Placement::Overflow);
    }

    #[test]
    fn keys_that_share_a_prefix_or_padding_stay_distinct() {
        let store = store(8);
        let keys = [
            "",
            "\0",
            "abcdefgh",
            "abcdefgh\0",
            "abcdefghi",
            "é",
            "e\u{301}",
        ];
        let entries: Vec<_> = keys.iter().map(|key| store.find_or_insert(key)).collect();
        assert_eq!(store.len(), 7);
        for (key, entry) in keys.iter().zip(&entries) {
            let Placement::Entry(entry) = *entry else {
                panic!("{key:?} overflowed")
            };
            assert_eq!(store.key(entry), *key);
            assert_eq!(store.find(key), Some(entry));
        }
        let long = "k".repeat(DEFAULT_MAX_KEY_LEN);
        assert!(matches!(store.find_or_insert(&long), Placement::Entry(_)));
        assert_eq!(
            store.find_or_insert(&format!("{long}k")),
            Placement::Overflow
        );
    }
}

/// Loom models: `RUSTFLAGS="--cfg stats_loom" cargo test -p stats-core --release --lib loom`.
#[cfg(all(test, stats_loom))]
mod loom_tests {
    use super::{KeyHasher, KeyStore, Placement};
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

    /// Two threads add the same new key at once: one entry, and the
    /// loser's entry back on the free list.
    #[test]
    fn loom_same_new_key_gets_one_entry() {
        loom::model(|| {
            let store = store(2);
            let other = {
                let store = Arc::clone(&store);
                thread::spawn(move || store.find_or_insert("k"))
            };
            let mine = store.find_or_insert("k");
            let theirs = other.join().unwrap();
            assert_eq!(mine, theirs);
            assert!(matches!(mine, Placement::Entry(_)));
            assert_eq!(store.len(), 1);
            assert_eq!(store.free.len(), 1);
        });
    }

    /// Two different keys race for one cell: each gets its own entry, and
    /// each entry holds its own key.
    #[test]
    fn loom_colliding_keys_stay_apart() {
        loom::model(|| {
            let store = store(2);
            let (a, b) = colliding_keys(&store);
            let other = {
                let store = Arc::clone(&store);
                let b = b.clone();
                thread::spawn(move || store.find_or_insert(&b))
            };
            let mine = store.find_or_insert(&a);
            let theirs = other.join().unwrap();
            let (Placement::Entry(mine), Placement::Entry(theirs)) = (mine, theirs) else {
                panic!("a key overflowed a store with room");
            };
            assert_ne!(mine, theirs);
            assert_eq!((store.key(mine), store.key(theirs)), (a.clone(), b.clone()));
            assert_eq!((store.find(&a), store.find(&b)), (Some(mine), Some(theirs)));
            assert_eq!(store.len(), 2);
        });
    }
}
