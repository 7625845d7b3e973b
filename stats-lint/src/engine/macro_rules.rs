//! A small expander for the package's own `macro_rules!`, so the items a
//! macro writes (`connimpl!(SyncConnection, ..)` writing `impl $c { .. }`)
//! are read like hand-written ones.
//!
//! Only what an item macro of a library needs: literal tokens, delimited
//! groups, fragments (`ident`, `tt`, `lifetime`, `literal`, `block`, and the
//! ones parsed with `syn`: `ty`, `path`, `expr`, `pat`, `stmt`, `item`,
//! `vis`, `meta`) and `$(..) sep op` repetitions, matched greedily, rule by
//! rule. The expanded tokens keep their spans: a finding inside the
//! macro's body is reported on the body's line. A macro that does not
//! match, or whose expansion does not parse, is left as it is.

use std::collections::HashMap;

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};

/// How deep expansions may nest (a macro writing calls of macros).
pub(crate) const MAX_DEPTH: usize = 4;
/// The largest expansion kept, in tokens: a runaway recursion stops here.
const MAX_TOKENS: usize = 200_000;
/// The longest invocation expanded, in top-level tokens. Matching a
/// fragment parses the rest of the input, so a long repetition costs the
/// square of its length (a 20,000-entry table took two minutes); such
/// invocations are data tables, not code that locks.
pub(crate) const MAX_INPUT_TOKENS: usize = 256;
/// How many invocations one file expands at most.
pub(crate) const MAX_EXPANSIONS: usize = 512;

/// The rules of one `macro_rules!`.
#[derive(Debug)]
pub(crate) struct MacroRules {
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    matcher: Vec<Matcher>,
    body: TokenStream,
}

#[derive(Debug)]
enum Matcher {
    /// A token that must be there as written (compared by its text).
    Token(String),
    Group(Delimiter, Vec<Matcher>),
    Var(String, Fragment),
    Repeat {
        inner: Vec<Matcher>,
        separator: Option<String>,
        at_most_one: bool,
        at_least_one: bool,
    },
}

#[derive(Clone, Copy, Debug)]
enum Fragment {
    Ident,
    Tt,
    Lifetime,
    Literal,
    Block,
    Ty,
    Path,
    Expr,
    Pat,
    Stmt,
    Item,
    Vis,
    Meta,
}

/// What a variable matched: tokens, or one entry per repetition.
#[derive(Clone, Debug)]
enum Binding {
    One(Vec<TokenTree>),
    Many(Vec<Binding>),
}

type Bindings = HashMap<String, Binding>;

impl MacroRules {
    /// The rules of `macro_rules! name { (matcher) => { body }; .. }`, given
    /// the tokens inside its braces; `None` when a rule is not understood.
    pub(crate) fn parse(tokens: TokenStream) -> Option<MacroRules> {
        let toks: Vec<TokenTree> = tokens.into_iter().collect();
        let mut rules = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let (
                TokenTree::Group(m),
                TokenTree::Punct(eq),
                TokenTree::Punct(gt),
                TokenTree::Group(b),
            ) = (
                &toks[i],
                toks.get(i + 1)?,
                toks.get(i + 2)?,
                toks.get(i + 3)?,
            )
            else {
                return None;
            };
            if eq.as_char() != '=' || gt.as_char() != '>' {
                return None;
            }
            rules.push(Rule {
                matcher: parse_matcher(m.stream())?,
                body: b.stream(),
            });
            i += 4;
            if matches!(toks.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                i += 1;
            }
        }
        (!rules.is_empty()).then_some(MacroRules { rules })
    }

    /// The tokens an invocation with these arguments expands to.
    pub(crate) fn expand(&self, input: TokenStream) -> Option<TokenStream> {
        let input: Vec<TokenTree> = input.into_iter().collect();
        self.rules.iter().find_map(|rule| {
            let mut binds = Bindings::new();
            let used = match_seq(&rule.matcher, &input, &mut binds)?;
            (used == input.len()).then(|| transcribe(rule.body.clone(), &binds, &[]))?
        })
    }

    /// The items an item-position invocation writes.
    pub(crate) fn expand_items(&self, input: TokenStream) -> Option<Vec<syn::Item>> {
        let out = self.expand(input)?;
        syn::parse2::<syn::File>(out).ok().map(|f| f.items)
    }

    /// The associated items an invocation inside an `impl` block writes.
    pub(crate) fn expand_impl_items(&self, input: TokenStream) -> Option<Vec<syn::ImplItem>> {
        let out = self.expand(input)?;
        let parser = |s: ParseStream<'_>| {
            let mut items = Vec::new();
            while !s.is_empty() {
                items.push(s.parse::<syn::ImplItem>()?);
            }
            Ok(items)
        };
        parser.parse2(out).ok()
    }
}

