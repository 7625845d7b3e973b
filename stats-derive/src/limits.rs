//! The bounds of an open keyed field, `keyed(capacity = N, max_key_len = M)`,
//! in one place: each option's own range, and the memory bound on the two
//! together.
//!
//! The memory bound mirrors the runtime's
//! `stats_core::__private_0_1::open_field_max_bytes` and `MAX_OPEN_FIELD_BYTES`
//! (`stats-core/src/open_limit.rs`), so that the derive can reject a field
//! that is too large with an error on the offending option. The derive
//! cannot name the runtime's constants (a proc macro runs before the crate
//! it expands into is compiled), so they are copied here; as a backstop,
//! the generated code asserts the runtime's own bound in a `const` item (see
//! `expand::open_field_assertion`), so a change of the runtime that this
//! file misses is still a compile error, never a silent disagreement.

/// The largest `capacity`, whatever the key length. A larger key set is a
/// sign the keys are not a bounded set at all. The memory of the field is
/// bounded on top of this, by [`open_field_max_bytes`].
pub const MAX_CAPACITY: u64 = 1 << 20;

/// The largest `max_key_len`, in bytes.
pub const MAX_KEY_LEN: u64 = 1 << 16;

/// The `max_key_len` of a field that does not set one, in bytes: the
/// runtime's `DEFAULT_MAX_KEY_LEN`. Generated code names the runtime's
/// constant; this copy is for the derive's own checks and messages.
pub const DEFAULT_MAX_KEY_LEN: u64 = 112;

/// The most memory one open keyed field may take: 64 MiB. Mirrors the
/// runtime's `MAX_OPEN_FIELD_BYTES`.
pub const MAX_OPEN_FIELD_BYTES: u64 = 64 << 20;

/// The runtime's `stripes::MAX_STRIPES`: the most owned stripes of counts a
/// field has (plus one shared stripe).
const MAX_STRIPES: u64 = 8;

/// The runtime's `stripes::CHUNK`: the counts per chunk of a stripe.
const CHUNK: u64 = 64;

/// The runtime's `stripes::CHUNK_BYTES`: `CHUNK` counts of 8 bytes plus the
/// chunk's slot in its stripe, a `OnceLock<Box<[u64]>>` of 24 bytes on a
/// 64-bit target.
const CHUNK_BYTES: u64 = CHUNK * 8 + 24;

/// The runtime's `stripes::STRIPE_BYTES`, `size_of::<Stripe>()`: a
/// cache-padded guard (128 bytes on x86-64 and 64-bit Arm) and a boxed slice,
/// padded to the guard's alignment. A target with other sizes differs from
/// this by a few KiB at most, and the generated `const` assertion decides
/// there.
const STRIPE_BYTES: u64 = 256;

/// The most bytes an open keyed field of `capacity` keys of up to
/// `max_key_len` bytes ever takes: the derive's copy of the runtime's
/// `stats_core::__private_0_1::open_field_max_bytes`, term by term (two
/// generations, each of the keys, the hash index, the free list and the
/// striped counts). Saturates instead of overflowing.
pub const fn open_field_max_bytes(capacity: u64, max_key_len: u64) -> u64 {
    let capacity = if capacity == 0 { 1 } else { capacity };
    let key_words = 1 + max_key_len.div_ceil(8);
    let keys = capacity.saturating_mul(8).saturating_mul(key_words);
    let index = match 2u64.saturating_mul(capacity).checked_next_power_of_two() {
        Some(cells) => cells.saturating_mul(8),
        None => u64::MAX,
    };
    let free = capacity.saturating_mul(16);
    let stripe = capacity
        .div_ceil(CHUNK)
        .saturating_mul(CHUNK_BYTES)
        .saturating_add(STRIPE_BYTES);
    let counts = stripe.saturating_mul(MAX_STRIPES + 1);
    keys.saturating_add(index)
        .saturating_add(free)
        .saturating_add(counts)
        .saturating_mul(2)
}

