//! An open keyed field: two generations of keys ([`KeyStore`]) and counts
//! ([`Counts`]), one of which writers use while a clear empties the other.
//!
//! # The write path
//!
//! An increment loads the epoch, whose low bit names the generation in
//! use, enters a stripe of that generation's counts (one compare-and-swap;
//! see [`crate::keyed::stripes`]), loads the epoch again, finds (or adds) the key's
//! entry in the generation's key store, adds to the entry's count in its
//! stripe, and leaves the stripe. If the epoch moved between the two loads,
//! a clear retired the generation meanwhile: the writer leaves without
//! touching it and starts over in the new one. So a writer never waits for
//! a clear; it starts over at most once for each clear that begins during
//! its increment.
//!
//! # Clearing without holding writers
//!
//! The generation that writers do not use is always empty. A clear, under
//! the field's clear lock:
//!
//! 1. moves the epoch on (an acq-rel read-modify-write): writers that load
//!    the epoch from now on use the empty generation, at once;
//! 2. waits for the writers still inside the retired generation
//!    ([`Counts::wait_for_writers`]), which takes as long as the increments
//!    in flight;
//! 3. reads the retired generation's final counts and hands them to every
//!    cursor of the field, so cursors lose nothing to a clear;
//! 4. empties the retired generation (release stores) for the next clear.
//!
//! Why no count can land in a retired generation after step 2: a writer
//! that entered a stripe before the clear took it in step 2 has left it,
//! and its count is in the final counts; a writer that enters after that
//! synchronises with the clear through the stripe's guard (both sides use a
//! read-modify-write, or the holder's release store, on it), so its second
//! load of the epoch sees step 1, and it leaves without counting. A count
//! therefore lands in the generation its writer found current while inside
//! the stripe, and two keys never share a counter: an entry is given to a
//! new key only after the generation was emptied, which is after every
//! writer that found the entry's old key has left.
//!
//! # Reading
//!
//! A reader loads the epoch, reads that generation (counts with acquire
//! loads, then keys), and loads the epoch again; if it moved, a clear may
//! have emptied or reused what the reader saw, and the reader reads again.
//! Every store that a clear or a later generation's writer makes is a
//! release store made after the epoch moved, so a reader that saw any of
//! them sees the new epoch when it checks. After [`OPTIMISTIC_READS`]
//! attempts that clears interrupted, the reader takes the clear lock and
//! reads once more, with no clear running: a read under clears that never
//! stop still finishes, and never waits for a writer. A read looks at the
//! entries handed out since the generation began ([`KeyStore::used`]), so
//! its cost follows the keys in use, times the stripes.
//!
//! The loom models at the end of this file check the write path against
//! a clear, with writers that start over, and a reader against a clear and
//! a re-inserted key.

use crate::keyed::listing::{KeyText, OpenCounts};
use crate::keyed::store::{KeyHasher, KeyStore, Placement};
use crate::keyed::stripes::{Counts, stripe_count, stripe_hint};
use crate::sync::{AtomicU64, Mutex, Ordering};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, Weak};

/// Reads that may be interrupted by clears before a reader takes the
/// clear lock.
pub(crate) const OPTIMISTIC_READS: usize = 2;

/// One generation: keys and their counts.
struct Generation {
    keys: KeyStore,
    counts: Counts,
}

impl Generation {
    fn new(capacity: usize, max_key_len: usize, stripes: usize) -> Self {
        let keys = KeyStore::new(capacity, max_key_len, KeyHasher::default());
        let counts = Counts::with_stripes(keys.capacity(), stripes);
        Self { keys, counts }
    }

    /// Empties it: no keys, no counts. Only while no writer is inside.
    fn empty(&self) {
        self.counts.zero(self.keys.used());
        self.keys.reset();
    }
}

/// What a reader sees of one generation.
pub(crate) struct View<'a> {
    generation: &'a Generation,
    /// The epoch whose generation this is.
    epoch: u64,
}

