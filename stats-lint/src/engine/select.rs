//! The branches of `tokio::select!` / `futures::select!`: their futures,
//! conditions and handlers are ordinary expressions of the enclosing scope.
//! (`join!`/`try_join!` take comma-separated expressions, which the walker
//! already reads.)

use syn::parse::{ParseStream, Parser};

/// One branch: `pat = fut (, if cond)? => handler` (`else => handler` has
/// no pattern and no future).
pub(crate) struct Branch {
    pub(crate) pat: Option<syn::Pat>,
    pub(crate) fut: Option<syn::Expr>,
    pub(crate) cond: Option<syn::Expr>,
    pub(crate) handler: syn::Expr,
}

/// The branches, or `None` when the tokens are not a `select!` body.
pub(crate) fn branches(tokens: proc_macro2::TokenStream) -> Option<Vec<Branch>> {
    Parser::parse2(parse_branches, tokens).ok()
}

fn parse_branches(input: ParseStream) -> syn::Result<Vec<Branch>> {
    // `biased;` (tokio) picks branches in order; it binds nothing.
    if input.peek(syn::Ident) && input.peek2(syn::Token![;]) {
        let kw: syn::Ident = input.parse()?;
        if kw != "biased" {
            return Err(syn::Error::new(kw.span(), "not `biased`"));
        }
        input.parse::<syn::Token![;]>()?;
    }
    let mut out = Vec::new();
    while !input.is_empty() {
        let (pat, fut, cond) = if input.peek(syn::Token![else]) {
            input.parse::<syn::Token![else]>()?;
            (None, None, None)
        } else if input.peek(syn::Ident) && input.peek2(syn::Token![=>]) {
            // `futures::select!`'s `complete =>` and `default =>`.
            input.parse::<syn::Ident>()?;
            (None, None, None)
        } else {
            let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<syn::Token![=]>()?;
            let fut: syn::Expr = input.parse()?;
            let cond = if input.peek(syn::Token![,]) && input.peek2(syn::Token![if]) {
                input.parse::<syn::Token![,]>()?;
                input.parse::<syn::Token![if]>()?;
                Some(input.parse()?)
            } else {
                None
            };
            (Some(pat), Some(fut), cond)
        };
        input.parse::<syn::Token![=>]>()?;
        let handler: syn::Expr = input.parse()?;
        if !input.is_empty() {
            // A block handler needs no comma before the next branch.
            if matches!(handler, syn::Expr::Block(_)) {
                let _ = input.parse::<Option<syn::Token![,]>>()?;
            } else {
                input.parse::<syn::Token![,]>()?;
            }
        }
        out.push(Branch {
            pat,
            fut,
            cond,
            handler,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tokio_select() {
        let t: proc_macro2::TokenStream = syn::parse_quote! {
            biased;
            Some(x) = rx.recv(), if ok => { g.lock().unwrap(); }
            _ = tick.tick() => f(x),
            else => break,
        };
        let b = branches(t).unwrap();
        assert_eq!(b.len(), 3);
        let t: proc_macro2::TokenStream = syn::parse_quote! {
            x = a.next() => f(x),
            complete => (),
            default => {}
        };
        assert_eq!(branches(t).map(|b| b.len()), Some(3));
        assert!(b[0].cond.is_some() && b[2].pat.is_none());
    }

    #[test]
    fn rejects_other_bodies() {
        let t: proc_macro2::TokenStream = syn::parse_quote! { a, b };
        assert!(branches(t).is_none());
    }
}
