#!/usr/bin/env python3
"""The hand review of lintcheck's output, kept as code so that it can be
re-applied after `cargo run -p stats-lint --example lintcheck` rewrites the
files: each rule below was written after reading the code at the finding or
candidate it matches (lint, location prefix, verdict, reason). Lines that no
rule matches stay `?` and must be reviewed before the figures are quoted.

Run: python3 stats-lint/lintcheck/review.py && cargo run -p stats-lint --example lintcheck
(the second run recomputes summary.md from the verdicts)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

FINDINGS = [
    ("shared_map_mutation", "metrics-util-0.19.1/src/registry/mod.rs", "TP",
     "Registry's counters/gauges/histograms are Vec<RwLock<RegistryHashMap>> shards of a registry every recording thread uses through &self; raw_entry_mut inserts and removes under a shard's write lock (the shard comes back in a (hash, &RwLock) tuple)"),
    ("shared_map_mutation", "quick_cache-0.6.14/src/", "TP",
     "CacheShard holds the shard's hashbrown HashTable; every shard sits behind quick_cache's own RwLock wrapper in a Cache shared by all threads, and these &mut self methods of CacheShard (directly or through its other methods) mutate that table under the shard's write lock"),
    ("shared_map_mutation", "cached-0.54.0/examples/expiring_sized_cache.rs", "TP",
     "Arc<tokio RwLock<ExpiringSizedCache>> shared with spawned tasks; insert (through insert_ttl_evict) writes the cache's HashMap under the write lock"),
    ("shared_map_mutation", "kvdb-memorydb-0.13.0/src/lib.rs", "TP",
     "InMemory.columns is a RwLock<HashMap<u32, BTreeMap>> used through &self by every caller; the column maps are written under the write lock"),
    ("shared_map_mutation", "governor-0.8.1/src/state/keyed/hashmap.rs", "TP",
     "HashMapStateStore = Mutex<HashMap<K, InMemoryState>>, the keyed rate limiter's state that every checking thread locks through &self"),
    ("poison_cascade", "crossbeam-utils-0.8.23/src/sync/sharded_lock.rs", "TP",
     "thread_indices() returns &'static Mutex<ThreadIndices>, whose mapping HashMap every thread registers in (also from a thread_local! initialiser and a Drop impl)"),
    ("shared_map_mutation", "crossbeam-utils-0.8.23/src/sync/sharded_lock.rs", "TP",
     "insert/remove on ThreadIndices.mapping (a HashMap) under the global &'static Mutex"),
    ("poison_cascade", "fancy-regex-0.16.2/src/compile.rs", "TP",
     "static PATTERN_MAPPING: RwLock<BTreeMap> (test builds); every compile and lookup goes through it"),
    ("shared_map_mutation", "fancy-regex-0.16.2/src/compile.rs", "TP",
     "insert into static PATTERN_MAPPING: RwLock<BTreeMap>"),
    ("poison_cascade", "lazy_static-1.5.1/examples/mutex_map.rs", "TP",
     "lazy_static! static ref HASHMAP: Mutex<HashMap>; the example's own shared map"),
    ("shared_map_mutation", "lazy_static-1.5.1/examples/mutex_map.rs", "TP",
     "insert into the lazy_static! Mutex<HashMap>"),
    ("poison_cascade", "loom-0.7.3/tests/litmus.rs", "TP",
     "Arc<Mutex<HashSet>> shared with the loom model closure; loom's Mutex returns a LockResult over a std Mutex"),
    ("shared_map_mutation", "loom-0.7.3/tests/litmus.rs", "TP",
     "insert into the Arc<Mutex<HashSet>> shared with the loom model closure"),
    ("poison_cascade", "proc-macro-crate-3.5.0/src/lib.rs", "TP",
     "static CACHE: Mutex<BTreeMap> shared by every macro invocation of the process (rustc may expand in parallel)"),
    ("shared_map_mutation", "proc-macro-crate-3.5.0/src/lib.rs", "TP",
     "entry() on the static Mutex<BTreeMap> cache"),
    ("shared_map_mutation", "prometheus-client-0.26.0/src/metrics/", "TP",
     "Family.metrics is Arc<RwLock<HashMap<S, M>>> and the exemplar histogram's inner is Arc<RwLock<..>> with an exemplars HashMap, both shared by every recording thread"),
    ("shared_map_mutation", "tracing-subscriber-0.3.23/src/filter/env/mod.rs", "TP",
     "EnvFilter.by_id / by_cs are RwLock<HashMap> of a filter shared by every thread that records spans, locked through the try_lock! macro"),
    ("poison_cascade", "tracing-subscriber-0.3.23/tests/", "TP",
     "Arc<Mutex<HashMap>> captured by a filter_fn closure that the subscriber calls from any thread"),
    ("shared_map_mutation", "tracing-subscriber-0.3.23/tests/", "TP",
     "entry() on the Arc<Mutex<HashMap>> captured by the filter_fn closure"),
    ("counter_map", "tracing-subscriber-0.3.23/tests/", "TP",
     "*seen.lock().unwrap().entry(callsite).or_insert(0) += 1: a counter table behind one lock, bumped from the filter on every event"),
    ("poison_cascade", "wait-timeout-0.2.1/src/unix.rs", "TP",
     "State.map: Mutex<HashMap<*mut Child, ..>> of the process-wide state shared with the SIGCHLD helper thread"),
    ("shared_map_mutation", "wait-timeout-0.2.1/src/unix.rs", "TP",
     "insert/remove on the process-wide State.map Mutex<HashMap> (also from a Drop guard holding &State)"),
    ("poison_cascade", "lasso-0.7.3/tests/static_rodeo.rs", "TP",
     "static RwLock<Rodeo> (a Rodeo holds the interned strings' hash map); a panic while it is held poisons every later caller"),
    ("poison_cascade", "metrics-util-0.19.1/src/debugging.rs", "TP",
     "Inner.seen / Inner.metadata are Mutex<IndexMap> shared through Arc<Inner> by every recorder handle; expect() panics once poisoned"),
    ("shared_map_mutation", "metrics-util-0.19.1/src/debugging.rs", "TP",
     "insert/entry on the Mutex<IndexMap> fields of Arc<Inner>, written by every thread that records"),
    ("shared_map_mutation", "metrics-util-0.19.1/src/registry/recency.rs", "TP",
     "Recency.inner is a Mutex<(Clock, HashMap<K, (Generation, Instant)>)> locked from &self by every exporter thread; `let (clock, entries) = guard.deref_mut()` then get_mut/insert/remove on the map under the lock"),
    ("shared_map_mutation", "metrics-util-0.19.1/src/registry/mod.rs", "TP",
     "Registry shards are Vec<RwLock<HashMap>> of a registry shared by every recording thread; clear/retain under the write lock"),
    ("poison_cascade", "mini-redis-0.4.1/src/db.rs", "TP",
     "Shared.state is a std Mutex<State> of entries/expirations/pub_sub maps, Shared is in an Arc used by every connection task"),
    ("shared_map_mutation", "mini-redis-0.4.1/src/db.rs", "TP",
     "entries/expirations/pub_sub maps of the Mutex<State> in Arc<Shared>, written by every connection task"),
    ("poison_cascade", "moka-0.12.10/examples/cascading_drop_async.rs", "TP",
     "Arc<Mutex<BTreeMap>> (group_tree) shared with a spawned thread; std Mutex unwrap panics once poisoned"),
    ("shared_map_mutation", "moka-0.12.10/examples/cascading_drop_async.rs", "TP",
     "entry() on the Arc<Mutex<BTreeMap>> shared with the spawned thread"),
    ("poison_cascade", "notify-6.1.1/src/poll.rs", "TP",
     "watches is an Arc<Mutex<HashMap>> shared with the polling thread; the code's own FIXME notes the inconsistent poison handling"),
    ("shared_map_mutation", "notify-6.1.1/src/poll.rs", "TP",
     "remove on watches: Arc<Mutex<HashMap>> shared with the polling thread (the Arc makes &mut self irrelevant)"),
    ("shared_map_mutation", "prometheus-0.13.4/src/registry.rs", "TP",
     "Registry.r is Arc<RwLock<RegistryCore>>; register/unregister (&mut self) insert into and remove from its collector maps"),
    ("shared_map_mutation", "prometheus-0.13.4/src/vec.rs", "TP",
     "MetricVecCore.children: RwLock<HashMap> of a metric vec that is shared in an Arc by every thread that records"),
    ("shared_map_mutation", "retainer-0.3.0/src/cache.rs:231:", "TP",
     "remove on Cache.store (async_lock RwLock<BTreeMap>) through RwLockUpgradableReadGuard::upgrade(store).await, a write guard on the cache shared between tasks"),
    ("shared_map_mutation", "retainer-0.3.0/src/cache.rs", "TP",
     "Cache.store is an async RwLock<BTreeMap>, the cache shared between tasks"),
    ("poison_cascade", "rouille-3.6.2/examples/login-session.rs", "TP",
     "sessions_storage: Mutex<HashMap> captured by the start_server handler, which rouille calls from many threads"),
    ("shared_map_mutation", "rouille-3.6.2/examples/login-session.rs", "TP",
     "insert/remove on the Mutex<HashMap> captured by the concurrently called start_server handler"),
]

CANDIDATES = [
    # a test that, with all the package code it calls, stays on its thread
    ("shared_map_mutation", "moka-0.12.10/src/sync/segment.rs", "OK",
     "the test's own Arc<Mutex<HashMap>> in the eviction listener of its own cache: moka 0.12's sync cache starts no thread (housekeeping and listeners run on the caller's thread) and invalidate_all/invalidate_entries_if start none (judged TP until the call graph: that was wrong)"),
    # macro-generated statics: a real hazard no syntax-only linter sees
    ("poison_cascade", "cached-0.54.0/tests/cached.rs", "OOS",
     "the static is generated by the #[cached] attribute or the cached! macro; never in the source"),
    ("poison_cascade", "cached-0.54.0/examples/", "OOS",
     "the static is generated by the #[cached] attribute or the cached! macro; never in the source"),
    ("poison_cascade", "cached-0.54.0/src/proc_macro.rs", "OOS",
     "doc example: KEYED is generated by the #[cached] attribute"),
    ("poison_cascade", "cached-0.54.0/src/macros.rs", "OOS",
     "inside a macro_rules! template ($cachename.lock().unwrap()); the hazard exists at each expansion"),
    # locks that guard no map
    ("poison_cascade", "moka-0.12.10/src/sync_base/base_cache.rs", "OK", "test mock: Mutex<ExpiryExpectation>, no map"),
    ("poison_cascade", "moka-0.12.10/src/future/base_cache.rs", "OK", "test mock: Mutex<ExpiryExpectation>, no map"),
    ("poison_cascade", "moka-0.12.10/src/sync/cache.rs", "OK", "RwLock<()> or RwLock<Vec<_>> cache values in tests, no map"),
    ("poison_cascade", "moka-0.12.10/src/sync/segment.rs", "OK", "test: Arc<RwLock<()>>, no map"),
    ("poison_cascade", "moka-0.12.10/examples/append_value_sync.rs", "OK", "RwLock<Vec<_>> cache values, no map"),
    ("poison_cascade", "moka-0.12.10/examples/try_append_value_sync.rs", "OK", "RwLock<String> cache values, no map"),
    ("poison_cascade", "moka-0.12.10/examples/reinsert_expired_entries_sync.rs", "OK", "Mutex<Sender>, no map"),
    ("poison_cascade", "moka-0.12.10/examples/cascading_drop_async.rs", "OK", "Mutex<User> / Mutex<Session> values (a Vec of friends), no map"),
    ("poison_cascade", "tiny_http-0.12.0/", "OK", "Mutex<VecDeque>, Mutex<stream> or Mutex<writer>: no map"),
    ("poison_cascade", "rouille-3.6.2/examples/database.rs", "OK", "Mutex<postgres::Client>: no map"),
    ("poison_cascade", "rouille-3.6.2/src/lib.rs", "OK", "Mutex<Option<Request>> / Mutex<Option<reader>>: no map"),
    ("poison_cascade", "quick_cache-0.6.14/", "OK", "a generic RwLock<T> wrapper (shim, rw_lock): no map type named"),
    ("poison_cascade", "prometheus-0.13.4/src/histogram.rs", "OK", "collect_lock: Mutex<()>"),
    ("poison_cascade", "log4rs-1.3.0/", "OK", "next_roll_time: RwLock<u64>, no map"),
    ("poison_cascade", "metrics-util-0.19.1/src/storage/reservoir.rs", "OK", "swap: Mutex<()>"),
    ("poison_cascade", "notify-6.1.1/src/fsevent.rs", "OK", "Mutex<dyn EventHandler>, no map"),
    ("shared_map_mutation", "moka-0.12.10/src/sync/cache.rs", "OK", "test: a.clear() on an Arc<Mutex<Vec<_>>> guard, not a map"),
    ("unsafe_sync_map", "crossbeam-utils-0.8.23/", "OK", "AtomicCell, CachePadded, OnceLock, Parker, ShardedLock, Scope, guards: no map in a cell"),
    ("poison_cascade", "crossbeam-utils-0.8.23/", "OK", "Mutex<bool>/Mutex<()>/Mutex<Option<JoinHandle>>/Mutex<Vec> or a ShardedLock of integers: no map"),
    ("unsafe_sync_map", "lazy_static-1.5.1/", "OK", "Lazy<T> is generic: no map type named"),
    ("poison_cascade", "loom-0.7.3/src/", "OK", "loom internals: Mutex<Option<Waker>>, Mutex<T> generic, results: no map"),
    ("poison_cascade", "loom-0.7.3/tests/spec.rs", "OK", "a Mutex<HashSet> only read and written between loom::model iterations, which run one at a time; never two threads at once"),
    ("shared_map_mutation", "loom-0.7.3/tests/spec.rs", "OK", "a Mutex<HashSet> only written between loom::model iterations, which run one at a time"),
    ("poison_cascade", "loom-0.7.3/tests/", "OK", "locks of integers, bools, () or Vec in loom tests: no map"),
    ("poison_cascade", "prometheus-client-0.26.0/examples/actix-web.rs", "OK", "web::Data<Mutex<AppState>>, AppState holds a Registry of Vecs: no map"),
    ("poison_cascade", "tracing-subscriber-0.3.23/src/registry/sharded.rs:601", "OK",
     "the private test module starts no thread: CloseLayer's Arc<Mutex<CloseState>> is built per test and the layer runs on the test's own thread (with_default)"),
    ("poison_cascade", "tracing-subscriber-0.3.23/src/registry/sharded.rs:6", "OK",
     "the private test module starts no thread: CloseHandle's state is built per test and read on the test's own thread"),
    ("poison_cascade", "tracing-subscriber-0.3.23/src/registry/sharded.rs:7", "OK",
     "the private test module starts no thread: CloseHandle's state is built per test and read on the test's own thread"),
    ("poison_cascade", "tracing-subscriber-0.3.23/src/registry/sharded.rs", "FN",
     "extensions: RwLock<ExtensionsInner> (a HashMap of TypeId) reached through sharded_slab's pool::Ref<DataInner>, a type of another crate that is not followed"),
    ("poison_cascade", "tracing-subscriber-0.3.23/", "OK", "Mutex<Vec<u8>>, Mutex<Option<&str>>, Mutex<Vec<&str>>, Mutex<usize> or a counts struct without a map"),
    ("shared_map_mutation", "tracing-subscriber-0.3.23/src/fmt/mod.rs", "OK", "buf.clear() on a Mutex<Vec<u8>> guard, not a map"),
    ("shared_map_mutation", "lasso-0.7.3/src/threaded_rodeo.rs", "OK", "into_reader/into_resolver take self by value: the DashMap shards are drained by their only owner"),
    ("unsafe_sync_map", "lasso-0.7.3/", "OK", "buckets of raw pointers, readers/resolvers with plain map fields, ThreadedRodeo on DashMap: no map in a cell"),
    ("unsafe_sync_map", "moka-0.12.10/", "OK", "MiniArc and caches over concurrent internals: no map in a cell"),
    ("unsafe_sync_map", "notify-6.1.1/", "OK", "watchers with raw handles and plain map fields: no map in a cell"),
    ("unsafe_sync_map", "log4rs-1.3.0/", "OK", "RawConsole holds a handle, no map"),
    ("unsafe_sync_map", "metrics-util-0.19.1/", "OK", "Block<T> of atomics, no map"),
    ("unsafe_sync_map", "retainer-0.3.0/", "OK", "CacheReadGuard holds a guard, no map in a cell"),
]


def apply(name, rules):
    path = os.path.join(HERE, name)
    out = []
    unreviewed = 0
    for line in open(path).read().splitlines():
        if line.startswith("#"):
            out.append(line)
            continue
        cols = line.split("\t")
        for lint, prefix, verdict, reason in rules:
            if cols[0] == lint and cols[1].startswith(prefix):
                cols[2], cols[3] = verdict, reason
                break
        else:
            if cols[2] == "?":
                unreviewed += 1
                print(f"{name}: not reviewed: {line}", file=sys.stderr)
        out.append("\t".join(cols))
    open(path, "w").write("\n".join(out) + "\n")
    return unreviewed


left = apply("findings.tsv", FINDINGS) + apply("candidates.tsv", CANDIDATES)
sys.exit(1 if left else 0)
