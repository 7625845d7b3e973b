//! Statistics tables that many threads update at once and that never take a
//! service down.
//!
//! Declare the statistics as a plain struct and derive [`StatTable`]. The
//! derive generates a concurrent table, `{Struct}Table`, whose hot path takes
//! no lock and performs no locked instruction: every thread writes its own
//! cache-line-aligned row, and readers sum the rows. A snapshot is the user's
//! own struct.
//!
//! ```
//! use stats_core::StatTable;
//!
//! /// Order pipeline statistics.
//! #[derive(StatTable, Debug, Default, Clone, PartialEq)]
//! #[stat_table(prefix = "orders")]
//! struct OrderStats {
//!     /// Orders accepted by the API.
//!     created: u64,
//!     /// Orders rejected.
//!     failed: u64,
//!     /// Orders being processed.
//!     #[stat(gauge)]
//!     in_flight: i64,
//! }
//!
//! let table = OrderStats::table(); // OrderStatsTable: Send + Sync, no locks
//! let mut cursor = table.cursor();
//!
//! std::thread::scope(|s| {
//!     for _ in 0..4 {
//!         s.spawn(|| {
//!             for i in 0..1000 {
//!                 table.in_flight().inc();
//!                 if i % 10 == 0 {
//!                     // One consistent step: both fields or neither.
//!                     table.add(&OrderStats { created: 1, failed: 1, ..Default::default() });
//!                 } else {
//!                     table.created().inc();
//!                 }
//!                 table.in_flight().dec();
//!             }
//!         });
//!     }
//! });
//!
//! let snapshot: OrderStats = table.snapshot();
//! assert_eq!(snapshot, OrderStats { created: 4000, failed: 400, in_flight: 0 });
//! // The cursor saw every increment exactly once.
//! assert_eq!(cursor.delta(), snapshot);
//!
//! // Indexed access, and iteration over every series.
//! table.inc(OrderStatsField::Failed);
//! assert_eq!(OrderStatsField::Failed.name(), "orders_failed");
//! assert_eq!(OrderStatsField::Failed.help(), "Orders rejected.");
//! let names: Vec<&str> = table.iter().map(|series| series.name).collect();
//! assert_eq!(names, ["orders_created", "orders_failed", "orders_in_flight"]);
//! ```
//!
//! # How it works
//!
//! * An increment finds the calling thread's row (one inlined thread-local
//!   load and a bucket pointer load) and does a plain load and a release
//!   store. Gauges live in the rows too, as two words that only grow (ups
//!   and downs), plus a base that `set` moves.
//! * Snapshots copy each row consistently (two passes that must agree, plus
//!   a sequence number that multi-field steps bump) and sum the copies, so
//!   an invariant that each writer keeps, such as `failed <= created`, holds
//!   in every snapshot of a table that was never reset, and a step made with
//!   `table.add(&step)` is seen whole or not at all in every snapshot and
//!   delta. (A reset and a cursor's delta subtract an earlier consistent
//!   copy, and a writer's separate increments can fall on either side of
//!   that copy.)
//! * [`Cursor`]s keep their own baseline and never write to the table, so
//!   any number of them each see every increment once.
//! * [`Iter`] is versioned: a reset makes it stale, and its next step panics
//!   (or, with [`Iter::try_next`], returns [`StaleIterator`]). It sees one
//!   side of a reset or goes stale, never a mix.
//! * `reset()` restarts counters; gauges are levels and keep them.
//!
//! ## The defences
//!
//! The incident write-up wrapped its counters in five layers; here they are
//! the table itself (initialisation checks at compile time, atomic writes
//! to preallocated storage) and three runtime defences:
//!
//! * **Snapshots with a deadline**: `table.snapshot_within(d)` returns a
//!   [`Snapshot`], fresh if the copy completes within `d`
//!   ([`DEFAULT_SNAPSHOT_DEADLINE`] is the write-up's 50 ms), else the last
//!   one published, marked stale. Published snapshots only move forward.
//! * **A circuit breaker on slow writes**: every table has one
//!   (`table.breaker()`), and [`Breaker::global`] guards them all. One write
//!   in about 1,024 is timed; 3 consecutive samples over 10 ms open the
//!   table's breaker, writes are then dropped and counted, and after a
//!   cool-down it half-opens and healthy probes close it.
//! * **The library's own health**: [`health`] snapshots a table of what the
//!   defences did: writes blocked, breaker trips, snapshot timeouts, row
//!   copies retried, stale iterators, keyed overflow.
//!
//! ```
//! use stats_core::{Breaker, BreakerState, StatTable};
//! use std::time::Duration;
//!
//! #[derive(StatTable, Debug, Default)]
//! struct Jobs {
//!     /// Jobs done.
//!     done: u64,
//! }
//!
//! let table = Jobs::table();
//! table.done().inc();
//! let snapshot = table.snapshot_within(Duration::from_millis(50));
//! assert_eq!((snapshot.done, snapshot.is_stale()), (1, false));
//!
//! let blocked = stats_core::health().write_blocked;
//! table.breaker().open(); // the manual switch
//! table.done().inc(); // dropped, and counted
//! assert_eq!(table.breaker().state(), BreakerState::Open);
//! table.breaker().close();
//! assert_eq!(table.done().get(), 1);
//! assert_eq!(stats_core::health().write_blocked, blocked + 1);
//! # let _ = Breaker::global();
//! ```
//!
//! ## The hot path
//!
//! A thread's first write to a table allocates its row (rows come in
//! buckets of doubling size); after that an increment allocates nothing,
//! takes no lock and executes no locked read-modify-write. When a thread
//! exits, its row passes to the next thread that starts, values intact, so
//! a table holds fewer than twice as many rows as the most threads that
//! wrote to any table ever alive at once (a thread's slot is process-wide); a write from a thread-local destructor after the
//! thread gave its row back borrows a free row for that one write.
//! `memory_bytes()` on every table reports the table's memory; each
//! [`Cursor`] holds its own (for an open keyed field, at most twice its
//! capacity of keys that clears handed it, while it waits to report them). `benches/hot_path.rs` measures the increment against
//! a shared atomic and against the hardware limit; the figures are in
//! `stats-core/benches/README.md`.
//!
//! ## Keyed counters
//!
//! Counting by a key is what shared maps were used for, and how they took
//! services down: concurrent writers corrupted the map, and clients that
//! sent unbounded distinct keys grew it without bound. A table field of type
//! [`Keyed<K>`] counts by key without either failure:
//!
//! * a **closed key set**, `by_method: Keyed<Method>` with
//!   `#[derive(StatKey)] enum Method`, is one counter per variant in the
//!   per-thread rows: the hot path of a plain counter, no hashing;
//! * an **open key set**, `#[stat(keyed(capacity = 256))] by_region:
//!   Keyed<String>`, holds up to 256 distinct keys in storage allocated with
//!   the table and never resized. Lookups take no lock, keys are hashed
//!   with a random seed per table, two keys never share a counter, and
//!   increments that find the set full (or whose key is longer than
//!   `max_key_len`, 112 bytes unless set) go to an overflow counter, so
//!   every increment is counted once. Counts are striped over at most 8
//!   cells per key, never per thread, so a field's memory has a bound
//!   fixed at compile time (64 MiB at most) whatever the number of
//!   threads; `clear()` never makes a writer wait.
//!
//! ```
//! use stats_core::{Keyed, StatKey, StatTable};
//!
//! #[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
//! enum Method { Card, Wallet, Invoice }
//!
//! #[derive(StatTable, Debug, Default, PartialEq)]
//! #[stat_table(prefix = "orders")]
//! struct OrderStats {
//!     /// Payment attempts by method.
//!     by_method: Keyed<Method>,
//!     /// Orders by region: at most 2 regions, the rest is overflow.
//!     #[stat(keyed(capacity = 2))]
//!     by_region: Keyed<String>,
//! }
//!
//! let table = OrderStats::table();
//! table.by_method().inc(Method::Wallet);
//! for region in ["eu-west", "us-east", "eu-west", "mars-1"] {
//!     table.by_region().inc(region);
//! }
//!
//! let snapshot = table.snapshot();
//! assert_eq!(snapshot.by_method.get(&Method::Wallet), Some(1));
//! assert_eq!(snapshot.by_region.get("eu-west"), Some(2));
//! assert_eq!(snapshot.by_region.get("mars-1"), None); // the set was full
//! assert_eq!(snapshot.by_region.overflow(), 1);
//! assert_eq!(snapshot.by_region.total(), 4); // nothing lost
//!
//! // Every series, with its label: orders_by_region{region="eu-west"} and so on.
//! let labels: Vec<String> = table
//!     .iter()
//!     .filter_map(|series| series.label)
//!     .map(|label| format!("{}={:?}", label.name, label.value))
//!     .collect();
//! assert_eq!(labels[0], r#"method=Key("card")"#);
//! ```
//!
//! ## Threads and safety
//!
//! Every table is `Send + Sync`; the compiler, not a runtime allow-list,
//! decides which threads may touch it. There is no `unsafe` in this crate.
//!
//! ## Overflow
//!
//! Counters wrap at `u64::MAX` and gauges at the `i64` bounds; nothing on
//! the hot path panics, in debug builds either.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The derive names the runtime `::stats_core`; the health table is derived
// here, inside the runtime itself.
extern crate self as stats_core;

