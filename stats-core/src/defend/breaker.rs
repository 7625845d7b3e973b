//! The circuit breaker on slow writes (layer 5 of the incident write-up):
//! the state machine, lock-free, one atomic word.
//!
//! # Why a breaker
//!
//! A write to a table never blocks and takes a few nanoseconds, so a write
//! that takes milliseconds means the process is in trouble: it is swapping,
//! page-faulting, starved of CPU, or flooded with new keys. Statistics must
//! not make that worse, so after a run of slow writes the breaker opens and
//! writes are dropped (the caller counts each one in
//! `stats_write_blocked_total`) until the process has had time to recover.
//!
//! # The state machine
//!
//! ```text
//!            trip_after consecutive slow samples
//!   Closed ───────────────────────────────────────▶ Open
//!     ▲                                              │ ▲
//!     │ probes consecutive                 cool_down │ │ one slow probe
//!     │ healthy probes                       passed  ▼ │ (a new cool-down)
//!     └──────────────────────────────────────────── HalfOpen
//!
//!   open(): Open (manual) from any state, until close()
//!   close(): Closed from any state, the runs of samples forgotten
//! ```
//!
//! * **Closed**: writes go through. One write in about 1,024 is timed (see
//!   [`crate::defend::gate`]: the other writes read no clock) and its
//!   latency handed to `record`. A sample slower than
//!   [`slow_write`](BreakerConfig::slow_write) extends the run of
//!   consecutive slow samples, a healthy one ends it, and the
//!   [`trip_after`](BreakerConfig::trip_after)-th consecutive slow sample
//!   opens the breaker: exactly then, not one sample earlier.
//! * **Open**: writes are dropped; samples recorded now (a write timed just
//!   before the breaker opened) are ignored. Once
//!   [`cool_down`](BreakerConfig::cool_down) has passed since it opened,
//!   the next check (`admits`, `probing`, [`Breaker::state`]) moves it to
//!   half-open; the move is lazy, so no timer thread is needed and no
//!   clock is read while the breaker is closed.
//! * **HalfOpen**: writes go through and every one is timed, as a probe.
//!   [`probes`](BreakerConfig::probes) consecutive healthy probes close the
//!   breaker; one slow probe opens it again, for a new cool-down that starts
//!   at that probe.
//! * **Manual**: [`Breaker::open`] opens it until [`Breaker::close`]; a
//!   manually opened breaker never half-opens by itself, since whoever
//!   switched writes off expects them to stay off. It reports
//!   [`BreakerState::Open`].
//!
//! # "Consecutive" across threads
//!
//! Samples from all threads form one sequence: the order in which their
//! atomic steps on the breaker's word happen (its modification order). Two
//! threads that each record a slow sample have recorded two consecutive slow
//! samples, whichever came first; a healthy sample from any thread ends the
//! run for every thread. That is the point: distress (swapping, starvation)
//! is a property of the process, and it shows up spread over the threads.
//! (A healthy sample that finds no run to end writes nothing; it takes its
//! place in the sequence at its load, where the run was already 0.)
//! A sample applies to the state it finds at its step: a probe that lands
//! after another probe closed the breaker counts as a closed-state sample,
//! and one that lands after the breaker reopened is ignored.
//!
//! Every transition is one successful compare-and-exchange on the word, and
//! a given word can be replaced by only one of the threads racing to
//! replace it, so the [`Transition`] values returned by `record` are exact:
//! summed over all callers, `Tripped` is the number of times the breaker
//! went from closed to open by itself, `Reopened` the number of times a
//! slow probe reopened it, `Closed` the number of times probes closed it.
//! Nothing else counts them; the caller adds them to the health table.
//!
//! # The word
//!
//! The whole state is one `AtomicU64`: the top two bits are the state
//! (closed, half-open, open, manually open), the other 62 bits the state's
//! payload: the run of consecutive slow samples (closed), the run of
//! consecutive healthy probes (half-open), or the clock reading, in
//! nanoseconds, at which it opened (open). Keeping the time it opened in the
//! same word as the state means a thread can never pair an "open" with the
//! opening time of an earlier opening. Two openings write the same word
//! only if they opened at the same moment, and then they end at the same
//! moment too, so a compare-and-exchange that takes one for the other does
//! what it would have done anyway. (62 bits of nanoseconds are 146 years of
//! process uptime.)
//!
//! All accesses are relaxed: the word publishes no other memory, and the
//! modification order of one atomic is all a state machine on it needs.
//! Every step is a read-modify-write: the transitions of `record` and of
//! the half-open check are compare-and-exchanges, and the manual switches
//! are swaps. A write that passed the check just before another thread
//! opened the breaker may still land: the breaker stops writes soon, not at
//! an instant.
//!
//! # The defaults, and why
//!
//! * `slow_write` 10 ms and `trip_after` 3: the incident write-up's figures.
//!   A write here takes nanoseconds, so 10 ms is a million times too slow:
//!   only a stalled process produces it. One such sample can be a thread
//!   that was preempted mid-write; three in a row (from any threads) is
//!   distress.
//! * one write in about 1,024 sampled (fixed by the write path, not
//!   configurable): a sample costs two clock reads (about 20 ns each
//!   through the vDSO), about 0.04 ns per write when spread over 1024
//!   writes; a counter written a million times a second is still sampled
//!   about every millisecond, so three slow samples are seen within a few
//!   milliseconds of distress.
//! * `cool_down` 1 s: long enough for a swap storm or a burst of new keys to
//!   pass, short enough that a scrape (typically every 15 s) loses at most
//!   about a second of writes to each opening.
//! * `probes` 16: the write-up had no recovery at all: once off, writes
//!   stayed off. Here a half-open breaker times every write, so 16 healthy
//!   probes take microseconds in a healthy process, while asking for more
//!   evidence to close than to open keeps a still-struggling process from
//!   flapping.
//!
//! # The cost on the hot path
//!
//! Closed: one relaxed load of the word and one comparison, no clock read.
//! The word sits on its own cache line, and a healthy sample that finds no
//! run of slow samples writes nothing, so in a healthy process the line
//! stays shared in every core's cache and the load hits L1. Half-open: the
//! same load, and the caller times every write. Open: the load and, while
//! the breaker was opened automatically, one clock read per dropped write
//! to see whether the cool-down has passed (manually open: the load only).
//!
//! The loom models at the end of this file explore every interleaving of
//! concurrent samples, manual switches and the half-open check, and assert
//! that every transition is counted exactly once.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use crate::sync::{AtomicU64, Ordering};

