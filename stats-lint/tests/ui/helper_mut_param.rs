// UI test: a shared map handed as `&mut` to a function of the package that
// mutates it (a free function, `Self::helper(&mut inner, ..)`, a method
// `self.apply(&mut guard)`, a helper that mutates a field of what it is
// handed (also a field of a field, `w.infos.received.insert(..)`, or through
// a binding of one, `let infos = &mut w.infos;`) or calls its `&mut self`
// mutator, also one of a field of it (`store.ban_list.ban(ip)`, not a
// method that only reads; two shared maps handed to one call are reported
// at each), or a map method on what its accessor hands back
// (`state.tasks_mut().retain(..)`, also bound first, `let t =
// state.tasks_mut();`, and with the parameter typed by an alias of a
// guard), or a mutator on what its accessor hands back
// (`g.hidden_set_mut().hide(id)`), also on a guard moved in by value, a
// `&mut` bound to a name first,
// a write guard moved in, the package's `&mut` wrapper taken from a guard
// and moved in, a helper that replaces the whole map, `*p = new`,
// or empties it with `mem::take(p)`): the finding is where the map is handed over. The
// helper's own `&mut` parameter stays exclusive there.
// Every lint runs.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

type Store = HashMap<String, BTreeMap<String, Vec<u8>>>;

fn remove_from(store: &mut Store, ns: &str, key: &str) -> bool {
    store
        .get_mut(ns)
        .map(|b| b.remove(key).is_some())
        .unwrap_or(false)
}

fn unlock_all(locks: &mut MutexGuard<'_, HashMap<u64, u32>>, ids: &[u64]) {
    for id in ids {
        locks.remove(id);
    }
}

#[derive(Default)]
struct Zone {
    records: BTreeMap<String, String>,
    serial: u32,
}

impl Zone {
    fn insert(&mut self, name: String) {
        self.records.insert(name, String::new());
    }

    fn upsert(&mut self, name: String, data: String) -> bool {
        self.serial += 1;
        self.records.insert(name, data).is_none()
    }
}

#[derive(Clone, Default)]
pub struct Db {
    store: Arc<RwLock<Store>>,
    locks: Arc<Mutex<HashMap<u64, u32>>>,
    zone: Arc<RwLock<Zone>>,
}

impl Db {
    fn add_record(zone: &mut Zone, name: String) -> bool {
        zone.upsert(name, String::new())
    }

    fn put_record(zone: &mut Zone, name: String) {
        zone.insert(name)
    }

    fn clear_records(zone: &mut Zone) {
        zone.records.clear();
    }

    fn drop_locks(&self, locks: &mut HashMap<u64, u32>) {
        locks.clear();
    }

    fn rewrite(&self, locks: &mut HashMap<u64, u32>) {
        let mut fresh = HashMap::with_capacity(locks.len());
        fresh.insert(0, 0);
        *locks = fresh;
    }

    fn drain_into(locks: &mut HashMap<u64, u32>, out: &mut Vec<u64>) {
        out.extend(std::mem::take(locks).into_keys());
    }

    pub fn remove(&self, ns: &str, key: &str) -> bool {
        let mut g = self.store.write().unwrap_or_else(PoisonError::into_inner);
        remove_from(&mut g, ns, key) //~ shared_map_mutation
    }

    pub fn unlock(&self, ids: &[u64]) {
        let mut g = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        unlock_all(&mut g, ids); //~ shared_map_mutation
        self.drop_locks(&mut g); //~ shared_map_mutation
    }

    pub fn purge(&self) -> Vec<u64> {
        let mut g = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        self.rewrite(&mut g); //~ shared_map_mutation
        let mut out = Vec::new();
        Self::drain_into(&mut g, &mut out); //~ shared_map_mutation
        out
    }

    fn take_locks(mut locks: MutexGuard<'_, HashMap<u64, u32>>, id: u64) {
        locks.remove(&id);
    }

    pub fn release(&self, ns: &str, id: u64) {
        let mut g = self.store.write().unwrap_or_else(PoisonError::into_inner);
        let store = &mut *g;
        remove_from(store, ns, "k"); //~ shared_map_mutation
        Self::take_locks(self.locks.lock().unwrap_or_else(PoisonError::into_inner), id); //~ shared_map_mutation
    }

    pub fn add(&self, name: String) -> bool {
        let mut inner = self.zone.write().unwrap_or_else(PoisonError::into_inner);
        Self::clear_records(&mut inner); //~ shared_map_mutation
        Self::put_record(&mut inner, name.clone()); //~ shared_map_mutation
        Self::add_record(&mut inner, name) //~ shared_map_mutation
    }

    /// The guard made in the argument itself.
    pub fn put(&self, name: String) {
        Self::put_record(&mut self.zone.write().unwrap_or_else(PoisonError::into_inner), name); //~ shared_map_mutation
    }
}

/// A tree of handlers: the package's enum whose `insert` mutates a branch's map.
pub enum Handlers {
    Leaf(u32),
    Branch(HashMap<String, Handlers>),
}

