//! A registry of tables: what a scrape encodes.

use crate::export::http::{Exposition, MetricsServer};
use crate::export::names::{RegisterError, check_table};
use crate::export::snapshot::{Exported, TableSnapshot};
use crate::export::text::{Format, encode_table, finish};
use crate::read::snapshot::DEFAULT_SNAPSHOT_DEADLINE;
use crate::table::traits::Table;
use arc_swap::ArcSwap;
use std::io;
use std::net::ToSocketAddrs;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A table a [`Registry`] can hold: a `&'static` table or an `Arc` of one.
pub trait RegistrableTable: Send + Sync + 'static {
    /// What exporters read the table through. Not public API.
    #[doc(hidden)]
    fn exported(&self) -> &dyn Exported;
}

impl<T: Table + 'static> RegistrableTable for &'static T {
    fn exported(&self) -> &dyn Exported {
        Table::exported(*self)
    }
}

impl<T: Table + 'static> RegistrableTable for Arc<T> {
    fn exported(&self) -> &dyn Exported {
        Table::exported(&**self)
    }
}

/// A set of tables to export, with the library's health table always
/// last: what `/metrics` serves and the archiver records. Cloning it is
/// cheap and the clones share the tables.
///
/// Each scrape reads each table with a deadline (by default
/// [`DEFAULT_SNAPSHOT_DEADLINE`]) and shows what the table published (see
/// [`TableSnapshot::of`]), so a scrape never shows a counter lower than an
/// earlier one did, unless the table was reset (or a keyed field cleared)
/// in between. The series are
/// described in [`Format`]: fields in declaration order,
/// tables in registration order.
///
/// # Examples
///
/// ```
/// use stats_core::{Registry, StatTable};
/// use std::sync::{Arc, LazyLock};
///
/// #[derive(StatTable, Debug, Default)]
/// #[stat_table(prefix = "orders")]
/// struct Orders {
///     /// Orders created.
///     created: u64,
///     /// Orders being handled.
///     #[stat(gauge)]
///     in_flight: i64,
/// }
///
/// #[derive(StatTable, Debug, Default)]
/// #[stat_table(prefix = "cache")]
/// struct Cache {
///     /// Lookups that found their entry.
///     hits: u64,
/// }
///
/// static ORDERS: LazyLock<OrdersTable> = LazyLock::new(Orders::table);
/// let cache = Arc::new(Cache::table());
///
/// let registry = Registry::new();
/// registry.register(&*ORDERS)?;
/// registry.register(Arc::clone(&cache))?;
/// // The same table twice would expose every name twice:
/// assert!(registry.register(Arc::clone(&cache)).is_err());
///
/// ORDERS.created().add(2);
/// cache.hits().inc();
/// let text = registry.encode_text();
/// assert!(text.contains("# TYPE orders_created_total counter\norders_created_total 2\n"));
/// assert!(text.contains("cache_hits_total 1\n"));
/// assert!(text.contains("stats_write_blocked_total")); // the health table
/// assert!(registry.encode_openmetrics().ends_with("# EOF\n"));
/// # Ok::<(), stats_core::RegisterError>(())
/// ```
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    /// The user's tables, in registration order; swapped whole by
    /// `register`, so a scrape never waits for one.
    tables: ArcSwap<Vec<Arc<Entry>>>,
    /// Orders registrations: the name checks and the swap are one step.
    registering: Mutex<()>,
    deadline: Duration,
}

