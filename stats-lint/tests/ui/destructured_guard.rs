// UI test: a guarded struct destructured by a pattern (`let State {
// documents, version } = &mut *state;`) binds each field to what the guard
// holds, as `state.documents` would be.
// Every lint runs.
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

#[derive(Default)]
pub struct State {
    documents: HashMap<String, String>,
    version: u32,
}

impl State {
    fn reset(&mut self) {
        let Self { documents, version } = self;
        documents.clear();
        *version = 0;
    }
}

pub struct Backend {
    state: Mutex<State>,
}

impl Backend {
    pub fn change(&self, uri: &str) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let State { documents, version } = &mut *state;
        *version += 1;
        if let Some(doc) = documents.get_mut(uri) { //~ shared_map_mutation
            doc.push('x');
        }
        documents.remove("old"); //~ shared_map_mutation
    }

    pub fn reset(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reset(); //~ shared_map_mutation
    }
}

// ---- not flagged ----

pub fn local() -> usize {
    let mut state = State::default();
    let State { documents, .. } = &mut state;
    documents.insert(String::new(), String::new());
    documents.len()
}
