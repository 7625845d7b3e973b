// UI test: a lock helper that returns the package's own `Deref` wrapper
// around a guard (`Timed<RwLockWriteGuard<'_, Locked>>`) gives that guard;
// an accessor that returns `Result<&mut Tracker, E>`, taken out by `?`,
// gives the `Tracker`. Every lint runs.
use parking_lot::{RwLock, RwLockWriteGuard};
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

pub struct Timed<T>(T);

impl<T> Deref for Timed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Timed<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

pub struct Tracker {
    inflight: HashMap<u32, u32>,
}

impl Tracker {
    pub fn take(&mut self, k: u32) -> Option<u32> {
        self.inflight.remove(&k)
    }

    pub fn pending(&self) -> usize {
        self.inflight.len()
    }
}

pub struct Locked {
    pieces: Option<Tracker>,
    peers: HashMap<u32, u32>,
}

impl Locked {
    pub fn get_pieces_mut(&mut self) -> Result<&mut Tracker, ()> {
        self.pieces.as_mut().ok_or(())
    }
}

pub struct Live {
    locked: RwLock<Locked>,
}

impl Live {
    pub fn lock_write(&self, _reason: &'static str) -> Timed<RwLockWriteGuard<'_, Locked>> {
        Timed(self.locked.write())
    }
}

pub fn add_peer(live: Arc<Live>) {
    let mut g = live.lock_write("add_peer");
    g.peers.insert(1, 1); //~ shared_map_mutation
}

pub fn release(live: Arc<Live>) -> Result<(), ()> {
    let mut g = live.lock_write("release");
    g.get_pieces_mut()?.take(1); //~ shared_map_mutation
    Ok(())
}

pub fn start(live: Arc<Live>) {
    let other = Arc::clone(&live);
    std::thread::spawn(move || add_peer(other));
}

// ---- not flagged ----

pub fn pending(live: Arc<Live>) -> Result<usize, ()> {
    let mut g = live.lock_write("pending");
    Ok(g.get_pieces_mut()?.pending())
}
