// UI test: a struct re-exported through a glob of a glob (`pub use
// self::font::*;` whose `font` has `pub use self::system::*;`, the layout
// of cosmic-text) is found from the crate root; another globbed module's
// private `use crate::FontSystem` is not a re-export of it.
// Every lint runs.
pub use self::attrs::*;
pub use self::font::*;

mod attrs {
    use crate::FontSystem;

    pub struct Attrs;

    impl Attrs {
        pub fn font(&self, _fs: &FontSystem) {}
    }
}

mod font {
    pub use self::system::*;

    mod system {
        use std::collections::HashMap;

        pub struct FontSystem {
            font_cache: HashMap<u32, u32>,
        }

        impl FontSystem {
            pub fn get_font(&mut self, id: u32) -> u32 {
                *self.font_cache.entry(id).or_insert(1)
            }
        }
    }
}

pub mod text {
    use std::sync::{Arc, Mutex, PoisonError};

    pub struct Renderer {
        fonts: Arc<Mutex<crate::FontSystem>>,
    }

    impl Renderer {
        pub fn glyph(&self, id: u32) -> u32 {
            self.fonts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_font(id) //~ shared_map_mutation
        }
    }
}
