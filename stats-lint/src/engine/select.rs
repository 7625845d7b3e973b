//! The branches of `tokio::select!` / `futures::select!` / crossbeam's
//! `select!`: their futures (or channel operations), conditions and
//! handlers are ordinary expressions of the enclosing scope.
//! (`join!`/`try_join!` take comma-separated expressions, which the walker
//! already reads.)

use syn::parse::{Parse, ParseStream, Parser};

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
        } else if input.peek(syn::Ident)
            && input.peek2(syn::token::Paren)
            && input
                .fork()
                .parse::<syn::Ident>()
                .is_ok_and(|op| matches!(op.to_string().as_str(), "recv" | "send" | "default"))
        {
            // crossbeam: `recv(rx) -> msg =>`, `send(tx, v) -> res =>`,
            // `default(timeout) =>`: the operation's arguments are read.
            input.parse::<syn::Ident>()?;
            let args;
            syn::parenthesized!(args in input);
            let args = args.parse_terminated(syn::Expr::parse, syn::Token![,])?;
            let fut = args.into_iter().next();
            let pat = if input.peek(syn::Token![->]) {
                input.parse::<syn::Token![->]>()?;
                Some(syn::Pat::parse_single(input)?)
            } else {
                None
            };
            (pat, fut, None)
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
    fn parses_crossbeam_select() {
        let t: proc_macro2::TokenStream = syn::parse_quote! {
            recv(rx) -> msg => { app.lock().insert(1, 2); }
            send(tx, 5) -> res => res.unwrap(),
            default(Duration::from_millis(5)) => { break; }
        };
        let b = branches(t).expect("crossbeam's branches");
        assert_eq!(b.len(), 3);
        assert!(b[0].pat.is_some() && b[0].fut.is_some());
        assert!(b[1].pat.is_some());
        assert!(b[2].pat.is_none() && b[2].fut.is_some());
        let not: proc_macro2::TokenStream = syn::parse_quote! { spawn(x) => y };
        assert!(branches(not).is_none());
        // tokio's `Some(v) = rx.recv() =>` is a pattern, not an operation.
        let tokio: proc_macro2::TokenStream = syn::parse_quote! { Some(v) = rx.recv() => v };
        assert!(branches(tokio).is_some_and(|b| b[0].pat.is_some()));
    }

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