/// The state bits sit above the payload.
const STATE_SHIFT: u32 = 62;
/// The payload: a run length, or the time the breaker opened in nanoseconds.
const PAYLOAD: u64 = (1 << STATE_SHIFT) - 1;
/// Closed; the payload is the run of consecutive slow samples.
const CLOSED: u64 = 0;
/// Half-open; the payload is the run of consecutive healthy probes.
const HALF_OPEN: u64 = 1 << STATE_SHIFT;
/// Opened by slow samples; the payload is the time it opened, in nanoseconds.
const OPEN: u64 = 2 << STATE_SHIFT;
/// Opened by [`Breaker::open`]; the payload is 0.
const MANUAL: u64 = 3 << STATE_SHIFT;

/// The state bits of a word: one of the four constants above. Since they
/// are the top bits, `word < OPEN` is "writes go through".
#[inline]
const fn state_of(word: u64) -> u64 {
    word & !PAYLOAD
}

/// A duration in nanoseconds, saturating at what the payload holds.
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).map_or(PAYLOAD, |nanos| nanos.min(PAYLOAD))
}

/// Where a circuit breaker is: see [`Breaker`] for the state machine.
///
/// The discriminants are the values of the `stats_breaker_state` gauge:
/// `BreakerState::HalfOpen as i64 == 2`.
///
/// # Examples
///
/// ```
/// use stats_core::{Breaker, BreakerState};
///
/// let breaker = Breaker::new();
/// assert_eq!(breaker.state(), BreakerState::Closed);
/// breaker.open();
/// assert_eq!(breaker.state(), BreakerState::Open);
/// assert_eq!(BreakerState::Open as i64, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Writes go through; one write in about 1,024 is timed.
    Closed = 0,
    /// Writes are dropped (and counted in `stats_write_blocked_total`):
    /// opened by slow writes until the cool-down passes, or by
    /// [`Breaker::open`] until [`Breaker::close`].
    Open = 1,
    /// The cool-down has passed: writes go through and every one is timed,
    /// as a probe. Healthy probes close the breaker, a slow one reopens it.
    HalfOpen = 2,
}

/// When a [`Breaker`] opens and when it recovers. The defaults are the
/// incident write-up's (3 consecutive writes slower than 10 ms open it),
/// plus a recovery that the write-up lacked (half-open after 1 s, closed
/// again by 16 healthy probes).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use stats_core::{Breaker, BreakerConfig};
///
/// let config = BreakerConfig {
///     slow_write: Duration::from_millis(50),
///     cool_down: Duration::from_secs(5),
///     ..BreakerConfig::default()
/// };
/// let breaker = Breaker::with_config(config);
/// assert_eq!(breaker.config().trip_after, 3);
/// assert_eq!(breaker.config().cool_down, Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// A timed write slower than this (strictly) is slow. Default 10 ms.
    pub slow_write: Duration,
    /// How many consecutive slow samples, from all threads together, open
    /// the breaker. Default 3; 0 behaves as 1.
    pub trip_after: u32,
    /// How long the breaker stays open before it half-opens. Default 1 s.
    pub cool_down: Duration,
    /// How many consecutive healthy probes close a half-open breaker.
    /// Default 16; 0 behaves as 1.
    pub probes: u32,
}

impl BreakerConfig {
    /// The defaults: 3 consecutive sampled writes over 10 ms open the
    /// breaker, one write in 1,024 is sampled, a cool-down of 1 s, and 16
    /// healthy probes close it.
    pub const DEFAULT: Self = Self {
        slow_write: Duration::from_millis(10),
        trip_after: 3,
        cool_down: Duration::from_secs(1),
        probes: 16,
    };
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A monotonic clock: the time since some fixed origin. The breaker reads
/// it only to stamp an opening and, while it is open, to see whether the
/// cool-down has passed. Inject one with [`Breaker::with_clock`] to drive
/// time by hand in tests.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::time::Duration;
/// use stats_core::{Breaker, BreakerConfig, Clock};
///
/// /// Time that moves only when the test says so.
/// #[derive(Default)]
/// struct ManualClock(AtomicU64);
///
/// impl Clock for ManualClock {
///     fn now(&self) -> Duration {
///         Duration::from_nanos(self.0.load(Ordering::Relaxed))
///     }
/// }
///
/// let clock = Arc::new(ManualClock::default());
/// let breaker = Breaker::with_clock(BreakerConfig::default(), clock.clone());
/// clock.0.store(5_000_000_000, Ordering::Relaxed); // five seconds later
/// assert_eq!(clock.now(), Duration::from_secs(5));
/// # let _ = breaker;
/// ```
pub trait Clock: Send + Sync + 'static {
    /// The time since this clock's origin. It must never go backwards.
    fn now(&self) -> Duration;
}

/// The real clock: [`Instant`] measured from a process-wide origin (the
/// first time any breaker read it).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}

/// What a recorded sample did to the breaker, so the caller can count it.
/// Summed over all callers these are exact: each is one atomic step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub(crate) enum Transition {
    /// No change of state (a run grew or ended, or the sample was ignored).
    None,
    /// Closed to open: this was the `trip_after`-th consecutive slow sample.
    Tripped,
    /// Half-open to open: a slow probe; a new cool-down starts.
    Reopened,
    /// Half-open to closed: the `probes`-th consecutive healthy probe.
    Closed,
}

impl Transition {
    /// Whether the breaker opened by itself (tripped or reopened): what the
    /// health table's `breaker_trips` counts.
    pub(crate) fn opened(self) -> bool {
        matches!(self, Self::Tripped | Self::Reopened)
    }
}

/// What the hot path does with one write: [`Breaker::admission`] in one load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// The breaker is closed: write, and time the write if the thread's
    /// countdown says so.
    Write,
    /// The breaker is half-open: write, and time the write as a probe.
    Probe,
    /// The breaker is open: drop the write and count it as blocked.
    Block,
}

