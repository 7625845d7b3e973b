//! The table's counters as one [`Row`] per writer thread.
//!
//! Each thread that writes to a table gets its own cache-line-aligned row,
//! found by the thread's slot (see [`crate::rows::slot`]): one inlined
//! thread-local load, one bucket pointer load, no lock, no hashing. Because a
//! row has one writer, an increment is a load and a release store (see
//! [`crate::rows::row`]); readers sum the rows.
//!
//! Rows live in buckets of doubling size ([`crate::rows::buckets`]), allocated when
//! the first thread whose slot falls in them writes, and never moved or
//! freed until the table is dropped, so a reference to a row stays valid
//! without a lock. When a thread exits, its slot, and with it its row in
//! every table, passes to the next thread that starts; the row keeps its
//! values, so totals stay exact and the number of rows is bounded by twice
//! the number of threads alive at once (writes from a dying thread's
//! thread-local destructors borrow a slot per write: see
//! [`crate::rows::slot`]).

pub(crate) mod buckets;
pub(crate) mod row;
pub(crate) mod slot;

use crate::defend::breaker::Breaker;
use buckets::Buckets;
use crossbeam_utils::CachePadded;
use row::Row;
use slot::Location;
use std::time::Instant;

/// Padded so two threads' rows never share a cache line.
type PaddedRow<const N: usize> = CachePadded<Row<N>>;

/// `N` counters sharded by writer thread.
pub(crate) struct Rows<const N: usize> {
    rows: Buckets<PaddedRow<N>>,
    /// The circuit breaker that guards writes to these rows (the table's):
    /// here so that a field handle reaches it without a pointer of its own.
    breaker: Breaker,
}

impl<const N: usize> Rows<N> {
    pub(crate) fn new(breaker: Breaker) -> Self {
        Self {
            rows: Buckets::new(),
            breaker,
        }
    }

    /// The breaker that guards writes to these rows.
    pub(crate) fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    /// Runs `write` on this thread's row, allocating its bucket on the
    /// thread's first write.
    #[inline(always)]
    fn with_local<R>(&self, write: impl FnOnce(&Row<N>) -> R) -> R {
        slot::with_current(|location| match self.rows.get(location) {
            Some(rows) => write(&rows[location.index]),
            None => write(self.allocate(location)),
        })
    }

    #[cold]
    #[inline(never)]
    fn allocate(&self, location: Location) -> &Row<N> {
        let rows = self.rows.get_or_init(location, |slots| {
            (0..slots).map(|_| CachePadded::new(Row::new())).collect()
        });
        &rows[location.index]
    }

    fn rows(&self) -> impl Iterator<Item = &Row<N>> {
        self.rows
            .allocated()
            .flat_map(|rows| rows.iter().map(|row| &**row))
    }

    /// Adds `n` to counter `index` in this thread's row; whether it crossed
    /// a sampling boundary.
    #[inline(always)]
    pub(crate) fn add(&self, index: usize, n: u64) -> bool {
        self.with_local(move |row| row.add(index, n))
    }

    /// Adds `a` to counter `i` and `b` to counter `j` of this thread's row
    /// in one consistent write; whether it crossed a sampling boundary.
    #[inline(always)]
    pub(crate) fn add_two(&self, i: usize, a: u64, j: usize, b: u64) -> bool {
        self.with_local(move |row| row.add_two(i, a, j, b))
    }

    /// Adds `deltas` to this thread's row in one consistent write; whether
    /// it crossed a sampling boundary.
    #[inline]
    pub(crate) fn add_all(&self, deltas: &[u64; N]) -> bool {
        self.with_local(|row| row.add_all(deltas))
    }

    /// The sum over all rows, each row copied consistently.
    pub(crate) fn sum(&self) -> [u64; N] {
        let mut sums = [0; N];
        for row in self.rows() {
            row.add_consistent_copy_to(&mut sums);
        }
        sums
    }

    /// [`Self::sum`], or `None` once `deadline` has passed: checked before
    /// each row and between a row's copy attempts.
    pub(crate) fn sum_before(&self, deadline: Instant) -> Option<[u64; N]> {
        let mut sums = [0; N];
        for row in self.rows() {
            if Instant::now() >= deadline || !row.add_copy_before(&mut sums, Some(deadline)) {
                return None;
            }
        }
        Some(sums)
    }

    /// The sum of one counter over all rows.
    pub(crate) fn sum_of(&self, index: usize) -> u64 {
        self.rows()
            .fold(0u64, |sum, row| sum.wrapping_add(row.load(index)))
    }

    /// How many rows are allocated: fewer than twice the largest number of
    /// writing threads that were alive at once.
    pub(crate) fn shard_count(&self) -> usize {
        self.rows.allocated().map(<[PaddedRow<N>]>::len).sum()
    }

    /// The bytes the rows take.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.shard_count() * size_of::<PaddedRow<N>>()
    }
}
