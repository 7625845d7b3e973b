// UI test for `static_mut_map`. Lines with a `~ NAME` marker comment must be flagged.
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

static mut CACHE: Option<HashMap<String, u64>> = None; //~ static_mut_map
static mut LOCKED: Mutex<Vec<BTreeSet<u32>>> = Mutex::new(Vec::new()); //~ static_mut_map

type Index = HashMap<u32, u32>;
static mut BY_ALIAS: Option<Index> = None; //~ static_mut_map

struct Registry {
    entries: HashMap<String, String>,
}
static mut REGISTRY: Option<Registry> = None; //~ static_mut_map
pub static mut FAST: Option<hashbrown::HashMap<u8, u8>> = None; //~ static_mut_map

fn inside() {
    static mut LOCAL: Option<HashMap<u8, u8>> = None; //~ static_mut_map
}

// ---- not flagged ----

static mut COUNTER: u64 = 0;
static mut STATE: *mut Registry = std::ptr::null_mut();
static mut NAMES: Vec<String> = Vec::new();
static PLAIN: Mutex<Option<HashMap<u32, u32>>> = Mutex::new(None);
thread_local! {
    static TL: std::cell::RefCell<HashMap<u32, u32>> = Default::default();
}
