//! Collects every error of one derive, so the user sees them all in one build.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::cell::RefCell;
use std::fmt::Display;

/// The errors found so far.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    /// Records an error spanning `tokens`.
    pub fn error(&self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error with a `help:` line telling the user how to fix it.
    pub fn error_help(&self, tokens: impl ToTokens, message: impl Display, help: impl Display) {
        self.error(tokens, with_help(message, help));
    }

    /// Records an error made elsewhere, such as one from syn's parser.
    pub fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// Every error as `compile_error!` invocations, in the order found.
    pub fn into_compile_errors(self) -> TokenStream {
        self.errors
            .into_inner()
            .into_iter()
            .map(|error| error.to_compile_error())
            .collect()
    }
}

/// A message followed by a help line, as rustc prints them. A `compile_error!`
/// cannot carry a real sub-diagnostic on stable Rust, so the help line is part
/// of the message.
pub fn with_help(message: impl Display, help: impl Display) -> String {
    format!("{message}\n= help: {help}")
}
