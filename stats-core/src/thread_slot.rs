//! Small, dense numbers for the threads alive now, reused after a thread
//! exits: the index of a thread's row in every table.
//!
//! A thread gets the smallest free slot on its first write to any table and
//! gives it back when it exits (a thread-local guard's destructor). Slots are
//! handed over under one mutex, so the next owner of a slot sees every value
//! the previous owner stored in that slot's rows.
//!
//! Why not the `thread_local` crate: its lookup goes through a function call
//! that is not inlined into the caller, which cost half the hot path's speed
//! in `benches/hot_path.rs`. This module's lookup is one inlined
//! thread-local load.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Mutex, PoisonError};

/// Where a slot's row lives in a table: bucket `bucket` holds `2^bucket`
/// rows, for slots `2^bucket - 1 ..= 2^(bucket+1) - 2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Location {
    pub(crate) bucket: usize,
    pub(crate) index: usize,
}

impl Location {
    const UNASSIGNED: Self = Self {
        bucket: usize::MAX,
        index: 0,
    };

    pub(crate) fn of(slot: usize) -> Self {
        // slot + 1 = 2^bucket + index; the +1 cannot overflow because slots
        // come from a counter that would need 2^64 live threads to get there.
        let key = slot + 1;
        let bucket = (usize::BITS - 1 - key.leading_zeros()) as usize;
        Self {
            bucket,
            index: key - (1 << bucket),
        }
    }
}

/// The free slots, smallest first so rows stay dense.
struct Allocator {
    next: usize,
    free: BinaryHeap<Reverse<usize>>,
}

static ALLOCATOR: Mutex<Allocator> = Mutex::new(Allocator {
    next: 0,
    free: BinaryHeap::new(),
});

fn allocator() -> std::sync::MutexGuard<'static, Allocator> {
    // Nothing panics while the lock is held; if something did, the heap is
    // still a valid heap, so a poisoned lock is safe to use.
    ALLOCATOR.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Gives the slot back when the thread exits.
struct Release(usize);

impl Drop for Release {
    fn drop(&mut self) {
        // Later writes from other destructors of this thread take a new slot
        // instead of writing into a row that the next owner may already use.
        LOCATION.with(|location| location.set(Location::UNASSIGNED));
        allocator().free.push(Reverse(self.0));
    }
}

thread_local! {
    /// This thread's row location, or `UNASSIGNED`. `const` and without a
    /// destructor, so reading it compiles to one load.
    static LOCATION: Cell<Location> = const { Cell::new(Location::UNASSIGNED) };
    static RELEASE: Cell<Option<Release>> = const { Cell::new(None) };
}

/// This thread's row location, assigning a slot on first use.
#[inline]
pub(crate) fn current() -> Location {
    let location = LOCATION.with(Cell::get);
    if location.bucket == usize::MAX {
        assign()
    } else {
        location
    }
}

#[cold]
#[inline(never)]
fn assign() -> Location {
    let slot = {
        let mut alloc = allocator();
        match alloc.free.pop() {
            Some(Reverse(slot)) => slot,
            None => {
                alloc.next += 1;
                alloc.next - 1
            }
        }
    };
    // If this thread's destructors are already running, the guard cannot be
    // stored and the slot is never reused: a bounded leak of one row per
    // such thread, instead of two threads sharing a row.
    let _ = RELEASE.try_with(|release| release.set(Some(Release(slot))));
    let location = Location::of(slot);
    LOCATION.with(|cell| cell.set(location));
    location
}

/// How many slots are assigned now (for tests of thread churn).
#[cfg(test)]
pub(crate) fn assigned() -> usize {
    let alloc = allocator();
    alloc.next - alloc.free.len()
}

#[cfg(test)]
mod tests {
    use super::{Location, assigned, current};

    #[test]
    fn locations_fill_buckets_in_order() {
        let locations: Vec<_> = (0..7).map(Location::of).collect();
        let expected = [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (2, 2), (2, 3)];
        for (location, (bucket, index)) in locations.iter().zip(expected) {
            assert_eq!((location.bucket, location.index), (bucket, index));
        }
        assert_eq!(Location::of(usize::MAX - 1).bucket, 63);
    }

    #[test]
    fn a_thread_keeps_its_slot_and_gives_it_back() {
        let here = current();
        assert_eq!(current(), here);
        for _ in 0..100 {
            std::thread::spawn(|| {
                let _ = current();
            })
            .join()
            .unwrap();
        }
        // Sequential threads reuse freed slots instead of growing the count;
        // other tests running in parallel hold a few more.
        assert!(assigned() < 64, "slots leak: {}", assigned());
    }
}
