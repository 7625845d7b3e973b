//! One thread's row of counters, published through a sequence lock.
//!
//! # The algorithm
//!
//! A shard belongs to exactly one writer thread at a time (see
//! [`crate::sharded`]), so an increment needs no read-modify-write
//! instruction: the owner loads the value and stores the sum, both relaxed.
//! That is the hardware limit for a counter: no `lock`-prefixed instruction, no
//! cache line shared with another writer.
//!
//! Readers on other threads need a *consistent* copy of the row: if the owner
//! always bumps `created` before `failed`, no copy may show `failed > created`.
//! The row therefore carries a sequence number `seq` (a seqlock, as in the
//! Linux kernel's `seqcount_t`; the memory-model argument follows H.-J. Boehm,
//! "Can Seqlocks Get Along With Programming Language Memory Models?", 2012):
//!
//! * `seq` is even while the row is quiescent and odd while a write is under
//!   way. Only the owner changes it.
//! * Writer of several counters at once: `seq := s+1` (relaxed), release
//!   fence, update the values (relaxed), `seq := s+2` (release).
//! * Reader: `s1 := seq` (acquire); if odd, retry; copy the values (relaxed);
//!   acquire fence; `s2 := seq` (relaxed); the copy is consistent iff
//!   `s1 == s2`.
//!
//! Why it is enough: if the reader's copy saw any value from a write that
//! began after `s1`, the writer's release fence and the reader's acquire fence
//! synchronise, so the reader's second load sees at least that write's odd
//! `seq`, and `s2 != s1`. If it saw none, the copy is exactly the row as of
//! `s1`. On x86-64 every one of these operations is a plain `mov`; the fences
//! only stop the compiler from reordering.
//!
//! # Single-counter writes
//!
//! A write that changes one counter cannot be torn (one atomic store), so it
//! skips the odd phase: `seq := s+2` (release), release fence, update the
//! value. A reader whose copy includes the new value then reads `s2 >= s+2`
//! through the fences; if its `s1` was already `s+2`, the copy holds every
//! earlier write (the release store) and this write or not, both states the
//! row really passed through. This saves one store on the hot path.
//!
//! The loom models at the end of this file explore every interleaving of a
//! writer and readers and assert a reader never sees an invariant broken
//! that the writer keeps; removing the reader's `s2` check makes them fail.
//! (Loom does not model every relaxed-memory reordering, so the fences rest
//! on the argument above, not on the model.)

use crate::sync::{AtomicU64, Ordering, fence};

/// A row of `N` counters with one writer and any number of readers.
pub(crate) struct Shard<const N: usize> {
    /// Even: quiescent; odd: the owner is writing. Wraps after 2^63 writes,
    /// which at 10^9 writes a second is 292 years.
    seq: AtomicU64,
    /// The counters. Only the owner stores to them, and only between the two
    /// `seq` stores of a write.
    values: [AtomicU64; N],
}