/// A circuit breaker on slow writes: lock-free, one atomic word on its own
/// cache line. Every table has one (`table.breaker()`), and
/// [`Breaker::global`] guards all tables; a write goes through only if both
/// admit it.
///
/// # The state machine
///
/// * **Closed**: writes go through, and one write in about 1,024 is timed.
///   A run of
///   [`trip_after`](BreakerConfig::trip_after) consecutive samples slower
///   than [`slow_write`](BreakerConfig::slow_write) opens the breaker.
///   Samples from all threads form one sequence: two threads' slow samples
///   are two consecutive slow samples, and a healthy sample from any thread
///   ends the run.
/// * **Open**: writes are dropped and counted in
///   `stats_write_blocked_total`. After
///   [`cool_down`](BreakerConfig::cool_down) the breaker half-opens.
/// * **HalfOpen**: writes go through and every one is timed, as a probe.
///   [`probes`](BreakerConfig::probes) consecutive healthy probes close the
///   breaker; one slow probe opens it again, for a new cool-down.
/// * **By hand**: [`open`](Self::open) switches writes off until
///   [`close`](Self::close), with no half-open in between.
///
/// While the breaker is closed, the check a write makes costs one relaxed
/// atomic load, and no clock is read except on the sampled writes.
///
/// # Examples
///
/// ```
/// use stats_core::{Breaker, BreakerState};
///
/// let breaker = Breaker::new();
/// assert_eq!(breaker.state(), BreakerState::Closed);
///
/// // The manual switch: writes stay off until `close()`.
/// breaker.open();
/// assert_eq!(breaker.state(), BreakerState::Open);
/// breaker.close();
/// assert_eq!(breaker.state(), BreakerState::Closed);
/// ```
pub struct Breaker {
    /// The state and its payload; see the module docs' "The word".
    word: CachePadded<AtomicU64>,
    config: BreakerConfig,
    /// `None`: the system clock, so the global breaker can be a `static`
    /// that the write path reads without a lazy initialisation check.
    clock: Option<Arc<dyn Clock>>,
    /// Whether it guards table writes, and so counts in [`NOT_CLOSED`]; an
    /// archive sink's breaker does not, so an open one costs writers
    /// nothing.
    guards_writes: bool,
}

/// How many breakers of the process are not closed (open or half-open):
/// moved right after each step that leaves or enters the closed state, so
/// the write path needs one load to know that every breaker is closed. A
/// write that races a breaker's opening may still go through, as it may
/// with any check made before the write.
static NOT_CLOSED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn not_closed_changed(by: isize) {
    if by > 0 {
        NOT_CLOSED.fetch_add(by.unsigned_abs(), Ordering::Relaxed);
    } else {
        NOT_CLOSED.fetch_sub(by.unsigned_abs(), Ordering::Relaxed);
    }
}

impl Drop for Breaker {
    fn drop(&mut self) {
        // A table dropped with its breaker open leaves the count as it
        // found it.
        if state_of(self.word.load(Ordering::Relaxed)) != CLOSED {
            self.not_closed_changed(-1);
        }
    }
}

