//! The counts of one generation of an open keyed field: one count per key
//! store entry in each of a few stripes, never one per thread.
//!
//! # Why stripes
//!
//! Per-thread count rows made a field's memory grow with every thread the
//! process ever ran at once (`capacity` words each). Here a field has at
//! most [`MAX_STRIPES`] stripes (as many as the machine runs threads at
//! once, up to that bound) plus one shared stripe, whatever the number of
//! threads, and a stripe's counts are allocated in chunks of [`CHUNK`]
//! entries on the first write to an entry of the chunk: a first write
//! allocates at most `CHUNK * 8` bytes.
//!
//! # Writing without a locked add
//!
//! A writer holds one *owned* stripe while it counts: it takes the stripe's
//! guard with one compare-and-swap (0 to 1), adds to its count with a plain
//! load and a release store, as a thread adds to its own row of a table,
//! and gives the guard back with a release store. Each thread starts from
//! its own stripe (a per-thread hint), so threads rarely meet. A writer
//! that finds every owned stripe held (more writers inside the field than
//! stripes, or a writer preempted while it holds one) never waits: it goes
//! to the *shared* stripe, whose guard counts the writers inside and whose
//! counts take an atomic add. The write path is lock-free.
//!
//! # Waiting for writers
//!
//! [`Counts::wait_for_writers`] is how a clear knows no writer is still
//! inside a retired generation (see [`crate::keyed::open`]): it takes and
//! gives back every owned stripe's guard, and waits until the shared
//! guard reads 0. Every access to a guard is a read-modify-write, or a
//! release store by its holder, so the clear and each writer meet in the
//! guard's modification order: a writer that took the guard before the
//! clear did is done, and its counts visible, when the clear gets it; a
//! writer that takes it after synchronises with the clear and sees what
//! the clear did before.

use crate::sync::{AtomicU64, Ordering};
use crossbeam_utils::CachePadded;
use std::cell::Cell;
use std::sync::OnceLock;

/// The most owned stripes a field has.
pub const MAX_STRIPES: usize = 8;

/// Entries per chunk of a stripe's counts: 512 bytes.
pub const CHUNK: usize = 64;

/// What one chunk costs: its counts and its index in the stripe's table.
/// The index is 16 bytes on 64-bit targets; the bound keeps 24, the figure
/// the derive's limit and the docs were set with.
pub(crate) const CHUNK_BYTES: usize = CHUNK * 8 + 24;
const _: () = assert!(size_of::<OnceLock<Chunk>>() <= 24);

/// One chunk of counts: a fixed size, so indexing it needs no length.
type Chunk = Box<[AtomicU64; CHUNK]>;

/// What one stripe costs apart from its chunks.
pub(crate) const STRIPE_BYTES: usize = size_of::<Stripe>();

/// One stripe: a guard and `ceil(capacity / CHUNK)` chunks of counts.
struct Stripe {
    /// Owned stripes: 1 while a writer (or a clear) holds it, else 0. The
    /// shared stripe: how many writers are inside.
    guard: CachePadded<AtomicU64>,
    chunks: Box<[OnceLock<Chunk>]>,
}

impl Stripe {
    fn new(capacity: usize) -> Self {
        let stripe = Self {
            guard: CachePadded::new(AtomicU64::new(0)),
            chunks: (0..capacity.div_ceil(CHUNK))
                .map(|_| OnceLock::new())
                .collect(),
        };
        // Loom cannot see the synchronisation inside std's `OnceLock`, so
        // under loom every chunk exists before any model thread starts.
        #[cfg(stats_loom)]
        for entry in (0..capacity).step_by(CHUNK) {
            let _ = stripe.count(entry);
        }
        stripe
    }

    /// The count of `entry`, allocating its chunk.
    #[inline]
    fn count(&self, entry: usize) -> &AtomicU64 {
        let chunk = self.chunks[entry / CHUNK]
            .get_or_init(|| Box::new(std::array::from_fn(|_| AtomicU64::new(0))));
        &chunk[entry % CHUNK]
    }

    /// The count of `entry` if its chunk exists.
    fn loaded(&self, entry: usize) -> u64 {
        self.chunks[entry / CHUNK]
            .get()
            .map_or(0, |chunk| chunk[entry % CHUNK].load(Ordering::Acquire))
    }

    fn allocated_chunks(&self) -> usize {
        self.chunks
            .iter()
            .filter(|chunk| chunk.get().is_some())
            .count()
    }
}

