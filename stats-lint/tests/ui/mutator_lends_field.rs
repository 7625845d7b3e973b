// UI test: a `&mut self` method that lends a map field as `&mut` to a
// function of the package that mutates it (`Self::create_internal(&mut
// self.infos, k)`) is a mutator of that field. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockWriteGuard};

pub struct Infos {
    infos: HashMap<u32, String>,
    names: HashMap<u32, String>,
}

impl Infos {
    fn create_internal(infos: &mut HashMap<u32, String>, k: u32) {
        infos.insert(k, String::new());
    }

    fn count(infos: &mut HashMap<u32, String>) -> usize {
        infos.len()
    }

    pub fn create(&mut self, k: u32) {
        Self::create_internal(&mut self.infos, k);
    }

    pub fn name(&mut self, k: u32) {
        forget(&mut self.names, k);
    }

    pub fn size(&mut self) -> usize {
        Self::count(&mut self.infos)
    }
}

fn forget(names: &mut HashMap<u32, String>, k: u32) {
    names.remove(&k);
}

#[derive(Clone)]
pub struct Server {
    data: Arc<RwLock<Infos>>,
}

impl Server {
    pub fn write_infos(&self) -> RwLockWriteGuard<'_, Infos> {
        self.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn load(&self, k: u32) {
        self.write_infos().create(k); //~ shared_map_mutation
        self.write_infos().name(k); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn size(&self) -> usize {
        self.write_infos().size()
    }

    pub fn spawn(&self) {
        let s = self.clone();
        std::thread::spawn(move || s.load(1));
    }
}
