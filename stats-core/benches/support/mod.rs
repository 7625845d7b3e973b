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

/// The median rate, in operations a second, of `rounds` timed rounds of
/// `work` on `threads` threads, each thread doing `per_thread` operations,
/// after one round to warm up (first-touch allocation, frequency ramp).
#[allow(dead_code)] // not every bench binary uses every helper
pub fn median_rate(
    threads: usize,
    rounds: usize,
    per_thread: u64,
    work: &(dyn Fn(usize) + Sync),
) -> f64 {
    timed_round(threads, work);
    let mut rates: Vec<f64> = (0..rounds)
        .map(|_| {
            #[allow(clippy::cast_precision_loss)]
            let operations = threads as f64 * per_thread as f64;
            operations / timed_round(threads, work).as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// The number in environment variable `name`, or `default`.
#[allow(dead_code)] // not every bench binary uses every helper
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
