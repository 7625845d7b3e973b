//! Compile errors for every misuse of the derive, checked with trybuild.
//!
//! The `.stderr` files are rustc's output on the workspace's pinned
//! toolchain (Rust 1.95); after an intended change of a message, regenerate
//! them with `TRYBUILD=overwrite cargo test -p stats-tests --test ui` and
//! review the diff.

#[test]
fn derive_misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*/*.rs");
}