struct Entry {
    table: Box<dyn RegistrableTable>,
    name: &'static str,
    /// Every name its series and families take.
    names: Vec<String>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// An empty registry (the health table aside) whose scrapes read each
    /// table with [`DEFAULT_SNAPSHOT_DEADLINE`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_deadline(DEFAULT_SNAPSHOT_DEADLINE)
    }

    /// An empty registry whose scrapes give each table `deadline` to read
    /// before they fall back to its last published snapshot.
    #[must_use]
    pub fn with_deadline(deadline: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                tables: ArcSwap::from_pointee(Vec::new()),
                registering: Mutex::new(()),
                deadline,
            }),
        }
    }

    /// Adds a table: `&TABLE` for a `static` one, or an `Arc` of one.
    ///
    /// # Errors
    ///
    /// [`RegisterError`] if a name the table would expose is invalid, or is
    /// exposed already (by this table, another table, or the health
    /// table); the registry is then unchanged.
    pub fn register(&self, table: impl RegistrableTable) -> Result<(), RegisterError> {
        let (name, fields) = (table.exported().table_name(), table.exported().fields());
        let identity = table.exported().identity();
        let names = check_table(name, fields)?;
        let _order = self
            .inner
            .registering
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let current = self.inner.tables.load_full();
        if current
            .iter()
            .any(|entry| entry.table.exported().identity() == identity)
        {
            return Err(RegisterError::AlreadyRegistered { table: name });
        }
        let health = health_names();
        let others = current
            .iter()
            .map(|entry| (entry.name, entry.names.as_slice()))
            .chain(
                health
                    .iter()
                    .map(|(table, names)| (*table, names.as_slice())),
            );
        for (other, taken) in others {
            if let Some(name_taken) = names.iter().find(|n| taken.contains(n)) {
                return Err(RegisterError::DuplicateName {
                    name: name_taken.clone(),
                    first: other,
                    second: name,
                });
            }
        }
        let mut tables = Vec::clone(&current);
        tables.push(Arc::new(Entry {
            table: Box::new(table),
            name,
            names,
        }));
        self.inner.tables.store(Arc::new(tables));
        Ok(())
    }

    /// How long a scrape gives each table to read.
    #[must_use]
    pub fn deadline(&self) -> Duration {
        self.inner.deadline
    }

    /// A snapshot of every table, the health table last, each read with the
    /// registry's deadline.
    #[must_use]
    pub fn snapshots(&self) -> Vec<TableSnapshot> {
        let mut snapshots = Vec::new();
        self.each_snapshot(|snapshot| snapshots.push(snapshot));
        snapshots
    }

    fn each_snapshot(&self, mut each: impl FnMut(TableSnapshot)) {
        let deadline = self.inner.deadline;
        for entry in self.inner.tables.load().iter() {
            each(entry.table.exported().export_within(deadline));
        }
        if let Some(health) = health_table() {
            each(health.export_within(deadline));
        }
    }

    /// Every table in the Prometheus text format 0.0.4.
    #[must_use]
    pub fn encode_text(&self) -> String {
        let mut out = String::new();
        self.encode_into(Format::PrometheusText, &mut out);
        out
    }

    /// Every table in OpenMetrics 1.0 text, ending in `# EOF`.
    #[must_use]
    pub fn encode_openmetrics(&self) -> String {
        let mut out = String::new();
        self.encode_into(Format::OpenMetrics, &mut out);
        out
    }

    /// Appends every table in `format` to `out`: with a buffer kept from
    /// one scrape to the next, a scrape allocates nothing per series.
    pub fn encode_into(&self, format: Format, out: &mut String) {
        self.each_snapshot(|snapshot| encode_table(&snapshot, format, out));
        finish(format, out);
    }

    /// Serves `GET /metrics` on `addr` until the returned server is
    /// dropped; see [`MetricsServer`]. Tables registered later are served
    /// too. Use a loopback address (`127.0.0.1:9898`) unless the port must
    /// be reachable from other machines; port 0 picks a free one.
    ///
    /// # Errors
    ///
    /// The error of binding `addr`, or of starting the server's thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// let registry = stats_core::Registry::new();
    /// let server = registry.serve("127.0.0.1:0")?;
    /// let mut client = std::net::TcpStream::connect(server.local_addr())?;
    /// client.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    /// let mut response = String::new();
    /// client.read_to_string(&mut response)?;
    /// assert!(response.starts_with("HTTP/1.1 200"));
    /// assert!(response.contains("stats_write_blocked_total"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn serve(&self, addr: impl ToSocketAddrs) -> io::Result<MetricsServer> {
        MetricsServer::start(addr, Arc::new(self.clone()))
    }
}

impl Exposition for Registry {
    fn encode_into(&self, format: Format, out: &mut String) {
        Registry::encode_into(self, format, out);
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tables: Vec<&str> = self
            .inner
            .tables
            .load()
            .iter()
            .map(|entry| entry.name)
            .collect();
        f.debug_struct("Registry")
            .field("tables", &tables)
            .field("deadline", &self.inner.deadline)
            .finish()
    }
}

/// The library's health table, exported by every registry.
#[cfg(not(stats_loom))]
fn health_table() -> Option<&'static dyn Exported> {
    Some(Table::exported(crate::defend::health::table()))
}

#[cfg(stats_loom)]
fn health_table() -> Option<&'static dyn Exported> {
    None
}

/// The health table's name and the names it exposes.
fn health_names() -> Vec<(&'static str, Vec<String>)> {
    health_table()
        .map(|health| {
            let names = check_table(health.table_name(), health.fields()).unwrap_or_default();
            (health.table_name(), names)
        })
        .into_iter()
        .collect()
}