impl View<'_> {
    /// The count of `entry` over every stripe.
    pub(crate) fn count(&self, entry: usize) -> u64 {
        self.generation.counts.sum(entry)
    }

    /// The key of an entry whose count was seen non-zero.
    pub(crate) fn key(&self, entry: usize) -> String {
        self.generation.keys.key(entry)
    }

    /// Every entry that holds or held a key is below this.
    pub(crate) fn used(&self) -> usize {
        self.generation.keys.used()
    }

    /// The next entry at or after `from` with a non-zero count, with its key
    /// and count. Entries keep their place until a clear, so keys added
    /// meanwhile come later or not at all, and none moves.
    pub(crate) fn next_counted(&self, from: usize) -> Option<(usize, String, u64)> {
        (from..self.used()).find_map(|entry| {
            let count = self.count(entry);
            (count != 0).then(|| (entry, self.key(entry), count))
        })
    }

    /// Every entry with a non-zero count: `(entry, key, count)`.
    pub(crate) fn counted(&self) -> Vec<(usize, String, u64)> {
        (0..self.used())
            .filter_map(|entry| {
                let count = self.count(entry);
                (count != 0).then(|| (entry, self.key(entry), count))
            })
            .collect()
    }

    /// Every key with a non-zero count and its count, sorted, through
    /// `keys`, the field's [`KeyText`] (see [`crate::keyed::listing`]).
    fn listing(&self, keys: &mut Arc<KeyText>, scratch: &mut Vec<u8>) -> OpenCounts {
        let mut counts = vec![0; self.used()];
        self.generation.counts.sum_into(&mut counts);
        if keys.epoch() != self.epoch {
            *keys = Arc::new(KeyText::new(self.epoch));
        }
        let unseen = keys.unseen(&counts);
        if !unseen.is_empty() {
            Arc::make_mut(keys).add(unseen, |entry, text| {
                self.generation.keys.key_into(entry as usize, scratch, text);
            });
        }
        OpenCounts::new(Arc::clone(keys), &counts)
    }

    /// Every key with a non-zero count: `(key, count)`.
    pub(crate) fn counts(&self) -> Vec<(String, u64)> {
        self.counted()
            .into_iter()
            .map(|(_, key, count)| (key, count))
            .collect()
    }

    fn find(&self, key: &str) -> Option<usize> {
        self.generation.keys.find(key)
    }

    fn len(&self) -> usize {
        self.generation.keys.len()
    }
}

/// What a cursor has not yet reported of the generations that clears
/// retired: filled by the clears, emptied by the cursor's next delta.
#[derive(Default)]
pub(crate) struct Inbox {
    /// The epoch of the counts the cursor last reported.
    epoch: u64,
    /// That generation's final counts, by entry, once a clear retired it.
    retired: Option<Vec<(usize, String, u64)>>,
    /// The final counts of later generations that clears retired since.
    later: HashMap<String, u64>,
    /// Counts of `later` beyond `capacity` distinct keys, summed: the
    /// inbox never holds more than twice the field's keys.
    later_overflow: u64,
}

/// A cursor's hold on an open keyed field: its inbox, and the counts of
/// the current generation it last reported, by entry.
pub(crate) struct CursorState {
    inbox: Arc<Mutex<Inbox>>,
    last: Vec<u64>,
}

/// The runtime state of one `Keyed<String>` field.
pub(crate) struct OpenField {
    generations: [Generation; 2],
    /// Its low bit names the generation writers use; each clear adds one.
    epoch: AtomicU64,
    /// Orders clears; readers that clears keep interrupting, and cursors,
    /// read under it.
    clear_order: Mutex<()>,
    /// The inboxes of the field's cursors.
    cursors: Mutex<Vec<Weak<Mutex<Inbox>>>>,
    /// The keys reads have seen, sorted: see [`crate::keyed::listing`].
    /// Only readers take it: no writer ever waits for it.
    keys_seen: Mutex<Arc<KeyText>>,
    capacity: usize,
}

