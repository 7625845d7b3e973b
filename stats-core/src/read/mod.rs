//! Reading a table: lossless cursors and versioned iteration.

pub(crate) mod cursor;
pub(crate) mod iter;