mod archive;
mod defend;
mod export;
mod histogram;
mod keyed;
mod read;
mod rows;
mod sync;
mod table;

pub use archive::archiver::{
    Archiver, ArchiverBuilder, DEFAULT_QUEUE_CAPACITY, DEFAULT_SHUTDOWN_TIMEOUT,
    DEFAULT_SINK_TIMEOUT, DEFAULT_WORKERS, MAX_QUEUE_CAPACITY, MAX_WORKERS, SinkStats,
};
pub use archive::sink::{JsonLines, Publication, Sink, SinkError};
pub use defend::breaker::{Breaker, BreakerConfig, BreakerState, Clock};
pub use defend::health::{Health, HealthTable, health};
pub use export::http::{
    CONNECTION_TIMEOUT, HEADER_TIMEOUT, MAX_CONNECTIONS, MAX_HEAD_BYTES, MAX_RESPONDERS,
    MetricsServer,
};
pub use export::names::RegisterError;
#[cfg(feature = "prometheus")]
pub use export::prometheus::PrometheusCollector;
#[cfg(feature = "prometheus-client")]
pub use export::prometheus_client::PrometheusClientCollector;
pub use export::registry::{RegistrableTable, Registry};
pub use export::snapshot::TableSnapshot;
pub use export::text::Format;
pub use histogram::handle::{HistogramField, HistogramTimer};
pub use histogram::value::Histogram;
pub use keyed::handle::{ClosedKeyed, ClosedKeyedIter, OpenKeyed, OpenKeyedIter};
pub use keyed::key::{KeyLabel, StatKey};
pub use keyed::value::Keyed;
pub use read::cursor::Cursor;
pub use read::iter::{HistogramSeries, Iter, Label, LabelValue, Series, StaleIterator, Value};
pub use read::snapshot::{DEFAULT_SNAPSHOT_DEADLINE, Snapshot};
pub use table::handle::{Counter, Gauge};
pub use table::traits::{MetricKind, StatTable, Table};

