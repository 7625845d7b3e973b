//! Reading a table: snapshots with a deadline, lossless cursors and
//! versioned iteration.

pub(crate) mod cursor;
pub(crate) mod iter;
pub(crate) mod snapshot;
