//! One thread's row of counters, copied consistently by readers.
//!
//! # The algorithm
//!
//! A shard belongs to exactly one writer thread at a time (see
//! [`crate::rows`]), so an increment needs no read-modify-write
//! instruction: the owner loads the value and stores the sum. That is the
//! hardware limit for a counter: no `lock`-prefixed instruction, no cache
//! line shared with another writer.
//!
//! Readers on other threads need a *consistent* copy of the row, one the row
//! really held at some moment: if the owner always bumps `created` before
//! `failed`, no copy may show `failed > created`, and a step that adds to
//! several counters at once must show whole or not at all.
//!
//! * **Single-counter writes** (the hot path): load the value, store the sum
//!   with release ordering. Nothing else.
//! * **Multi-counter writes** (`add_all`): a sequence lock, as in the Linux
//!   kernel's `seqcount_t`: `seq := s+1` (odd: a write is under way),
//!   release fence, store the values, `seq := s+2` (release).
//! * **Readers**: `s1 := seq` (acquire), retry while odd; read every value
//!   twice in two passes (acquire loads); acquire fence; `s2 := seq`. The copy
//!   is consistent iff `s1 == s2` and both passes read the same values.
//!
//! Why two passes are enough for single-counter writes (the "double collect"
//! of snapshot algorithms, which works here because counters only grow):
//! suppose the copy included a write `Wj` but not an earlier write `Wi` of
//! the same owner. Some load saw `Wj`; it is an acquire load of a release
//! store, so every load after it sees `Wi`. The load of `Wi`'s counter in the
//! second pass comes after it, so it saw `Wi`, and the two passes differ
//! unless the first pass saw `Wi` too. Each write changes its counter (an
//! add of 0 changes nothing and needs no ordering), so a difference is
//! always seen, unless the adds between the two passes sum to a multiple of
//! 2^64, which for counters is not a real case.
//!
//! Why the sequence number is enough for multi-counter writes (the memory
//! model argument follows H.-J. Boehm, "Can Seqlocks Get Along With
//! Programming Language Memory Models?", 2012): if the copy saw any value of
//! a multi-counter write that began after `s1`, the writer's release fence
//! and the reader's acquire fence synchronise, so `s2` is at least that
//! write's odd `seq`, and `s2 != s1`.
//!
//! On x86-64 every one of these operations is a plain `mov`; the orderings
//! only stop the compiler from reordering. The hot path is one load and one
//! store; `benches/README.md` has what it measures against the bare
//! per-thread loop, and what the odd/even phase it replaced cost.
//!
//! Progress: the writer never waits for readers, so a reader retries while
//! the owner writes between its two passes. The passes are short (the second
//! reads lines the first just brought in), so retries succeed quickly; the
//! rate and the slowest copy under a writer that never pauses are in
//! `benches/README.md`.
//!
//! The loom models at the end of this file explore every interleaving of a
//! writer and a reader and assert that every copy is a state the row really
//! held; removing the reader's second pass, or its `seq` check, makes them
//! fail.

use crate::sync::{AtomicU64, Ordering, fence};
use std::time::Instant;

/// A row of `N` counters with one writer and any number of readers.
pub(crate) struct Row<const N: usize> {
    /// Even: no multi-counter write is under way; odd: one is. Only
    /// multi-counter writes change it. Wraps after 2^63 such writes.
    seq: AtomicU64,
    /// The counters. Only the owner stores to them.
    values: [AtomicU64; N],
}

