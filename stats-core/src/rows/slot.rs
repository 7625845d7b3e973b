//! Small, dense numbers for the threads alive now, reused after a thread
//! exits: the index of a thread's row in every table.
//!
//! A thread gets the smallest free slot on its first write to any table and
//! gives it back when it exits (a thread-local guard's destructor). Slots are
//! handed over under one mutex, so the next owner of a slot sees every value
//! the previous owner stored in that slot's rows.
//!
//! # Writes from thread-local destructors
//!
//! Thread-local destructors run one after another when a thread exits, and
//! one of them may write to a table after the guard has given the slot back
//! (a thread-local that flushes a metric on drop, registered before the
//! guard). Such a thread is *exiting*: it never takes a slot of its own
//! again, since nothing would give it back. Each of its writes instead
//! borrows a free slot for the length of that one write, under the same
//! mutex that hands slots to new threads, and returns it at once: a slow
//! path (a lock per write) that only dying threads take, and that keeps the
//! number of slots, and so of rows, bounded by the threads alive at once.
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

/// Buckets at or above this number mark a thread without a slot of its own.
const NO_SLOT: usize = usize::MAX - 1;

impl Location {
    /// The thread has not written yet.
    const UNASSIGNED: Self = Self {
        bucket: usize::MAX,
        index: 0,
    };

    /// The thread gave its slot back: its destructors are running.
    const EXITING: Self = Self {
        bucket: NO_SLOT,
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

impl Allocator {
    fn take(&mut self) -> usize {
        match self.free.pop() {
            Some(Reverse(slot)) => slot,
            None => {
                self.next += 1;
                self.next - 1
            }
        }
    }

    fn give_back(&mut self, slot: usize) {
        self.free.push(Reverse(slot));
    }
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
        // Later writes from other destructors of this thread borrow a slot
        // per write instead of writing into a row that the next owner of
        // this slot may already use.
        LOCATION.with(|location| location.set(Location::EXITING));
        allocator().give_back(self.0);
    }
}

thread_local! {
    /// This thread's row location, `UNASSIGNED` or `EXITING`. `const` and
    /// without a destructor, so reading it compiles to one load and it is
    /// readable from any other thread-local's destructor.
    static LOCATION: Cell<Location> = const { Cell::new(Location::UNASSIGNED) };
    static RELEASE: Cell<Option<Release>> = const { Cell::new(None) };
}

/// Runs `write` with the calling thread's row location: the thread's own
/// slot, assigned on its first write, or, for a thread whose destructors
/// are running, a slot lent for this one call.
///
/// `write` is only ever called here, inline, and never handed to an
/// out-of-line function: a closure passed to one must exist in memory, and
/// what it captures (a write's word index and amount) would then be stored
/// to the stack and loaded back on every write.
#[inline(always)]
pub(crate) fn with_current<R>(write: impl FnOnce(Location) -> R) -> R {
    let location = LOCATION.with(Cell::get);
    if location.bucket < NO_SLOT {
        write(location)
    } else {
        let lent = Lent::take(location);
        write(lent.location)
    }
}

/// The location of a thread without a slot of its own yet, or exiting: a
/// slot lent for one write (given back when this is dropped).
struct Lent {
    location: Location,
    slot: Option<usize>,
}

impl Lent {
    #[cold]
    #[inline(never)]
    fn take(location: Location) -> Self {
        if location == Location::UNASSIGNED
            && let Some(location) = assign()
        {
            return Self {
                location,
                slot: None,
            };
        }
        // Exiting: borrow a slot. While this thread holds it no other thread
        // does, so the row keeps its one writer; the mutex orders this write
        // before the slot's next owner's.
        let slot = allocator().take();
        Self {
            location: Location::of(slot),
            slot: Some(slot),
        }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            allocator().give_back(slot);
        }
    }
}

/// Assigns this thread a slot of its own, or `None` if its thread-locals
/// are being destroyed and the guard that would give the slot back cannot
/// be stored.
fn assign() -> Option<Location> {
    let mut slot = None;
    let stored = RELEASE.try_with(|release| {
        let taken = allocator().take();
        slot = Some(taken);
        release.set(Some(Release(taken)));
    });
    if stored.is_err() {
        LOCATION.with(|cell| cell.set(Location::EXITING));
        return None;
    }
    let location = Location::of(slot?);
    LOCATION.with(|cell| cell.set(location));
    Some(location)
}

/// How many slots are assigned or lent now.
#[cfg(test)]
pub(crate) fn in_use() -> usize {
    let alloc = allocator();
    alloc.next - alloc.free.len()
}

#[cfg(test)]
mod tests {
    use super::{Location, in_use, with_current};

    #[test]
    fn locations_fill_buckets_in_order() {
        let locations: Vec<_> = (0..7).map(Location::of).collect();
        let expected = [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (2, 2), (2, 3)];
        for (location, (bucket, index)) in locations.iter().zip(expected) {
            assert_eq!((location.bucket, location.index), (bucket, index));
        }
        assert_eq!(Location::of(usize::MAX - 2).bucket, 63);
    }

    #[test]
    fn a_thread_keeps_its_slot_and_gives_it_back() {
        let here = with_current(|location| location);
        assert_eq!(with_current(|location| location), here);
        for _ in 0..100 {
            std::thread::spawn(|| with_current(|_| ())).join().unwrap();
        }
        // Sequential threads reuse freed slots instead of growing the count;
        // other tests running in parallel hold a few more.
        assert!(in_use() < 64, "slots leak: {}", in_use());
    }

    /// A thread-local registered before the guard is dropped after it; its
    /// destructor's writes borrow a slot each and give it back.
    #[test]
    fn writes_from_late_destructors_borrow_a_slot() {
        struct WritesOnDrop;
        impl Drop for WritesOnDrop {
            fn drop(&mut self) {
                for _ in 0..3 {
                    with_current(|location| assert!(location.bucket < 63));
                }
            }
        }
        thread_local! {
            static LATE: WritesOnDrop = const { WritesOnDrop };
        }
        for _ in 0..200 {
            std::thread::spawn(|| {
                LATE.with(|_| ()); // registered first, so destroyed last
                with_current(|_| ());
            })
            .join()
            .unwrap();
        }
        assert!(in_use() < 64, "slots leak: {}", in_use());
    }
}
