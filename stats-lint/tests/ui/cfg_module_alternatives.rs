// UI test: the `cfg` alternatives of one module (`#[cfg(windows)] mod
// platform` beside `#[cfg(target_os = "macos")] mod platform`) each define
// the struct with their own fields; a field is found in whichever defines
// it. Every lint runs.
mod platform_impl {
    #[cfg(target_os = "macos")]
    mod platform {
        use std::collections::BTreeMap;
        use std::sync::Mutex;

        pub struct Manager {
            hotkeys: Mutex<BTreeMap<u32, u32>>,
        }

        unsafe impl Sync for Manager {}

        impl Manager {
            pub fn register(&self, k: u32) {
                self.hotkeys.lock().unwrap().insert(k, k); //~ poison_cascade shared_map_mutation
            }
        }
    }

    #[cfg(target_os = "windows")]
    mod platform {
        pub struct Manager {
            hwnd: usize,
        }

        impl Manager {
            pub fn register(&self, _k: u32) {
                let _ = self.hwnd;
            }
        }
    }

    pub(crate) use self::platform::*;
}

pub struct Manager {
    p: platform_impl::Manager,
}

impl Manager {
    pub fn reg(&self, k: u32) {
        self.p.register(k)
    }
}
