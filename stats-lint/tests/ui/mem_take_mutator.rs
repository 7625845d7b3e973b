// UI test: a `&mut self` method that takes, replaces or swaps out a map
// field (`std::mem::take(&mut self.current)`) mutates it, like one that
// calls a map method on it. Every lint runs.
use parking_lot::{Mutex, MutexGuard};
use std::collections::BTreeMap;
use std::mem;
use std::sync::LazyLock;

#[derive(Default)]
pub struct Profiler {
    current: BTreeMap<u32, u32>,
    previous: BTreeMap<u32, u32>,
    frames: u64,
}

impl Profiler {
    pub fn lock() -> MutexGuard<'static, Self> {
        static GLOBAL: LazyLock<Mutex<Profiler>> = LazyLock::new(Default::default);
        GLOBAL.lock()
    }

    pub fn new_frame(&mut self) -> BTreeMap<u32, u32> {
        self.frames += 1;
        std::mem::take(&mut self.current)
    }

    pub fn rotate(&mut self) {
        mem::swap(&mut self.current, &mut self.previous);
    }

    pub fn frames(&mut self) -> u64 {
        let frames = mem::replace(&mut self.frames, 0);
        frames + 1
    }
}

pub fn end_frame() {
    Profiler::lock().new_frame(); //~ shared_map_mutation
    Profiler::lock().rotate(); //~ shared_map_mutation
}

// ---- not flagged ----

pub fn count() -> u64 {
    Profiler::lock().frames()
}