/// A stripe a writer is inside of.
pub(crate) struct Held<'a> {
    stripe: &'a Stripe,
    shared: bool,
}

impl Held<'_> {
    /// Adds `n` to `entry`'s count in this stripe.
    #[inline]
    /// Returns whether the count crossed a sampling boundary (see
    /// [`crate::defend::gate`]).
    pub(crate) fn add(&self, entry: usize, n: u64) -> bool {
        let count = self.stripe.count(entry);
        let old = if self.shared {
            count.fetch_add(n, Ordering::Release)
        } else {
            // The guard makes this thread the stripe's one writer.
            let old = count.load(Ordering::Relaxed);
            count.store(old.wrapping_add(n), Ordering::Release);
            old
        };
        crate::defend::gate::crossed(old, old.wrapping_add(n))
    }
}

/// The counts of one generation: owned stripes and the shared one.
pub(crate) struct Counts {
    owned: Box<[Stripe]>,
    /// `owned.len() - 1`: the owned stripes are a power of two.
    mask: usize,
    shared: Stripe,
}

impl Counts {
    /// Counts for `capacity` entries in `stripes` owned stripes (at most
    /// [`MAX_STRIPES`]). Allocates only the stripes' tables of chunks.
    pub(crate) fn with_stripes(capacity: usize, stripes: usize) -> Self {
        let stripes = prev_power_of_two(stripes.clamp(1, MAX_STRIPES));
        Self {
            owned: (0..stripes).map(|_| Stripe::new(capacity)).collect(),
            mask: stripes - 1,
            shared: Stripe::new(capacity),
        }
    }

    /// Enters a stripe, starting from stripe `hint`: the first owned
    /// stripe whose guard is free, or else the shared one. Never waits.
    #[inline]
    pub(crate) fn enter(&self, hint: usize) -> Held<'_> {
        // The hinted stripe first, inline: it is free unless more writers
        // than stripes are inside the field.
        match self.try_own(hint) {
            Some(held) => held,
            None => self.enter_elsewhere(hint),
        }
    }

    /// Takes owned stripe `index` (modulo their number) if it is free.
    #[inline]
    fn try_own(&self, index: usize) -> Option<Held<'_>> {
        let stripe = &self.owned[index & self.mask];
        stripe
            .guard
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
            .then_some(Held {
                stripe,
                shared: false,
            })
    }

    /// The hinted stripe was held: the other owned stripes, then the
    /// shared one.
    #[cold]
    #[inline(never)]
    fn enter_elsewhere(&self, hint: usize) -> Held<'_> {
        (1..=self.mask)
            .find_map(|step| self.try_own(hint.wrapping_add(step)))
            .unwrap_or_else(|| self.enter_shared())
    }

    fn enter_shared(&self) -> Held<'_> {
        self.shared.guard.fetch_add(1, Ordering::Acquire);
        Held {
            stripe: &self.shared,
            shared: true,
        }
    }

    /// Leaves the stripe: the counts added are visible to whoever enters
    /// it, or waits for it, next.
    #[inline]
    pub(crate) fn leave(&self, held: Held<'_>) {
        if held.shared {
            held.stripe.guard.fetch_sub(1, Ordering::Release);
        } else {
            held.stripe.guard.store(0, Ordering::Release);
        }
    }

    /// Whether no writer that entered before this call is still inside;
    /// holds every owned stripe it could take for an instant. A writer that
    /// enters after it sees what the caller did before it.
    #[cfg(test)]
    pub(crate) fn try_quiesce(&self) -> bool {
        let owned_free = self.owned.iter().all(|stripe| {
            let taken = stripe
                .guard
                .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
            if taken {
                stripe.guard.store(0, Ordering::Release);
            }
            taken
        });
        // A read-modify-write that changes nothing reads the latest count
        // and continues every writer's release sequence.
        owned_free && self.shared.guard.fetch_add(0, Ordering::AcqRel) == 0
    }

    /// Waits until no writer is inside: each owned stripe taken once, and
    /// the shared stripe empty. Writers that enter meanwhile see the
    /// caller's earlier writes (see the module docs).
    pub(crate) fn wait_for_writers(&self) {
        let backoff = crossbeam_utils::Backoff::new();
        for stripe in &*self.owned {
            while stripe
                .guard
                .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                crate::sync::snooze(&backoff);
            }
            stripe.guard.store(0, Ordering::Release);
        }
        while self.shared.guard.fetch_add(0, Ordering::AcqRel) != 0 {
            crate::sync::snooze(&backoff);
        }
    }

    /// `entry`'s count over every stripe.
    pub(crate) fn sum(&self, entry: usize) -> u64 {
        self.owned
            .iter()
            .chain(std::iter::once(&self.shared))
            .fold(0u64, |sum, stripe| sum.wrapping_add(stripe.loaded(entry)))
    }

    /// Adds every stripe's counts of entries `0..out.len()` to `out`,
    /// chunk by chunk (acquire loads, as [`Self::sum`]).
    pub(crate) fn sum_into(&self, out: &mut [u64]) {
        for stripe in self.owned.iter().chain(std::iter::once(&self.shared)) {
            for (chunk, sums) in stripe.chunks.iter().zip(out.chunks_mut(CHUNK)) {
                if let Some(counts) = chunk.get() {
                    for (sum, count) in sums.iter_mut().zip(counts.iter()) {
                        *sum = sum.wrapping_add(count.load(Ordering::Acquire));
                    }
                }
            }
        }
    }

    /// Zeroes the counts of entries `0..entries`, with release stores so a
    /// reader that sees a zero also sees what retired the generation. Only
    /// while no writer is inside.
    pub(crate) fn zero(&self, entries: usize) {
        for stripe in self.owned.iter().chain(std::iter::once(&self.shared)) {
            for chunk in stripe.chunks.iter().take(entries.div_ceil(CHUNK)) {
                if let Some(counts) = chunk.get() {
                    for count in counts.iter() {
                        count.store(0, Ordering::Release);
                    }
                }
            }
        }
    }

    /// The bytes the counts take now.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.owned
            .iter()
            .chain(std::iter::once(&self.shared))
            .map(|stripe| {
                size_of::<Stripe>()
                    + size_of_val(&*stripe.chunks)
                    + stripe.allocated_chunks() * CHUNK * 8
            })
            .sum()
    }
}

