//! An open keyed field: a [`KeyStore`] for its keys, per-thread rows for its
//! counts, and the pin protocol that lets `clear()` empty both in place.
//!
//! # The write path
//!
//! An increment finds the calling thread's row, pins it, checks that no
//! clear is running, finds (or adds) the key's entry in the store, adds to
//! its own count of that entry with a plain load and store, and unpins. The
//! only locked instruction is the pin; no other thread writes to the row, so
//! two threads counting the same key never touch one cache line.
//!
//! # Clearing in place
//!
//! A clear resets the store's index and free list and zeroes every row, so
//! it must know that no writer is between finding an entry and counting
//! under it: a writer that found `a`'s entry before the clear and counted
//! after it, once the entry belonged to `b`, would make two keys share a
//! counter. The protocol is a handshake on each row's pin word, in which
//! both sides use a read-modify-write, so that the two meet in the pin's
//! single modification order and need no sequentially consistent ordering:
//!
//! * a writer raises its pin (an acquire `fetch_add`, making it odd), then
//!   loads the generation; if it is odd a clear is running, so it lowers its
//!   pin, waits for the generation to be even, and starts over. It lowers
//!   the pin (a release store of the next even value) when its increment is
//!   done;
//! * a clear makes the generation odd, then on every row does an acq-rel
//!   `fetch_add(0)` of the pin, which changes nothing, and if the pin was
//!   odd waits for it to change; then it resets the store and the rows and
//!   stores the next even generation (release).
//!
//! If the clear's read-modify-write of a pin comes first in that pin's
//! modification order, the writer's later one reads from it and
//! synchronises with it, so the writer's load of the generation sees the
//! clear. If the writer's comes first, the clear reads an odd pin and waits
//! for the writer's release store, after which the increment happens before
//! the reset. Either way no increment overlaps a reset. A clear finds the
//! rows the same way: a thread that starts a bucket of rows marks it with
//! an acq-rel `fetch_or`, and a clear reads the marks with an acq-rel
//! `fetch_or(0)` after making the generation odd, so a bucket it misses was
//! started by a thread that will see the odd generation.
//!
//! A clear is O(capacity x rows) and writers wait for it (they neither spin
//! on a lock while no clear runs nor wait for each other). A clear waits
//! only for increments already in flight, which take nanoseconds.
//!
//! The loom models at the end of this file check the handshake.

use crate::key_store::{KeyHasher, KeyStore, Slot};
use crate::sync::{AtomicU64, Ordering};
use crate::thread_rows::{Row, ThreadRows};

/// The runtime state of one `Keyed<String>` field.
pub(crate) struct OpenField {
    store: KeyStore,
    rows: ThreadRows,
    /// Even: open. Odd: a clear is resetting the store and the rows.
    generation: AtomicU64,
}

/// What a reader sees of the field at one generation: each entry's count
/// summed over the rows, and its key.
pub(crate) struct View<'a> {
    field: &'a OpenField,
    /// The generation this view reads; a clear changes it.
    pub(crate) generation: u64,
}

impl View<'_> {
    /// The count of `entry` over every thread.
    pub(crate) fn count(&self, entry: usize) -> u64 {
        self.field.rows.sum(entry)
    }

    /// The key of an entry whose count was seen non-zero.
    pub(crate) fn key(&self, entry: usize) -> String {
        self.field.store.key(entry)
    }

    /// How many entries there are.
    pub(crate) fn capacity(&self) -> usize {
        self.field.store.capacity()
    }

    /// The next entry at or after `from` with a non-zero count, with its key
    /// and count. Entries keep their place until a clear, so keys added
    /// meanwhile come later or not at all, and none moves.
    pub(crate) fn next_counted(&self, from: usize) -> Option<(usize, String, u64)> {
        (from..self.capacity()).find_map(|entry| {
            let count = self.count(entry);
            (count != 0).then(|| (entry, self.key(entry), count))
        })
    }

    /// Every entry with a non-zero count: `(key, count)`.
    pub(crate) fn counts(&self) -> impl Iterator<Item = (String, u64)> + '_ {
        (0..self.capacity()).filter_map(|entry| {
            let count = self.count(entry);
            (count != 0).then(|| (self.key(entry), count))
        })
    }
}

impl OpenField {
    /// An empty field of `capacity` keys of up to `max_key_len` bytes,
    /// hashed with a seed of its own.
    pub(crate) fn new(capacity: usize, max_key_len: usize) -> Self {
        let store = KeyStore::new(capacity, max_key_len, KeyHasher::default());
        let rows = ThreadRows::new(store.capacity());
        Self {
            store,
            rows,
            generation: AtomicU64::new(0),
        }
    }

    /// Adds `n` to `key`; `false` if it went to overflow instead.
    #[inline]
    pub(crate) fn add(&self, key: &str, n: u64) -> bool {
        self.add_in(self.rows.local(), key, n)
    }