impl Handlers {
    pub fn insert(&mut self, key: &str, h: u32) {
        if let Self::Branch(children) = self {
            children.insert(key.to_owned(), Handlers::Leaf(h));
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Leaf(_) => 1,
            Self::Branch(children) => children.len(),
        }
    }
}

fn add_handler(handlers: &mut Handlers, key: &str, h: u32) {
    handlers.insert(key, h)
}

fn handler_count(handlers: &mut Handlers) -> usize {
    handlers.len()
}

pub struct Dealer {
    handlers: Arc<Mutex<Handlers>>,
}

impl Dealer {
    pub fn add(&self, key: &str, h: u32) -> usize {
        add_handler(&mut self.handlers.lock().unwrap_or_else(PoisonError::into_inner), key, h); //~ shared_map_mutation
        handler_count(&mut self.handlers.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The package's `&mut` wrapper of a registry, made from a guard.
pub struct Registry {
    paths: BTreeMap<u32, String>,
}

pub struct RegistryRefMut<'a> {
    registry: &'a mut Registry,
}

impl RegistryRefMut<'_> {
    pub fn register(&mut self, k: u32, v: String) {
        self.registry.paths.insert(k, v);
    }
}

impl Registry {
    pub fn modify(&mut self) -> RegistryRefMut<'_> {
        RegistryRefMut { registry: self }
    }
}

pub struct Manager {
    registry: Arc<Mutex<Registry>>,
}

impl Manager {
    fn on_new_file(mut registry: RegistryRefMut<'_>, k: u32) {
        registry.register(k, String::new());
    }

    fn count_files(registry: RegistryRefMut<'_>) -> usize {
        registry.registry.paths.len()
    }

    /// Another crate's borrowing type moved in: its map methods were
    /// reported where it was made (`entry`), not again at the helper.
    fn remove_entry(entry: std::collections::btree_map::Entry<'_, u32, String>) {
        if let std::collections::btree_map::Entry::Occupied(e) = entry {
            e.remove();
        }
    }

    pub fn forget(&self, k: u32) {
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        Self::remove_entry(registry.paths.entry(k)); //~ shared_map_mutation
    }

    pub fn watch(&self, k: u32) -> usize {
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        Self::on_new_file(registry.modify(), k); //~ shared_map_mutation
        Self::count_files(registry.modify())
    }
}

// ---- not flagged ----

fn count(store: &mut Store) -> usize {
    store.len()
}

impl Db {
    pub fn size(&self) -> usize {
        let mut g = self.store.write().unwrap_or_else(PoisonError::into_inner);
        count(&mut g)
    }
}

/// Replaces what it is handed only through a field of it, a `Vec`.
fn reset_len(v: &mut Vec<u64>) {
    *v = Vec::new();
}

impl Db {
    pub fn touch(&self) {
        let mut ids = vec![1];
        reset_len(&mut ids);
    }
}

pub fn local(ns: &str) -> bool {
    let mut own = Store::new();
    remove_from(&mut own, ns, "k")
}

#[derive(Default)]
pub struct EntityInfos {
    received: HashMap<u32, u32>,
}

#[derive(Default)]
pub struct World {
    chunks: Vec<u8>,
    infos: EntityInfos,
}

fn note_update(world: &mut World, id: u32) {
    let infos = &mut world.infos;
    infos.received.insert(id, 1);
}

fn note_direct(world: &mut World, id: u32) {
    world.infos.received.remove(&id);
}

fn count_chunks(world: &mut World) -> usize {
    let infos = &mut world.infos;
    let infos = &mut world.chunks;
    infos.push(0);
    infos.len()
}

pub fn on_packet(world: &Arc<RwLock<World>>, id: u32) -> usize {
    let mut g = world.write().unwrap(); //~ poison_cascade
    note_update(&mut g, id); //~ shared_map_mutation
    note_direct(&mut g, id); //~ shared_map_mutation
    count_chunks(&mut g)
}

/// Hands a field of its parameter on to itself: the paths it mutates are
/// bounded, and the linter ends.
pub struct Node {
    seen: HashMap<u32, u32>,
    child: Box<Node>,
}

fn mark(node: &mut Node, id: u32) {
    node.seen.insert(id, 1);
    if id > 0 {
        mark(&mut node.child, id - 1);
    }
}

pub fn mark_all(root: &Mutex<Node>, id: u32) {
    mark(&mut root.lock().unwrap(), id); //~ poison_cascade shared_map_mutation
}

/// A guard handed in an `Option` (`Some(&mut guard)`) to a helper that
/// mutates what it matches out of it.
pub struct StorePool {
    pool: Arc<RwLock<HashMap<u32, String>>>,
}

impl StorePool {
    pub fn close(&self, id: u32, given: Option<&mut std::sync::RwLockWriteGuard<'_, HashMap<u32, String>>>) {
        if let Some(g) = given {
            g.remove(&id);
        }
    }

    pub fn peek(&self, id: u32, given: Option<&mut HashMap<u32, String>>) -> bool {
        given.is_some_and(|g| g.contains_key(&id))
    }