impl Breaker {
    /// A closed breaker with the default configuration and the system clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use stats_core::{Breaker, BreakerConfig, BreakerState};
    ///
    /// let breaker = Breaker::new();
    /// assert_eq!(breaker.state(), BreakerState::Closed);
    /// assert_eq!(breaker.config(), BreakerConfig::default());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::with_config(BreakerConfig::default())
    }

    /// A closed breaker with `config` and the system clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use stats_core::{Breaker, BreakerConfig};
    ///
    /// let breaker = Breaker::with_config(BreakerConfig {
    ///     trip_after: 5,
    ///     ..BreakerConfig::default()
    /// });
    /// assert_eq!(breaker.config().trip_after, 5);
    /// assert_eq!(breaker.config().slow_write, Duration::from_millis(10));
    /// ```
    #[must_use]
    pub fn with_config(config: BreakerConfig) -> Self {
        Self {
            word: CachePadded::new(AtomicU64::new(CLOSED)),
            config,
            clock: None,
            guards_writes: true,
        }
    }

    /// A closed breaker with `config` that reads time from `clock`, so that
    /// tests can move time by hand and check the cool-down exactly.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::time::Duration;
    /// use stats_core::{Breaker, BreakerConfig, BreakerState, Clock};
    ///
    /// #[derive(Default)]
    /// struct ManualClock(AtomicU64);
    ///
    /// impl Clock for ManualClock {
    ///     fn now(&self) -> Duration {
    ///         Duration::from_nanos(self.0.load(Ordering::Relaxed))
    ///     }
    /// }
    ///
    /// let clock = Arc::new(ManualClock::default());
    /// let breaker = Breaker::with_clock(BreakerConfig::default(), clock.clone());
    ///
    /// // A manual opening ignores the cool-down: still open an hour later.
    /// breaker.open();
    /// clock.0.store(3_600_000_000_000, Ordering::Relaxed);
    /// assert_eq!(breaker.state(), BreakerState::Open);
    /// breaker.close();
    /// assert_eq!(breaker.state(), BreakerState::Closed);
    /// ```
    #[must_use]
    pub fn with_clock(config: BreakerConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            word: CachePadded::new(AtomicU64::new(CLOSED)),
            config,
            clock: Some(clock),
            guards_writes: true,
        }
    }

    /// A breaker that guards something other than table writes (an
    /// archive sink): writers' one check ignores it.
    pub(crate) fn detached(config: BreakerConfig) -> Self {
        Self {
            word: CachePadded::new(AtomicU64::new(CLOSED)),
            config,
            clock: None,
            guards_writes: false,
        }
    }

    /// Moves the count of breakers that are not closed, if this one
    /// guards writes.
    fn not_closed_changed(&self, by: isize) {
        if self.guards_writes {
            not_closed_changed(by);
        }
    }

    /// The process-wide breaker, with the default configuration: it guards
    /// the writes of every table, on top of each table's own breaker.
    ///
    /// # Examples
    ///
    /// ```
    /// use stats_core::{Breaker, BreakerState};
    ///
    /// // Switch every table's writes off, for example during a failover...
    /// Breaker::global().open();
    /// assert_eq!(Breaker::global().state(), BreakerState::Open);
    /// // ...and on again.
    /// Breaker::global().close();
    /// assert_eq!(Breaker::global().state(), BreakerState::Closed);
    /// ```
    #[cfg(not(stats_loom))]
    #[must_use]
    pub fn global() -> &'static Self {
        static GLOBAL: Breaker = Breaker {
            word: CachePadded::new(AtomicU64::new(CLOSED)),
            config: BreakerConfig::DEFAULT,
            clock: None,
            guards_writes: true,
        };
        &GLOBAL
    }

    /// The process-wide breaker. Under loom, whose atomics cannot outlive
    /// one model, one per model execution.
    #[cfg(stats_loom)]
    #[must_use]
    pub fn global() -> &'static Self {
        loom::lazy_static! {
            static ref GLOBAL: Breaker = Breaker::new();
        }
        &GLOBAL
    }

    /// Opens the breaker by hand, from any state: writes are dropped until
    /// [`close`](Self::close). A manual opening never half-opens by itself,
    /// whatever the cool-down, and samples recorded meanwhile are ignored;
    /// it replaces an automatic opening in progress.
    ///
    /// # Examples
    ///
    /// ```
    /// use stats_core::{Breaker, BreakerState};
    ///
    /// let breaker = Breaker::new();
    /// breaker.open();
    /// breaker.open(); // idempotent
    /// assert_eq!(breaker.state(), BreakerState::Open);
    /// ```
    pub fn open(&self) {
        // A swap, not a store: every step on the word is a read-modify-write,
        // so each one reads the step before it. (A plain store would be as
        // correct, but loom 0.7 can let a store land between the read and
        // the write of a racing compare-and-exchange, tokio-rs/loom#254, and
        // report histories no machine produces.)
        let before = self.word.swap(MANUAL, Ordering::Relaxed);
        if state_of(before) == CLOSED {
            self.not_closed_changed(1);
        }
    }

    /// Closes the breaker by hand, from any state, and forgets any run of
    /// slow samples or healthy probes: after it, `trip_after` new
    /// consecutive slow samples are needed to open it again.
    ///
    /// # Examples
    ///
    /// ```
    /// use stats_core::{Breaker, BreakerState};
    ///
    /// let breaker = Breaker::new();
    /// breaker.open();
    /// breaker.close();
    /// assert_eq!(breaker.state(), BreakerState::Closed);
    /// ```
    pub fn close(&self) {
        // A swap, as in `open`.
        let before = self.word.swap(CLOSED, Ordering::Relaxed);
        if state_of(before) != CLOSED {
            self.not_closed_changed(-1);
        }
    }

    /// The breaker's state now. An automatic opening whose cool-down has
    /// passed half-opens here, as it does on the writers' next check, so
    /// what this reports is what the next write finds (barring other
    /// threads' steps in between).
    ///
    /// # Examples
    ///
    /// ```
    /// use stats_core::{Breaker, BreakerState};
    ///
    /// let breaker = Breaker::new();
    /// assert_eq!(breaker.state(), BreakerState::Closed);
    /// ```
    #[must_use]
    pub fn state(&self) -> BreakerState {
        match state_of(self.current()) {
            CLOSED => BreakerState::Closed,
            HALF_OPEN => BreakerState::HalfOpen,
            _ => BreakerState::Open,
        }
    }

    /// The configuration the breaker was built with.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use stats_core::Breaker;
    ///
    /// let config = Breaker::new().config();
    /// assert_eq!(config.slow_write, Duration::from_millis(10));
    /// assert_eq!((config.trip_after, config.probes), (3, 16));
    /// assert_eq!(config.cool_down, Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn config(&self) -> BreakerConfig {
        self.config
    }

    /// The hot-path check: whether a write may go through now. Closed or
    /// half-open: one relaxed load and a comparison, no clock read. Open
    /// automatically: a clock read too, and if the cool-down has passed, the
    /// breaker half-opens and the write goes through (as a probe).
    #[cfg(test)]
    pub(crate) fn admits(&self) -> bool {
        let word = self.word.load(Ordering::Relaxed);
        word < OPEN || self.refresh(word) < OPEN
    }

    /// Whether every write should be timed (half-open: each write is a
    /// probe) rather than one in about 1,024. Half-opens an automatic
    /// opening whose cool-down has passed, as [`admits`](Self::admits) does.
    #[cfg(test)]
    pub(crate) fn probing(&self) -> bool {
        state_of(self.current()) == HALF_OPEN
    }

    /// The time by the breaker's clock.
    fn now_duration(&self) -> Duration {
        match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        }
    }

    /// The breaker's clock: what a sampled write is timed with.
    pub(crate) fn clock_now(&self) -> Duration {
        self.now_duration()
    }

    /// [`admits`](Self::admits) and [`probing`](Self::probing) in one load:
    /// the form for a hot path that checks both.
    #[inline]
    pub(crate) fn admission(&self) -> Admission {
        let word = self.word.load(Ordering::Relaxed);
        let word = if word < OPEN {
            word
        } else {
            self.refresh(word)
        };
        match state_of(word) {
            CLOSED => Admission::Write,
            HALF_OPEN => Admission::Probe,
            _ => Admission::Block,
        }
    }

    /// Records one timed write's latency, from any thread, and returns what
    /// it did (see the module docs' "Consecutive across threads").
    ///
    /// * Closed: a slow sample extends the run of consecutive slow samples
    ///   and the `trip_after`-th opens the breaker ([`Transition::Tripped`]);
    ///   a healthy sample ends the run.
    /// * Half-open: a slow probe reopens it for a new cool-down
    ///   ([`Transition::Reopened`]); the `probes`-th consecutive healthy
    ///   probe closes it ([`Transition::Closed`]).
    /// * Open (automatically or by hand): ignored.
    pub(crate) fn record(&self, latency: Duration) -> Transition {
        self.record_outcome(latency > self.config.slow_write)
    }

    /// [`Self::record`] of a sample already judged: `slow` or healthy (an
    /// archive sink's error is slow whatever its latency).
    pub(crate) fn record_outcome(&self, slow: bool) -> Transition {
        let trip_after = u64::from(self.config.trip_after);
        let probes = u64::from(self.config.probes);
        // Read only when this sample would open the breaker.
        let mut opened_at = None;
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            let run = word & PAYLOAD;
            let (next, transition) = match state_of(word) {
                // A healthy sample with no run to end changes nothing, and
                // writes nothing: the cache line stays shared.
                CLOSED if !slow && run == 0 => return Transition::None,
                CLOSED if !slow => (CLOSED, Transition::None),
                CLOSED if run + 1 >= trip_after => (
                    OPEN | *opened_at.get_or_insert_with(|| self.now()),
                    Transition::Tripped,
                ),
                CLOSED => (CLOSED | (run + 1), Transition::None),
                HALF_OPEN if slow => (
                    OPEN | *opened_at.get_or_insert_with(|| self.now()),
                    Transition::Reopened,
                ),
                HALF_OPEN if run + 1 >= probes => (CLOSED, Transition::Closed),
                HALF_OPEN => (HALF_OPEN | (run + 1), Transition::None),
                _ => return Transition::None,
            };
            match self
                .word
                .compare_exchange(word, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => {
                    match transition {
                        Transition::Tripped => self.not_closed_changed(1),
                        Transition::Closed => self.not_closed_changed(-1),
                        Transition::None | Transition::Reopened => {}
                    }
                    return transition;
                }
                Err(actual) => word = actual,
            }
        }
    }

    /// Whether every breaker of the process reads closed: the write path's
    /// one check (see [`crate::defend::gate`]).
    #[inline]
    pub(crate) fn all_closed() -> bool {
        NOT_CLOSED.load(Ordering::Relaxed) == 0
    }

    /// The word, with an automatic opening whose cool-down has passed moved
    /// to half-open.
    #[inline]
    fn current(&self) -> u64 {
        let word = self.word.load(Ordering::Relaxed);
        if word < OPEN {
            word
        } else {
            self.refresh(word)
        }
    }

    /// Moves an automatic opening whose cool-down has passed to half-open,
    /// and returns the word as this call leaves it. Reads the clock once,
    /// and only for an automatic opening.
    #[cold]
    #[inline(never)]
    fn refresh(&self, mut word: u64) -> u64 {
        let cool_down = nanos(self.config.cool_down);
        let mut now = None;
        while state_of(word) == OPEN {
            let now = *now.get_or_insert_with(|| self.now());
            // A clock reading older than the opening (another thread opened
            // it after this one read the clock) has not waited at all.
            if now.saturating_sub(word & PAYLOAD) < cool_down {
                break;
            }
            match self
                .word
                .compare_exchange(word, HALF_OPEN, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return HALF_OPEN,
                Err(actual) => word = actual,
            }
        }
        word
    }

    /// The clock in nanoseconds, as the word's payload holds it.
    fn now(&self) -> u64 {
        nanos(self.now_duration())
    }

    /// The state as stored, without half-opening: for `Debug`, which should
    /// change nothing.
    fn stored_state(&self) -> (BreakerState, bool) {
        match state_of(self.word.load(Ordering::Relaxed)) {
            CLOSED => (BreakerState::Closed, false),
            HALF_OPEN => (BreakerState::HalfOpen, false),
            OPEN => (BreakerState::Open, false),
            _ => (BreakerState::Open, true),
        }
    }
}

