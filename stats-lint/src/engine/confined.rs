//! Whether a local binding stays in its function: after `let s = Store::new();`
//! the rest of the block only calls methods on `s` and reads its fields.
//! Then the locks in its fields, `Arc`s included, are this function's own:
//! nothing else can hold a clone of them.

use syn::visit::Visit;

/// Whether `name`, bound just before `rest`, is never cloned, moved, captured
/// by a closure or async block, nor handed (by value or reference) to a call
/// other than a method call on it.
pub(crate) fn confined(name: &str, rest: &[syn::Stmt]) -> bool {
    let mut c = Check {
        name,
        escapes: false,
    };
    // The block's value is moved out of it.
    if let Some(syn::Stmt::Expr(tail, None)) = rest.last() {
        c.escapes = c.is(place_root(tail));
    }
    for s in rest {
        c.visit_stmt(s);
    }
    !c.escapes
}

/// `name`, `&name` or `(name)`: the binding itself, not one of its fields.
fn is_binding(e: &syn::Expr, name: &str) -> bool {
    match e {
        syn::Expr::Paren(p) => is_binding(&p.expr, name),
        syn::Expr::Reference(r) => is_binding(&r.expr, name),
        syn::Expr::Path(p) => p.path.is_ident(name),
        _ => false,
    }
}

/// Whether `name`, bound just before `rest`, is cloned there
/// (`name.clone()`, `Clone::clone(&name)`): a clone of a struct shares the
/// `Arc`s in its fields.
pub(crate) fn cloned(name: &str, rest: &[syn::Stmt]) -> bool {
    struct Find<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.found |= m.method == "clone" && is_binding(&m.receiver, self.name);
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            self.found |= matches!(&*c.func, syn::Expr::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == "clone"))
                && c.args.first().is_some_and(|a| is_binding(a, self.name));
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            // `tokio::join!(run(store.clone()))` and other macros of expressions.
            let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            if let Ok(exprs) = syn::parse::Parser::parse2(parser, m.tokens.clone()) {
                exprs.iter().for_each(|e| self.visit_expr(e));
            }
        }
    }
    let mut f = Find { name, found: false };
    for s in rest {
        f.visit_stmt(s);
    }
    f.found
}

struct Check<'n> {
    name: &'n str,
    escapes: bool,
}

/// The binding a chain of fields, method calls, `?` and `.await` starts from.
fn chain_root(e: &syn::Expr) -> Option<&syn::Ident> {
    root(e, true)
}

/// The binding a place (`s`, `&s.inner`, `s.a.b`) names: moving or
/// borrowing it hands the binding's fields on.
fn place_root(e: &syn::Expr) -> Option<&syn::Ident> {
    root(e, false)
}

/// Walks down parens, references, derefs, fields and indexing (and, for a
/// chain, method calls, `?`, `.await` and casts) to the binding at the root.
fn root(e: &syn::Expr, through_calls: bool) -> Option<&syn::Ident> {
    let next = match e {
        syn::Expr::Paren(p) => &p.expr,
        syn::Expr::Group(g) => &g.expr,
        syn::Expr::Reference(r) => &r.expr,
        syn::Expr::Unary(u) => &u.expr,
        syn::Expr::Field(f) => &f.base,
        syn::Expr::Index(i) => &i.expr,
        syn::Expr::MethodCall(m) if through_calls => &m.receiver,
        syn::Expr::Try(t) if through_calls => &t.expr,
        syn::Expr::Await(a) if through_calls => &a.base,
        syn::Expr::Cast(c) if through_calls => &c.expr,
        syn::Expr::Path(p) => return p.path.get_ident(),
        _ => return None,
    };
    root(next, through_calls)
}

impl Check<'_> {
    fn is(&self, id: Option<&syn::Ident>) -> bool {
        id.is_some_and(|i| i == self.name)
    }

    /// Whether a call's argument hands the binding on: one that starts
    /// from it, unless it is what a lock of it guards (`f(&mut
    /// *s.lock().unwrap())` lends the guarded value, not the lock), with
    /// no clone taken on the way (`s.lock().unwrap().inner.clone()`).
    fn hands_on(&self, arg: &syn::Expr) -> bool {
        self.is(chain_root(arg)) && !guarded_value_lent(arg)
    }

    fn mentions(&self, tokens: proc_macro2::TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == self.name,
            proc_macro2::TokenTree::Group(g) => self.mentions(g.stream()),
            _ => false,
        })
    }

    fn mentions_expr(&self, e: &syn::Expr) -> bool {
        struct Find<'n> {
            name: &'n str,
            found: bool,
        }
        impl<'ast> Visit<'ast> for Find<'_> {
            fn visit_path(&mut self, p: &'ast syn::Path) {
                self.found |= p.is_ident(self.name);
                syn::visit::visit_path(self, p);
            }
            fn visit_macro(&mut self, m: &'ast syn::Macro) {
                let c = Check {
                    name: self.name,
                    escapes: false,
                };
                self.found |= c.mentions(m.tokens.clone());
            }
        }
        let mut f = Find {
            name: self.name,
            found: false,
        };
        f.visit_expr(e);
        f.found
    }
}

