//! A small model of the types the linter cares about.
//!
//! The linter never type-checks: it reads type syntax (`Arc<Mutex<HashMap<K, V>>>`)
//! and constructor calls (`Arc::new(Mutex::new(HashMap::new()))`) and turns
//! them into a [`Shape`], after resolving each name by scope
//! ([`super::facts::Facts::resolve`]): a name keeps its full path, so
//! `reqwest::Client` is not the crate's own `Client`.

/// Which lock implementation a `Mutex` or `RwLock` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `std::sync` (or a name that could not be resolved): poisons on panic.
    Std,
    /// `parking_lot`, `tokio`, `spin`, `async_lock`, `futures`: no poisoning.
    NoPoison,
}

/// What a type is, as far as shared-map linting is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A map or set from std, hashbrown or indexmap; `value` is the value type.
    Map {
        /// The value type (for sets: unknown).
        value: Box<Shape>,
        /// hashlink's `LruCache`, whose `get` moves the entry it finds to
        /// the back: a read that mutates.
        reorders_on_get: bool,
    },
    /// `Arc<T>`, or a framework's shared-state wrapper (`axum::extract::State<T>`,
    /// `Extension<T>`, `actix_web::web::Data<T>`): whatever is inside is
    /// shared between threads.
    Arc(Box<Shape>),
    /// `Mutex<T>` / `RwLock<T>`.
    Lock {
        /// Which implementation.
        flavor: Flavor,
        /// The guarded value.
        inner: Box<Shape>,
    },
    /// A transparent wrapper: `LazyLock`, `OnceLock`, `Lazy`, `Box`, `Option`, `&T`, ...
    Wrap(Box<Shape>),
    /// `Rc<T>`: shared ownership with a non-atomic count (transparent for access).
    Rc(Box<Shape>),
    /// `UnsafeCell`, `RefCell`, `Cell`: interior mutability without a lock.
    Cell(Box<Shape>),
    /// `Vec<T>`, `VecDeque<T>`, `[T; N]`, `[T]`: indexed element access.
    Seq(Box<Shape>),
    /// Tuples: searched for maps, not followed for access.
    Tuple(Vec<Shape>),
    /// An occupied entry of a map (`Entry::Occupied(e)`): `get_mut`/`into_mut` give its value.
    Entry(Box<Shape>),
    /// A struct declared in the package, by full path.
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
    pub(crate) fn peel(&self) -> (&Shape, bool) {
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
    pub(crate) fn is_numeric(&self) -> bool {
        matches!(self.peel().0, Shape::Int | Shape::Atomic)
    }

    /// Whether this is a map or set (after transparent wrappers).
    pub(crate) fn is_map(&self) -> bool {
        matches!(self.peel().0, Shape::Map { .. })
    }

    /// Whether a value of this shape says nothing worth tracking.
    pub(crate) fn is_unknown(&self) -> bool {
        matches!(self, Shape::Unknown | Shape::Int | Shape::Atomic)
    }
}

/// Map type names recognised: std, hashbrown, indexmap, rustc-hash, ahash,
/// fnv, and the aliases of hash_hasher (`HashedMap`), nohash-hasher
/// (`IntMap`) and linked-hash-map/hashlink (`LinkedHashMap`). Not
/// `DashMap` and its kin: a concurrent map is the fix, not the hazard. A
/// package's own type of one of these names is its own.
pub(crate) const MAP_NAMES: &[&str] = &[
    "HashMap",
    "BTreeMap",
    "IndexMap",
    "FxHashMap",
    "AHashMap",
    "FnvHashMap",
    "HashedMap",
    "IntMap",
    "LinkedHashMap",
];

/// Set type names recognised.
pub(crate) const SET_NAMES: &[&str] = &[
    "HashSet",
    "BTreeSet",
    "IndexSet",
    "FxHashSet",
    "AHashSet",
    "FnvHashSet",
    "HashedSet",
    "IntSet",
    "LinkedHashSet",
];

/// Whether `krate::name` is another crate's table of a name the linter
/// knows as one crate's alias of a std map: `intmap::IntMap` (a hash table
/// written from scratch) is not nohash-hasher's `IntMap`.
pub(crate) fn other_crates_table(krate: &str, name: &str) -> bool {
    matches!(name, "IntMap" | "IntSet")
        && !matches!(
            krate,
            "" | "nohash_hasher" | "nohash" | "crate" | "self" | "super"
        )
}

