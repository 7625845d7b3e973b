// UI test: the closure of an iterator adapter over a vector or array of
// locks (`shards.iter().for_each(|s| s.write().clear())`) is given the
// vector's elements, shared as the vector is; what the iterator hands back
// (`set.iter().find(..)`, `.filter(..).next()`, `.rev().nth(1)`) is one of
// them. Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

#[derive(Clone)]
pub struct Indexer {
    shards: Arc<Vec<RwLock<HashMap<u64, u64>>>>,
}

impl Indexer {
    pub fn clear(&self) {
        self.shards
            .iter()
            .for_each(|s| s.write().unwrap_or_else(PoisonError::into_inner).clear()); //~ shared_map_mutation
    }

    pub fn drop_key(&self, key: u64) -> bool {
        self.shards
            .iter()
            .any(|s| s.write().unwrap().remove(&key).is_some()) //~ poison_cascade shared_map_mutation
    }

    // ---- not flagged ----

    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

pub fn local(mut maps: Vec<HashMap<u64, u64>>) {
    maps.iter_mut().for_each(|m| m.clear());
}

pub struct Params {
    magic: u8,
    key_cache: Option<Arc<RwLock<HashMap<u8, u32>>>>,
}

pub fn decrypt(set: &[Arc<Params>], magic: u8) -> Result<u32, String> {
    let params = set
        .iter()
        .find(|p| p.magic == magic)
        .ok_or_else(|| "no such key".to_string())?;
    params
        .key_cache
        .as_ref()
        .unwrap()
        .write()
        .unwrap() //~ poison_cascade
        .insert(magic, 1); //~ shared_map_mutation
    let newest = set.iter().filter(|p| p.magic > 0).next().unwrap();
    newest.key_cache.as_ref().unwrap().write().unwrap().clear(); //~ poison_cascade shared_map_mutation
    let second = set.iter().rev().nth(1).unwrap();
    second.key_cache.as_ref().unwrap().read().unwrap().len(); //~ poison_cascade
    Ok(1)
}
