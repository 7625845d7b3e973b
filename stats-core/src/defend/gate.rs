//! The write path's check of the circuit breakers (see
//! [`crate::defend::breaker`]): every write to a table goes through
//! [`write`].
//!
//! # Cost while closed
//!
//! A write goes straight through if every breaker of the process is closed:
//! one relaxed load of a count of the breakers that are not (kept by the
//! breakers' own steps), of a line no one writes while all are closed, and
//! no clock. Everything else takes the cold
//! path: the breakers' full admission (an open breaker drops the write and
//! counts it in the health table's `write_blocked`), and timing every write
//! while the table's breaker is half-open and probing.
//!
//! # Which writes are sampled
//!
//! A write whose counter crosses a multiple of [`SAMPLE_EVERY`] (1,024) is
//! sampled: one write in about 1,024 per counter, decided from the value
//! the write already has in a register, so no other write keeps any state
//! or reads a clock. A sample times the same write path again with an add
//! of 0 (the thread's row lookup and the store), by the table breaker's
//! clock, and records the latency with the table's breaker; an opening
//! counts in the health table's `breaker_trips`. Only the table's breaker
//! trips by itself; the global one is a manual switch.

use crate::defend::breaker::{Admission, Breaker};

/// A counter is sampled each time it crosses a multiple of this.
pub(crate) const SAMPLE_EVERY: u64 = 1024;

/// Whether an add that took a counter from `old` to `new` crossed a
/// multiple of [`SAMPLE_EVERY`].
#[inline]
pub(crate) fn crossed(old: u64, new: u64) -> bool {
    (old ^ new) >= SAMPLE_EVERY
}

/// Runs the write `$write` (an expression that writes and says whether it
/// crossed a sampling boundary) unless a breaker is open; `$again` repeats
/// the write's path with no effect (an add of 0), for timing. A macro
/// rather than a function taking closures, so the write is plain inline
/// code on the fast path (a closure that the cold path also takes is
/// compiled once, out of line, and called).
macro_rules! write {
    ($breaker:expr, $write:expr, $again:expr $(,)?) => {
        if $crate::defend::breaker::Breaker::all_closed() {
            if $write {
                $crate::defend::gate::sample($breaker, || {
                    let _ = $again;
                });
            }
        } else {
            $crate::defend::gate::guarded(
                $breaker,
                || $write,
                || {
                    let _ = $again;
                },
            );
        }
    };
}
pub(crate) use write;

/// Times `again` and records it with `breaker`.
#[cold]
#[inline(never)]
pub(crate) fn sample(breaker: &Breaker, again: impl FnOnce()) {
    let began = breaker.clock_now();
    again();
    record(breaker, breaker.clock_now().saturating_sub(began));
}

fn record(breaker: &Breaker, latency: std::time::Duration) {
    if breaker.record(latency).opened() {
        crate::defend::health::count(|health| health.breaker_trips().inc());
    }
}

/// A breaker is not closed: admission by both, and a half-open table
/// breaker times the write itself as a probe.
#[cold]
#[inline(never)]
pub(crate) fn guarded(breaker: &Breaker, write: impl FnOnce() -> bool, again: impl FnOnce()) {
    if crate::defend::health::counting() {
        // The health table's own writes: never blocked, never timed.
        write();
        return;
    }
    let table = breaker.admission();
    let global = Breaker::global().admission();
    if table == Admission::Block || global == Admission::Block {
        crate::defend::health::count(|health| health.write_blocked().inc());
        return;
    }
    if table == Admission::Probe {
        let began = breaker.clock_now();
        write();
        record(breaker, breaker.clock_now().saturating_sub(began));
    } else if write() {
        // Another breaker is not closed, this one is: sampled as usual.
        sample(breaker, again);
    }
}
