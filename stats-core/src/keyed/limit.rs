//! The memory bound of an open keyed field: what the derive checks at
//! compile time, so that no field can ask for more than
//! [`MAX_OPEN_FIELD_BYTES`] however many threads write to it and whatever
//! keys they send.

use crate::keyed::stripes::{CHUNK, CHUNK_BYTES, MAX_STRIPES, STRIPE_BYTES};

/// The most memory one open keyed field may take: 64 MiB. The derive
/// rejects a field whose [`open_field_max_bytes`] is larger.
pub const MAX_OPEN_FIELD_BYTES: usize = 64 << 20;

/// The most bytes an open keyed field of `capacity` keys of up to
/// `max_key_len` bytes ever takes, whatever the threads and the keys: two
/// generations (a clear empties one while writers use the other), each of
///
/// * the keys: `capacity * 8 * (1 + ceil(max_key_len / 8))`;
/// * the hash index: `8 * next_power_of_two(2 * capacity)`;
/// * the free list: `16 * capacity`;
/// * the counts: 8 + 1 stripes of `ceil(capacity / 64)`
///   chunks of 64 counts, each chunk 536 bytes (512 once written, 24 for
///   its index in the stripe's table), plus 256 bytes a stripe (on 64-bit
///   targets).
///
/// Saturates instead of overflowing.
#[must_use]
pub const fn open_field_max_bytes(capacity: usize, max_key_len: usize) -> usize {
    let capacity = if capacity == 0 { 1 } else { capacity };
    let key_words = 1 + max_key_len.div_ceil(8);
    let keys = capacity.saturating_mul(8).saturating_mul(key_words);
    let index = match (2usize.saturating_mul(capacity)).checked_next_power_of_two() {
        Some(cells) => cells.saturating_mul(8),
        None => usize::MAX,
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

#[cfg(test)]
mod tests {
    use super::{MAX_OPEN_FIELD_BYTES, open_field_max_bytes};

    #[test]
    fn the_bound_is_the_product_not_each_factor() {
        // Either factor at its most is fine alone with the other small...
        assert!(open_field_max_bytes(1 << 16, 112) <= MAX_OPEN_FIELD_BYTES);
        assert!(open_field_max_bytes(64, 65_536) <= MAX_OPEN_FIELD_BYTES);
        // ...but not both together.
        assert!(open_field_max_bytes(1 << 20, 65_536) > MAX_OPEN_FIELD_BYTES);
        assert!(open_field_max_bytes(1 << 20, 112) > MAX_OPEN_FIELD_BYTES);
        assert_eq!(open_field_max_bytes(usize::MAX, usize::MAX), usize::MAX);
    }
}