/// Of two definitions of one macro name, which one stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stands {
    /// The earlier one: the same macro again, or a feature's definition
    /// beside the default build's.
    Old,
    /// The later one: the default build's beside a feature's
    /// (`#[cfg(not(feature = "parking_lot"))]` after `#[cfg(feature = "parking_lot")]`).
    New,
    /// Two different definitions of the same standing.
    Neither,
}

/// The one rule for a name defined twice: `same` when the definitions are
/// equal; `*_feature_only` when one is behind `#[cfg(feature = ..)]`.
pub(crate) fn which_stands(same: bool, old_feature_only: bool, new_feature_only: bool) -> Stands {
    if same || (new_feature_only && !old_feature_only) {
        Stands::Old
    } else if old_feature_only && !new_feature_only {
        Stands::New
    } else {
        Stands::Neither
    }
}

/// The package's `macro_rules!` by name, for invocations in other files
/// (`#[macro_use] mod component;`, `pub(crate) use impl_policy;`): a name
/// defined once in the package, or the same way each time.
#[derive(Debug, Default)]
pub(crate) struct CrateMacros {
    by_name: HashMap<String, Option<TokenStream>>,
    /// The names whose definition kept is behind `#[cfg(feature = ..)]`.
    feature_only: std::collections::HashSet<String>,
}

impl CrateMacros {
    /// Records the `macro_rules!` of a file (also in its inline modules).
    pub(crate) fn collect(&mut self, items: &[syn::Item]) {
        for item in items {
            match item {
                syn::Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                    let Some(ident) = &m.ident else { continue };
                    // The linter reads these by their syntax (the crates
                    // that define them use them as their users do).
                    if matches!(
                        ident.to_string().as_str(),
                        "lazy_static" | "thread_local" | "cfg_if"
                    ) {
                        continue;
                    }
                    let name = ident.to_string();
                    let tokens = m.mac.tokens.clone();
                    let feature_only = m.attrs.iter().any(crate::engine::facts::is_cfg_feature);
                    let Some(old) = self.by_name.get_mut(&name) else {
                        if feature_only {
                            self.feature_only.insert(name.clone());
                        }
                        self.by_name.insert(name, Some(tokens));
                        continue;
                    };
                    let same = old.as_ref().map(ToString::to_string) == Some(tokens.to_string());
                    match which_stands(same, self.feature_only.contains(&name), feature_only) {
                        Stands::Old => {}
                        Stands::New => {
                            *old = Some(tokens);
                            self.feature_only.remove(&name);
                        }
                        Stands::Neither => *old = None,
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.collect(inner);
                    }
                }
                _ => {}
            }
        }
    }

    /// A macro's definition, its tokens placed at `span` (where another file
    /// invokes it: a finding inside its body is reported there).
    /// Whether the package defines a macro of this name (once, or the same way each time).
    fn defines(&self, name: &str) -> bool {
        self.by_name.get(name).is_some_and(Option::is_some)
    }

    fn rules_at(&self, name: &str, span: proc_macro2::Span) -> Option<MacroRules> {
        let tokens = self.by_name.get(name)?.as_ref()?;
        MacroRules::parse(respan(tokens.clone(), span))
    }
}

/// Every token of a stream, placed at `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// The rules an invocation expands by: the file's own macro, or another
/// file's of the package.
enum Found<'a> {
    Local(&'a MacroRules),
    Other(MacroRules),
}