impl<const N: usize> Row<N> {
    /// A row of zeros.
    pub(crate) fn new() -> Self {
        Self {
            seq: AtomicU64::new(0),
            values: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Adds `n` (wrapping) to one counter. Only the owner thread may call this.
    /// Returns whether the counter crossed a sampling boundary (see
    /// [`crate::defend::gate`]).
    #[inline]
    pub(crate) fn add(&self, index: usize, n: u64) -> bool {
        let value = &self.values[index];
        let old = value.load(Ordering::Relaxed);
        let new = old.wrapping_add(n);
        // Release: a reader that sees this value sees every earlier write.
        value.store(new, Ordering::Release);
        crate::defend::gate::crossed(old, new)
    }

    /// Adds every element of `deltas` (wrapping) in one write, so a reader sees
    /// all of them or none. Only the owner thread may call this.
    /// Adds `a` to counter `i` and `b` to counter `j` in one write, so a
    /// reader sees both or neither (a histogram's bucket and sum). Only
    /// the owner thread may call this; whether the step count crossed a
    /// sampling boundary.
    #[inline]
    pub(crate) fn add_two(&self, i: usize, a: u64, j: usize, b: u64) -> bool {
        let seq = self.seq.load(Ordering::Relaxed);
        debug_assert!(seq & 1 == 0, "a row has exactly one writer at a time");
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        // As in `add_all`: the odd `seq` before the values.
        fence(Ordering::Release);
        for (index, n) in [(i, a), (j, b)] {
            let value = &self.values[index];
            value.store(
                value.load(Ordering::Relaxed).wrapping_add(n),
                Ordering::Release,
            );
        }
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
        crate::defend::gate::crossed(seq, seq.wrapping_add(2))
    }

    /// Returns whether the row's step count crossed a sampling boundary.
    #[inline]
    pub(crate) fn add_all(&self, deltas: &[u64; N]) -> bool {
        let seq = self.seq.load(Ordering::Relaxed);
        debug_assert!(seq & 1 == 0, "a shard has exactly one writer at a time");
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        // Orders the odd `seq` before the value stores for any reader whose
        // acquire fence follows a load of one of those values.
        fence(Ordering::Release);
        for (value, &n) in self.values.iter().zip(deltas) {
            if n != 0 {
                value.store(
                    value.load(Ordering::Relaxed).wrapping_add(n),
                    Ordering::Release,
                );
            }
        }
        // Release: a reader that loads this even `seq` sees every value.
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
        crate::defend::gate::crossed(seq, seq.wrapping_add(2))
    }

    /// Adds a consistent copy of the row into `sums` (wrapping). Retries while
    /// the owner writes during the copy; a copy takes two passes over one or
    /// a few cache lines, so a retry almost always succeeds.
    pub(crate) fn add_consistent_copy_to(&self, sums: &mut [u64; N]) {
        let copied = self.add_copy_before(sums, None);
        debug_assert!(copied, "no deadline, so the copy completes");
    }

    /// [`Self::add_consistent_copy_to`], giving up (with `sums` untouched)
    /// once `deadline` has passed between two attempts: `false` then.
    pub(crate) fn add_copy_before(&self, sums: &mut [u64; N], deadline: Option<Instant>) -> bool {
        let backoff = crossbeam_utils::Backoff::new();
        let mut first = [0u64; N];
        let mut second = [0u64; N];
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before & 1 == 0 {
                for (out, value) in first.iter_mut().zip(&self.values) {
                    *out = value.load(Ordering::Acquire);
                }
                for (out, value) in second.iter_mut().zip(&self.values) {
                    *out = value.load(Ordering::Acquire);
                }
                fence(Ordering::Acquire);
                if self.seq.load(Ordering::Relaxed) == before && first == second {
                    break;
                }
            }
            // The write-up's mismatch: detected, and repaired by copying again.
            crate::defend::health::count(|health| health.snapshot_retries().inc());
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return false;
            }
            crate::sync::snooze(&backoff);
        }
        for (sum, value) in sums.iter_mut().zip(first) {
            *sum = sum.wrapping_add(value);
        }
        true
    }

    /// One counter's current value. A single atomic load is consistent on its
    /// own, so no sequence check is needed.
    pub(crate) fn load(&self, index: usize) -> u64 {
        self.values[index].load(Ordering::Relaxed)
    }
}

#[cfg(all(test, not(stats_loom)))]
mod tests {
    use super::Row;

    #[test]
    fn add_and_copy() {
        let shard = Row::<3>::new();
        shard.add(0, 5);
        shard.add_all(&[1, 2, 3]);
        let mut sums = [10, 0, 0];
        shard.add_consistent_copy_to(&mut sums);
        assert_eq!(sums, [16, 2, 3]);
        assert_eq!(shard.load(2), 3);
    }

    #[test]
    fn counters_wrap_instead_of_overflowing() {
        let shard = Row::<1>::new();
        shard.add(0, u64::MAX);
        shard.add(0, 2);
        assert_eq!(shard.load(0), 1);
    }
}

/// Loom models: `RUSTFLAGS="--cfg stats_loom" cargo test -p stats-core --release --lib loom`.
#[cfg(all(test, stats_loom))]
mod loom_tests {
    use super::Row;
    use loom::sync::Arc;
    use loom::thread;

    /// One write of the owner: a single counter or a multi-counter step.
    #[derive(Clone, Copy)]
    enum Write {
        One(usize, u64),
        All([u64; 2]),
    }

    /// Runs `writes` on the owner while another thread copies the row, and
    /// asserts the copy is one of the states the row passed through.
    fn check(writes: &'static [Write]) {
        loom::model(move || {
            let shard = Arc::new(Row::<2>::new());
            let reader = {
                let shard = Arc::clone(&shard);
                thread::spawn(move || {
                    let mut copy = [0; 2];
                    shard.add_consistent_copy_to(&mut copy);
                    copy
                })
            };
            let mut states = vec![[0u64; 2]];
            let mut state = [0u64; 2];
            for write in writes {
                match *write {
                    Write::One(index, n) => {
                        shard.add(index, n);
                        state[index] += n;
                    }
                    Write::All(deltas) => {
                        shard.add_all(&deltas);
                        state[0] += deltas[0];
                        state[1] += deltas[1];
                    }
                }
                states.push(state);
            }
            let copy = reader.join().unwrap();
            assert!(
                states.contains(&copy),
                "torn copy {copy:?}, states {states:?}"
            );
            let mut last = [0; 2];
            shard.add_consistent_copy_to(&mut last);
            assert_eq!(last, state);
        });
    }

    /// `created` then `failed` in single writes: the copy never shows
    /// `failed > created`.
    #[test]
    fn loom_single_writes_in_field_order() {
        check(&[Write::One(0, 1), Write::One(1, 1)]);
    }

    /// Writes against the order the reader reads in: caught by the second
    /// pass, not by the reading order.
    #[test]
    fn loom_single_writes_against_reading_order() {
        check(&[Write::One(1, 1), Write::One(0, 1)]);
    }

    /// A multi-counter step is seen whole or not at all.
    #[test]
    fn loom_multi_counter_step_is_whole() {
        check(&[Write::All([1, 1]), Write::One(0, 1)]);
    }

    /// A mix of both kinds of write.
    #[test]
    fn loom_mixed_writes() {
        check(&[Write::One(1, 1), Write::All([1, 2]), Write::One(0, 3)]);
    }
}
