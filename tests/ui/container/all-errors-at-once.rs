// Every mistake is reported in one build, not one per build.
use stats_core::StatTable;

#[derive(StatTable)]
#[stat_table(prefix = "bad prefix", colour = "blue")]
struct Orders {
    region: String,
    #[stat(gauge)]
    in_flight: u64,
    #[stat(unknown)]
    created: u64,
}

fn main() {}
