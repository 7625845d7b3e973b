//! Test modules that start no thread or task.
//!
//! `cargo test` runs tests on parallel threads, so a map two tests reach (a
//! `static`) is shared between threads. A value a test builds for itself is
//! not: in a `#[cfg(test)]` module whose code never starts a thread or a
//! task, or starts tasks only on its tests' current-thread runtimes, an
//! `Arc` or a type that holds a lock (a test double, a fixture) stays on
//! the test's own thread.

use syn::visit::Visit;

/// Names whose call (or mention, in a macro) starts work on another thread
/// or a task: `thread::spawn`, `tokio::spawn`, `spawn_blocking`,
/// `thread::scope`, rayon's parallel iterators and `join`.
use super::thread_reach::THREAD_NAMES as STARTS_THREADS;

/// Whether a module's attributes say `#[cfg(test)]` (also `cfg(all(test, ..))`).
pub(crate) fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.require_list().is_ok_and(|l| {
                let mut tokens = l.tokens.clone().into_iter();
                match tokens.next() {
                    Some(proc_macro2::TokenTree::Ident(i)) if i == "test" => tokens.next().is_none(),
                    Some(proc_macro2::TokenTree::Ident(i)) if i == "all" => {
                        matches!(tokens.next(), Some(proc_macro2::TokenTree::Group(g))
                            if g.stream().into_iter().any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "test")))
                    }
                    _ => false,
                }
            })
    })
}

/// Whether a function is a test: `#[test]`, `#[tokio::test]`, `#[rstest]`-like
/// attributes whose last segment is `test`.
pub(crate) fn is_test_fn(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().segments.last().is_some_and(|s| s.ident == "test"))
}

/// Whether a test's tasks run on its own thread: `#[tokio::test]` (a
/// current-thread runtime unless `flavor = "multi_thread"` or
/// `worker_threads` says otherwise) and actix's test runtimes.
pub(crate) fn runs_tasks_on_its_thread(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let segs: Vec<String> = a.path().segments.iter().map(|s| s.ident.to_string()).collect();
        let current_thread_runtime = matches!(
            segs.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ["tokio", "test"] | ["actix_rt", "test"] | ["actix_web", "test"] | ["ntex", "test"]
        );
        let threads = a.meta.require_list().is_ok_and(|l| {
            l.tokens.clone().into_iter().any(|t| {
                matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "worker_threads")
                    || matches!(&t, proc_macro2::TokenTree::Literal(l) if l.to_string().contains("multi_thread"))
            })
        });
        current_thread_runtime && !threads
    })
}

/// Whether a function body starts a thread or a task.
pub(crate) fn block_starts_threads(block: &syn::Block) -> bool {
    let mut s = Scan::default();
    s.visit_block(block);
    s.found
}

/// Whether any of these items starts a thread or a task (a name of
/// [`STARTS_THREADS`] in a path, a method call or a macro's tokens).
pub(crate) fn starts_threads(items: &[syn::Item]) -> bool {
    let mut s = Scan::default();
    for i in items {
        s.visit_item(i);
    }
    s.found
}

/// Whether every task these items start stays on the thread of the test
/// that starts it: each test among them (at least one) runs a
/// current-thread runtime (`#[tokio::test]`), and they start tasks only
/// with a path call (`tokio::spawn(..)`, `task::spawn_local(..)`), never a
/// thread (`thread::spawn`, `spawn_blocking`, `scope`, rayon, a runtime's
/// or a builder's `.spawn(..)`, a runtime built by hand).
pub(crate) fn tasks_stay_on_test_threads(items: &[syn::Item]) -> bool {
    let mut tests = Tests::default();
    let mut scan = Scan {
        tasks_allowed: true,
        found: false,
    };
    for i in items {
        tests.visit_item(i);
        scan.visit_item(i);
    }
    tests.current_thread > 0 && tests.other == 0 && !scan.found
}

/// How many tests run a current-thread runtime, and how many do not.
#[derive(Default)]
struct Tests {
    current_thread: usize,
    other: usize,
}

impl<'ast> Visit<'ast> for Tests {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if is_test_fn(&f.attrs) {
            if runs_tasks_on_its_thread(&f.attrs) {
                self.current_thread += 1;
            } else {
                self.other += 1;
            }
        }
        syn::visit::visit_item_fn(self, f);
    }
}

/// Path calls that start a task, not a thread, on a current-thread runtime.
const TASK_SPAWNS: &[&str] = &["spawn", "spawn_local"];
/// Names that build a runtime by hand (it may have worker threads).
const BUILDS_RUNTIME: &[&str] = &["Runtime", "new_multi_thread", "block_in_place"];

/// Finds what starts a thread or a task; with `tasks_allowed`, only what
/// starts a thread, a path call of `spawn`/`spawn_local` (not
/// `thread::spawn`) counting as a task.
#[derive(Default)]
struct Scan {
    tasks_allowed: bool,
    found: bool,
}

impl Scan {
    /// Whether one name (a path segment, `after_thread` when the segment
    /// before it is `thread`, or a macro's token) starts a thread, or a
    /// task when tasks count.
    fn starts(&self, name: &str, after_thread: bool) -> bool {
        if !self.tasks_allowed {
            return STARTS_THREADS.contains(&name);
        }
        if TASK_SPAWNS.contains(&name) {
            return after_thread;
        }
        STARTS_THREADS.contains(&name) || BUILDS_RUNTIME.contains(&name)
    }

