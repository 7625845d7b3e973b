//! The table: the runtime half of a generated table (`RawTable`), its field
//! handles, what readers see it through, the hidden derive contract and the
//! public traits.

pub(crate) mod contract;
pub(crate) mod handle;
pub(crate) mod layout;
pub(crate) mod raw;
pub(crate) mod reader;
pub(crate) mod reading;
pub(crate) mod traits;
