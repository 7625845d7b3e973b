//! Shared state.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use stats_core::{Keyed, StatTable};

/// Order statistics: one atomic slot per region, no lock.
#[derive(StatTable, Debug, Default, Clone, PartialEq)]
#[stat_table(prefix = "orders")]
pub struct OrderStats {
    /// Orders by region.
    #[stat(keyed(capacity = 256))]
    pub by_region: Keyed<String>,
    /// Failures by reason.
    #[stat(keyed(capacity = 64))]
    pub failures: Keyed<String>,
}

/// The process-wide table.
pub static ORDER_STATS: LazyLock<OrderStatsTable> = LazyLock::new(OrderStats::table);

/// Logged-in sessions: not counters, rarely written.
pub type Sessions = Arc<RwLock<HashMap<u64, String>>>;

/// What every handler gets.
#[derive(Clone, Default)]
pub struct AppState {
    /// Session id to user name.
    pub sessions: Sessions,
}