    fn mentions(&self, tokens: proc_macro2::TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            // In a macro's tokens a bare `thread` is taken for `thread::spawn`.
            proc_macro2::TokenTree::Ident(i) => {
                let name = i.to_string();
                self.starts(&name, false) || (self.tasks_allowed && name == "thread")
            }
            proc_macro2::TokenTree::Group(g) => self.mentions(g.stream()),
            _ => false,
        })
    }
}

impl<'ast> Visit<'ast> for Scan {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let mut after_thread = false;
        for seg in &p.segments {
            let name = seg.ident.to_string();
            self.found |= self.starts(&name, after_thread);
            after_thread = name == "thread";
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        // A method `spawn` is a runtime's or a thread builder's.
        self.found |= STARTS_THREADS.iter().any(|n| m.method == n);
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.found |= self.mentions(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(src: &str) -> syn::ItemMod {
        syn::parse_str(src).expect("a module")
    }

    #[test]
    fn cfg_test_attributes() {
        assert!(is_cfg_test(&module("#[cfg(test)] mod t {}").attrs));
        assert!(is_cfg_test(
            &module("#[cfg(all(test, unix))] mod t {}").attrs
        ));
        assert!(!is_cfg_test(&module("#[cfg(not(test))] mod t {}").attrs));
        assert!(!is_cfg_test(
            &module("#[cfg(any(test, loom))] mod t {}").attrs
        ));
        assert!(!is_cfg_test(&module("mod t {}").attrs));
    }

    #[test]
    fn current_thread_test_runtimes() {
        let f = |src: &str| syn::parse_str::<syn::ItemFn>(src).expect("a fn").attrs;
        assert!(runs_tasks_on_its_thread(&f(
            "#[tokio::test] async fn t() {}"
        )));
        assert!(runs_tasks_on_its_thread(&f(
            "#[tokio::test(flavor = \"current_thread\")] async fn t() {}"
        )));
        assert!(!runs_tasks_on_its_thread(&f(
            "#[tokio::test(flavor = \"multi_thread\")] async fn t() {}"
        )));
        assert!(!runs_tasks_on_its_thread(&f(
            "#[tokio::test(worker_threads = 2)] async fn t() {}"
        )));
        assert!(!runs_tasks_on_its_thread(&f(
            "#[async_std::test] async fn t() {}"
        )));
        assert!(!runs_tasks_on_its_thread(&f("#[test] fn t() {}")));
    }

    #[test]
    fn tasks_on_current_thread_test_runtimes() {
        let items = |src: &str| module(src).content.map(|(_, i)| i).unwrap_or_default();
        assert!(tasks_stay_on_test_threads(&items(
            "mod t { #[tokio::test] async fn a() { tokio::spawn(async {}); } }"
        )));
        assert!(tasks_stay_on_test_threads(&items(
            "mod t { fn f() { task::spawn_local(x); } #[tokio::test] async fn a() { f(); } }"
        )));
        // A test on a multi-thread runtime, or a plain test among them.
        assert!(!tasks_stay_on_test_threads(&items(
            "mod t { #[tokio::test(flavor = \"multi_thread\")] async fn a() { tokio::spawn(x); } }"
        )));
        assert!(!tasks_stay_on_test_threads(&items(
            "mod t { #[tokio::test] async fn a() { tokio::spawn(x); } #[test] fn b() {} }"
        )));
        // A thread, a blocking pool, a runtime's spawn, a runtime built by hand.
        assert!(!tasks_stay_on_test_threads(&items(
            "mod t { #[tokio::test] async fn a() { std::thread::spawn(|| ()); } }"
        )));
        assert!(!tasks_stay_on_test_threads(&items(
            "mod t { #[tokio::test] async fn a() { tokio::task::spawn_blocking(|| ()); } }"
        )));
        assert!(!tasks_stay_on_test_threads(&items(
            "mod t { #[tokio::test] async fn a() { handle.spawn(x); } }"
        )));
        assert!(!tasks_stay_on_test_threads(&items(
            "mod t { #[test] fn a() { let rt = tokio::runtime::Runtime::new(); } }"
        )));
        assert!(!tasks_stay_on_test_threads(&items(
            "mod t { #[tokio::test] async fn a() { join!(thread::spawn(f)); } }"
        )));
        // No test at all.
        assert!(!tasks_stay_on_test_threads(&items(
            "mod t { fn f() { tokio::spawn(x); } }"
        )));
    }

    #[test]
    fn thread_starts() {
        let items = |src: &str| module(src).content.map(|(_, i)| i).unwrap_or_default();
        assert!(starts_threads(&items(
            "mod t { fn f() { std::thread::spawn(|| ()); } }"
        )));
        assert!(starts_threads(&items(
            "mod t { async fn f() { tokio::spawn(async {}); } }"
        )));
        assert!(starts_threads(&items(
            "mod t { fn f() { v.par_iter().for_each(g); } }"
        )));
        assert!(starts_threads(&items(
            "mod t { fn f() { select! { _ = tokio::spawn(x) => {} } } }"
        )));
        assert!(starts_threads(&items(
            "mod t { fn f() { std::thread::scope(|s| ()); } }"
        )));
        assert!(!starts_threads(&items(
            "mod t { fn f() { let a = Arc::new(Mutex::new(1)); a.lock(); } }"
        )));
    }
}
