//! The derive's output compiles clean under the strictest lints a user may
//! turn on: `deny(warnings)` here, and clippy's pedantic group when CI runs
//! `cargo clippy --all-targets -- -D warnings`.

#![deny(warnings, missing_docs, unused_qualifications, unused_results)]
#![deny(clippy::all, clippy::pedantic)]

use stats_core::{KeyLabel, StatKey, StatTable};

/// A public table with every kind of field, as a library would export it.
#[derive(StatTable, Debug, Default, Clone, PartialEq, Eq)]
#[stat_table(prefix = "strict")]
pub struct Strict {
    /// A counter.
    pub hits: u64,
    /// A gauge.
    #[stat(gauge)]
    pub level: i64,
    /// Skipped.
    #[stat(skip)]
    pub label: String,
}

/// A private table whose generated methods are mostly unused: no dead-code
/// warnings either.
#[derive(StatTable, Default)]
struct Quiet {
    /// Never read.
    unused: u64,
}

/// A public closed key set with a rename, a raw identifier and an explicit
/// discriminant.
#[derive(StatKey, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum StrictKey {
    /// A default label.
    BankTransfer = 3,
    /// A renamed label.
    #[stat_key(rename = "apple-pay")]
    ApplePay,
    /// A raw identifier.
    r#Type,
}

/// A private key set with one variant that is never used otherwise.
#[derive(StatKey, Clone, Copy, PartialEq, Eq)]
enum QuietKey {
    Only,
}

#[test]
fn strict_key_works() {
    assert_eq!(StrictKey::ApplePay.index(), 1);
    assert_eq!(StrictKey::r#Type.label(), "type");
    assert_eq!(StrictKey::LABELS, ["bank_transfer", "apple-pay", "type"]);
    assert_eq!(QuietKey::ALL.len(), 1);
}

#[test]
fn strict_table_works() {
    let table = Strict::table();
    table.hits().inc();
    table.level().set(2);
    assert_eq!(table.snapshot().hits, 1);
    let quiet = Quiet::table();
    assert_eq!(quiet.version(), 0);
}
