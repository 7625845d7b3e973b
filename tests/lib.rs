//! Cross-crate tests of the stats workspace; the tests are the `[[test]]` targets.
//! What several of them share lives here.

/// A counting allocator for the tests that measure memory: the only
/// `unsafe` in the workspace outside dependencies (the tests package denies
/// `unsafe_code` instead of forbidding it for this module's sake). A test
/// binary installs it with
/// `#[global_allocator] static ALLOCATOR: Counting = Counting;`.
#[allow(unsafe_code)]
pub mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    /// Forwards to the system allocator and counts what the measured thread
    /// allocates and frees.
    pub struct Counting;

    static CURRENT: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);
    static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

    thread_local! {
        /// Whether this thread's allocations are counted. `const`, `Copy`
        /// and without a destructor: reading it never allocates.
        static MEASURED: Cell<bool> = const { Cell::new(false) };
    }

    fn measured() -> bool {
        MEASURED.try_with(Cell::get).unwrap_or(false)
    }

    fn grew(bytes: usize) {
        if measured() {
            let now = CURRENT
                .fetch_add(bytes, Ordering::Relaxed)
                .wrapping_add(bytes);
            PEAK.fetch_max(now, Ordering::Relaxed);
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn shrank(bytes: usize) {
        if measured() {
            CURRENT.fetch_sub(bytes, Ordering::Relaxed);
        }
    }

    // SAFETY: every method forwards to `System` with the arguments it was
    // given, so `System` upholds the `GlobalAlloc` contract; the counting
    // touches only atomics and a const thread-local, and never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract for `layout` is `System`'s.
            let ptr = unsafe { System.alloc(layout) };
            if !ptr.is_null() {
                grew(layout.size());
            }
            ptr
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: as for `alloc`.
            let ptr = unsafe { System.alloc_zeroed(layout) };
            if !ptr.is_null() {
                grew(layout.size());
            }
            ptr
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: `ptr` came from `System` with `layout` (every
            // allocation of this allocator does).
            unsafe { System.dealloc(ptr, layout) };
            shrank(layout.size());
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: as for `dealloc`, and the caller's contract for
            // `new_size` is `System`'s.
            let new = unsafe { System.realloc(ptr, layout, new_size) };
            if !new.is_null() {
                shrank(layout.size());
                grew(new_size);
            }
            new
        }
    }

    /// What the measured thread holds and has held since [`start`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Usage {
        /// Bytes allocated minus bytes freed.
        pub net: usize,
        /// The largest `net` seen.
        pub peak: usize,
        /// Allocations (and reallocations) made.
        pub allocations: u64,
    }

    /// Starts counting this thread's allocations from zero.
    pub fn start() {
        MEASURED.with(|m| m.set(false));
        CURRENT.store(0, Ordering::Relaxed);
        PEAK.store(0, Ordering::Relaxed);
        ALLOCATIONS.store(0, Ordering::Relaxed);
        MEASURED.with(|m| m.set(true));
    }

    /// The usage since [`start`].
    pub fn usage() -> Usage {
        Usage {
            net: CURRENT.load(Ordering::Relaxed),
            peak: PEAK.load(Ordering::Relaxed),
            allocations: ALLOCATIONS.load(Ordering::Relaxed),
        }
    }

    /// Stops counting this thread's allocations.
    pub fn stop() {
        MEASURED.with(|m| m.set(false));
    }

    /// Runs `f` with this thread's allocations counted from zero; returns
    /// its result, the net bytes it allocated (negative if it freed more
    /// than it allocated) and the number of allocations. One measurement at
    /// a time per process.
    #[allow(clippy::cast_possible_wrap)] // the wrapped net is the signed net
    pub fn measure<R>(f: impl FnOnce() -> R) -> (R, isize, u64) {
        start();
        let result = f();
        stop();
        let usage = usage();
        (result, usage.net as isize, usage.allocations)
    }
}