impl std::ops::Deref for Found<'_> {
    type Target = MacroRules;
    fn deref(&self) -> &MacroRules {
        match self {
            Found::Local(m) => m,
            Found::Other(m) => m,
        }
    }
}

/// An invocation of one of the package's macros left unexpanded.
#[derive(Debug)]
pub(crate) struct Unexpanded {
    pub(crate) line: usize,
    pub(crate) name: String,
    /// For the file's count of expansions (noted once), not its own size.
    pub(crate) for_count: bool,
}

/// The package's macros seen so far, in the order Rust scopes them: a
/// `macro_rules!` is usable after its definition, and a later one of the
/// same name shadows it; a name the file does not define is looked up
/// among the package's other files' macros.
#[derive(Debug, Default)]
pub(crate) struct LocalMacros {
    by_name: HashMap<String, MacroRules>,
    /// The names whose definition kept is behind `#[cfg(feature = ..)]`.
    feature_only: std::collections::HashSet<String>,
    crate_wide: std::rc::Rc<CrateMacros>,
    /// How deep the expansion being read is.
    pub(crate) depth: usize,
    /// How many invocations this file has expanded.
    expansions: usize,
    /// Invocations of a known macro left unexpanded.
    pub(crate) over_budget: Vec<Unexpanded>,
}

impl LocalMacros {
    /// The macros of a file of a package whose macros are `crate_wide`.
    pub(crate) fn new(crate_wide: std::rc::Rc<CrateMacros>) -> LocalMacros {
        LocalMacros {
            crate_wide,
            ..LocalMacros::default()
        }
    }

    /// Records `macro_rules! name { .. }` behind `#[cfg(feature = ..)]`
    /// when `feature_only`: it does not hide the default build's definition
    /// of the name (`#[cfg(not(feature = ..))]` or no `cfg`).
    pub(crate) fn define_cfg(&mut self, name: &str, tokens: TokenStream, feature_only: bool) {
        // A file's later definition shadows an earlier one, unless it is a
        // feature's beside the default build's.
        if self.by_name.contains_key(name)
            && which_stands(false, self.feature_only.contains(name), feature_only) == Stands::Old
        {
            return;
        }
        if feature_only {
            self.feature_only.insert(name.to_string());
        } else {
            self.feature_only.remove(name);
        }
        self.define(name, tokens);
    }

    /// Records `macro_rules! name { .. }` (an unreadable one hides an
    /// earlier one of the same name).
    pub(crate) fn define(&mut self, name: &str, tokens: TokenStream) {
        match MacroRules::parse(tokens) {
            Some(m) => {
                self.by_name.insert(name.to_string(), m);
            }
            None => {
                self.by_name.remove(name);
            }
        }
    }

    /// The macro an invocation `name!(..)` calls, when it is the file's
    /// and expansion is not too deep already.
    fn get(&mut self, mac: &syn::Macro) -> Option<Found<'_>> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        let too_many = self.expansions >= MAX_EXPANSIONS;
        if too_many
            || mac
                .tokens
                .clone()
                .into_iter()
                .nth(MAX_INPUT_TOKENS)
                .is_some()
        {
            let noted = too_many && self.over_budget.iter().any(|u| u.for_count);
            if !noted && let Some(name) = self.known_name(mac) {
                let line = mac.path.segments.first()?.ident.span().start().line;
                self.over_budget.push(Unexpanded {
                    line,
                    name,
                    for_count: too_many,
                });
            }
            return None;
        }
        let (name, bare) = invoked(mac)?;
        if bare && self.by_name.contains_key(&name) {
            self.expansions += 1;
            return self.by_name.get(&name).map(Found::Local);
        }
        let span = mac.path.segments.first()?.ident.span();
        let other = self.crate_wide.rules_at(&name, span)?;
        self.expansions += 1;
        Some(Found::Other(other))
    }

    /// The name of an invocation of one of the package's macros, if it is one.
    fn known_name(&self, mac: &syn::Macro) -> Option<String> {
        let (name, bare) = invoked(mac)?;
        ((bare && self.by_name.contains_key(&name)) || self.crate_wide.defines(&name))
            .then_some(name)
    }

    /// The items an item-position invocation of one of the file's macros writes.
    pub(crate) fn items(&mut self, mac: &syn::Macro) -> Option<Vec<syn::Item>> {
        self.get(mac)?.expand_items(mac.tokens.clone())
    }

    /// The associated items an invocation inside an `impl` block writes.
    pub(crate) fn impl_items(&mut self, mac: &syn::Macro) -> Option<Vec<syn::ImplItem>> {
        self.get(mac)?.expand_impl_items(mac.tokens.clone())
    }

    /// The expression an invocation in expression position writes
    /// (`let cache = arc_mut!(HashMap::new());`).
    pub(crate) fn expr(&mut self, mac: &syn::Macro) -> Option<syn::Expr> {
        let tokens = self.get(mac)?.expand(mac.tokens.clone())?;
        syn::parse2(tokens).ok()
    }

    /// The statements an invocation inside a function body writes.
    pub(crate) fn stmts(&mut self, mac: &syn::Macro) -> Option<Vec<syn::Stmt>> {
        let tokens = self.get(mac)?.expand(mac.tokens.clone())?;
        syn::Block::parse_within.parse2(tokens).ok()
    }
}