/// Derives a concurrent statistics table for a struct with named fields.
///
/// # Fields
///
/// | field | meaning |
/// |---|---|
/// | `name: u64` | a counter: `inc()`, `add(n)` |
/// | `#[stat(gauge)] name: i64` | a gauge: `inc()`, `dec()`, `add(i64)`, `set(i64)` |
/// | `#[stat(skip)] name: T` | not part of the table; `T: Default` fills it in snapshots |
/// | `name: Keyed<E>`, `E: StatKey` | a closed key set: one counter per variant; [`ClosedKeyed`] |
/// | `#[stat(keyed(capacity = N))] name: Keyed<String>` | an open key set of up to `N` keys plus an overflow counter; [`OpenKeyed`] |
/// | `#[stat(histogram(buckets = [..]))] name: Histogram` | a histogram of `u64` observations: a count per bucket and the sum; [`HistogramField`] |
///
/// # Container attributes: `#[stat_table(...)]`
///
/// * `prefix = "orders"`: metric names become `orders_{field}`. Without a
///   prefix the metric name is the field name.
/// * `crate = "path"`: the path of this crate, when it is renamed or
///   re-exported (`crate = "my_lib::stats_core"`).
///
/// # Field attributes: `#[stat(...)]`
///
/// * `gauge`: the field is a gauge (it must be `i64`).
/// * `skip`: the field is left out of the table.
/// * `name = "..."`: the metric name (after the prefix) instead of the field
///   name.
/// * `keyed(...)`, on a `Keyed<K>` field:
///   * `capacity = N` (open key sets, required): the most distinct keys,
///     from 1 to 2^20, all allocated with the table;
///   * `max_key_len = N` (open key sets): the longest key stored, in bytes,
///     from 1 to 65,536 (default 112); longer keys count as overflow;
///   * together, `capacity` and `max_key_len` must keep the field's worst-case
///     memory (two generations of keys, hash index, free list and striped
///     counts, as `open_field_max_bytes` computes it) within 64 MiB; a field
///     over it is a compile error, on `capacity` (or on `max_key_len` when
///     that is what pushed it over), whose help gives the largest capacity
///     that fits: 138,880 keys of the default 112 bytes, 7,965 of 4,096 bytes;
///   * `label = "..."`: the label name of the field's series; by default
///     the field name without a `by_` prefix (`by_region` gives `region`).
/// * `histogram(buckets = [b1, b2, ..])` or
///   `histogram(buckets = exponential(start, factor, count))`, on a
///   `Histogram` field: the buckets' upper bounds, `u64`, rising, at least 1
///   and at most 64 (`le` is inclusive; a last bucket, `+Inf`, takes the
///   rest). `exponential(10, 2, 4)` is `[10, 20, 40, 80]`.
///
/// A field's doc comment becomes its help text (`Field::help()`, the
/// Prometheus `HELP` line).
///
/// # What is generated
///
/// For `struct OrderStats`:
///
/// * `OrderStatsTable`: the concurrent table (`Send + Sync`, `Default`),
///   built by `OrderStats::table()`. Per field an accessor (`created()`)
///   returning a [`Counter`], [`Gauge`], [`ClosedKeyed`] or [`OpenKeyed`];
///   `inc(field)`,
///   `add_to(field, n)`, `add(&OrderStats)` (one consistent step),
///   `snapshot()`, `cursor()`, `iter()`, `reset()`, `version()`,
///   `shard_count()`; and the [`Table`] trait.
/// * `OrderStatsField`: one variant per plain field (`Created`), with
///   `ALL`, `index()`, `name()` (the metric name), `help()`, `kind()`.
///   Keyed fields are not in it, since an increment of one needs a key.
/// * `impl StatTable for OrderStats`.
///
/// Mistakes (an enum, a tuple struct, a field of another type, a `HashMap`,
/// a gauge on `u64`, an unknown option, two fields with one metric name, a
/// capacity of 0, an open key set whose capacity and key length together
/// would take more than 64 MiB, an open key set without a capacity, `keyed` on a field
/// that is not `Keyed<K>`) are compile errors that point at the offending
/// token.
///
/// # Example
///
/// ```
/// use stats_core::StatTable;
///
/// #[derive(StatTable, Debug, Default, PartialEq)]
/// #[stat_table(prefix = "http")]
/// pub struct HttpStats {
///     /// Requests received.
///     requests: u64,
///     /// Responses with status 5xx.
///     #[stat(name = "server_errors")]
///     errors_5xx: u64,
///     /// Open connections.
///     #[stat(gauge)]
///     connections: i64,
///     /// Not a metric: filled with `Default` in snapshots.
///     #[stat(skip)]
///     note: String,
/// }
///
/// let table = HttpStats::table();
/// table.requests().inc();
/// table.connections().set(7);
/// table.add_to(HttpStatsField::Errors5xx, 2);
/// let snap = table.snapshot();
/// assert_eq!((snap.requests, snap.errors_5xx, snap.connections), (1, 2, 7));
/// assert_eq!(HttpStatsField::Errors5xx.name(), "http_server_errors");
/// ```
#[cfg(feature = "derive")]
pub use stats_derive::StatTable;
#[cfg(not(feature = "derive"))]
use stats_derive::StatTable;

