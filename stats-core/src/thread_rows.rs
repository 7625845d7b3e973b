//! Per-thread rows of a runtime width, each with a pin word: the counts of
//! an open keyed field.
//!
//! The layout follows [`crate::sharded`]: a thread's row is found by its
//! slot (see [`crate::thread_slot`]) in buckets of doubling size
//! ([`crate::buckets`]), allocated on the first write of a thread whose slot
//! falls in them and kept until the field is dropped. A row is whole 128-byte blocks, so two threads'
//! rows never share a cache line. Word 0 is the row's pin (see
//! [`crate::open_field`]); the rest are counts, one per key store entry.
//!
//! Rows here are wider than the table's rows (one word per key the field
//! can hold), so they are not copied consistently as a whole: each count is
//! read on its own, which is all a keyed count needs.

use crate::buckets::Buckets;
use crate::sync::{AtomicU64, Ordering};
use crate::thread_slot::{self, Location};
use crossbeam_utils::CachePadded;

/// Words in one 128-byte block.
const BLOCK_WORDS: usize = 16;

pub(crate) type Block = CachePadded<[AtomicU64; BLOCK_WORDS]>;

/// An empty block.
pub(crate) fn block() -> Block {
    CachePadded::new(std::array::from_fn(|_| AtomicU64::new(0)))
}

/// Rows of `1 + width` words, one per writer thread.
pub(crate) struct ThreadRows {
    width: usize,
    blocks_per_row: usize,
    /// `blocks_per_row` blocks for each thread slot.
    blocks: Buckets<Block>,
    /// Bit `b` is set before bucket `b` is published, so a clear that reads
    /// it after announcing itself knows every bucket a pinned writer can be
    /// in; see `crate::open_field`.
    buckets_started: AtomicU64,
}

/// One thread's row: its pin and its counts.
#[derive(Clone, Copy)]
pub(crate) struct Row<'a> {
    blocks: &'a [Block],
}

impl<'a> Row<'a> {
    /// A row over `blocks`, for tests that build rows by hand.
    pub(crate) fn new(blocks: &'a [Block]) -> Self {
        Self { blocks }
    }

    fn word(&self, word: usize) -> &'a AtomicU64 {
        &self.blocks[word / BLOCK_WORDS][word % BLOCK_WORDS]
    }

    /// The pin: odd while the owner is inside an operation on the field.
    pub(crate) fn pin(&self) -> &'a AtomicU64 {
        self.word(0)
    }

    /// The owner's count of entry `entry`.
    #[inline]
    pub(crate) fn count(&self, entry: usize) -> &'a AtomicU64 {
        self.word(1 + entry)
    }

    /// Adds `n` (wrapping) to the owner's count of `entry`. Only the owner
    /// may call this: a load and a release store, as for a plain counter.
    #[inline]
    pub(crate) fn add(&self, entry: usize, n: u64) {
        let count = self.count(entry);
        count.store(
            count.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Release,
        );
    }
}

impl ThreadRows {
    /// Rows of `width` counts each (plus the pin). Nothing is allocated
    /// until a thread writes.
    pub(crate) fn new(width: usize) -> Self {
        Self {
            width,
            blocks_per_row: (1 + width).div_ceil(BLOCK_WORDS),
            blocks: Buckets::new(),
            buckets_started: AtomicU64::new(0),
        }
    }

    /// How many counts a row holds.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// This thread's row, allocating its bucket on the first write.
    #[inline]
    pub(crate) fn local(&self) -> Row<'_> {
        let location = thread_slot::current();
        match self.blocks.get(location) {
            Some(blocks) => self.row(blocks, location.index),
            None => self.allocate(location),
        }
    }

    #[inline]
    fn row<'a>(&self, blocks: &'a [Block], index: usize) -> Row<'a> {
        let k = self.blocks_per_row;
        Row::new(&blocks[index * k..(index + 1) * k])
    }

    #[cold]
    #[inline(never)]
    fn allocate(&self, location: Location) -> Row<'_> {
        let blocks = self.blocks.get_or_init(location, |slots| {
            self.buckets_started
                .fetch_or(1 << location.bucket, Ordering::AcqRel);
            (0..slots * self.blocks_per_row).map(|_| block()).collect()
        });
        self.row(blocks, location.index)
    }

    /// Every row allocated so far, for readers.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        let k = self.blocks_per_row;
        self.blocks
            .allocated()
            .flat_map(move |blocks| blocks.chunks_exact(k).map(Row::new))
    }

    /// Every row a writer can be pinned in: for a clear, after it has
    /// announced itself. A bucket whose allocation has begun is waited for,
    /// since its first writer may already be pinned in it.
    pub(crate) fn rows_for_clear(&self) -> Vec<Row<'_>> {
        let k = self.blocks_per_row;
        // A read-modify-write, to meet the writers' marks in one order:
        // see `crate::open_field`.
        let started = self.buckets_started.fetch_or(0, Ordering::AcqRel);
        (0..u64::BITS as usize)
            .filter(|bucket| started & (1 << bucket) != 0)
            .flat_map(|bucket| self.blocks.wait_for(bucket).chunks_exact(k).map(Row::new))
            .collect()
    }

    /// The sum of every row's count of `entry`.
    pub(crate) fn sum(&self, entry: usize) -> u64 {
        self.rows().fold(0u64, |sum, row| {
            sum.wrapping_add(row.count(entry).load(Ordering::Acquire))
        })
    }
}
