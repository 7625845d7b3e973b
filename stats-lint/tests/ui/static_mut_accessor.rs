// UI test: a function that returns `&'static mut T` out of one `static mut`
// hands out the static itself: a map mutated through it is mutated without
// a lock, at the call (directly, or by a `&mut self` method), unless the
// function checks which thread calls it. Every lint runs.
use std::collections::HashMap;

pub struct Profiler {
    queries: HashMap<String, u32>,
    active: Option<String>,
}

static mut PROFILER: Option<Profiler> = None; //~ static_mut_map

#[allow(static_mut_refs)]
fn get_profiler() -> &'static mut Profiler {
    unsafe {
        PROFILER.get_or_insert_with(|| Profiler {
            queries: HashMap::new(),
            active: None,
        })
    }
}

impl Profiler {
    fn begin(&mut self, name: &str) {
        self.queries.entry(name.to_string()).or_insert(0);
        self.active = Some(name.into());
    }

    fn len(&self) -> usize {
        self.queries.len()
    }
}

pub fn begin_gpu_query(name: &str) {
    get_profiler().begin(name); //~ static_mut_map
}

pub fn direct(name: &str) {
    get_profiler().queries.insert(name.to_string(), 1); //~ static_mut_map
}

// ---- not flagged ----

pub fn count() -> usize {
    get_profiler().len()
}

static mut SCRATCH: Vec<u8> = Vec::new();
static mut OTHER: Vec<u8> = Vec::new();

/// Names two statics: which one it hands out is not known.
#[allow(static_mut_refs)]
fn either(first: bool) -> &'static mut Profiler {
    unsafe {
        if first {
            SCRATCH.push(0);
        } else {
            OTHER.push(0);
        }
    }
    Box::leak(Box::new(Profiler {
        queries: HashMap::new(),
        active: None,
    }))
}

pub fn leaked(name: &str) {
    either(true).queries.insert(name.to_string(), 1);
}

static mut WINDOW: Option<Profiler> = None; //~ static_mut_map

mod thread_assert {
    pub fn same_thread() {
        assert_eq!(std::thread::current().name(), Some("main"));
    }
}

/// Checks that the main thread calls it: the static is tied to that thread.
#[allow(static_mut_refs)]
fn get_window() -> &'static mut Profiler {
    thread_assert::same_thread();
    unsafe { WINDOW.as_mut().unwrap() }
}

pub fn on_key(name: &str) {
    get_window().queries.insert(name.to_string(), 1);
}

/// Returns a `&'static mut` it made itself.
fn fresh() -> &'static mut Profiler {
    Box::leak(Box::new(Profiler {
        queries: HashMap::new(),
        active: None,
    }))
}

pub fn own(name: &str) {
    fresh().queries.insert(name.to_string(), 1);
}
