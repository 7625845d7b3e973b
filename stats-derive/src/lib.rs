//! `#[derive(StatTable)]`: the code generator behind `stats-core`.
//!
//! Use it through `stats_core::StatTable`, where it is documented; generated
//! code refers to the runtime only as `::stats_core::__private_0_1` (or the path
//! given by `#[stat_table(crate = "...")]`).
//!
//! The pipeline reads like thiserror's and serde's: `attr` turns raw
//! attributes into typed options, `ast` builds the struct as this crate sees
//! it, `valid` checks the rules that span several fields, and `expand`
//! writes the code. `limits` holds the bounds of an open keyed field, its
//! memory bound a copy of the runtime's. Every error is collected in a
//! `ctxt::Ctxt` and reported at once, each on its offending token.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod attr;
mod case;
mod ctxt;
mod expand;
mod limits;
mod stat_key;
mod symbol;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives a concurrent statistics table; see `stats_core::StatTable`.
#[proc_macro_derive(StatTable, attributes(stat_table, stat))]
pub fn derive_stat_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_stat_table(&input).into()
}

/// Derives `StatKey` for a fieldless enum: a closed key set; see
/// `stats_core::StatKey`.
#[proc_macro_derive(StatKey, attributes(stat_key))]
pub fn derive_stat_key(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    stat_key::derive_stat_key(&input).into()
}
