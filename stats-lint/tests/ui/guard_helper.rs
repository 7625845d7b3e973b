// UI test: a guard returned by a lock helper whose return type is written out
// (`fn lock_inner(&self) -> MutexGuard<'_, Inner>`, a free
// `fn lock_all(m: &Arc<Mutex<T>>) -> RwLockWriteGuard<'_, T>`), and a value
// moved out of a guarded `Option` (`guard.replace(x)`, `guard.take()`).
// A helper that takes nothing to lock (`fn graph() -> impl DerefMut<Target =
// Graph>`) can only return a guard of a `static`. Every lint runs.
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock, RwLockReadGuard};

#[derive(Clone, Default)]
pub struct Queue(Arc<Mutex<Pending>>);

#[derive(Default)]
struct Pending {
    waiting: HashMap<u16, String>,
}

impl Queue {
    pub fn push(&self, id: u16, e: String) {
        self.lock_pending().waiting.insert(id, e); //~ shared_map_mutation
    }
    pub fn pop(&self, id: u16) {
        let mut g = self.lock_pending();
        g.waiting.remove(&id); //~ shared_map_mutation
    }
    pub fn len(&self) -> usize {
        self.lock_pending().waiting.len()
    }
    fn lock_pending(&self) -> MutexGuard<'_, Pending> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Default)]
struct Members {
    names: HashSet<String>,
}
type SharedMembers = Arc<RwLock<Members>>;

static MEMBERS: OnceLock<SharedMembers> = OnceLock::new();

fn members() -> SharedMembers {
    MEMBERS.get_or_init(Default::default).clone()
}

fn write_members(m: &SharedMembers) -> std::sync::RwLockWriteGuard<'_, Members> {
    m.write().unwrap_or_else(PoisonError::into_inner)
}

fn read_members(m: &SharedMembers) -> RwLockReadGuard<'_, Members> {
    m.read().unwrap_or_else(PoisonError::into_inner)
}

pub fn join(k: String) {
    let all = members();
    write_members(&all).names.insert(k); //~ shared_map_mutation
}

fn find_members(k: &str) -> Option<SharedMembers> {
    (!k.is_empty()).then(members)
}

pub fn leave(k: &str) {
    if let Some(all) = find_members(k) {
        write_members(&all).names.remove(k); //~ shared_map_mutation
    }
}

/// The helper given to `Option::map` by name, as `map(|m| write_members(m))`.
pub fn leave_maybe(k: &str) {
    let all = find_members(k);
    if let Some(mut g) = all.as_ref().map(write_members) {
        g.names.remove(k); //~ shared_map_mutation
    }
}

pub fn leave_all() -> HashSet<String> {
    let all = members();
    let mut g = write_members(&all);
    std::mem::take(&mut g.names) //~ shared_map_mutation
}

/// A guard helper taking `&mut self` of a type whose lock is in an `Arc`
/// field: its clones share that lock whoever holds `self`.
pub struct Watcher {
    data: Arc<Mutex<Pending>>,
}

impl Watcher {
    fn pending(&mut self) -> MutexGuard<'_, Pending> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
    pub fn watch(&mut self, id: u16) {
        self.pending().waiting.insert(id, String::new()); //~ shared_map_mutation
    }
}

// ---- a value moved out of a guarded `Option` ----

#[derive(Clone)]
pub struct Node {
    inner: Arc<NodeInner>,
}

struct NodeInner {
    id: u64,
    children: Mutex<HashMap<u64, Node>>,
    parent: Mutex<Option<Node>>,
}

pub fn reparent(child: &Node, parent: Node) {
    let previous = child.inner.parent.lock().unwrap().replace(parent);
    if let Some(prev) = previous {
        let mut kids = prev.inner.children.lock().unwrap(); //~ poison_cascade
        kids.remove(&child.inner.id); //~ shared_map_mutation
    }
}

pub fn orphan(child: &Node) {
    let mut g = child.inner.parent.lock().unwrap();
    if let Some(prev) = g.take() {
        prev.inner.children.lock().unwrap().remove(&child.inner.id); //~ poison_cascade shared_map_mutation
    }
}

#[derive(Default)]
pub struct Graph {
    nodes: HashMap<usize, usize>,
}

impl Graph {
    fn remove_node(&mut self, n: usize) -> bool {
        self.nodes.remove(&n).is_some()
    }
}

fn dependency_graph() -> impl std::ops::DerefMut<Target = Graph> {
    static GRAPH: OnceLock<Mutex<Graph>> = OnceLock::new();
    GRAPH
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

pub struct NodeId(usize);

impl Drop for NodeId {
    fn drop(&mut self) {
        dependency_graph().remove_node(self.0); //~ shared_map_mutation
    }
}

// ---- not flagged ----

// A helper that takes nothing and hands back a `RefCell` borrow, not a lock
// guard: the cell is the calling thread's.
pub struct Ui {
    windows: HashMap<u64, u32>,
}

impl Ui {
    fn same_line(&mut self, x: u64) {
        self.windows.insert(x, 0);
    }
}

fn root_ui(cell: &'static std::cell::RefCell<Ui>) -> impl std::ops::DerefMut<Target = Ui> {
    cell.borrow_mut()
}

fn leaked_ui() -> impl std::ops::DerefMut<Target = Ui> {
    let cell: &'static std::cell::RefCell<Ui> = Box::leak(Box::new(std::cell::RefCell::new(Ui {
        windows: HashMap::new(),
    })));
    cell.borrow_mut()
}

pub fn frame() {
    leaked_ui().same_line(1);
    let _ = root_ui;
}

// A helper's guard only read.
pub fn count() -> usize {
    read_members(&members()).names.len()
}

// A helper returning a guard of a lock the caller owns alone.
fn lock_local(m: &Mutex<HashMap<u8, u8>>) -> MutexGuard<'_, HashMap<u8, u8>> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub fn local() {
    let m = Mutex::new(HashMap::new());
    lock_local(&m).insert(1, 2);
}

// A helper of a type that is never shared, called through `&mut self`.
pub struct Solo {
    map: Mutex<HashMap<u8, u8>>,
}

impl Solo {
    fn lock_map(&self) -> MutexGuard<'_, HashMap<u8, u8>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
    pub fn put(&mut self) {
        self.lock_map().insert(1, 2);
    }
}

// A map taken out of a guarded `Option` is the caller's own (taking it
// empties the shared one, which is reported).
pub fn take_out(m: &Arc<Mutex<Option<HashMap<u8, u8>>>>) {
    let taken = m.lock().unwrap_or_else(PoisonError::into_inner).take(); //~ shared_map_mutation
    if let Some(mut own) = taken {
        own.insert(1, 2);
    }
}

fn main() {}
