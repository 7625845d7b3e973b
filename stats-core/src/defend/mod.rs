//! The runtime defences: the library's own health table, and the circuit
//! breaker on slow writes.

pub(crate) mod breaker;
pub(crate) mod gate;
pub(crate) mod health;
