//! What the bench binaries share.

use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Runs `work(thread_index)` on `threads` threads started together on a
/// barrier, and returns the wall time from the common start to the last
/// finish.
pub fn timed_round(threads: usize, work: &(dyn Fn(usize) + Sync)) -> Duration {
    let barrier = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    work(t);
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        for handle in handles {
            handle.join().expect("bench thread panicked");
        }
        start.elapsed()
    })
}
