//! The twin of `../bad`, written as the lints suggest: counters in a
//! lock-free `#[derive(StatTable)]` table, read-mostly data built once, and
//! the one remaining lock handled without `unwrap`. `cargo stats-lint
//! examples/lint-demo/fixed` reports nothing.

pub mod handlers;
pub mod legacy;
pub mod state;