/// The macro an invocation names, `name!` or `crate::name!` (a
/// `#[macro_export]` one), and whether it is written bare.
fn invoked(mac: &syn::Macro) -> Option<(String, bool)> {
    let segs: Vec<String> = mac
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segs.as_slice() {
        [name] => Some((name.clone(), true)),
        [first, .., name] if matches!(first.as_str(), "crate" | "self" | "super") => {
            Some((name.clone(), false))
        }
        _ => None,
    }
}

fn parse_matcher(tokens: TokenStream) -> Option<Vec<Matcher>> {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            TokenTree::Punct(d) if d.as_char() == '$' => match toks.get(i + 1)? {
                TokenTree::Ident(name) => {
                    let (TokenTree::Punct(colon), TokenTree::Ident(frag)) =
                        (toks.get(i + 2)?, toks.get(i + 3)?)
                    else {
                        return None;
                    };
                    if colon.as_char() != ':' {
                        return None;
                    }
                    out.push(Matcher::Var(name.to_string(), fragment(&frag.to_string())?));
                    i += 4;
                }
                TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                    let inner = parse_matcher(g.stream())?;
                    let (separator, op, used) = repetition_tail(&toks[i + 2..])?;
                    out.push(Matcher::Repeat {
                        inner,
                        separator,
                        at_most_one: op == '?',
                        at_least_one: op == '+',
                    });
                    i += 2 + used;
                }
                _ => return None,
            },
            TokenTree::Group(g) => {
                out.push(Matcher::Group(g.delimiter(), parse_matcher(g.stream())?));
                i += 1;
            }
            other => {
                out.push(Matcher::Token(other.to_string()));
                i += 1;
            }
        }
    }
    Some(out)
}

/// After `$( .. )`: an optional separator token and `*`, `+` or `?`;
/// also how many tokens those were.
fn repetition_tail(rest: &[TokenTree]) -> Option<(Option<String>, char, usize)> {
    let op = |t: &TokenTree| match t {
        TokenTree::Punct(p) if matches!(p.as_char(), '*' | '+' | '?') => Some(p.as_char()),
        _ => None,
    };
    let first = rest.first()?;
    // A separator is never itself `*`, `+` or `?`.
    if let Some(o) = op(first) {
        return Some((None, o, 1));
    }
    let o = op(rest.get(1)?)?;
    Some((Some(first.to_string()), o, 2))
}

fn fragment(name: &str) -> Option<Fragment> {
    Some(match name {
        "ident" => Fragment::Ident,
        "tt" => Fragment::Tt,
        "lifetime" => Fragment::Lifetime,
        "literal" => Fragment::Literal,
        "block" => Fragment::Block,
        "ty" => Fragment::Ty,
        "path" => Fragment::Path,
        "expr" | "expr_2021" => Fragment::Expr,
        "pat" | "pat_param" => Fragment::Pat,
        "stmt" => Fragment::Stmt,
        "item" => Fragment::Item,
        "vis" => Fragment::Vis,
        "meta" => Fragment::Meta,
        _ => return None,
    })
}