/// A chain through `.lock()`/`.read()`/`.write()` without a clone.
fn guarded_value_lent(e: &syn::Expr) -> bool {
    let mut through_lock = false;
    let mut e = e;
    loop {
        e = match e {
            syn::Expr::Paren(p) => &p.expr,
            syn::Expr::Reference(r) => &r.expr,
            syn::Expr::Unary(u) => &u.expr,
            syn::Expr::Field(f) => &f.base,
            syn::Expr::Try(t) => &t.expr,
            syn::Expr::MethodCall(m) => {
                if matches!(
                    m.method.to_string().as_str(),
                    "clone" | "cloned" | "to_owned"
                ) {
                    return false;
                }
                through_lock |= matches!(
                    m.method.to_string().as_str(),
                    "lock" | "read" | "write" | "try_lock" | "try_read" | "try_write"
                );
                &m.receiver
            }
            _ => return through_lock,
        };
    }
}

impl<'ast> Visit<'ast> for Check<'_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        if self.escapes {
            return;
        }
        match e {
            // A capture may run anywhere, later.
            syn::Expr::Closure(_) | syn::Expr::Async(_) => {
                self.escapes = self.mentions_expr(e);
                return;
            }
            syn::Expr::Call(c) => {
                self.escapes = c.args.iter().any(|a| self.hands_on(a));
            }
            syn::Expr::MethodCall(m) => {
                self.escapes = m.args.iter().any(|a| self.hands_on(a))
                    || (m.method == "clone" && self.is(place_root(&m.receiver)));
            }
            syn::Expr::Struct(s) => {
                self.escapes = s.fields.iter().any(|f| self.is(place_root(&f.expr)));
            }
            syn::Expr::Assign(a) => self.escapes = self.is(place_root(&a.right)),
            syn::Expr::Return(syn::ExprReturn { expr: Some(x), .. })
            | syn::Expr::Break(syn::ExprBreak { expr: Some(x), .. }) => {
                self.escapes = self.is(place_root(x));
            }
            syn::Expr::Array(a) => self.escapes = a.elems.iter().any(|x| self.is(place_root(x))),
            syn::Expr::Tuple(t) => self.escapes = t.elems.iter().any(|x| self.is(place_root(x))),
            _ => {}
        }
        if !self.escapes {
            syn::visit::visit_expr(self, e);
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.escapes |= self.is(place_root(&init.expr));
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        // A block's value is moved out of it.
        if let Some(syn::Stmt::Expr(tail, None)) = b.stmts.last() {
            self.escapes |= self.is(place_root(tail));
        }
        syn::visit::visit_block(self, b);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if !self.mentions(m.tokens.clone()) {
            return;
        }
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        match syn::parse::Parser::parse2(parser, m.tokens.clone()) {
            Ok(exprs) => exprs.iter().for_each(|e| {
                self.escapes |= self.is(place_root(e));
                self.visit_expr(e);
            }),
            Err(_) => self.escapes = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::confined;

    fn check(body: &str) -> bool {
        let b: syn::Block = syn::parse_str(&format!("{{ let s = Store::new(); {body} }}")).unwrap();
        confined("s", &b.stmts[1..])
    }

    #[test]
    fn method_calls_and_field_reads_stay() {
        assert!(check(
            "s.register(1); assert!(s.map.read().unwrap().is_empty());"
        ));
        assert!(check("let g = s.map.write().unwrap(); g.len();"));
        assert!(check("fill(&mut *s.map.lock().unwrap());"));
    }

    #[test]
    fn clones_moves_and_captures_escape() {
        assert!(!check("let t = s.map.clone();"));
        assert!(!check("spawn(&s);"));
        assert!(!check("Arc::new(s);"));
        assert!(!check("let t = s;"));
        assert!(!check("std::thread::spawn(move || s.register(1));"));
        assert!(!check("Holder { s };"));
        assert!(!check("other.add(s.map.len());"));
        assert!(!check("f(s.map.lock().unwrap().inner.clone());"));
        assert!(!check("s"));
        assert!(!check("println!(\"{:?}\", s);"));
    }
}