/// The largest power of two at most `n` (`n >= 1`).
const fn prev_power_of_two(n: usize) -> usize {
    1 << (usize::BITS - 1 - n.leading_zeros())
}

/// How many owned stripes a field gets: the threads this machine runs at
/// once, at most [`MAX_STRIPES`], rounded down to a power of two.
#[cfg(not(stats_loom))]
pub(crate) fn stripe_count() -> usize {
    static STRIPES: OnceLock<usize> = OnceLock::new();
    *STRIPES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(MAX_STRIPES)
    })
}

/// Under loom, two stripes, so models are the same on every machine.
#[cfg(stats_loom)]
pub(crate) fn stripe_count() -> usize {
    2
}

/// This thread's first stripe to try: threads take turns, so the threads
/// alive at once spread over the stripes.
#[inline]
pub(crate) fn stripe_hint() -> usize {
    thread_local! {
        // `const` and without a destructor: usable from any destructor.
        static HINT: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    HINT.with(|hint| {
        let mut value = hint.get();
        if value == usize::MAX {
            // A plain std atomic, under loom too: the hint is not a part of
            // any protocol.
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            value = NEXT.fetch_add(1, Ordering::Relaxed) % MAX_STRIPES;
            hint.set(value);
        }
        value
    })
}

#[cfg(all(test, not(stats_loom)))]
mod tests {
    use super::{CHUNK, Counts};

    #[test]
    fn stripes_count_apart_and_sum() {
        let counts = Counts::with_stripes(100, 2);
        let first = counts.enter(0);
        // Stripe 0 is held: the next writer takes stripe 1, then the shared one.
        let second = counts.enter(0);
        let third = counts.enter(0);
        assert!(!first.shared && !second.shared && third.shared);
        first.add(3, 1);
        second.add(3, 2);
        third.add(3, 4);
        third.add(99, 1);
        assert!(!counts.try_quiesce());
        counts.leave(first);
        counts.leave(second);
        counts.leave(third);
        assert!(counts.try_quiesce());
        assert_eq!((counts.sum(3), counts.sum(99), counts.sum(4)), (7, 1, 0));
        counts.zero(100);
        assert_eq!(counts.sum(3), 0);
    }

    #[test]
    fn chunks_are_allocated_on_first_write() {
        let counts = Counts::with_stripes(10 * CHUNK, 1);
        let empty = counts.memory_bytes();
        let held = counts.enter(0);
        held.add(5 * CHUNK, 1);
        counts.leave(held);
        assert_eq!(counts.memory_bytes(), empty + CHUNK * 8);
    }
}