/// Whether another crate's type of this name is one of its aliases of a
/// std or hashbrown map or set (bevy_utils' `TypeIdHashMap<V>`,
/// `EntityHashSet`, `PreHashMap<K, V>`): a `HashMap`/`HashSet`/`BTreeMap`/
/// `BTreeSet`/`IndexMap`/`IndexSet` suffix after a prefix that does not
/// say the map is concurrent (`DashMap`'s kin, `SyncHashMap`, `ConcurrentHashMap`).
pub(crate) fn is_foreign_map_alias(name: &str) -> Option<MapKind> {
    const CONCURRENT: &[&str] = &[
        "Dash",
        "Sync",
        "Concurrent",
        "Atomic",
        "LockFree",
        "Lockfree",
        "Shard",
        "Flurry",
        "Papaya",
        "Scc",
        "CHash",
    ];
    let kind = [
        ("HashMap", MapKind::Map),
        ("BTreeMap", MapKind::Map),
        ("IndexMap", MapKind::Map),
        ("HashSet", MapKind::Set),
        ("BTreeSet", MapKind::Set),
        ("IndexSet", MapKind::Set),
    ]
    .into_iter()
    .find_map(|(suffix, kind)| {
        let prefix = name.strip_suffix(suffix)?;
        (!prefix.is_empty() && prefix.starts_with(|c: char| c.is_ascii_uppercase())).then_some(kind)
    })?;
    (!CONCURRENT.iter().any(|c| name.contains(c))).then_some(kind)
}

/// Whether the linter models a type of this name itself (a map, a lock,
/// a pointer, a wrapper, a cell, a framework's shared state, a guard): a
/// dependency's own type of such a name is not read, the model stands for it.
pub(crate) fn is_modelled_name(name: &str) -> bool {
    const POINTERS: &[&str] = &[
        "Arc",
        "Rc",
        "Weak",
        "ArcSwap",
        "ArcSwapOption",
        "Vec",
        "VecDeque",
        "SmallVec",
        "ArrayVec",
        "HashTable",
    ];
    MAP_NAMES.contains(&name)
        || SET_NAMES.contains(&name)
        || LOCK_NAMES.contains(&name)
        || WRAP_NAMES.contains(&name)
        || CELL_NAMES.contains(&name)
        || POINTERS.contains(&name)
        || FRAMEWORK_WRAPPERS.iter().any(|(n, _)| *n == name)
        || name.ends_with("Guard")
        || is_atomic_name(name)
        || is_foreign_map_alias(name).is_some()
}

/// Whether a map alias keys its entries to values or is a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MapKind {
    /// A map: its last type argument (before a hasher) is the value.
    Map,
    /// A set: no value.
    Set,
}

/// Names of transparent wrappers.
pub(crate) const WRAP_NAMES: &[&str] = &[
    "LazyLock",
    "OnceLock",
    "Lazy",
    "OnceCell",
    "Box",
    "Option",
    // `Result<&mut Tracker, E>`, taken out by `?`: what it holds.
    "Result",
    "Pin",
    "CachePadded",
    "ManuallyDrop",
    "LazyCell",
];

/// Shared-state wrappers of web frameworks, with the crates that define them.
/// One counts only when it carries a type argument and is imported from its
/// framework (or is not resolved at all and the package has no type of that name).
pub(crate) const FRAMEWORK_WRAPPERS: &[(&str, &[&str])] = &[
    ("State", &["axum", "rocket", "poem", "salvo", "tauri"]),
    ("Extension", &["axum", "axum_extra", "tower_http"]),
    ("Data", &["actix_web", "poem"]),
];

/// Names of lock types (crossbeam's `ShardedLock` is a `RwLock` that
/// poisons as std's does).
pub(crate) const LOCK_NAMES: &[&str] = &[
    "Mutex",
    "RwLock",
    "FairMutex",
    "ReentrantMutex",
    "ShardedLock",
];

/// Names of unsynchronised cells.
pub(crate) const CELL_NAMES: &[&str] = &["UnsafeCell", "RefCell", "Cell", "SyncUnsafeCell"];

/// Primitive integer names.
pub(crate) const INT_NAMES: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
];

/// Crates whose locks do not poison.
const NO_POISON: &[&str] = &[
    "parking_lot",
    "tokio",
    "spin",
    "async_lock",
    "futures",
    "futures_util",
    "async_std",
    "lock_api",
];

/// Whether a name is an atomic integer type.
pub(crate) fn is_atomic_name(name: &str) -> bool {
    // Numeric atomics (std, portable_atomic's wider ones) and crossbeam's
    // `AtomicCell`; not `AtomicBool`, `AtomicPtr` or another crate's
    // `AtomicDestructor`.
    name.strip_prefix("Atomic").is_some_and(|rest| {
        matches!(
            rest,
            "U8" | "U16"
                | "U32"
                | "U64"
                | "U128"
                | "Usize"
                | "I8"
                | "I16"
                | "I32"
                | "I64"
                | "I128"
                | "Isize"
                | "F32"
                | "F64"
                | "Cell"
        )
    })
}

/// The lock flavour implied by a full path (`parking_lot::Mutex`, `tokio::sync::RwLock`).
pub(crate) fn flavor_of_path(path: &str) -> Flavor {
    let first = path.split("::").next().unwrap_or("");
    if NO_POISON.contains(&first) {
        Flavor::NoPoison
    } else {
        Flavor::Std
    }
}

/// The type arguments of one path segment: `K, V` of `HashMap<K, V>`.
pub(crate) fn type_args(seg: &syn::PathSegment) -> Vec<&syn::Type> {
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
