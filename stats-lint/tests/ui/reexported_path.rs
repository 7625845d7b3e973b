// UI test: a path that goes through a re-export (`crate::GlobalProfiler::lock()`
// with `pub use global_profiler::GlobalProfiler;` at the root, or
// `crate::Command` with `pub use structs::*;`) reaches the re-exported type.
// Every lint runs.
mod global_profiler {
    use parking_lot::{Mutex, MutexGuard};
    use std::collections::HashMap;
    use std::sync::LazyLock;

    #[derive(Default)]
    pub struct GlobalProfiler {
        sinks: HashMap<u32, String>,
    }

    impl GlobalProfiler {
        pub fn lock() -> MutexGuard<'static, Self> {
            static GLOBAL: LazyLock<Mutex<GlobalProfiler>> = LazyLock::new(Default::default);
            GLOBAL.lock()
        }

        pub fn add_sink(&mut self, id: u32) {
            self.sinks.insert(id, String::new());
        }

        pub fn sink_count(&self) -> usize {
            self.sinks.len()
        }
    }
}

pub use global_profiler::GlobalProfiler;

pub mod structs {
    use std::collections::HashMap;
    use std::sync::Mutex;

    pub struct Command {
        pub cooldowns: Mutex<HashMap<u64, u64>>,
    }
}

pub use structs::*;

pub fn cool_down(cmd: &crate::Command, user: u64) {
    cmd.cooldowns.lock().unwrap().insert(user, 1); //~ poison_cascade shared_map_mutation
}

mod view {
    pub fn open(id: u32) {
        crate::GlobalProfiler::lock().add_sink(id); //~ shared_map_mutation
    }

    // ---- not flagged ----

    pub fn count() -> usize {
        crate::GlobalProfiler::lock().sink_count()
    }
}
