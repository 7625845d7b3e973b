use stats_core::{KeyLabel, Keyed, StatKey, StatTable};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lopsided {
    Only,
}

impl KeyLabel for Lopsided {
    fn label(&self) -> &str {
        "only"
    }
}

// A hand-written key set with more labels than variants.
impl StatKey for Lopsided {
    const ALL: &'static [Self] = &[Self::Only];
    const LABELS: &'static [&'static str] = &["only", "ghost", "phantom"];
    fn index(self) -> usize {
        0
    }
}

#[derive(StatTable, Default)]
struct Stats {
    /// By a lopsided key.
    by_kind: Keyed<Lopsided>,
}

fn main() {}