/// Locks `mutex`, whose data stays valid if a holder panicked: the clear
/// lock guards no data, and the inboxes are only appended to or replaced.
fn lock<T>(mutex: &Mutex<T>) -> impl std::ops::DerefMut<Target = T> + '_ {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl OpenField {
    /// An empty field of `capacity` keys of up to `max_key_len` bytes,
    /// hashed with a seed of its own per generation.
    pub(crate) fn new(capacity: usize, max_key_len: usize) -> Self {
        Self::with_stripes(capacity, max_key_len, stripe_count())
    }

    /// [`Self::new`] with `stripes` owned stripes.
    pub(crate) fn with_stripes(capacity: usize, max_key_len: usize, stripes: usize) -> Self {
        let generations = [
            Generation::new(capacity, max_key_len, stripes),
            Generation::new(capacity, max_key_len, stripes),
        ];
        Self {
            capacity: generations[0].keys.capacity(),
            generations,
            epoch: AtomicU64::new(0),
            clear_order: Mutex::new(()),
            cursors: Mutex::new(Vec::new()),
            keys_seen: Mutex::new(Arc::new(KeyText::new(0))),
        }
    }

    fn generation(&self, epoch: u64) -> &Generation {
        // The low bit; the mask also tells the compiler the index fits.
        #[allow(clippy::cast_possible_truncation)] // one bit
        &self.generations[(epoch & 1) as usize]
    }

    /// Adds `n` to `key`: whether it was counted under the key (`false`:
    /// it goes to the overflow), and whether the count crossed a sampling
    /// boundary (see [`crate::defend::gate`]).
    #[inline]
    pub(crate) fn add(&self, key: &str, n: u64) -> (bool, bool) {
        self.add_from(key, n, stripe_hint())
    }

    /// [`Self::add`], trying stripe `hint` first.
    #[inline]
    fn add_from(&self, key: &str, n: u64, hint: usize) -> (bool, bool) {
        loop {
            let epoch = self.epoch.load(Ordering::Acquire);
            let generation = self.generation(epoch);
            let held = generation.counts.enter(hint);
            // Inside the stripe, a clear that retired this generation is
            // seen: see the module docs. Then start over in the new one.
            if self.epoch.load(Ordering::Acquire) == epoch {
                let placement = generation.keys.find_or_insert(key);
                let crossed = match placement {
                    Placement::Entry(entry) => held.add(entry, n),
                    Placement::Overflow => false,
                };
                generation.counts.leave(held);
                return (matches!(placement, Placement::Entry(_)), crossed);
            }
            generation.counts.leave(held);
        }
    }

    /// Runs `read` on a view of one generation that no clear touched
    /// meanwhile; returns the result and the view's epoch.
    pub(crate) fn read<T>(&self, mut read: impl FnMut(&View<'_>) -> T) -> (T, u64) {
        for _ in 0..OPTIMISTIC_READS {
            let epoch = self.epoch.load(Ordering::Acquire);
            let result = read(&self.view(epoch));
            if self.epoch.load(Ordering::Acquire) == epoch {
                return (result, epoch);
            }
        }
        let _no_clear = lock(&self.clear_order);
        self.read_settled(read)
    }

    /// Reads while the caller holds the clear lock: the epoch cannot move.
    fn read_settled<T>(&self, read: impl FnOnce(&View<'_>) -> T) -> (T, u64) {
        let epoch = self.epoch.load(Ordering::Acquire);
        (read(&self.view(epoch)), epoch)
    }

    fn view(&self, epoch: u64) -> View<'_> {
        View {
            generation: self.generation(epoch),
            epoch,
        }
    }

    /// Every key with a count, sorted, and the counts: what a snapshot
    /// reads. Copies only the keys that are new since the last call.
    pub(crate) fn listing(&self) -> OpenCounts {
        let mut keys = lock(&self.keys_seen);
        let mut scratch = Vec::new();
        self.read(|view| view.listing(&mut keys, &mut scratch)).0
    }

    /// The count of `key`, if the field holds it.
    pub(crate) fn get(&self, key: &str) -> Option<u64> {
        self.read(|view| view.find(key).map(|entry| view.count(entry)))
            .0
    }

    /// How many keys the field holds.
    pub(crate) fn len(&self) -> usize {
        self.read(|view| view.len()).0
    }

    /// The most keys it holds.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest key it stores, in bytes.
    pub(crate) fn max_key_len(&self) -> usize {
        self.generations[0].keys.max_key_len()
    }

    /// Empties the field: no keys, no counts; cursors keep what it held.
    /// Writers never wait for it. The caller bumps the table version.
    pub(crate) fn clear(&self) {
        let _order = lock(&self.clear_order);
        let retired = self.retire();
        let generation = self.generation(retired);
        generation.counts.wait_for_writers();
        self.hand_over(retired, generation);
        generation.empty();
    }

    /// Points writers at the other, empty generation; returns the epoch of
    /// the retired one.
    fn retire(&self) -> u64 {
        self.epoch.fetch_add(1, Ordering::AcqRel)
    }

    /// Gives the retired generation's final counts to every cursor.
    fn hand_over(&self, retired: u64, generation: &Generation) {
        let mut cursors = lock(&self.cursors);
        cursors.retain(|inbox| inbox.strong_count() > 0);
        if cursors.is_empty() {
            return;
        }
        let final_counts = View {
            generation,
            epoch: retired,
        }
        .counted();
        for inbox in cursors.iter().filter_map(Weak::upgrade) {
            let mut inbox = lock(&inbox);
            if inbox.epoch == retired {
                inbox.retired = Some(final_counts.clone());
            } else {
                let capacity = self.capacity;
                let later = &mut inbox.later;
                let mut overflow = 0u64;
                for (_, key, count) in &final_counts {
                    if let Some(sum) = later.get_mut(key) {
                        *sum = sum.wrapping_add(*count);
                    } else if later.len() < capacity {
                        later.insert(key.clone(), *count);
                    } else {
                        overflow = overflow.wrapping_add(*count);
                    }
                }
                inbox.later_overflow = inbox.later_overflow.wrapping_add(overflow);
            }
        }
    }

    /// A new cursor's hold on the field, from now on.
    pub(crate) fn cursor(&self) -> CursorState {
        let _no_clear = lock(&self.clear_order);
        let (last, epoch) =
            self.read_settled(|view| (0..view.used()).map(|entry| view.count(entry)).collect());
        let inbox = Arc::new(Mutex::new(Inbox {
            epoch,
            ..Inbox::default()
        }));
        let mut cursors = lock(&self.cursors);
        cursors.retain(|inbox| inbox.strong_count() > 0);
        cursors.push(Arc::downgrade(&inbox));
        CursorState { inbox, last }
    }

    /// What was counted since the cursor's previous delta, key by key, and
    /// the counts that did not fit its inbox (to report as overflow).
    pub(crate) fn delta(&self, cursor: &mut CursorState) -> (Vec<(String, u64)>, u64) {
        let _no_clear = lock(&self.clear_order);
        let mut inbox = lock(&cursor.inbox);
        let (now, epoch) = self.read_settled(|view| {
            (0..view.used())
                .map(|entry| view.count(entry))
                .collect::<Vec<_>>()
        });
        let view = self.view(epoch);
        let mut counts = Vec::new();
        let mut overflow = 0;
        if inbox.epoch != epoch {
            // Clears since the last delta: what the cursor's generation
            // counted after its last delta, then every later one.
            for (entry, key, total) in inbox.retired.take().unwrap_or_default() {
                let before = cursor.last.get(entry).copied().unwrap_or(0);
                counts.push((key, total.wrapping_sub(before)));
            }
            counts.extend(inbox.later.drain());
            overflow = std::mem::take(&mut inbox.later_overflow);
            inbox.epoch = epoch;
            cursor.last.clear();
        }
        for (entry, &count) in now.iter().enumerate() {
            let before = cursor.last.get(entry).copied().unwrap_or(0);
            let delta = count.wrapping_sub(before);
            if delta != 0 {
                counts.push((view.key(entry), delta));
            }
        }
        cursor.last = now;
        (counts, overflow)
    }

    /// Makes the cursor's next delta report the current generation's
    /// counts from zero.
    pub(crate) fn rewind(cursor: &mut CursorState) {
        cursor.last.clear();
    }

    /// The bytes the field takes now.
    pub(crate) fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self
                .generations
                .iter()
                .map(|generation| generation.keys.memory_bytes() + generation.counts.memory_bytes())
                .sum::<usize>()
            + self.keys_seen.lock().map_or(0, |keys| keys.memory_bytes())
    }
}