/// Derives [`StatKey`](trait@StatKey) for a fieldless enum: a closed key set
/// whose variants key the series of a `Keyed<Enum>` table field.
///
/// Each variant's label value is the `snake_case` of its name;
/// `#[stat_key(rename = "...")]` on a variant sets it instead. The enum
/// needs at least one variant, no fields, no generics, and distinct labels.
/// `#[stat_key(crate = "path")]` on the enum names this crate when it is
/// renamed or re-exported.
///
/// ```
/// use stats_core::{KeyLabel, StatKey};
///
/// #[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Outcome {
///     Shipped,
///     #[stat_key(rename = "refunded_in_full")]
///     Refunded,
/// }
///
/// assert_eq!(Outcome::Refunded.label(), "refunded_in_full");
/// assert_eq!(Outcome::LABELS, ["shipped", "refunded_in_full"]);
/// ```
#[cfg(feature = "derive")]
pub use stats_derive::StatKey;

/// What generated code uses. Not public API: no stability promises.
///
/// The name carries this crate's major and minor version, and the derive
/// names the module for its own version, so a derive and a runtime of
/// different versions fail to compile instead of misbehaving.
#[doc(hidden)]
pub mod __private_0_1 {
    pub use crate::defend::breaker::Breaker;
    pub use crate::export::snapshot::Exported;
    pub use crate::histogram::handle::HistogramField;
    pub use crate::histogram::value::Histogram;
    pub use crate::keyed::handle::{ClosedKeyed, OpenKeyed};
    pub use crate::keyed::key::{KeyLabel, StatKey};
    pub use crate::keyed::limit::{MAX_OPEN_FIELD_BYTES, open_field_max_bytes};
    pub use crate::keyed::store::DEFAULT_MAX_KEY_LEN;
    pub use crate::keyed::value::Keyed;
    pub use crate::read::cursor::Cursor;
    pub use crate::read::iter::Iter;
    pub use crate::read::snapshot::Snapshot;
    pub use crate::table::contract::{
        FieldDesc, FieldShape, RawValues, Schema, fill_closed, fill_histogram,
    };
    pub use crate::table::handle::{Counter, Gauge};
    pub use crate::table::layout::{Layout, RawAccess};
    pub use crate::table::raw::RawTable;
    pub use crate::table::traits::{MetricKind, StatTable, Table};
}
