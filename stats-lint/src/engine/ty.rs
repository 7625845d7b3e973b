//! A small model of the types the linter cares about.
//!
//! The linter never type-checks: it reads type syntax (`Arc<Mutex<HashMap<K, V>>>`)
//! and constructor calls (`Arc::new(Mutex::new(HashMap::new()))`) and turns
//! them into a [`Shape`], after resolving `use` renames and type aliases
//! collected in pass 1.

/// Which lock implementation a `Mutex` or `RwLock` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `std::sync` (or unknown): poisons on panic.
    Std,
    /// `parking_lot`, `tokio`, `spin`, `async_lock`, `futures`: no poisoning.
    NoPoison,
}

/// What a type is, as far as shared-map linting is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A map or set from std, hashbrown or indexmap; `value` is the value type.
    Map {
        /// The type name (`HashMap`, `BTreeSet`, ...).
        name: String,
        /// The value type (for sets: unknown).
        value: Box<Shape>,
    },
    /// `Arc<T>`: whatever is inside is shared between threads.
    Arc(Box<Shape>),
    /// `Mutex<T>` / `RwLock<T>`.
    Lock {
        /// Which implementation.
        flavor: Flavor,
        /// The guarded value.
        inner: Box<Shape>,
    },
    /// A transparent wrapper: `LazyLock`, `OnceLock`, `Lazy`, `Box`, `Option`,
    /// `State`, references, ...
    Wrap(Box<Shape>),
    /// `Rc<T>`: shared ownership with a non-atomic count (transparent for access).
    Rc(Box<Shape>),
    /// `UnsafeCell`, `RefCell`, `Cell`: interior mutability without a lock.
    Cell(Box<Shape>),
    /// Other generic containers (`Vec<T>`, tuples, arrays): not followed for
    /// mutation, but searched for maps.
    Other(Vec<Shape>),
    /// A struct declared in the crate.
    Named(String),
    /// A primitive integer.
    Int,
    /// An atomic integer.
    Atomic,
    /// Anything else.
    Unknown,
}

impl Shape {
    /// Strips transparent wrappers and `Arc`s; reports whether an `Arc` was crossed.
    pub fn peel(&self) -> (&Shape, bool) {
        let mut s = self;
        let mut arc = false;
        loop {
            match s {
                Shape::Wrap(i) | Shape::Rc(i) => s = i,
                Shape::Arc(i) => {
                    arc = true;
                    s = i;
                }
                _ => return (s, arc),
            }
        }
    }

    /// Whether this is an integer or atomic integer.
    pub fn is_numeric(&self) -> bool {
        matches!(self.peel().0, Shape::Int | Shape::Atomic)
    }
}

/// Map and set type names recognised (std, hashbrown, indexmap, rustc-hash, ahash).
pub const MAP_NAMES: &[&str] = &[
    "HashMap",
    "BTreeMap",
    "IndexMap",
    "FxHashMap",
    "AHashMap",
    "FnvHashMap",
];

/// Set type names recognised.
pub const SET_NAMES: &[&str] = &[
    "HashSet",
    "BTreeSet",
    "IndexSet",
    "FxHashSet",
    "AHashSet",
    "FnvHashSet",
];

/// Names of transparent wrappers.
pub const WRAP_NAMES: &[&str] = &[
    "LazyLock",
    "OnceLock",
    "Lazy",
    "OnceCell",
    "Box",
    "Option",
    "State",
    "Extension",
    "Pin",
    "CachePadded",
    "ManuallyDrop",
    "LazyCell",
];

/// Names of lock types.
pub const LOCK_NAMES: &[&str] = &["Mutex", "RwLock", "FairMutex", "ReentrantMutex"];

/// Names of unsynchronised cells.
pub const CELL_NAMES: &[&str] = &["UnsafeCell", "RefCell", "Cell", "SyncUnsafeCell"];

/// Primitive integer names.
pub const INT_NAMES: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
];

/// Whether a name is an atomic integer type.
pub fn is_atomic_name(name: &str) -> bool {
    matches!(
        name,
        "AtomicU8"
            | "AtomicU16"
            | "AtomicU32"
            | "AtomicU64"
            | "AtomicUsize"
            | "AtomicI8"
            | "AtomicI16"
            | "AtomicI32"
            | "AtomicI64"
            | "AtomicIsize"
    )
}

/// The lock flavour implied by a full path (`parking_lot::Mutex`, `tokio::sync::RwLock`).
pub fn flavor_of_path(path: &str) -> Flavor {
    const NO_POISON: &[&str] = &[
        "parking_lot",
        "tokio",
        "spin",
        "async_lock",
        "futures",
        "async_std",
    ];
    if NO_POISON.iter().any(|p| path.contains(p)) {
        Flavor::NoPoison
    } else {
        Flavor::Std
    }
}

/// The type arguments of one path segment: `K, V` of `HashMap<K, V>`.
pub fn type_args(seg: &syn::PathSegment) -> Vec<&syn::Type> {
    match &seg.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
