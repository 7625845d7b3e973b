//! The archiver and its sinks (layer 4 of the incident write-up).

pub(crate) mod archiver;
pub(crate) mod sink;
