// UI test for suppressions: every lint is enabled in this file; only the
// marked lines are reported.
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

static HITS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);

#[cfg_attr(stats_lint, allow(stats_lint::static_mut_map))]
static mut LEGACY: Option<HashMap<u8, u8>> = None;

// stats-lint: allow(static_mut_map) kept for the FFI layer until v2
static mut FFI: Option<HashMap<u8, u8>> = None;

static mut NOT_ALLOWED: Option<HashMap<u8, u8>> = None; //~ static_mut_map

#[cfg_attr(stats_lint, allow(stats_lint::shared_map_mutation, stats_lint::poison_cascade))]
fn allowed_item(k: String) {
    HITS.lock().unwrap().insert(k, 1);
}

fn allowed_statement(k: String) {
    #[cfg_attr(stats_lint, allow(stats_lint::shared_map_mutation))]
    let _ = HITS.lock().unwrap_or_else(PoisonError::into_inner).insert(k.clone(), 1);
    // stats-lint: allow(shared_map_mutation, poison_cascade) reset at shutdown only
    HITS.lock().unwrap().clear();
    HITS.lock().unwrap_or_else(PoisonError::into_inner).remove(&k); //~ shared_map_mutation
}

fn allowed_expression(k: String) {
    let n = #[cfg_attr(stats_lint, allow(stats_lint::poison_cascade))]
    HITS.lock().unwrap().len();
    HITS.lock().unwrap().len(); //~ poison_cascade
}
