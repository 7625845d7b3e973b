//! Open keyed fields right at the memory limit: the largest capacity the
//! derive's error suggests for a key length (and the longest key length for
//! a capacity) compiles, with the derive's `const` assertion, and works; and
//! that boundary is the runtime's: `open_field_max_bytes` is within
//! `MAX_OPEN_FIELD_BYTES` there and past it one key (or one key word) more.
//!
//! The capacities are the ones the UI cases' help lines print
//! (`ui/keyed/open-field-*.stderr`). The generated code is held to the same
//! lints as in `derive_pedantic.rs`.

#![deny(warnings, missing_docs, unused_qualifications, unused_results)]
#![deny(clippy::all, clippy::pedantic)]

use stats_core::__private_0_1::{DEFAULT_MAX_KEY_LEN, MAX_OPEN_FIELD_BYTES, open_field_max_bytes};
use stats_core::{Keyed, StatTable};

/// The most keys that fit with the default `max_key_len` (112 bytes).
const DEFAULT_LEN_CAPACITY: usize = 138_880;
/// The most keys that fit with `max_key_len = 4096`.
const LONG_KEY_CAPACITY: usize = 7_965;
/// The most keys that fit with `max_key_len = 8`.
const SHORT_KEY_CAPACITY: usize = 262_144;
/// The longest keys that fit with `capacity = 65536`.
const WIDE_KEY_LEN: usize = 392;

/// The largest open keyed field with the default key length.
#[derive(StatTable, Debug, Default)]
pub struct AtDefaultLen {
    /// Requests by x.
    #[stat(keyed(capacity = 138880))]
    pub by_x: Keyed<String>,
}

/// The largest open keyed field of 4096-byte keys.
#[derive(StatTable, Debug, Default)]
pub struct AtLongKeys {
    /// Requests by x.
    #[stat(keyed(capacity = 7965, max_key_len = 4096))]
    pub by_x: Keyed<String>,
}

/// The largest open keyed field of 8-byte keys.
#[derive(StatTable, Debug, Default)]
pub struct AtShortKeys {
    /// Requests by x.
    #[stat(keyed(capacity = 262144, max_key_len = 8))]
    pub by_x: Keyed<String>,
}

/// The longest keys an open keyed field of 65536 keys may take.
#[derive(StatTable, Debug, Default)]
pub struct AtWideKeys {
    /// Requests by x.
    #[stat(keyed(capacity = 65536, max_key_len = 392))]
    pub by_x: Keyed<String>,
}

/// `capacity` keys of `max_key_len` bytes fit, and one key more does not.
fn assert_capacity_boundary(capacity: usize, max_key_len: usize) {
    let at = open_field_max_bytes(capacity, max_key_len);
    let past = open_field_max_bytes(capacity + 1, max_key_len);
    assert!(
        at <= MAX_OPEN_FIELD_BYTES,
        "{capacity} keys of {max_key_len} bytes: {at} bytes"
    );
    assert!(
        past > MAX_OPEN_FIELD_BYTES,
        "{} keys of {max_key_len} bytes: {past} bytes",
        capacity + 1
    );
}

#[test]
fn the_derives_boundary_is_the_runtimes() {
    assert_eq!(DEFAULT_MAX_KEY_LEN, 112);
    assert_capacity_boundary(DEFAULT_LEN_CAPACITY, DEFAULT_MAX_KEY_LEN);
    assert_capacity_boundary(LONG_KEY_CAPACITY, 4096);
    assert_capacity_boundary(SHORT_KEY_CAPACITY, 8);
    // Keys are stored in 8-byte words: one byte more is one word more.
    assert!(open_field_max_bytes(65_536, WIDE_KEY_LEN) <= MAX_OPEN_FIELD_BYTES);
    assert!(open_field_max_bytes(65_536, WIDE_KEY_LEN + 1) > MAX_OPEN_FIELD_BYTES);
    // The UI cases' fields are over.
    assert!(open_field_max_bytes(1 << 20, DEFAULT_MAX_KEY_LEN) > MAX_OPEN_FIELD_BYTES);
    assert!(open_field_max_bytes(65_536, 4096) > MAX_OPEN_FIELD_BYTES);
    assert!(open_field_max_bytes(262_145, 8) > MAX_OPEN_FIELD_BYTES);
}

#[test]
fn a_field_at_the_limit_with_the_default_key_length_works() {
    let table = AtDefaultLen::table();
    table.by_x().inc("a");
    assert_eq!(table.by_x().capacity(), DEFAULT_LEN_CAPACITY);
    assert_eq!(table.by_x().max_key_len(), DEFAULT_MAX_KEY_LEN);
    assert_eq!(table.snapshot().by_x.get("a"), Some(1));
}

#[test]
fn a_field_at_the_limit_with_long_keys_works() {
    let table = AtLongKeys::table();
    let key = "k".repeat(4096);
    table.by_x().inc(&key);
    table.by_x().inc("a");
    assert_eq!(table.by_x().capacity(), LONG_KEY_CAPACITY);
    let snapshot = table.snapshot().by_x;
    assert_eq!(snapshot.get("a"), Some(1));
    assert_eq!(snapshot.get(key.as_str()), Some(1));
    assert_eq!(snapshot.overflow(), 0);
}

#[test]
fn a_field_at_the_limit_with_short_keys_works() {
    let table = AtShortKeys::table();
    table.by_x().inc("a");
    assert_eq!(table.by_x().capacity(), SHORT_KEY_CAPACITY);
    assert_eq!(table.snapshot().by_x.get("a"), Some(1));
}

#[test]
fn a_field_at_the_key_length_limit_works() {
    let table = AtWideKeys::table();
    table.by_x().inc("a");
    assert_eq!(table.by_x().max_key_len(), WIDE_KEY_LEN);
    assert_eq!(table.snapshot().by_x.get("a"), Some(1));
}
