// UI test: the package's own enum whose variants hold data is followed
// like a struct with every variant's fields: a lock around one that owns a
// map guards that map. Every lint runs.
use std::collections::HashSet;
use std::sync::Mutex;

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
    *state = GlobalPoolState::Initialized(Pool {
        active: HashSet::new(),
    });
}

// ---- not flagged ----

pub enum Phase {
    Idle,
    Running { since: u64 },
}

static PHASE: Mutex<Phase> = Mutex::new(Phase::Idle);

pub fn start(now: u64) {
    *PHASE.lock().expect("poisoned") = Phase::Running { since: now };
}
