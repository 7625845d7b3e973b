//! An open keyed field: the current [`KeyStore`] behind an `ArcSwap`, so
//! `clear()` can replace it while writers are using it.
//!
//! # Why a clear swaps the store
//!
//! A writer finds a key's entry and then adds to its count. If a clear
//! emptied that entry in place and gave it to another key between those two
//! steps, the increment would land on the other key: two keys would share a
//! counter. So a clear never reuses an entry. It builds a new, empty store
//! and swaps it in; writers that loaded the old store finish on it, and it is
//! freed when the last of them (and the last cursor that read it) lets go.
//! The cost is one `ArcSwap::load` per increment, which takes no lock and
//! writes only to the calling thread's own debt slot.

use crate::key_store::{KeyHasher, KeyStore, Slot};
use arc_swap::{ArcSwap, Guard};
use std::sync::Arc;

/// The runtime state of one `Keyed<String>` field.
pub(crate) struct OpenField {
    current: ArcSwap<KeyStore>,
    capacity: usize,
    max_key_len: usize,
    /// Random per field of each table: a client cannot choose keys that
    /// collide, since it cannot know the seed. Kept across clears.
    hasher: KeyHasher,
}

impl OpenField {
    pub(crate) fn new(capacity: usize, max_key_len: usize) -> Self {
        let hasher = KeyHasher::default();
        Self {
            current: ArcSwap::from_pointee(KeyStore::new(capacity, max_key_len, hasher.clone())),
            capacity,
            max_key_len,
            hasher,
        }
    }

    /// Adds `n` to `key`; `false` if it went to overflow instead.
    #[inline]
    pub(crate) fn add(&self, key: &str, n: u64) -> bool {
        matches!(self.current.load().add(key, n), Slot::Entry(_))
    }

    /// The current store, borrowed for a short read.
    pub(crate) fn store(&self) -> Guard<Arc<KeyStore>> {
        self.current.load()
    }

    /// The current store, owned, for a cursor to keep.
    pub(crate) fn store_owned(&self) -> Arc<KeyStore> {
        self.current.load_full()
    }

    /// Swaps in an empty store. The caller bumps the table version first.
    pub(crate) fn clear(&self) {
        self.current.store(Arc::new(KeyStore::new(
            self.capacity,
            self.max_key_len,
            self.hasher.clone(),
        )));
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn max_key_len(&self) -> usize {
        self.max_key_len
    }
}

impl std::fmt::Debug for OpenField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self.current.load(), f)
    }
}