    pub fn reopen(&self, id: u32) -> bool {
        let mut g = self.pool.write().unwrap(); //~ poison_cascade
        self.close(id, Some(&mut g)); //~ shared_map_mutation
        self.peek(id, Some(&mut g))
    }
}

/// A helper that replaces a field holding the package's enum with a map in
/// a variant (`p.backend = Some(..)`); one that replaces an `Arc` field
/// leaves the old value's map to its other owners.
pub struct CargoRuntime {
    files: std::collections::HashSet<String>,
}

pub enum Backend {
    Idle,
    Cargo { runtime: CargoRuntime },
}

pub struct LspState {
    backend: Option<Backend>,
    shared: Option<Arc<CargoRuntime>>,
}

fn init_backend(state: &mut LspState) {
    state.backend = Some(Backend::Cargo {
        runtime: CargoRuntime {
            files: Default::default(),
        },
    });
}

fn share_runtime(state: &mut LspState, runtime: Arc<CargoRuntime>) {
    state.shared = Some(runtime);
}

pub fn on_initialize(state: &Arc<RwLock<LspState>>, runtime: Arc<CargoRuntime>) {
    let mut s = state.write().unwrap(); //~ poison_cascade
    init_backend(&mut s); //~ shared_map_mutation
    share_runtime(&mut s, runtime);
}

#[derive(Default)]
pub struct BanList {
    banned: HashMap<u32, u64>,
}

impl BanList {
    pub fn ban(&mut self, ip: u32) {
        self.banned.insert(ip, 0);
    }

    pub fn is_banned(&mut self, ip: u32) -> bool {
        self.banned.contains_key(&ip)
    }
}

#[derive(Default)]
pub struct PeerStore {
    ban_list: BanList,
}

fn ban_in(store: &mut PeerStore, ip: u32) {
    store.ban_list.ban(ip);
}

fn check_in(store: &mut PeerStore, ip: u32) -> bool {
    store.ban_list.is_banned(ip)
}

fn swap_bans(into: &mut PeerStore, from: &mut PeerStore) {
    into.ban_list.ban(1);
    from.ban_list.ban(2);
}

pub fn merge_peers(a: &Arc<Mutex<PeerStore>>, b: &Arc<Mutex<PeerStore>>) {
    let mut first = a.lock().unwrap(); //~ poison_cascade
    let mut second = b.lock().unwrap(); //~ poison_cascade
    swap_bans(&mut first, &mut second); //~ shared_map_mutation shared_map_mutation
}

pub fn ban_peer(peers: &Arc<Mutex<PeerStore>>, ip: u32) -> bool {
    ban_in(&mut peers.lock().unwrap(), ip); //~ poison_cascade shared_map_mutation
    check_in(&mut peers.lock().unwrap(), ip) //~ poison_cascade
}

pub struct Daemon {
    tasks: BTreeMap<usize, String>,
    paused: bool,
}

impl Daemon {
    pub fn tasks_mut(&mut self) -> &mut BTreeMap<usize, String> {
        &mut self.tasks
    }

    pub fn paused_mut(&mut self) -> &mut bool {
        &mut self.paused
    }
}

pub type LockedDaemon<'a> = MutexGuard<'a, Daemon>;

fn clean_finished(state: &mut LockedDaemon, keep: usize) {
    state.tasks_mut().retain(|id, _| *id < keep);
}

fn drop_task(state: &mut LockedDaemon, id: usize) {
    let tasks = state.tasks_mut();
    tasks.remove(&id);
}

fn pause_all(state: &mut LockedDaemon) {
    *state.paused_mut() = true;
}

pub fn tick(daemon: &Arc<Mutex<Daemon>>) {
    let mut state = daemon.lock().unwrap(); //~ poison_cascade
    clean_finished(&mut state, 10); //~ shared_map_mutation
    drop_task(&mut state, 3); //~ shared_map_mutation
    pause_all(&mut state);
}

#[derive(Default)]
pub struct HiddenSet {
    set: std::collections::HashSet<u64>,
}

impl HiddenSet {
    pub fn hide(&mut self, id: u64) {
        self.set.insert(id);
    }
}

#[derive(Default)]
pub struct CompactionState {
    hidden: HiddenSet,
}

impl CompactionState {
    pub fn hidden_set_mut(&mut self) -> &mut HiddenSet {
        &mut self.hidden
    }

    pub fn hide_all(&mut self) {
        self.hidden.hide(0);
    }
}

fn merge_tables(mut state: MutexGuard<'_, CompactionState>, id: u64) {
    state.hidden_set_mut().hide(id);
}

fn finish(mut state: MutexGuard<'_, CompactionState>) {
    state.hide_all();
}

pub fn compact(state: &Arc<Mutex<CompactionState>>) {
    let guard = state.lock().expect("lock"); //~ poison_cascade
    merge_tables(guard, 1); //~ shared_map_mutation
    finish(state.lock().expect("lock")); //~ poison_cascade shared_map_mutation
}