impl Default for Breaker {
    /// [`Breaker::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Breaker {
    /// The state as stored (an opening whose cool-down has passed shows as
    /// open until something checks it), whether it was opened by hand, and
    /// the configuration.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (state, manual) = self.stored_state();
        f.debug_struct("Breaker")
            .field("state", &state)
            .field("manual", &manual)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A clock the tests move by hand. A plain std atomic under loom too: the
/// models keep time fixed while their threads run.
#[cfg(test)]
mod test_clock {
    use super::Clock;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    #[derive(Default)]
    pub(super) struct TestClock(AtomicU64);

    impl TestClock {
        pub(super) fn advance(&self, by: Duration) {
            let by = u64::try_from(by.as_nanos()).unwrap();
            self.0.fetch_add(by, Ordering::SeqCst);
        }
    }

    impl Clock for TestClock {
        fn now(&self) -> Duration {
            Duration::from_nanos(self.0.load(Ordering::SeqCst))
        }
    }
}

#[cfg(all(test, not(stats_loom)))]
mod tests {
    use super::test_clock::TestClock;
    use super::{Admission, Breaker, BreakerConfig, BreakerState, Clock, SystemClock, Transition};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    const SLOW: Duration = Duration::from_millis(11);
    const HEALTHY: Duration = Duration::from_micros(1);
    const COOL_DOWN: Duration = Duration::from_secs(1);

    /// A breaker on a test clock: trips after 3, closes after 4 probes.
    fn breaker() -> (Breaker, Arc<TestClock>) {
        breaker_with(BreakerConfig {
            probes: 4,
            ..BreakerConfig::default()
        })
    }

    fn breaker_with(config: BreakerConfig) -> (Breaker, Arc<TestClock>) {
        let clock = Arc::new(TestClock::default());
        (Breaker::with_clock(config, clock.clone()), clock)
    }

    /// Trips a closed breaker with `trip_after` slow samples.
    fn trip(breaker: &Breaker) {
        let trip_after = breaker.config().trip_after.max(1);
        for _ in 1..trip_after {
            assert_eq!(breaker.record(SLOW), Transition::None);
        }
        assert_eq!(breaker.record(SLOW), Transition::Tripped);
    }

    #[test]
    fn defaults_are_the_write_up_s_plus_recovery() {
        let config = BreakerConfig::default();
        assert_eq!(config.slow_write, Duration::from_millis(10));
        assert_eq!(config.trip_after, 3);
        assert_eq!(config.cool_down, Duration::from_secs(1));
        assert_eq!(config.probes, 16);
        let breaker = Breaker::default();
        assert_eq!(breaker.config(), config);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.admits());
        assert!(!breaker.probing());
        assert_eq!(breaker.admission(), Admission::Write);
    }

