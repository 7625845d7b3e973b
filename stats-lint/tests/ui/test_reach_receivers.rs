// UI test: which of the package's functions a test may run, read from the
// shape of each call. A method of another crate's type held in a field
// (`setup.started.elapsed()`, a collection's `get`) runs none of the
// package's methods of that name; a method call on a value of unknown type
// (`rows.get(0)`) may run the package's methods of the name, not its
// associated functions (`Tty::get(n)` takes no `self`); a macro's arguments
// are read as expressions (`vec![String::from(" ")]` calls std's `from`, not
// the package's). Every lint runs.
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub struct Gui {
    status: HashMap<u32, String>,
}

impl Gui {
    pub fn push(&mut self, k: u32) {
        self.status.insert(k, String::new());
    }
}

pub struct Tty;

impl Tty {
    /// Associated functions: run only by a path call.
    pub fn get(_n: usize) -> Option<Self> {
        std::thread::spawn(|| ());
        None
    }

    pub fn from(_s: &str) -> Self {
        std::thread::spawn(|| ());
        Tty
    }
}

pub struct Clock;

impl Clock {
    /// A method: a call of `elapsed` on a receiver of unknown type may run it.
    pub fn elapsed(&self) -> u64 {
        std::thread::spawn(|| ());
        0
    }
}

/// Shares the state with a thread: a `Gui` is shared unless a test keeps its own.
pub fn serve(gui: Arc<Mutex<Gui>>) {
    std::thread::spawn(move || gui.lock().unwrap().push(0)); //~ poison_cascade shared_map_mutation
}

pub fn rows() -> Vec<u8> {
    Vec::new()
}

/// A fixture other modules' tests use (`pub`). A test's own value handed to
/// a function that may start a thread is shared; these helpers differ only
/// in the calls they make.
#[cfg(test)]
pub mod fixture {
    use super::*;

    pub struct Setup {
        pub gui: Arc<Mutex<Gui>>,
        pub started: Instant,
        pub queue: VecDeque<u8>,
        pub clock: Clock,
    }

    pub fn setup() -> Setup {
        let gui = Arc::new(Mutex::new(Gui {
            status: HashMap::new(),
        }));
        Setup {
            gui,
            started: Instant::now(),
            queue: VecDeque::new(),
            clock: Clock,
        }
    }

    /// Methods of std's types only.
    pub fn cells(setup: &Setup) -> usize {
        let _ = setup.started.elapsed();
        let _ = setup.queue.get(0);
        let _ = rows().get(0);
        vec![String::from(" ")].len()
    }

    /// The package's `Clock::elapsed`.
    pub fn tick(setup: &Setup) -> u64 {
        setup.clock.elapsed()
    }

    /// A value of unknown type: any method of the package named `elapsed`.
    pub fn age(_setup: &Setup) -> u64 {
        let rows = rows();
        rows.elapsed()
    }

    /// The associated function, by path, inside a macro.
    pub fn peek(_setup: &Setup) -> bool {
        assert!(Tty::get(1).is_none());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{age, cells, peek, setup, tick};

    #[test]
    fn calls_of_other_crates_methods() {
        let setup = setup();
        cells(&setup);
        setup.gui.lock().unwrap().push(1);
    }

    #[test]
    fn the_packages_method_of_a_field() {
        let setup = setup();
        tick(&setup);
        setup.gui.lock().unwrap().push(2); //~ poison_cascade shared_map_mutation
    }

    #[test]
    fn a_method_of_unknown_receiver() {
        let setup = setup();
        age(&setup);
        setup.gui.lock().unwrap().push(3); //~ poison_cascade shared_map_mutation
    }

    #[test]
    fn an_associated_function_by_path_in_a_macro() {
        let setup = setup();
        peek(&setup);
        setup.gui.lock().unwrap().push(4); //~ poison_cascade shared_map_mutation
    }
}
