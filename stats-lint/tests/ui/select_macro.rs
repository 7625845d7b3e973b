// UI test: the branches of `tokio::select!` / `futures::select!` /
// crossbeam's `select!` (`recv(rx) -> msg =>`, `default(t) =>`) are
// ordinary expressions of the enclosing scope: their futures, channel
// operations, conditions and handlers are linted like any other code.
// Every lint runs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Endpoints {
    endpoints: HashMap<String, u64>,
}

pub async fn run(mut rx: tokio::sync::mpsc::Receiver<()>, ready: bool) {
    let state = Arc::new(Mutex::new(Endpoints { endpoints: HashMap::new() }));
    let st = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                biased;
                Some(_) = rx.recv(), if ready => {
                    let mut g = st.lock().unwrap(); //~ poison_cascade
                    g.endpoints.insert("a".into(), 1); //~ shared_map_mutation
                }
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {
                    let n = st.lock().unwrap().endpoints.len(); //~ poison_cascade
                    drop(n);
                },
                else => break,
            }
        }
    });
    state.lock().unwrap_or_else(|p| p.into_inner()).endpoints.clear(); //~ shared_map_mutation
}

pub async fn other(mut rx: futures::channel::mpsc::Receiver<u64>) {
    let state = Arc::new(Mutex::new(HashMap::<u64, u64>::new()));
    let st = state.clone();
    std::thread::spawn(move || drop(st));
    futures::select! {
        x = rx.next() => { state.lock().unwrap_or_else(|p| p.into_inner()).remove(&x.unwrap_or(0)); } //~ shared_map_mutation
        complete => (),
    }
}

// Not flagged: a map owned by this task, and only read through the shared lock.
pub async fn owned(mut rx: tokio::sync::mpsc::Receiver<u64>) {
    let shared = Arc::new(Mutex::new(HashMap::<u64, u64>::new()));
    let st = shared.clone();
    std::thread::spawn(move || drop(st));
    let mut local: HashMap<u64, u64> = HashMap::new();
    tokio::select! {
        Some(k) = rx.recv() => {
            local.insert(k, 1);
            let _ = shared.lock().unwrap_or_else(|p| p.into_inner()).get(&k);
        }
        else => {}
    }
}

pub fn crossbeam_loop(
    app: Arc<Mutex<HashMap<u64, u64>>>,
    rx: crossbeam_channel::Receiver<u64>,
    timeout: std::time::Duration,
) {
    loop {
        crossbeam_channel::select! {
            recv(rx) -> msg => {
                let k = msg.unwrap_or_default();
                app.lock().unwrap().insert(k, 1); //~ poison_cascade shared_map_mutation
            }
            default(timeout) => {
                app.lock().unwrap().clear(); //~ poison_cascade shared_map_mutation
                break;
            }
        }
    }
}
