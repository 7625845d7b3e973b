// UI test: an `extern "C"` function's raw pointer parameter points to what
// the foreign caller owns, and it may call from any thread: a map reached
// through `&*container` is shared. Every lint runs.
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::{Mutex, PoisonError, RwLock};

pub struct DiContainer {
    services: RwLock<HashMap<String, u32>>,
}

#[no_mangle]
pub extern "C" fn di_new() -> *mut DiContainer {
    Box::into_raw(Box::new(DiContainer {
        services: RwLock::new(HashMap::new()),
    }))
}

/// # Safety
/// `container` comes from `di_new`; any thread may call this.
#[no_mangle]
pub unsafe extern "C" fn di_remove(container: *mut DiContainer, key: u32) {
    let container = unsafe { &*container };
    container
        .services
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&key.to_string()); //~ shared_map_mutation
}

/// # Safety
/// As above.
#[no_mangle]
pub unsafe extern "C" fn di_clear(container: *mut DiContainer) {
    let c = unsafe { &*container };
    c.services.write().unwrap().clear(); //~ poison_cascade shared_map_mutation
}

pub struct WatchMap {
    list: Mutex<HashMap<usize, bool>>,
}

/// A C library's callback: `data` is the `WatchMap` registered with it,
/// behind an untyped pointer.
pub extern "C" fn add_watch_cb(watch: usize, data: *mut c_void) -> u32 {
    let wm: &WatchMap = unsafe { &*(data as *mut _) };
    wm.list.lock().unwrap().insert(watch, true); //~ poison_cascade shared_map_mutation
    1
}

/// As above, the cast naming the type.
pub extern "C" fn remove_watch_cb(watch: usize, data: *mut c_void) {
    let wm = unsafe { &*(data as *const WatchMap) };
    wm.list.lock().unwrap().remove(&watch); //~ poison_cascade shared_map_mutation
}

#[test]
fn poisoned_on_purpose() {
    struct SendPtr(*mut DiContainer);
    // SAFETY: the container's state is behind its lock.
    unsafe impl Send for SendPtr {}
    unsafe impl Sync for SendPtr {}
    let container = std::sync::Arc::new(SendPtr(di_new()));
    let worker = std::sync::Arc::clone(&container);
    std::thread::spawn(move || {
        let _guard = unsafe { &*worker.0 }.services.write().unwrap(); //~ poison_cascade
        panic!("poisons the lock");
    })
    .join()
    .unwrap_err();
}

// ---- not flagged ----

/// A Rust function given a raw pointer: its caller is Rust code, judged there.
///
/// # Safety
/// `container` is valid and not shared.
pub unsafe fn rust_side(container: *mut DiContainer) {
    let c = unsafe { &mut *container };
    c.services.get_mut().unwrap().clear();
}
