//! Per-thread storage in buckets of doubling size: the table's rows
//! ([`crate::rows`]).
//!
//! Bucket `b` holds the items of thread slots `2^b - 1 ..= 2^(b+1) - 2` (see
//! [`crate::rows::slot::Location`]). A bucket is allocated when the first
//! thread whose slot falls in it writes, and is never moved or freed until
//! its owner is dropped, so a reference into it stays valid without a lock.

use crate::rows::slot::Location;
use std::sync::OnceLock;

/// One bucket per bit of a slot number: enough for any slot.
const BUCKETS: usize = usize::BITS as usize;

/// Buckets of `T`, `per_slot` items for each thread slot.
pub(crate) struct Buckets<T> {
    buckets: [OnceLock<Box<[T]>>; BUCKETS],
}

impl<T> Buckets<T> {
    pub(crate) fn new() -> Self {
        Self {
            buckets: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    /// The bucket of `location`, if it is allocated.
    #[inline]
    pub(crate) fn get(&self, location: Location) -> Option<&[T]> {
        // The mask is a no-op (buckets are < 64) that spares a bounds check.
        self.buckets[location.bucket % BUCKETS]
            .get()
            .map(|bucket| &**bucket)
    }

    /// The bucket of `location`, built by `init` (given the number of slots
    /// it holds) if it is not allocated yet.
    pub(crate) fn get_or_init(
        &self,
        location: Location,
        init: impl FnOnce(usize) -> Box<[T]>,
    ) -> &[T] {
        self.buckets[location.bucket % BUCKETS].get_or_init(|| init(1 << location.bucket))
    }

    /// Every allocated bucket, in slot order.
    pub(crate) fn allocated(&self) -> impl Iterator<Item = &[T]> {
        self.buckets
            .iter()
            .filter_map(OnceLock::get)
            .map(|bucket| &**bucket)
    }
}