/// Whether a field of `capacity` keys of up to `max_key_len` bytes is within
/// [`MAX_OPEN_FIELD_BYTES`].
pub const fn open_field_fits(capacity: u64, max_key_len: u64) -> bool {
    open_field_max_bytes(capacity, max_key_len) <= MAX_OPEN_FIELD_BYTES
}

/// The largest capacity, up to [`MAX_CAPACITY`], that fits with
/// `max_key_len`; 0 if none does.
pub fn largest_capacity(max_key_len: u64) -> u64 {
    largest_fitting(MAX_CAPACITY, |capacity| {
        open_field_fits(capacity, max_key_len)
    })
}

/// The largest `max_key_len`, up to [`MAX_KEY_LEN`], that fits with
/// `capacity`; 0 if none does.
pub fn largest_key_len(capacity: u64) -> u64 {
    largest_fitting(MAX_KEY_LEN, |max_key_len| {
        open_field_fits(capacity, max_key_len)
    })
}

/// The largest `n` in `1..=max` with `fits(n)`, or 0: a binary search, as
/// the memory bound never decreases when either factor grows.
fn largest_fitting(max: u64, fits: impl Fn(u64) -> bool) -> u64 {
    // Invariant: `fits(low)` (or `low == 0`), and nothing above `high` fits.
    let (mut low, mut high) = (0, max);
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        if fits(mid) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    low
}

/// `bytes` in whole MiB, rounded up, so that a field just over the limit
/// never reads as exactly at it.
pub const fn mib_rounded_up(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

#[cfg(test)]
mod tests {
    use super::{
        DEFAULT_MAX_KEY_LEN, MAX_CAPACITY, MAX_KEY_LEN, largest_capacity, largest_key_len,
        mib_rounded_up, open_field_fits, open_field_max_bytes,
    };

    #[test]
    fn the_bound_is_the_product_not_each_factor() {
        assert!(open_field_fits(1 << 16, DEFAULT_MAX_KEY_LEN));
        assert!(open_field_fits(64, MAX_KEY_LEN));
        assert!(!open_field_fits(MAX_CAPACITY, MAX_KEY_LEN));
        assert!(!open_field_fits(MAX_CAPACITY, DEFAULT_MAX_KEY_LEN));
        assert!(!open_field_fits(1 << 16, 4096));
        assert_eq!(open_field_max_bytes(u64::MAX, u64::MAX), u64::MAX);
    }

    #[test]
    fn the_largest_capacity_is_the_boundary() {
        for len in [1, 8, 64, DEFAULT_MAX_KEY_LEN, 4096, MAX_KEY_LEN] {
            let capacity = largest_capacity(len);
            assert!(capacity >= 1, "max_key_len {len}");
            assert!(open_field_fits(capacity, len));
            assert!(capacity == MAX_CAPACITY || !open_field_fits(capacity + 1, len));
        }
    }

    #[test]
    fn the_largest_key_len_is_the_boundary() {
        assert_eq!(largest_key_len(MAX_CAPACITY), 0);
        assert_eq!(largest_key_len(1), MAX_KEY_LEN);
        let len = largest_key_len(1 << 16);
        assert!(open_field_fits(1 << 16, len));
        assert!(!open_field_fits(1 << 16, len + 1));
    }

    /// The numbers the runtime computes (`tests/open_field_limit.rs` checks
    /// them against `stats_core::__private_0_1::open_field_max_bytes`).
    #[test]
    fn the_mirror_gives_the_runtimes_numbers() {
        assert_eq!(open_field_max_bytes(64, 0), 19_376);
        assert_eq!(open_field_max_bytes(138_880, 112), 67_104_736);
        assert_eq!(largest_capacity(DEFAULT_MAX_KEY_LEN), 138_880);
        assert_eq!(largest_capacity(4096), 7_965);
        assert_eq!(largest_capacity(8), 262_144);
        assert_eq!(largest_key_len(1 << 16), 392);
    }

    #[test]
    fn mib_round_up() {
        assert_eq!(mib_rounded_up(64 << 20), 64);
        assert_eq!(mib_rounded_up((64 << 20) + 1), 65);
    }
}
