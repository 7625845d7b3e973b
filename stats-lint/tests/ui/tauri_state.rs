// UI test: tauri's managed state, named by a turbofish (`app.state::<T>()`,
// `try_state::<T>()`) or taken as a `State<'_, T>` parameter, is shared by
// every window and command. Every lint runs.
use std::collections::HashMap;
use std::sync::Mutex;
use tauri::{AppHandle, Manager, Runtime, State};

pub struct ConnectionManager {
    connections: Mutex<HashMap<u32, String>>,
}

pub fn connect<R: Runtime>(app: &AppHandle<R>, id: u32) {
    let manager = app.state::<ConnectionManager>();
    manager.connections.lock().unwrap().insert(id, String::new()); //~ poison_cascade shared_map_mutation
}

pub fn close<R: Runtime>(app: &AppHandle<R>, id: u32) {
    if let Some(manager) = app.try_state::<ConnectionManager>() {
        manager.connections.lock().unwrap().remove(&id); //~ poison_cascade shared_map_mutation
    }
}

#[tauri::command]
pub fn count(manager: State<'_, ConnectionManager>) -> usize {
    manager.connections.lock().unwrap().len() //~ poison_cascade
}

// ---- not flagged ----

pub fn parse_id(text: &str) -> u32 {
    text.parse::<u32>().unwrap_or(0)
}

pub fn local() -> usize {
    let manager = ConnectionManager {
        connections: Mutex::new(HashMap::new()),
    };
    if let Ok(mut c) = manager.connections.lock() {
        c.insert(1, String::new());
    }
    1
}
