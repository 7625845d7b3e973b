//! Suppressions written in the source.
//!
//! Two forms are understood:
//!
//! - `#[cfg_attr(stats_lint, allow(stats_lint::NAME))]` on an item, a
//!   statement, an expression, a field or a match arm (and `#![...]` at the
//!   top of a file). It compiles on stable Rust once the `stats_lint` cfg is
//!   declared:
//!
//!   ```toml
//!   [lints.rust]
//!   unexpected_cfgs = { level = "warn", check-cfg = ["cfg(stats_lint)"] }
//!   ```
//!
//! - a comment `// stats-lint: allow(NAME) reason` on the line before the
//!   finding (several names may be separated by commas).

use syn::spanned::Spanned;
use syn::visit::Visit;

/// The suppressions of one file.
#[derive(Debug, Default)]
pub(crate) struct Suppressions {
    ranges: Vec<(String, usize, usize)>,
}

impl Suppressions {
    /// Collects attribute and comment suppressions from a parsed file.
    pub(crate) fn collect(file: Option<&syn::File>, text: &str) -> Suppressions {
        let mut s = Suppressions::default();
        if let Some(file) = file {
            let mut v = AttrVisitor { out: &mut s.ranges };
            let whole = (1, usize::MAX);
            v.attrs(&file.attrs, whole);
            v.visit_file(file);
        }
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.trim_start().strip_prefix("//") else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix("stats-lint:") else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix("allow(") else {
                continue;
            };
            let Some(end) = rest.find(')') else {
                continue;
            };
            for name in rest[..end].split(',') {
                let name = name.trim();
                let name = name.strip_prefix("stats_lint::").unwrap_or(name);
                // line i (0-based) is line i + 1; the finding is on the next line
                s.ranges.push((name.to_string(), i + 2, i + 2));
            }
        }
        s
    }

    /// Whether `lint` is allowed at `line`.
    pub(crate) fn is_allowed(&self, lint: &str, line: usize) -> bool {
        self.ranges
            .iter()
            .any(|(n, a, b)| n == lint && (*a..=*b).contains(&line))
    }
}

struct AttrVisitor<'o> {
    out: &'o mut Vec<(String, usize, usize)>,
}

/// The lint names in `allow(stats_lint::a, stats_lint::b)`.
fn allowed_names(list: &syn::MetaList, out: &mut Vec<String>) {
    if !list.path.is_ident("allow") && !list.path.is_ident("expect") {
        return;
    }
    let parser = syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated;
    if let Ok(paths) = list.parse_args_with(parser) {
        for p in paths {
            let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
            if segs.len() == 2 && segs[0] == "stats_lint" {
                out.push(segs[1].clone());
            }
        }
    }
}

impl AttrVisitor<'_> {
    /// The lint names allowed by some attributes.
    fn names(attrs: &[syn::Attribute]) -> Vec<String> {
        let mut names = Vec::new();
        for a in attrs {
            match &a.meta {
                syn::Meta::List(l) if l.path.is_ident("cfg_attr") => {
                    // cfg_attr(stats_lint, allow(...), ...)
                    let parser =
                        syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated;
                    if let Ok(metas) = l.parse_args_with(parser) {
                        let mut it = metas.iter();
                        let is_ours = it.next().is_some_and(|m| m.path().is_ident("stats_lint"));
                        if is_ours {
                            for m in it {
                                if let syn::Meta::List(inner) = m {
                                    allowed_names(inner, &mut names);
                                }
                            }
                        }
                    }
                }
                syn::Meta::List(l) => allowed_names(l, &mut names),
                _ => {}
            }
        }
        names
    }

    fn attrs(&mut self, attrs: &[syn::Attribute], (start, end): (usize, usize)) {
        for n in Self::names(attrs) {
            self.out.push((n, start, end));
        }
    }

    /// `span` is only computed for a node with an `allow` of ours: computing
    /// a syntax node's span walks all of its tokens, and most attributes are
    /// doc comments.
    fn node(&mut self, attrs: &[syn::Attribute], span: impl FnOnce() -> proc_macro2::Span) {
        if attrs.is_empty() {
            return;
        }
        let names = Self::names(attrs);
        if names.is_empty() {
            return;
        }
        let span = span();
        let range = (span.start().line, span.end().line);
        for n in names {
            self.out.push((n, range.0, range.1));
        }
    }
}

fn expr_attrs(e: &syn::Expr) -> &[syn::Attribute] {
    use syn::Expr::*;
    match e {
        Array(x) => &x.attrs,
        Assign(x) => &x.attrs,
        Async(x) => &x.attrs,
        Await(x) => &x.attrs,
        Binary(x) => &x.attrs,
        Block(x) => &x.attrs,
        Call(x) => &x.attrs,
        Closure(x) => &x.attrs,
        Field(x) => &x.attrs,
        ForLoop(x) => &x.attrs,
        If(x) => &x.attrs,
        Index(x) => &x.attrs,
        Let(x) => &x.attrs,
        Loop(x) => &x.attrs,
        Macro(x) => &x.attrs,
        Match(x) => &x.attrs,
        MethodCall(x) => &x.attrs,
        Paren(x) => &x.attrs,
        Path(x) => &x.attrs,
        Reference(x) => &x.attrs,
        Return(x) => &x.attrs,
        Struct(x) => &x.attrs,
        Try(x) => &x.attrs,
        Tuple(x) => &x.attrs,
        Unary(x) => &x.attrs,
        Unsafe(x) => &x.attrs,
        While(x) => &x.attrs,
        _ => &[],
    }
}

fn item_attrs(i: &syn::Item) -> &[syn::Attribute] {
    use syn::Item::*;
    match i {
        Const(x) => &x.attrs,
        Enum(x) => &x.attrs,
        ExternCrate(x) => &x.attrs,
        Fn(x) => &x.attrs,
        ForeignMod(x) => &x.attrs,
        Impl(x) => &x.attrs,
        Macro(x) => &x.attrs,
        Mod(x) => &x.attrs,
        Static(x) => &x.attrs,
        Struct(x) => &x.attrs,
        Trait(x) => &x.attrs,
        TraitAlias(x) => &x.attrs,
        Type(x) => &x.attrs,
        Union(x) => &x.attrs,
        Use(x) => &x.attrs,
        _ => &[],
    }
}

impl<'ast> Visit<'ast> for AttrVisitor<'_> {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        self.node(item_attrs(i), || i.span());
        syn::visit::visit_item(self, i);
    }

    fn visit_impl_item(&mut self, i: &'ast syn::ImplItem) {
        let attrs: &[syn::Attribute] = match i {
            syn::ImplItem::Fn(f) => &f.attrs,
            syn::ImplItem::Const(c) => &c.attrs,
            syn::ImplItem::Type(t) => &t.attrs,
            _ => &[],
        };
        self.node(attrs, || i.span());
        syn::visit::visit_impl_item(self, i);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        self.node(&l.attrs, || l.span());
        syn::visit::visit_local(self, l);
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        self.node(expr_attrs(e), || e.span());
        syn::visit::visit_expr(self, e);
    }

    fn visit_field(&mut self, f: &'ast syn::Field) {
        self.node(&f.attrs, || f.span());
        syn::visit::visit_field(self, f);
    }

    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        self.node(&a.attrs, || a.span());
        syn::visit::visit_arm(self, a);
    }

    fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
        self.node(&m.attrs, || m.span());
        syn::visit::visit_stmt_macro(self, m);
    }
}