/// Matches the matchers against the start of `input`; how many tokens they took.
fn match_seq(ms: &[Matcher], input: &[TokenTree], binds: &mut Bindings) -> Option<usize> {
    let mut at = 0;
    for m in ms {
        at += match_one(m, &input[at..], binds)?;
    }
    Some(at)
}

fn match_one(m: &Matcher, input: &[TokenTree], binds: &mut Bindings) -> Option<usize> {
    match m {
        Matcher::Token(t) => (input.first()?.to_string() == *t).then_some(1),
        Matcher::Group(delim, inner) => {
            let TokenTree::Group(g) = input.first()? else {
                return None;
            };
            if g.delimiter() != *delim {
                return None;
            }
            let toks: Vec<TokenTree> = g.stream().into_iter().collect();
            (match_seq(inner, &toks, binds)? == toks.len()).then_some(1)
        }
        Matcher::Var(name, frag) => {
            let n = fragment_len(*frag, input)?;
            binds.insert(name.clone(), Binding::One(input[..n].to_vec()));
            Some(n)
        }
        Matcher::Repeat {
            inner,
            separator,
            at_most_one,
            at_least_one,
        } => {
            let mut names = Vec::new();
            matcher_vars(inner, &mut names);
            let mut runs: Vec<Bindings> = Vec::new();
            let mut at = 0;
            loop {
                if *at_most_one && !runs.is_empty() {
                    break;
                }
                let mut start = at;
                if !runs.is_empty()
                    && let Some(sep) = separator
                {
                    match input.get(at) {
                        Some(t) if t.to_string() == *sep => start += 1,
                        _ => break,
                    }
                }
                let mut b = Bindings::new();
                match match_seq(inner, &input[start..], &mut b) {
                    // A run that takes nothing would repeat forever.
                    Some(n) if n > 0 || inner.is_empty() => {
                        runs.push(b);
                        at = start + n;
                        if n == 0 {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            if *at_least_one && runs.is_empty() {
                return None;
            }
            for name in names {
                let each = runs
                    .iter()
                    .map(|r| r.get(&name).cloned().unwrap_or(Binding::Many(Vec::new())))
                    .collect();
                binds.insert(name, Binding::Many(each));
            }
            Some(at)
        }
    }
}

fn matcher_vars(ms: &[Matcher], out: &mut Vec<String>) {
    for m in ms {
        match m {
            Matcher::Var(name, _) => out.push(name.clone()),
            Matcher::Group(_, inner) | Matcher::Repeat { inner, .. } => matcher_vars(inner, out),
            Matcher::Token(_) => {}
        }
    }
}

/// How many of the leading tokens a fragment takes.
fn fragment_len(frag: Fragment, input: &[TokenTree]) -> Option<usize> {
    let first = input.first();
    match frag {
        Fragment::Ident => matches!(first?, TokenTree::Ident(_)).then_some(1),
        Fragment::Tt => first.map(|_| 1),
        Fragment::Lifetime => match (first?, input.get(1)?) {
            (TokenTree::Punct(p), TokenTree::Ident(_)) if p.as_char() == '\'' => Some(2),
            _ => None,
        },
        Fragment::Literal => match first? {
            TokenTree::Literal(_) => Some(1),
            TokenTree::Ident(i) if i == "true" || i == "false" => Some(1),
            TokenTree::Punct(p) if p.as_char() == '-' => {
                matches!(input.get(1)?, TokenTree::Literal(_)).then_some(2)
            }
            _ => None,
        },
        Fragment::Block => {
            matches!(first?, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace).then_some(1)
        }
        Fragment::Ty => parsed_len::<syn::Type>(input),
        Fragment::Path => parsed_len::<syn::Path>(input),
        Fragment::Expr => parsed_len::<syn::Expr>(input),
        Fragment::Stmt => parsed_len::<syn::Stmt>(input),
        Fragment::Item => parsed_len::<syn::Item>(input),
        Fragment::Vis => parsed_len::<syn::Visibility>(input),
        Fragment::Meta => parsed_len::<syn::Meta>(input),
        Fragment::Pat => {
            let stream: TokenStream = input.iter().cloned().collect();
            let parser = |s: ParseStream<'_>| {
                syn::Pat::parse_single(s)?;
                let rest: TokenStream = s.parse()?;
                Ok(rest.into_iter().count())
            };
            parser.parse2(stream).ok().map(|rest| input.len() - rest)
        }
    }
}

/// The tokens a `syn` parse of `T` takes from the start of `input`.
fn parsed_len<T: syn::parse::Parse>(input: &[TokenTree]) -> Option<usize> {
    let stream: TokenStream = input.iter().cloned().collect();
    let parser = |s: ParseStream<'_>| {
        s.parse::<T>()?;
        let rest: TokenStream = s.parse()?;
        Ok(rest.into_iter().count())
    };
    parser.parse2(stream).ok().map(|rest| input.len() - rest)
}

/// Writes a rule's body with its variables replaced; `at` picks, for each
/// enclosing repetition, which run is being written.
fn transcribe(body: TokenStream, binds: &Bindings, at: &[usize]) -> Option<TokenStream> {
    let toks: Vec<TokenTree> = body.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if out.len() > MAX_TOKENS {
            return None;
        }
        match &toks[i] {
            TokenTree::Punct(d) if d.as_char() == '$' => match toks.get(i + 1) {
                Some(TokenTree::Ident(name)) if name == "crate" => {
                    out.push(TokenTree::Ident(Ident::new("crate", name.span())));
                    i += 2;
                }
                Some(TokenTree::Ident(name)) => {
                    out.extend(lookup(binds.get(&name.to_string())?, at)?.iter().cloned());
                    i += 2;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let (separator, _, used) = repetition_tail(&toks[i + 2..])?;
                    let runs = runs_of(g.stream(), binds, at)?;
                    for run in 0..runs {
                        if run > 0
                            && let Some(sep) = &separator
                        {
                            out.extend(separator_tokens(sep, &toks[i + 2]));
                        }
                        let mut inner_at = at.to_vec();
                        inner_at.push(run);
                        out.extend(transcribe(g.stream(), binds, &inner_at)?);
                    }
                    i += 2 + used;
                }
                _ => {
                    out.push(toks[i].clone());
                    i += 1;
                }
            },
            TokenTree::Group(g) => {
                let mut ng = Group::new(g.delimiter(), transcribe(g.stream(), binds, at)?);
                ng.set_span(g.span());
                out.push(TokenTree::Group(ng));
                i += 1;
            }
            other => {
                out.push(other.clone());
                i += 1;
            }
        }
    }
    Some(out.into_iter().collect())
}

/// The separator as written (`,`, `;`, or a token like `=>` kept as it was).
fn separator_tokens(sep: &str, written: &TokenTree) -> Vec<TokenTree> {
    match written {
        TokenTree::Punct(p) if sep.len() == 1 => {
            let mut np = Punct::new(p.as_char(), Spacing::Alone);
            np.set_span(p.span());
            vec![TokenTree::Punct(np)]
        }
        other => vec![other.clone()],
    }
}

/// The binding of a variable at the current repetition.
fn lookup<'b>(b: &'b Binding, at: &[usize]) -> Option<&'b [TokenTree]> {
    match (b, at) {
        (Binding::One(t), _) => Some(t),
        (Binding::Many(each), [first, rest @ ..]) => lookup(each.get(*first)?, rest),
        (Binding::Many(_), []) => None,
    }
}

