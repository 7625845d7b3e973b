// UI test: a guard taken with `.lock().map_err(..)?` / `.write().map_err(..)?`
// is followed for the mutation lints; mapping the poison error and
// propagating it with `?` is not a panic, so it is no `poison_cascade`.
// Every lint runs.
use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, Mutex, RwLock};

static ROUTES: LazyLock<RwLock<HashMap<u64, String>>> = LazyLock::new(Default::default);
static SEEN: LazyLock<Mutex<BTreeMap<u64, u8>>> = LazyLock::new(Default::default);

#[derive(Debug)]
pub enum StoreError {
    Poisoned,
}

pub fn add_route(id: u64, to: String) -> Result<(), StoreError> {
    ROUTES
        .write()
        .map_err(|_| StoreError::Poisoned)?
        .insert(id, to); //~ shared_map_mutation
    Ok(())
}

pub fn mark(id: u64) -> Result<(), StoreError> {
    let mut seen = SEEN.lock().map_err(|_| StoreError::Poisoned)?;
    seen.remove(&id); //~ shared_map_mutation
    Ok(())
}

// ---- not flagged ----

// A read guard, read from.
pub fn route(id: u64) -> Result<Option<String>, StoreError> {
    let routes = ROUTES.read().map_err(|_| StoreError::Poisoned)?;
    Ok(routes.get(&id).cloned())
}

// A lock this function owns.
pub fn scratch() -> Result<usize, StoreError> {
    let local = Mutex::new(HashMap::new());
    local.lock().map_err(|_| StoreError::Poisoned)?.insert(1, 2);
    Ok(1)
}

// `map_err` on something that is not a lock result.
pub fn parse(s: &str) -> Result<u64, StoreError> {
    s.parse::<u64>().map_err(|_| StoreError::Poisoned)
}
