// UI test: a closure given to the package's function is typed by that
// function's signature (`World::current(|world| ..)` with `fn current<R>(f:
// impl FnOnce(&mut World) -> R)`, a generic `F: Fn(&Host)`, a method's
// `&dyn Fn`), and the closure of a `thread_local!`'s `with` is given this
// thread's value: an `Arc` in it is still shared. Every lint runs.
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Fs {
    files: HashMap<String, u32>,
}

impl Fs {
    pub fn discard(&mut self) {
        self.files.retain(|_, v| *v > 0);
    }
}

pub struct Host {
    pub fs: Arc<Mutex<Fs>>,
}

pub struct World {
    pub hosts: HashMap<u32, Host>,
    pub current: u32,
}

thread_local! {
    static WORLD: RefCell<Option<World>> = const { RefCell::new(None) };
    static CTX: RefCell<Option<Host>> = const { RefCell::new(None) };
    static SEEN: RefCell<HashMap<u32, u32>> = RefCell::new(HashMap::new());
    static MOCKS: Arc<Mutex<HashMap<u32, u32>>> = Arc::new(Mutex::new(HashMap::new()));
}

impl World {
    pub fn current<R>(f: impl FnOnce(&mut World) -> R) -> R {
        WORLD.with(|w| f(w.borrow_mut().as_mut().unwrap()))
    }

    pub fn each_host<F>(&self, f: F)
    where
        F: Fn(&Host),
    {
        self.hosts.values().for_each(f);
    }

    pub fn visit(&self, f: &dyn Fn(u32, &Host)) {
        for (k, h) in &self.hosts {
            f(*k, h);
        }
    }
}

pub fn crash() {
    World::current(|world| {
        let host = world.hosts.get_mut(&world.current).unwrap();
        host.fs.lock().unwrap().discard(); //~ poison_cascade shared_map_mutation
    });
}

pub fn all(world: &World) {
    world.each_host(|h| h.fs.lock().unwrap().files.clear()); //~ poison_cascade shared_map_mutation
    world.visit(&|_, h| {
        h.fs.lock().unwrap().files.clear(); //~ poison_cascade shared_map_mutation
    });
}

pub fn worker() {
    CTX.with(|ctx| {
        let borrowed = ctx.borrow();
        let host = borrowed.as_ref().unwrap();
        host.fs.lock().unwrap().files.insert("a".into(), 1); //~ poison_cascade shared_map_mutation
    });
}

// ---- not flagged ----

pub fn seen(k: u32) {
    // This thread's own map.
    SEEN.with(|s| s.borrow_mut().insert(k, 1));
    SEEN.with_borrow_mut(|s| s.insert(k, 2));
    // Each thread makes its own `Arc`.
    MOCKS.with(|m| m.lock().unwrap().insert(k, 3));
}

pub fn count(world: &World) -> usize {
    let mut n = 0;
    world.each_host(|_h| n += 1);
    n
}