    #[test]
    fn trips_on_exactly_the_trip_after_th_slow_sample() {
        let (breaker, _) = breaker();
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(
            breaker.state(),
            BreakerState::Closed,
            "not one sample early"
        );
        assert!(breaker.admits());
        assert_eq!(breaker.record(SLOW), Transition::Tripped);
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[test]
    fn a_healthy_sample_ends_the_run() {
        let (breaker, _) = breaker();
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(breaker.record(HEALTHY), Transition::None);
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(breaker.record(SLOW), Transition::Tripped);
    }

    #[test]
    fn slow_means_strictly_slower_than_slow_write() {
        let (breaker, _) = breaker_with(BreakerConfig {
            trip_after: 1,
            ..BreakerConfig::default()
        });
        let limit = breaker.config().slow_write;
        assert_eq!(breaker.record(limit), Transition::None);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(
            breaker.record(limit + Duration::from_nanos(1)),
            Transition::Tripped
        );
    }

    #[test]
    fn zero_trip_after_and_probes_behave_as_one() {
        let (breaker, clock) = breaker_with(BreakerConfig {
            trip_after: 0,
            probes: 0,
            ..BreakerConfig::default()
        });
        assert_eq!(breaker.record(HEALTHY), Transition::None);
        assert_eq!(breaker.record(SLOW), Transition::Tripped);
        clock.advance(COOL_DOWN);
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert_eq!(breaker.record(HEALTHY), Transition::Closed);
    }

    #[test]
    fn while_open_writes_are_refused_and_samples_ignored() {
        let (breaker, _) = breaker();
        trip(&breaker);
        assert!(!breaker.admits());
        assert!(!breaker.probing());
        assert_eq!(breaker.admission(), Admission::Block);
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(breaker.record(HEALTHY), Transition::None);
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[test]
    fn manual_open_stays_open_until_closed() {
        let (breaker, clock) = breaker();
        breaker.open();
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(!breaker.admits());
        assert_eq!(breaker.admission(), Admission::Block);
        assert_eq!(breaker.record(HEALTHY), Transition::None);
        clock.advance(COOL_DOWN * 100);
        assert_eq!(breaker.state(), BreakerState::Open, "no half-open by hand");
        assert!(!breaker.admits());
        assert!(!breaker.probing());
        breaker.close();
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.admits());
    }

    #[test]
    fn manual_open_replaces_an_automatic_opening() {
        let (breaker, clock) = breaker();
        trip(&breaker);
        breaker.open();
        clock.advance(COOL_DOWN);
        assert_eq!(breaker.state(), BreakerState::Open);
        breaker.close();
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn close_forgets_the_run_of_slow_samples() {
        let (breaker, _) = breaker();
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(breaker.record(SLOW), Transition::None);
        breaker.close();
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(breaker.record(SLOW), Transition::None);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(breaker.record(SLOW), Transition::Tripped);
    }

    #[test]
    fn close_works_from_open_and_half_open() {
        let (breaker, clock) = breaker();
        trip(&breaker);
        breaker.close();
        assert_eq!(breaker.state(), BreakerState::Closed);
        trip(&breaker);
        clock.advance(COOL_DOWN);
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert_eq!(breaker.record(HEALTHY), Transition::None);
        breaker.close();
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(!breaker.probing());
    }

    #[test]
    fn half_opens_exactly_when_the_cool_down_has_passed() {
        let (breaker, clock) = breaker();
        clock.advance(Duration::from_secs(7));
        trip(&breaker);
        clock.advance(COOL_DOWN - Duration::from_nanos(1));
        assert!(!breaker.admits());
        assert_eq!(breaker.state(), BreakerState::Open);
        clock.advance(Duration::from_nanos(1));
        assert!(breaker.admits(), "the check itself half-opens");
        assert!(breaker.probing());
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert_eq!(breaker.admission(), Admission::Probe);
    }

    #[test]
    fn each_check_half_opens_lazily() {
        for check in [
            (|b: &Breaker| b.admits()) as fn(&Breaker) -> bool,
            |b| b.probing(),
            |b| b.admission() == Admission::Probe,
            |b| b.state() == BreakerState::HalfOpen,
        ] {
            let (breaker, clock) = breaker();
            trip(&breaker);
            clock.advance(COOL_DOWN);
            assert!(
                format!("{breaker:?}").contains("state: Open"),
                "Debug changes nothing"
            );
            assert!(check(&breaker));
            assert!(format!("{breaker:?}").contains("state: HalfOpen"));
        }
    }

    #[test]
    fn consecutive_healthy_probes_close_it() {
        let (breaker, clock) = breaker();
        trip(&breaker);
        clock.advance(COOL_DOWN);
        assert!(breaker.admits());
        for _ in 1..4 {
            assert_eq!(breaker.record(HEALTHY), Transition::None);
            assert_eq!(breaker.state(), BreakerState::HalfOpen);
        }
        assert_eq!(breaker.record(HEALTHY), Transition::Closed);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(!breaker.probing());
        // Closed afresh: a full run of slow samples is needed again.
        trip(&breaker);
    }

    #[test]
    fn a_slow_probe_reopens_it_for_a_new_cool_down() {
        let (breaker, clock) = breaker();
        trip(&breaker);
        clock.advance(COOL_DOWN * 3);
        assert!(breaker.admits());
        assert_eq!(breaker.record(HEALTHY), Transition::None);
        assert_eq!(breaker.record(HEALTHY), Transition::None);
        assert_eq!(breaker.record(SLOW), Transition::Reopened);
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(!breaker.admits());
        // The new cool-down counts from the slow probe, not the first trip.
        clock.advance(COOL_DOWN - Duration::from_nanos(1));
        assert!(!breaker.admits());
        clock.advance(Duration::from_nanos(1));
        assert!(breaker.admits());
        // The probes before the reopening do not count.
        for _ in 1..4 {
            assert_eq!(breaker.record(HEALTHY), Transition::None);
        }
        assert_eq!(breaker.record(HEALTHY), Transition::Closed);
    }

    #[test]
    fn transitions_say_whether_it_opened() {
        assert!(Transition::Tripped.opened());
        assert!(Transition::Reopened.opened());
        assert!(!Transition::Closed.opened());
        assert!(!Transition::None.opened());
    }

    #[test]
    fn the_state_is_the_gauge_value() {
        assert_eq!(BreakerState::Closed as i64, 0);
        assert_eq!(BreakerState::Open as i64, 1);
        assert_eq!(BreakerState::HalfOpen as i64, 2);
    }

    #[test]
    fn huge_times_saturate_instead_of_wrapping() {
        let (breaker, clock) = breaker_with(BreakerConfig {
            trip_after: 1,
            cool_down: Duration::MAX,
            ..BreakerConfig::default()
        });
        clock.advance(Duration::from_nanos(u64::MAX / 2));
        assert_eq!(breaker.record(SLOW), Transition::Tripped);
        clock.advance(Duration::from_nanos(u64::MAX / 4));
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    /// The global breaker is one for the whole process. This test never
    /// opens it: other tests in this binary write to tables that the global
    /// breaker guards, and would see their writes dropped. (Its doc test
    /// opens and closes it, in a process of its own.)
    #[test]
    fn the_global_breaker_is_shared() {
        let here = Breaker::global() as *const Breaker as usize;
        let there = std::thread::spawn(|| Breaker::global() as *const Breaker as usize)
            .join()
            .unwrap();
        assert_eq!(here, there);
        assert_eq!(Breaker::global().config(), BreakerConfig::default());
        assert_eq!(Breaker::global().state(), BreakerState::Closed);
    }

    #[test]
    fn the_system_clock_never_goes_back() {
        let clock = SystemClock;
        let mut last = clock.now();
        for _ in 0..1000 {
            let now = clock.now();
            assert!(now >= last);
            last = now;
        }
    }

    /// Slow samples from 8 threads at once are one sequence: exactly one
    /// trip, however they interleave, and the rest are ignored.
    #[test]
    fn concurrent_slow_samples_trip_exactly_once() {
        for _ in 0..20 {
            let (breaker, _) = breaker();
            let trips = AtomicU64::new(0);
            std::thread::scope(|s| {
                for _ in 0..8 {
                    s.spawn(|| {
                        for _ in 0..1000 {
                            match breaker.record(SLOW) {
                                Transition::Tripped => {
                                    trips.fetch_add(1, Ordering::Relaxed);
                                }
                                Transition::None => {}
                                other => panic!("unexpected {other:?}"),
                            }
                        }
                    });
                }
            });
            assert_eq!(trips.into_inner(), 1);
            assert_eq!(breaker.state(), BreakerState::Open);
        }
    }

    /// With 3 slow samples needed and 8 threads each recording 2 slow ones,
    /// the trip comes from the sequence of all of them, never from one
    /// thread's own run.
    #[test]
    fn threads_runs_add_up() {
        for _ in 0..50 {
            let (breaker, _) = breaker();
            let trips = AtomicU64::new(0);
            std::thread::scope(|s| {
                for _ in 0..8 {
                    s.spawn(|| {
                        for _ in 0..2 {
                            if breaker.record(SLOW) == Transition::Tripped {
                                trips.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    });
                }
            });
            assert_eq!(trips.into_inner(), 1);
        }
    }

    /// 8 threads write through the breaker with a mix of slow and healthy
    /// samples, and a cool-down of 0, so it trips, half-opens, reopens and
    /// closes over and over. Every Closed -> Open step must be counted once:
    /// the breaker started closed, so the trips equal the closings, plus one
    /// if it ends open or half-open.
    #[test]
    fn concurrent_mixed_samples_count_every_transition_once() {
        let (breaker, _) = breaker_with(BreakerConfig {
            trip_after: 3,
            probes: 4,
            cool_down: Duration::ZERO,
            ..BreakerConfig::default()
        });
        let counts: [AtomicU64; 3] = Default::default();
        std::thread::scope(|s| {
            for thread in 0..8u64 {
                let (breaker, counts) = (&breaker, &counts);
                s.spawn(move || {
                    let mut random = thread.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                    for _ in 0..20_000 {
                        random ^= random << 13;
                        random ^= random >> 7;
                        random ^= random << 17;
                        if !breaker.admits() {
                            continue;
                        }
                        let latency = if random % 4 == 0 { SLOW } else { HEALTHY };
                        let index = match breaker.record(latency) {
                            Transition::None => continue,
                            Transition::Tripped => 0,
                            Transition::Reopened => 1,
                            Transition::Closed => 2,
                        };
                        counts[index].fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        let [tripped, reopened, closed] = counts.map(AtomicU64::into_inner);
        assert!(
            tripped > 0 && reopened > 0 && closed > 0,
            "{tripped} {reopened} {closed}"
        );
        let ends_open = u64::from(breaker.state() != BreakerState::Closed);
        assert_eq!(
            tripped,
            closed + ends_open,
            "tripped {tripped}, reopened {reopened}, closed {closed}"
        );
    }

    /// Manual switches racing samples: whatever happened, the last switch
    /// decides the state once the samples stop.
    #[test]
    fn manual_switches_racing_samples_have_the_last_word() {
        let (breaker, _) = breaker_with(BreakerConfig {
            trip_after: 1,
            ..BreakerConfig::default()
        });
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for i in 0..10_000 {
                        let _ = breaker.record(if i % 2 == 0 { SLOW } else { HEALTHY });
                    }
                });
            }
            s.spawn(|| {
                for _ in 0..1000 {
                    breaker.open();
                    breaker.close();
                }
            });
        });
        breaker.open();
        assert_eq!(breaker.state(), BreakerState::Open);
        breaker.close();
        assert_eq!(breaker.state(), BreakerState::Closed);
    }
}

/// Loom models: `RUSTFLAGS="--cfg stats_loom" cargo test -p stats-core --release --lib loom`.
/// The clock is a test clock that only the model's main thread moves, while
/// no other thread runs.
#[cfg(all(test, stats_loom))]
mod loom_tests {
    use super::test_clock::TestClock;
    use super::{Breaker, BreakerConfig, BreakerState, Transition};
    use loom::sync::Arc;
    use loom::thread;
    use std::time::Duration;

    const SLOW: Duration = Duration::from_millis(11);
    const HEALTHY: Duration = Duration::from_micros(1);
    const COOL_DOWN: Duration = Duration::from_secs(1);

    fn breaker(trip_after: u32, probes: u32) -> (Arc<Breaker>, std::sync::Arc<TestClock>) {
        let clock = std::sync::Arc::new(TestClock::default());
        let config = BreakerConfig {
            trip_after,
            probes,
            cool_down: COOL_DOWN,
            ..BreakerConfig::default()
        };
        (Arc::new(Breaker::with_clock(config, clock.clone())), clock)
    }

    /// Records `samples` on a new thread, returning its transitions.
    fn spawn_records(
        breaker: &Arc<Breaker>,
        samples: &'static [Duration],
    ) -> thread::JoinHandle<Vec<Transition>> {
        let breaker = Arc::clone(breaker);
        thread::spawn(move || samples.iter().map(|&s| breaker.record(s)).collect())
    }

    /// Two threads each record two slow samples, with `trip_after = 2`:
    /// exactly one trip, and the breaker ends open.
    #[test]
    fn loom_concurrent_slow_samples_trip_once() {
        loom::model(|| {
            let (breaker, _clock) = breaker(2, 1);
            let a = spawn_records(&breaker, &[SLOW, SLOW]);
            let b = spawn_records(&breaker, &[SLOW, SLOW]);
            let all: Vec<_> = [a, b].into_iter().flat_map(|t| t.join().unwrap()).collect();
            let trips = all.iter().filter(|&&t| t == Transition::Tripped).count();
            assert_eq!(trips, 1, "{all:?}");
            assert!(
                all.iter()
                    .all(|&t| matches!(t, Transition::Tripped | Transition::None))
            );
            assert_eq!(breaker.state(), BreakerState::Open);
        });
    }

    /// A healthy sample racing a slow one, after a first slow sample: the
    /// breaker trips iff the slow sample came second in the word's order.
    #[test]
    fn loom_healthy_sample_racing_a_slow_one() {
        loom::model(|| {
            let (breaker, _clock) = breaker(2, 1);
            assert_eq!(breaker.record(SLOW), Transition::None);
            let slow = spawn_records(&breaker, &[SLOW]);
            let healthy = spawn_records(&breaker, &[HEALTHY]);
            let slow = slow.join().unwrap()[0];
            assert_eq!(healthy.join().unwrap()[0], Transition::None);
            match slow {
                // Slow first: it was the second consecutive slow sample;
                // the healthy one then found the breaker open.
                Transition::Tripped => assert_eq!(breaker.state(), BreakerState::Open),
                // Healthy first: the run restarted at the slow sample.
                Transition::None => {
                    assert_eq!(breaker.state(), BreakerState::Closed);
                    assert_eq!(breaker.record(SLOW), Transition::Tripped);
                }
                other => panic!("unexpected {other:?}"),
            }
        });
    }

    /// A manual close racing the sample that trips: the close always wins
    /// the state, and the run it leaves says which came first.
    #[test]
    fn loom_close_racing_record() {
        loom::model(|| {
            let (breaker, _clock) = breaker(2, 1);
            assert_eq!(breaker.record(SLOW), Transition::None);
            let recorder = spawn_records(&breaker, &[SLOW]);
            breaker.close();
            let recorded = recorder.join().unwrap()[0];
            assert_eq!(breaker.state(), BreakerState::Closed);
            // Tripped then closed: the run is 0, one more slow sample is not
            // enough. Closed then recorded: the run is 1, one more trips.
            let next = breaker.record(SLOW);
            match recorded {
                Transition::Tripped => assert_eq!(next, Transition::None),
                Transition::None => assert_eq!(next, Transition::Tripped),
                other => panic!("unexpected {other:?}"),
            }
        });
    }

    /// A manual open racing the sample that trips: the breaker ends
    /// manually open whichever came first, and never half-opens by itself.
    #[test]
    fn loom_open_racing_record() {
        loom::model(|| {
            let (breaker, clock) = breaker(2, 1);
            assert_eq!(breaker.record(SLOW), Transition::None);
            let recorder = spawn_records(&breaker, &[SLOW]);
            breaker.open();
            let recorded = recorder.join().unwrap()[0];
            assert!(matches!(recorded, Transition::Tripped | Transition::None));
            clock.advance(COOL_DOWN * 2);
            assert!(!breaker.admits());
            assert_eq!(breaker.state(), BreakerState::Open);
        });
    }

    /// Half-open with one healthy probe of two in: a slow probe races the
    /// closing healthy probe. With `trip_after = 1` the slow probe trips a
    /// breaker the healthy one closed, so every transition is possible; the
    /// counts must match the final state whatever the order.
    #[test]
    fn loom_slow_probe_racing_the_closing_probe() {
        loom::model(|| {
            let (breaker, clock) = breaker(1, 2);
            assert_eq!(breaker.record(SLOW), Transition::Tripped);
            clock.advance(COOL_DOWN);
            assert!(breaker.admits());
            assert_eq!(breaker.record(HEALTHY), Transition::None);
            let slow = spawn_records(&breaker, &[SLOW]);
            let healthy = spawn_records(&breaker, &[HEALTHY]);
            let outcome = (slow.join().unwrap()[0], healthy.join().unwrap()[0]);
            let state = breaker.state();
            match outcome {
                // The slow probe first: reopened, the healthy one ignored.
                (Transition::Reopened, Transition::None) => {
                    assert_eq!(state, BreakerState::Open);
                }
                // The healthy probe first: closed, then the slow sample
                // tripped the closed breaker.
                (Transition::Tripped, Transition::Closed) => {
                    assert_eq!(state, BreakerState::Open);
                }
                other => panic!("inconsistent {other:?}, state {state:?}"),
            }
            // The reopening or trip started a new cool-down at the same
            // (fixed) time: still open.
            assert!(!breaker.admits());
        });
    }

    /// Two threads find the cool-down over; one half-opens the breaker and
    /// reopens it with a slow probe while the other is still checking. The
    /// checker's stale view of the first opening must not half-open the new
    /// one.
    #[test]
    fn loom_half_open_check_racing_a_reopening() {
        loom::model(|| {
            let (breaker, clock) = breaker(1, 2);
            assert_eq!(breaker.record(SLOW), Transition::Tripped);
            clock.advance(COOL_DOWN);
            let prober = {
                let breaker = Arc::clone(&breaker);
                thread::spawn(move || {
                    assert!(breaker.admits());
                    breaker.record(SLOW)
                })
            };
            let checker = {
                let breaker = Arc::clone(&breaker);
                thread::spawn(move || breaker.admits())
            };
            assert_eq!(prober.join().unwrap(), Transition::Reopened);
            let _admitted = checker.join().unwrap();
            assert_eq!(breaker.state(), BreakerState::Open);
            assert!(!breaker.admits());
        });
    }
}
