// UI test: a type alias, also one declared inside a function body
// (`type Manager = store::Manager<Safe>;`), names the aliased type in a
// path that goes on (`Manager::singleton()`). Every lint runs.
pub mod store {
    use std::collections::BTreeMap;
    use std::marker::PhantomData;
    use std::sync::RwLock;

    pub struct Safe;

    pub struct Manager<E> {
        envs: BTreeMap<String, u32>,
        kind: PhantomData<E>,
    }

    static MANAGER: RwLock<Manager<Safe>> = RwLock::new(Manager {
        envs: BTreeMap::new(),
        kind: PhantomData,
    });

    impl Manager<Safe> {
        pub fn singleton() -> &'static RwLock<Manager<Safe>> {
            &MANAGER
        }

        pub fn get_or_create(&mut self, k: &str) -> u32 {
            *self.envs.entry(k.to_string()).or_insert(1)
        }
    }
}

type Shared = store::Manager<store::Safe>;

#[test]
fn open_through_a_local_alias() {
    type Manager = store::Manager<store::Safe>;
    let mut manager = Manager::singleton().write().unwrap(); //~ poison_cascade
    manager.get_or_create("a"); //~ shared_map_mutation
}

pub fn open_through_a_module_alias() {
    Shared::singleton().write().unwrap().get_or_create("b"); //~ poison_cascade shared_map_mutation
}
