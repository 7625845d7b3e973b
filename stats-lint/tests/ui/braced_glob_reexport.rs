// UI test: a struct re-exported by a glob inside a braced group at the crate
// root (`pub use crate::{adapter::*, session::*};`) and imported as
// `crate::SessionInner`. The globbed `adapter` module's own private
// `use crate::SessionInner` is not where the name comes from. Every lint runs.
mod session {
    use std::collections::HashMap;
    use std::sync::Mutex;

    pub(crate) struct SessionInner {
        pub filter: Mutex<HashMap<String, u32>>,
    }
}

mod adapter {
    use crate::SessionInner;
    use std::sync::Arc;

    pub struct Adapter {
        inner: Arc<SessionInner>,
    }

    impl Adapter {
        pub fn set(&self, k: &str) {
            self.inner.filter.lock().unwrap().insert(k.to_string(), 1); //~ poison_cascade shared_map_mutation
        }
    }
}

pub use crate::{adapter::*, session::*};

// ---- not flagged ----

mod plain {
    use std::collections::HashMap;

    pub struct Plain {
        pub filter: HashMap<String, u32>,
    }
}

mod user {
    use crate::Plain;

    pub fn set(p: &mut Plain) {
        p.filter.insert(String::new(), 1);
    }
}

pub use crate::{plain::*, user::*};