impl std::fmt::Debug for OpenField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let epoch = self.epoch.load(Ordering::Acquire);
        std::fmt::Debug::fmt(&self.generation(epoch).keys, f)
    }
}

/// Loom models: `RUSTFLAGS="--cfg stats_loom" cargo test -p stats-core --release --lib loom`.
///
/// Each writer makes two increments, so a writer that leaves a stripe and
/// enters one again after a clear began is explored (the case a plain
/// unpin store once got wrong). A cursor made before the threads start
/// must see every increment exactly once, under its own key: a count lost
/// to a clear, counted twice, or landed under another key's entry fails.
#[cfg(all(test, stats_loom))]
mod loom_tests {
    use super::OpenField;
    use loom::sync::Arc;
    use loom::thread;

    /// Runs `writers` (key, stripe hint) of two increments each, and
    /// `clears` clears on the main thread, all at once; then checks a
    /// cursor's delta against the increments.
    fn check(stripes: usize, writers: &'static [(&'static str, usize)], clears: usize) {
        loom::model(move || {
            let field = Arc::new(OpenField::with_stripes(2, 8, stripes));
            let mut cursor = field.cursor();
            let handles: Vec<_> = writers
                .iter()
                .map(|&(key, hint)| {
                    let field = Arc::clone(&field);
                    thread::spawn(move || {
                        assert!(field.add_from(key, 1, hint).0);
                        assert!(field.add_from(key, 1, hint).0);
                    })
                })
                .collect();
            for _ in 0..clears {
                field.clear();
            }
            for handle in handles {
                handle.join().unwrap();
            }
            let (mut counts, overflow) = field.delta(&mut cursor);
            counts.sort();
            let mut expected: Vec<(String, u64)> = Vec::new();
            for &(key, _) in writers {
                match expected.iter_mut().find(|(known, _)| known == key) {
                    Some((_, n)) => *n += 2,
                    None => expected.push((key.to_owned(), 2)),
                }
            }
            expected.sort();
            // Deltas may split one key's count over the generations.
            let mut merged: Vec<(String, u64)> = Vec::new();
            for (key, n) in counts {
                match merged.iter_mut().find(|(known, _)| *known == key) {
                    Some((_, sum)) => *sum += n,
                    None => merged.push((key, n)),
                }
            }
            assert_eq!((merged, overflow), (expected, 0));
        });
    }

    /// One writer's two increments against a clear.
    #[test]
    fn loom_writer_twice_and_a_clear() {
        check(2, &[("a", 0)], 1);
    }

    /// Two writers of different keys on their own stripes against a
    /// clear: no count lands under the other key's entry.
    #[test]
    fn loom_two_keys_and_a_clear() {
        check(2, &[("a", 0), ("b", 1)], 1);
    }

    /// One owned stripe for two writers: one of them counts in the shared
    /// stripe with atomic adds, against a clear.
    #[test]
    fn loom_shared_stripe_and_a_clear() {
        check(1, &[("a", 0), ("a", 0)], 1);
    }

    /// Two clears while a writer counts twice: the writer starts over in
    /// each new generation and the cursor still sees both increments.
    #[test]
    fn loom_writer_and_two_clears() {
        check(1, &[("a", 0)], 2);
    }

    /// A reader against two clears and a re-inserted key: entry 0 holds
    /// `a` (count 2) and then, after the clears, `b` (count 1). A read
    /// pairs each key with its own count: never `b` with 2 or `a` with 1.
    #[test]
    fn loom_reader_never_pairs_a_new_key_with_an_old_count() {
        loom::model(|| {
            let field = Arc::new(OpenField::with_stripes(1, 8, 1));
            assert!(field.add_from("a", 2, 0).0);
            let reader = {
                let field = Arc::clone(&field);
                thread::spawn(move || field.read(|view| view.counts()).0)
            };
            field.clear();
            field.clear();
            assert!(field.add_from("b", 1, 0).0);
            let seen = reader.join().unwrap();
            let allowed: [&[(&str, u64)]; 3] = [&[("a", 2)], &[], &[("b", 1)]];
            let seen: Vec<(&str, u64)> = seen.iter().map(|(k, n)| (k.as_str(), *n)).collect();
            assert!(allowed.contains(&seen.as_slice()), "read {seen:?}");
        });
    }
}
