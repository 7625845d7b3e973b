//! stats-lint's demo crate: the patterns behind the order-statistics outage,
//! in their Rust form. `cargo stats-lint examples/lint-demo/bad` reports every
//! one of them; `expected.txt` lists the findings, and `../fixed` is the same
//! service written the way the lints suggest.

pub mod handlers;
pub mod legacy;
pub mod state;
