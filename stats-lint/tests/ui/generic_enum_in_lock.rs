// UI test: the package's generic enum that holds nothing but its type
// parameter (`enum Phase<T> { Ready, Running(T) }`) holds its argument as
// an `Option` does: `Mutex<Phase<Globals>>` guards the maps of `Globals`,
// `Phase::Running(g)` takes it out, and the whole value replaced
// (`*phase = ..`, `mem::replace`) replaces them. Every lint runs.
use std::collections::HashMap;
use std::sync::Mutex;

pub enum Phase<T> {
    Ready,
    Running(T),
    Done(T),
}

pub struct Globals {
    backtraces: HashMap<u64, usize>,
}

impl Globals {
    fn record(&mut self, bt: u64) {
        self.backtraces.insert(bt, 1);
    }
}

pub static GLOBALS: Mutex<Phase<Globals>> = Mutex::new(Phase::Ready);

pub fn record(bt: u64) {
    let phase: &mut Phase<Globals> = &mut GLOBALS.lock().unwrap(); //~ poison_cascade
    if let Phase::Running(g) = phase {
        g.record(bt); //~ shared_map_mutation
    }
}

pub fn start() {
    let phase: &mut Phase<Globals> = &mut GLOBALS.lock().unwrap(); //~ poison_cascade
    *phase = Phase::Running(Globals { backtraces: HashMap::new() }); //~ shared_map_mutation
}

pub fn stop() {
    let mut phase = GLOBALS.lock().unwrap(); //~ poison_cascade
    match std::mem::replace(&mut *phase, Phase::Ready) { //~ shared_map_mutation
        Phase::Done(g) | Phase::Running(g) => drop(g),
        Phase::Ready => {}
    }
}

// ---- not flagged ----

/// Two parameters held: not an `Option`-like holder of either.
pub enum Either<A, B> {
    Left(A),
    Right(B),
}

pub static PAIR: Mutex<Either<Globals, u8>> = Mutex::new(Either::Right(0));

pub fn pair(bt: u64) {
    if let Ok(mut g) = PAIR.lock()
        && let Either::Left(g) = &mut *g
    {
        g.record(bt);
    }
}

/// A variant of the same name in an enum of concrete fields: its own field.
pub enum Job {
    Running(u64),
}

pub static JOB: Mutex<Job> = Mutex::new(Job::Running(0));

pub fn job() -> u64 {
    let Job::Running(n) = &*JOB.lock().unwrap_or_else(|p| p.into_inner());
    *n
}
