//! Per-thread rows of a runtime width, each with a pin word: the counts of
//! an open keyed field.
//!
//! The layout follows [`crate::sharded`]: a thread's row is found by its
//! slot (see [`crate::thread_slot`]) in buckets of doubling size, allocated
//! on the first write of a thread whose slot falls in them and kept until
//! the field is dropped. A row is whole 128-byte blocks, so two threads'
//! rows never share a cache line. Word 0 is the row's pin (see
//! [`crate::open_field`]); the rest are counts, one per key store entry.
//!
//! Rows here are wider than the table's rows (one word per key the field
//! can hold), so they are not copied consistently as a whole: each count is
//! read on its own, which is all a keyed count needs.

use crate::sync::{AtomicU64, Ordering};
use crate::thread_slot::{self, Location};
use crossbeam_utils::CachePadded;
use std::sync::OnceLock;

/// One bucket per bit of a slot number: enough for any slot.
const BUCKETS: usize = usize::BITS as usize;
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
    /// Bucket `b` holds the rows of slots `2^b - 1 ..= 2^(b+1) - 2`.
    buckets: [OnceLock<Box<[Block]>>; BUCKETS],
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
            buckets: std::array::from_fn(|_| OnceLock::new()),
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
        let k = self.blocks_per_row;
        match self.buckets[location.bucket % BUCKETS].get() {
            Some(blocks) => Row::new(&blocks[location.index * k..(location.index + 1) * k]),
            None => self.allocate(location),
        }
    }

    #[cold]
    #[inline(never)]
    fn allocate(&self, location: Location) -> Row<'_> {
        let k = self.blocks_per_row;
        let blocks = self.buckets[location.bucket].get_or_init(|| {
            self.buckets_started
                .fetch_or(1 << location.bucket, Ordering::AcqRel);
            (0..(1usize << location.bucket) * k)
                .map(|_| block())
                .collect()
        });
        Row::new(&blocks[location.index * k..(location.index + 1) * k])
    }

    /// Every row allocated so far, for readers.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        let k = self.blocks_per_row;
        self.buckets
            .iter()
            .filter_map(OnceLock::get)
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
        let buckets = self.buckets.iter().enumerate();
        buckets
            .filter(move |(b, _)| started & (1 << b) != 0)
            .flat_map(move |(_, bucket)| {
                let backoff = crossbeam_utils::Backoff::new();
                let blocks = loop {
                    match bucket.get() {
                        Some(blocks) => break blocks,
                        None => crate::sync::snooze(&backoff),
                    }
                };
                blocks.chunks_exact(k).map(Row::new)
            })
            .collect()
    }

    /// The sum of every row's count of `entry`.
    pub(crate) fn sum(&self, entry: usize) -> u64 {
        self.rows().fold(0u64, |sum, row| {
            sum.wrapping_add(row.count(entry).load(Ordering::Acquire))
        })
    }
}
