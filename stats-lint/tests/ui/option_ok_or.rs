// UI test: a value taken out of an `Option` by `ok_or(..)?`,
// `ok_or_else(..)?` or anyhow's `context(..)?` is the value the `Option`
// held, as with `if let Some(x) = opt`; so is one taken by the package's
// own such method, a trait's method implemented for `Option<T>` that
// returns a `Result<T, _>` (`.error("..")?`).
// Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Client {
    pending: Mutex<HashMap<u64, u64>>,
}

pub struct Source {
    client: Option<Client>,
    spare: Option<Arc<Mutex<HashMap<u64, u64>>>>,
}

#[derive(Debug)]
pub struct Unavailable;

impl Source {
    pub fn send(&self, id: u64) -> Result<(), Unavailable> {
        let client = self.client.as_ref().ok_or(Unavailable)?;
        client.pending.lock().unwrap().insert(id, 1); //~ poison_cascade shared_map_mutation
        Ok(())
    }

    pub fn send_else(&self, id: u64) -> Result<(), Unavailable> {
        let client = self.client.as_ref().ok_or_else(|| Unavailable)?;
        client.pending.lock().unwrap().insert(id, 1); //~ poison_cascade shared_map_mutation
        Ok(())
    }

    pub fn spare(&self, id: u64) -> anyhow::Result<()> {
        let spare = self.spare.as_ref().context("no spare")?;
        spare.lock().unwrap().remove(&id); //~ poison_cascade shared_map_mutation
        Ok(())
    }
}

pub fn share(s: Source) -> Arc<Source> {
    Arc::new(s)
}

// ---- not flagged ----

/// The `Option` of a local map.
pub fn local(id: u64) -> Result<usize, Unavailable> {
    let mut maps = vec![HashMap::new()];
    let map = maps.first_mut().ok_or(Unavailable)?;
    map.insert(id, 1);
    Ok(map.len())
}

pub struct Error(String);

pub trait OptionExt<T> {
    fn error(self, message: &str) -> Result<T, Error>;
    fn describe(&self) -> String;
}

impl<T> OptionExt<T> for Option<T> {
    fn error(self, message: &str) -> Result<T, Error> {
        self.ok_or_else(|| Error(message.to_string()))
    }

    fn describe(&self) -> String {
        String::new()
    }
}

pub static CLIENT: std::sync::LazyLock<Option<Client>> = std::sync::LazyLock::new(|| None);

pub fn watch(id: u64) -> Result<(), Error> {
    let client = CLIENT.as_ref().error("no client")?;
    client.pending.lock().unwrap().insert(id, 2); //~ poison_cascade shared_map_mutation
    Ok(())
}
