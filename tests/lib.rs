//! Cross-crate tests of the stats workspace; the tests are the `[[test]]` targets.