    /// [`Self::add`] with the calling thread's row given.
    #[inline]
    fn add_in(&self, row: Row<'_>, key: &str, n: u64) -> bool {
        match self.try_add_in(row, key, n) {
            Some(counted) => counted,
            None => self.add_after_clear(row, key, n),
        }
    }

    /// One attempt: `None` if a clear is running, and nothing was done.
    #[inline]
    fn try_add_in(&self, row: Row<'_>, key: &str, n: u64) -> Option<bool> {
        let pin = row.pin();
        // Acquire: see the module docs, "Clearing in place".
        let ticket = pin.fetch_add(1, Ordering::Acquire);
        let running = self.generation.load(Ordering::Acquire) & 1 != 0;
        let slot = (!running).then(|| self.store.find_or_insert(key));
        if let Some(Slot::Entry(entry)) = slot {
            row.add(entry, n);
        }
        pin.store(ticket.wrapping_add(2), Ordering::Release);
        slot.map(|slot| matches!(slot, Slot::Entry(_)))
    }

    /// A clear was running: wait for it to end, then add.
    #[cold]
    #[inline(never)]
    fn add_after_clear(&self, row: Row<'_>, key: &str, n: u64) -> bool {
        loop {
            self.wait_for_clear();
            if let Some(counted) = self.try_add_in(row, key, n) {
                return counted;
            }
        }
    }

    /// The current generation once no clear is running.
    fn wait_for_clear(&self) -> u64 {
        let backoff = crossbeam_utils::Backoff::new();
        let mut generation = self.generation.load(Ordering::Acquire);
        while generation & 1 != 0 {
            crate::sync::snooze(&backoff);
            // A read-modify-write reads the latest value: a plain load may
            // go on returning an old one, which loom explores without end.
            generation = self.generation.fetch_add(0, Ordering::AcqRel);
        }
        generation
    }

    /// Runs `read` on a view of one generation: again if a clear ran
    /// meanwhile. Returns the result and the generation it saw.
    pub(crate) fn read<T>(&self, read: impl Fn(&View<'_>) -> T) -> (T, u64) {
        loop {
            let before = self.wait_for_clear();
            let result = read(&View {
                field: self,
                generation: before,
            });
            if self.generation.load(Ordering::Acquire) == before {
                return (result, before);
            }
        }
    }

    /// The count of `key`, if the field holds it.
    pub(crate) fn get(&self, key: &str) -> Option<u64> {
        self.read(|view| self.store.find(key).map(|entry| view.count(entry)))
            .0
    }

    /// How many keys the field holds.
    pub(crate) fn len(&self) -> usize {
        self.read(|_| self.store.len()).0
    }

    /// The most keys it holds.
    pub(crate) fn capacity(&self) -> usize {
        self.store.capacity()
    }

    /// The longest key it stores, in bytes.
    pub(crate) fn max_key_len(&self) -> usize {
        self.store.max_key_len()
    }

    /// Empties the field: no keys, no counts. The caller serialises clears
    /// and bumps the table version first.
    pub(crate) fn clear(&self) {
        let generation = self.begin_clear();
        let rows = self.rows.rows_for_clear();
        let backoff = crossbeam_utils::Backoff::new();
        for row in &rows {
            if let Some(pinned) = pinned(*row) {
                // A read-modify-write reads the latest value: a plain load
                // may go on returning an old one.
                while row.pin().fetch_add(0, Ordering::AcqRel) == pinned {
                    crate::sync::snooze(&backoff);
                }
            }
        }
        self.reset(&rows);
        self.end_clear(generation);
    }

    /// Makes the generation odd: writers that pin from now on wait.
    fn begin_clear(&self) -> u64 {
        let generation = self.generation.fetch_add(1, Ordering::Relaxed);
        debug_assert!(generation & 1 == 0, "clears are serialised by the table");
        generation
    }

    /// Resets the store and zeroes `rows`. Only while no writer is pinned.
    fn reset(&self, rows: &[Row<'_>]) {
        // Release, here and in the store's reset: a reader that sees any of
        // these zeros also sees the odd generation when it checks after.
        self.store.reset();
        for row in rows {
            for entry in 0..self.rows.width() {
                row.count(entry).store(0, Ordering::Release);
            }
        }
    }

    /// Makes the generation even again: writers go on.
    fn end_clear(&self, generation: u64) {
        self.generation
            .store(generation.wrapping_add(2), Ordering::Release);
    }
}

/// The row's pin if its owner is inside an operation. A read-modify-write
/// that changes nothing, so that it meets the owner's own in the pin's
/// modification order (see the module docs). Acquire: an operation that
/// ended before it happens before what the caller does next.
fn pinned(row: Row<'_>) -> Option<u64> {
    let pin = row.pin().fetch_add(0, Ordering::AcqRel);
    (pin & 1 != 0).then_some(pin)
}

impl std::fmt::Debug for OpenField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.store, f)
    }
}