impl<const N: usize> Shard<N> {
    /// A row of zeros.
    pub(crate) fn new() -> Self {
        Self {
            seq: AtomicU64::new(0),
            values: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Adds `n` (wrapping) to one counter. Only the owner thread may call this.
    #[inline]
    pub(crate) fn add(&self, slot: usize, n: u64) {
        // One value changes, and one atomic store cannot be torn, so this
        // write needs no odd phase (module docs, "Single-counter writes").
        let seq = self.seq.load(Ordering::Relaxed);
        debug_assert!(seq & 1 == 0, "a shard has exactly one writer at a time");
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
        fence(Ordering::Release);
        let value = &self.values[slot];
        value.store(
            value.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }

    /// Adds every element of `deltas` (wrapping) in one write, so a reader sees
    /// all of them or none. Only the owner thread may call this.
    #[inline]
    pub(crate) fn add_all(&self, deltas: &[u64; N]) {
        let seq = self.begin_write();
        for (value, &n) in self.values.iter().zip(deltas) {
            if n != 0 {
                value.store(
                    value.load(Ordering::Relaxed).wrapping_add(n),
                    Ordering::Relaxed,
                );
            }
        }
        self.end_write(seq);
    }

    #[inline]
    fn begin_write(&self) -> u64 {
        let seq = self.seq.load(Ordering::Relaxed);
        debug_assert!(seq & 1 == 0, "a shard has exactly one writer at a time");
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        // Orders the odd `seq` before the value stores for any reader whose
        // acquire fence follows a load of one of those values.
        fence(Ordering::Release);
        seq
    }

    #[inline]
    fn end_write(&self, seq: u64) {
        // Release: a reader that loads this even `seq` sees every value stored
        // before it.
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
    }

    /// Adds a consistent copy of the row into `sums` (wrapping). Retries while
    /// the owner is mid-write; the owner's write window is a handful of
    /// instructions, so a retry almost always succeeds.
    pub(crate) fn add_consistent_copy_to(&self, sums: &mut [u64; N]) {
        let backoff = crossbeam_utils::Backoff::new();
        let mut copy = [0u64; N];
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before & 1 == 0 {
                for (out, value) in copy.iter_mut().zip(&self.values) {
                    *out = value.load(Ordering::Relaxed);
                }
                fence(Ordering::Acquire);
                if self.seq.load(Ordering::Relaxed) == before {
                    break;
                }
            }
            crate::sync::snooze(&backoff);
        }
        for (sum, value) in sums.iter_mut().zip(copy) {
            *sum = sum.wrapping_add(value);
        }
    }

    /// One counter's current value. A single atomic load is consistent on its
    /// own, so no sequence check is needed.
    pub(crate) fn load(&self, slot: usize) -> u64 {
        self.values[slot].load(Ordering::Relaxed)
    }
}

#[cfg(all(test, not(stats_loom)))]
mod tests {
    use super::Shard;

    #[test]
    fn add_and_copy() {
        let shard = Shard::<3>::new();
        shard.add(0, 5);
        shard.add_all(&[1, 2, 3]);
        let mut sums = [10, 0, 0];
        shard.add_consistent_copy_to(&mut sums);
        assert_eq!(sums, [16, 2, 3]);
        assert_eq!(shard.load(2), 3);
    }

    #[test]
    fn counters_wrap_instead_of_overflowing() {
        let shard = Shard::<1>::new();
        shard.add(0, u64::MAX);
        shard.add(0, 2);
        assert_eq!(shard.load(0), 1);
    }
}

/// Loom models: `RUSTFLAGS="--cfg stats_loom" cargo test -p stats-core --release --lib loom`.
#[cfg(all(test, stats_loom))]
mod loom_tests {
    use super::Shard;
    use loom::sync::Arc;
    use loom::thread;

    /// The owner bumps `created` then `failed` in separate writes, then both
    /// in one write, while another thread copies the row: the copy never
    /// shows `failed > created`, nor half of the combined write.
    #[test]
    fn loom_reader_never_sees_a_broken_invariant() {
        loom::model(|| {
            let shard = Arc::new(Shard::<2>::new());
            let reader = {
                let shard = Arc::clone(&shard);
                thread::spawn(move || {
                    let mut copy = [0; 2];
                    shard.add_consistent_copy_to(&mut copy);
                    copy
                })
            };
            shard.add(0, 1);
            shard.add(1, 1);
            shard.add_all(&[1, 1]);
            let copy = reader.join().unwrap();
            assert!(
                matches!(copy, [0, 0] | [1, 0] | [1, 1] | [2, 2]),
                "torn copy: {copy:?}"
            );
            let mut last = [0; 2];
            shard.add_consistent_copy_to(&mut last);
            assert_eq!(last, [2, 2]);
        });
    }

    /// Two readers copy while the owner writes: both copies are consistent.
    #[test]
    fn loom_two_readers() {
        loom::model(|| {
            let shard = Arc::new(Shard::<2>::new());
            let reader = {
                let shard = Arc::clone(&shard);
                thread::spawn(move || {
                    let mut copy = [0; 2];
                    shard.add_consistent_copy_to(&mut copy);
                    assert_eq!(copy[0], copy[1], "torn copy: {copy:?}");
                })
            };
            shard.add_all(&[1, 1]);
            let mut copy = [0; 2];
            shard.add_consistent_copy_to(&mut copy);
            assert_eq!(copy, [1, 1]);
            reader.join().unwrap();
        });
    }
}
