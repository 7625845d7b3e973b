// UI test: a one-parameter type that does not resolve, brought in by a glob
// import of another crate (`use bevy_ecs::prelude::*;`: `Res<Server>`,
// `Mut<Server>`), is read through to the package's struct, as a named
// import of it would be. Every lint runs.
use bevy_ecs::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockWriteGuard};

pub struct Infos {
    infos: HashMap<u32, String>,
}

impl Infos {
    pub fn forget(&mut self, k: u32) {
        self.infos.remove(&k);
    }
}

#[derive(Clone)]
pub struct Server {
    data: Arc<Data>,
}

pub struct Data {
    infos: RwLock<Infos>,
}

impl Server {
    pub fn write_infos(&self) -> RwLockWriteGuard<'_, Infos> {
        self.data.infos.write().unwrap_or_else(PoisonError::into_inner)
    }
}

pub fn track(server: Res<Server>) {
    let mut infos = server.write_infos();
    infos.forget(1); //~ shared_map_mutation
}

pub fn handle(world: &mut World) {
    world.resource_scope(|_world, server: Mut<Server>| {
        server.write_infos().forget(2); //~ shared_map_mutation
    });
}

// ---- not flagged ----

/// A channel end of another crate is not a `Deref` to what it carries.
pub fn send(tx: Sender<Infos>, infos: Infos) {
    let _ = tx.send(infos);
}
