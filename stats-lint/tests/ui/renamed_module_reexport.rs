// UI test: a path through a module re-exported under another name
// (`pub use asynchronous as aio;`, also `r#async`) is followed segment by
// segment: `crate::aio::stream::ClientStreams` is the alias declared in
// `asynchronous::stream` (ttrpc's `crate::r#async::..`). Every lint runs.
mod asynchronous {
    pub mod stream {
        use std::collections::HashMap;
        use std::sync::{Arc, Mutex};

        pub type ClientStreams = Arc<Mutex<HashMap<u32, String>>>;
    }

    pub mod client {
        use crate::aio::stream::ClientStreams;
        use crate::r#async::stream::ClientStreams as Streams;

        pub struct Client {
            streams: ClientStreams,
            others: Streams,
        }

        impl Client {
            pub fn register(&self, id: u32) {
                self.streams.lock().unwrap().insert(id, String::new()); //~ poison_cascade shared_map_mutation
                if let Ok(mut s) = self.others.lock() {
                    s.remove(&id); //~ shared_map_mutation
                }
            }
        }
    }
}

pub use asynchronous as aio;
pub use asynchronous as r#async;

// ---- not flagged ----

mod blocking {
    pub mod stream {
        use std::collections::HashMap;

        /// Owned by one caller: no lock, nothing shared.
        pub type ClientStreams = HashMap<u32, String>;
    }

    pub mod client {
        use crate::sync::stream::ClientStreams;

        pub struct Client {
            streams: ClientStreams,
        }

        impl Client {
            pub fn register(&mut self, id: u32) {
                self.streams.insert(id, String::new());
            }
        }
    }
}

pub use blocking as sync;
