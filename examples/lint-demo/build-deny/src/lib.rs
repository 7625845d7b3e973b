//! A crate whose build script runs stats-lint. It holds a `static mut` map
//! (`static_mut_map`, deny by default), so `cargo build` fails.

use std::collections::HashMap;

/// A cache any thread can write without a lock.
pub static mut CACHE: Option<HashMap<String, String>> = None;
