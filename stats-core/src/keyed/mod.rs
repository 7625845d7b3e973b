//! Keyed counters: the keys (`StatKey`, `KeyLabel`), the snapshot value
//! `Keyed<K>`, the open key set's store, striped counts and two
//! generations, its memory bound, and the field handles.

pub(crate) mod handle;
pub(crate) mod key;
pub(crate) mod limit;
pub(crate) mod listing;
pub(crate) mod open;
pub(crate) mod store;
pub(crate) mod stripes;
pub(crate) mod value;