/// How many times a `$( .. )` of the body repeats: the run count of the
/// repeated variables it names (they must agree).
fn runs_of(body: TokenStream, binds: &Bindings, at: &[usize]) -> Option<usize> {
    let mut names = Vec::new();
    body_vars(body, &mut names);
    let mut count = None;
    for name in names {
        let Some(b) = binds.get(&name) else { continue };
        let mut b = b;
        for &i in at {
            match b {
                Binding::Many(each) => b = each.get(i)?,
                Binding::One(_) => break,
            }
        }
        if let Binding::Many(each) = b {
            match count {
                None => count = Some(each.len()),
                Some(c) if c != each.len() => return None,
                Some(_) => {}
            }
        }
    }
    count
}

fn body_vars(body: TokenStream, out: &mut Vec<String>) {
    let toks: Vec<TokenTree> = body.into_iter().collect();
    for (i, t) in toks.iter().enumerate() {
        match t {
            TokenTree::Ident(name)
                if i > 0 && matches!(&toks[i - 1], TokenTree::Punct(d) if d.as_char() == '$') =>
            {
                out.push(name.to_string());
            }
            TokenTree::Group(g) => body_vars(g.stream(), out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(src: &str) -> MacroRules {
        let m: syn::ItemMacro = syn::parse_str(src).expect("a macro_rules");
        MacroRules::parse(m.mac.tokens).expect("rules it understands")
    }

    /// The expansion's text without spaces (token spacing is not the point).
    fn expand(m: &MacroRules, input: &str) -> Option<String> {
        let input: TokenStream = input.parse().expect("tokens");
        m.expand(input).map(|t| t.to_string().replace(' ', ""))
    }

    #[test]
    fn substitutes_fragments() {
        let m = rules(
            "macro_rules! connimpl { ($c:ident, $t:ty) => { impl $c { fn f(&self) -> $t { Default::default() } } }; }",
        );
        let out = expand(&m, "Sync, HashMap<u8, Vec<u8>>").expect("matches");
        assert_eq!(
            out,
            "implSync{fnf(&self)->HashMap<u8,Vec<u8>>{Default::default()}}"
        );
    }

    #[test]
    fn repetitions_with_separators() {
        let m = rules(
            "macro_rules! bounds { ($c:ident $(, $ss:tt)*) => { type F = Box<dyn Fn(&$c) $(+ $ss)* + 'static>; }; }",
        );
        let out = expand(&m, "Conn, Send, Sync").expect("matches");
        assert_eq!(out, "typeF=Box<dynFn(&Conn)+Send+Sync+'static>;");
        let out = expand(&m, "Conn").expect("zero runs");
        assert_eq!(out, "typeF=Box<dynFn(&Conn)+'static>;");
        let items = m
            .expand_items("Conn, Send".parse().unwrap())
            .expect("items");
        assert_eq!(items.len(), 1);
    }

    #[test]
    fn rules_are_tried_in_order() {
        let m =
            rules("macro_rules! pick { (one $e:expr) => { 1 }; ($($e:expr),+) => { $($e);* }; }");
        assert_eq!(expand(&m, "one 5").as_deref(), Some("1"));
        assert_eq!(expand(&m, "a, b.c(), 3").as_deref(), Some("a;b.c();3"));
        assert_eq!(expand(&m, ""), None);
    }

    #[test]
    fn long_invocations_and_too_many_are_not_expanded() {
        let mut macros = LocalMacros::default();
        let def: syn::ItemMacro = syn::parse_str(
            "macro_rules! table { ($($e:expr),*) => { const _: &[u64] = &[$($e),*]; }; }",
        )
        .unwrap();
        macros.define("table", def.mac.tokens);
        let call = |n: usize| -> syn::Macro {
            let items: Vec<String> = (0..n).map(|i| format!("{i} + {i}")).collect();
            syn::parse_str(&format!("table!({})", items.join(","))).unwrap()
        };
        // `n + n` and a comma: 64 entries (255 tokens) fit in the limit, 65
        // do not (matching them would cost the square of the length).
        assert!(macros.items(&call(64)).is_some());
        assert!(macros.items(&call(65)).is_none());
        let short = call(2);
        let mut expanded = 1;
        while macros.items(&short).is_some() {
            expanded += 1;
        }
        assert_eq!(expanded, MAX_EXPANSIONS);
    }

    #[test]
    fn unknown_shapes_are_left_alone() {
        let m: syn::ItemMacro = syn::parse_str("macro_rules! odd { ($x:weird) => {}; }").unwrap();
        assert!(MacroRules::parse(m.mac.tokens).is_none());
        let m = rules("macro_rules! two { ($a:ident) => { $a $b }; }");
        assert_eq!(expand(&m, "x"), None);
    }
}
