// UI test: the package's own enum whose variants hold data is followed
// like a struct with every variant's fields: a lock around one that owns a
// map guards that map, and the whole value replaced (`*state =
// GlobalPoolState::Initialized(..)`) replaces it. Every lint runs.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::DerefMut;
use std::sync::{Arc, Mutex};

pub struct Pool {
    active: HashSet<String>,
}

pub enum GlobalPoolState {
    Uninitialized,
    Initialized(Pool),
}

static GLOBAL: Mutex<GlobalPoolState> = Mutex::new(GlobalPoolState::Uninitialized);

pub fn init() {
    let mut state = GLOBAL.lock().expect("poisoned"); //~ poison_cascade
    *state = GlobalPoolState::Initialized(Pool { //~ shared_map_mutation
        active: HashSet::new(),
    });
}

// A map in a variant, bound by matching the guarded enum, or drained by
// the enum's own `&mut self` method.
pub enum Messenger {
    Requests(HashMap<u32, String>),
    Poisoned { reason: String },
}

impl Messenger {
    fn poison(&mut self, reason: String) {
        if let Self::Requests(map) = self {
            map.clear();
        }
        *self = Self::Poisoned { reason };
    }
}

pub fn request(state: &Arc<Mutex<Messenger>>, id: u32) {
    match state.lock().unwrap().deref_mut() { //~ poison_cascade
        Messenger::Requests(map) => {
            map.insert(id, String::new()); //~ shared_map_mutation
        }
        Messenger::Poisoned { .. } => {}
    }
    if let Messenger::Requests(map) = state.lock().unwrap().deref_mut() { //~ poison_cascade
        map.remove(&id); //~ shared_map_mutation
    }
    state.lock().unwrap().poison("gone".into()); //~ poison_cascade shared_map_mutation
}

// ---- not flagged ----

pub fn own_messenger(id: u32) {
    let mut m = Messenger::Requests(HashMap::new());
    if let Messenger::Requests(map) = &mut m {
        map.insert(id, String::new());
    }
    if let Messenger::Poisoned { reason } = &m {
        assert!(reason.is_empty());
    }
}

pub enum Phase {
    Idle,
    Running { since: u64 },
}

static PHASE: Mutex<Phase> = Mutex::new(Phase::Idle);

pub fn start(now: u64) {
    *PHASE.lock().expect("poisoned") = Phase::Running { since: now };
}

// A variant matched out of a field of `self` (also inside an `Option`, or
// a field of a field) by a `&mut self` method: the method mutates that map.
pub enum Reversal {
    Single(f64),
    ByFrame(BTreeMap<u8, f64>),
}

pub struct Kagi {
    reversal: Option<Reversal>,
}

pub struct Chart {
    kagi: Kagi,
    mode: Reversal,
}

impl Chart {
    pub fn enter(&mut self, frame: u8) {
        if let Some(Reversal::ByFrame(m)) = &mut self.kagi.reversal {
            m.insert(frame, 1.0);
        }
    }

    pub fn reset(&mut self) {
        match &mut self.mode {
            Reversal::ByFrame(m) => m.clear(),
            Reversal::Single(v) => *v = 0.0,
        }
    }

    pub fn frames(&mut self) -> usize {
        match &mut self.mode {
            Reversal::ByFrame(m) => m.len(),
            Reversal::Single(_) => 0,
        }
    }
}

pub fn configure(chart: &Arc<Mutex<Chart>>) -> usize {
    let mut c = chart.lock().unwrap(); //~ poison_cascade
    c.enter(1); //~ shared_map_mutation
    c.reset(); //~ shared_map_mutation
    c.frames()
}
