// UI test: the cell-held map of an `unsafe impl Sync` type mutated through
// a `&self` helper that hands out `&mut HashMap<..>`. Every lint runs.
use std::cell::UnsafeCell;
use std::collections::HashMap;

pub struct Blocks {
    live: UnsafeCell<HashMap<usize, usize>>,
}

unsafe impl Sync for Blocks {} //~ unsafe_sync_map

impl Blocks {
    #[allow(clippy::mut_from_ref)]
    fn live(&self) -> &mut HashMap<usize, usize> {
        unsafe { &mut *self.live.get() }
    }

    fn live_ref(&self) -> &HashMap<usize, usize> {
        unsafe { &*self.live.get() }
    }

    pub fn alloc(&self, at: usize, size: usize) {
        self.live().insert(at, size); //~ unsafe_sync_map
    }

    pub fn free(&self, at: usize) {
        let live = self.live();
        live.remove(&at); //~ unsafe_sync_map
    }

    // ---- not flagged ----

    pub fn size(&self, at: usize) -> Option<usize> {
        self.live_ref().get(&at).copied()
    }
}

// Not `Sync`: one thread only.
pub struct Single {
    live: UnsafeCell<HashMap<usize, usize>>,
}

impl Single {
    #[allow(clippy::mut_from_ref)]
    fn live(&self) -> &mut HashMap<usize, usize> {
        unsafe { &mut *self.live.get() }
    }

    pub fn alloc(&self, at: usize) {
        self.live().insert(at, 0);
    }
}
