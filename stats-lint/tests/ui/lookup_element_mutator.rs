// UI test: a `&mut self` method that mutates what another of its methods
// hands back (`if let Some(c) = self.container_mut(id) { c.logs.push(t) }`,
// `let c = self.container_mut(id)?; c.ports.insert(..)`) mutates the maps
// of `self` that value lives in; a later binding of the same name to
// something else is not that value. Every lint runs.
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

pub struct Logs {
    lines: HashSet<u64>,
}

impl Logs {
    pub fn push(&mut self, t: u64) {
        self.lines.insert(t);
    }
}

pub struct Container {
    id: u32,
    logs: Logs,
    ports: HashMap<u16, u16>,
}

pub struct AppData {
    containers: Vec<Container>,
    seen: Vec<u64>,
}

impl AppData {
    fn container_mut(&mut self, id: u32) -> Option<&mut Container> {
        self.containers.iter_mut().find(|c| c.id == id)
    }

    fn add_log(&mut self, id: u32, t: u64) {
        if let Some(container) = self.container_mut(id) {
            container.logs.push(t);
        }
    }

    fn open_port(&mut self, id: u32, port: u16) -> Option<()> {
        let container = self.container_mut(id)?;
        container.ports.insert(port, port);
        Some(())
    }

    fn remember(&mut self, id: u32, t: u64) -> Option<u64> {
        let container = self.container_mut(id)?;
        let found = u64::from(container.id);
        let mut container = Container {
            id,
            logs: Logs {
                lines: HashSet::new(),
            },
            ports: HashMap::new(),
        };
        container.logs.push(t);
        self.seen.push(found);
        Some(found)
    }
}

pub fn serve(app: Arc<Mutex<AppData>>) {
    let worker = Arc::clone(&app);
    std::thread::spawn(move || {
        let mut app = worker.lock().unwrap(); //~ poison_cascade
        app.add_log(1, 2); //~ shared_map_mutation
        app.open_port(1, 80); //~ shared_map_mutation
        app.remember(1, 3);
    });
}