/// Loom models: `RUSTFLAGS="--cfg stats_loom" cargo test -p stats-core --release --lib loom`.
///
/// The rows are built by hand (loom threads cannot use the thread-slot
/// registry), and the clear runs the same steps as [`OpenField::clear`].
#[cfg(all(test, stats_loom))]
mod loom_tests {
    use super::{OpenField, pinned};
    use crate::sync::Ordering;
    use crate::thread_rows::{Block, Row, block};
    use loom::sync::Arc;
    use loom::thread;

    /// A field of two keys and one hand-built row per writer.
    fn setup(writers: usize) -> (Arc<OpenField>, Arc<Vec<Vec<Block>>>) {
        let field = Arc::new(OpenField::new(2, 8));
        let rows = (0..writers).map(|_| vec![block()]).collect();
        (field, Arc::new(rows))
    }

    /// A writer's single attempt, on its own thread.
    fn spawn_writer(
        field: &Arc<OpenField>,
        rows: &Arc<Vec<Vec<Block>>>,
        writer: usize,
        key: &'static str,
    ) -> thread::JoinHandle<Option<bool>> {
        let (field, rows) = (Arc::clone(field), Arc::clone(rows));
        thread::spawn(move || field.try_add_in(Row::new(&rows[writer]), key, 1))
    }

    /// The steps of [`OpenField::clear`], except that where it would spin
    /// until a pinned writer unpins, the model joins that writer (loom
    /// explores a spin without end).
    fn clear(
        field: &OpenField,
        rows: &[Vec<Block>],
        writers: &mut [Option<thread::JoinHandle<Option<bool>>>],
        results: &mut [Option<Option<bool>>],
    ) {
        let generation = field.begin_clear();
        let rows: Vec<Row<'_>> = rows.iter().map(|blocks| Row::new(blocks)).collect();
        for (i, row) in rows.iter().enumerate() {
            if pinned(*row).is_some() {
                let writer = writers[i].take().expect("a pinned row has a live writer");
                results[i] = Some(writer.join().unwrap());
            }
        }
        field.reset(&rows);
        field.end_clear(generation);
    }

    fn join_all(
        writers: &mut [Option<thread::JoinHandle<Option<bool>>>],
        results: &mut [Option<Option<bool>>],
    ) -> Vec<Option<bool>> {
        for (writer, result) in writers.iter_mut().zip(results.iter_mut()) {
            if let Some(writer) = writer.take() {
                *result = Some(writer.join().unwrap());
            }
        }
        results.iter().map(|r| r.expect("joined")).collect()
    }

    /// After everything joined: each key the store holds has exactly the
    /// increments made after the clear, and no count sits under an entry
    /// the store does not give to a key (a count that outlived the clear, or
    /// landed on another key's entry).
    fn check(field: &OpenField, rows: &[Vec<Block>], keys: &[&str]) {
        let rows: Vec<Row<'_>> = rows.iter().map(|blocks| Row::new(blocks)).collect();
        let count = |entry: usize| -> u64 {
            rows.iter()
                .map(|row| row.count(entry).load(Ordering::Relaxed))
                .sum()
        };
        let mut owned = Vec::new();
        for key in keys {
            if let Some(entry) = field.store.find(key) {
                assert_eq!(
                    count(entry),
                    1,
                    "key {key:?} entry {entry} counts {:?} gen {} store {:?}",
                    (0..2).map(count).collect::<Vec<_>>(),
                    field.generation.load(Ordering::Relaxed),
                    field.store
                );
                owned.push(entry);
            }
        }
        for entry in 0..field.store.capacity() {
            if !owned.contains(&entry) {
                assert_eq!(count(entry), 0, "entry {entry} has no key");
            }
        }
    }

    /// An increment races a clear: it lands whole before the clear (and is
    /// cleared with its key) or whole after it, or it finds the clear
    /// running and does nothing (the real writer then waits and retries).
    #[test]
    fn loom_increment_and_clear_do_not_overlap() {
        loom::model(|| {
            let (field, rows) = setup(1);
            let mut writers = [Some(spawn_writer(&field, &rows, 0, "a"))];
            let mut results = [None];
            clear(&field, &rows, &mut writers, &mut results);
            let results = join_all(&mut writers, &mut results);
            assert!(matches!(results[0], None | Some(true)));
            check(&field, &rows, &["a"]);
        });
    }

    /// Two writers with different keys and a clear: no count is ever left
    /// under an entry that another key (or no key) now owns.
    #[test]
    fn loom_two_writers_and_a_clear() {
        loom::model(|| {
            let (field, rows) = setup(2);
            let mut writers = [
                Some(spawn_writer(&field, &rows, 0, "a")),
                Some(spawn_writer(&field, &rows, 1, "b")),
            ];
            let mut results = [None, None];
            clear(&field, &rows, &mut writers, &mut results);
            join_all(&mut writers, &mut results);
            check(&field, &rows, &["a", "b"]);
        });
    }
}
