//! Where archived snapshots go: the [`Sink`] trait, JSON lines, and the
//! publication an endpoint serves.

use crate::export::http::{Exposition, MetricsServer};
use crate::export::names::{RegisterError, check_table};
use crate::export::snapshot::TableSnapshot;
use crate::export::text::{Format, encode_table, finish};
use arc_swap::ArcSwap;
use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::ToSocketAddrs;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// The error a sink returns.
pub type SinkError = Box<dyn Error + Send + Sync>;

/// A destination of archived snapshots. The [`Archiver`](crate::Archiver)
/// calls a sink from one worker at a time, in the order the snapshots were
/// submitted; a sink that fails or is slow is skipped by its circuit
/// breaker for a while (see the archiver's docs).
///
/// # Examples
///
/// ```
/// use stats_core::{Sink, SinkError, TableSnapshot};
/// use std::sync::Mutex;
///
/// /// Keeps the names of the tables it was given.
/// #[derive(Default)]
/// struct Names(Mutex<Vec<&'static str>>);
///
/// impl Sink for Names {
///     fn write(&self, snapshot: &TableSnapshot) -> Result<(), SinkError> {
///         self.0.lock().map_err(|_| "poisoned")?.push(snapshot.table_name());
///         Ok(())
///     }
/// }
/// ```
pub trait Sink: Send + Sync + 'static {
    /// Takes one snapshot.
    ///
    /// # Errors
    ///
    /// Whatever kept the snapshot from its destination: it is counted in
    /// `stats_sink_errors_total` and moves the sink's breaker.
    fn write(&self, snapshot: &TableSnapshot) -> Result<(), SinkError>;

    /// Makes everything written so far durable: called when the archiver
    /// shuts down. Does nothing by default.
    ///
    /// # Errors
    ///
    /// Whatever kept the data from its destination.
    fn flush(&self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// A sink that writes each snapshot as one line of JSON (the shape of
/// [`TableSnapshot::write_json`]) and flushes it, so a reader of the file
/// never sees half a line of a completed write.
///
/// # Examples
///
/// ```
/// use stats_core::{JsonLines, Sink, StatTable, TableSnapshot};
/// use std::time::Duration;
///
/// #[derive(StatTable, Debug, Default)]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
/// }
///
/// let table = Jobs::table();
/// table.done().add(2);
/// let sink = JsonLines::new(Vec::new());
/// sink.write(&TableSnapshot::of(&table, Duration::from_millis(50)))?;
/// let text = String::from_utf8(sink.into_inner())?;
/// assert!(text.ends_with("\"stats\":{\"done\":2}}\n"));
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
pub struct JsonLines<W: Write + Send + 'static> {
    out: Mutex<Lines<W>>,
}

struct Lines<W: Write> {
    writer: BufWriter<W>,
    /// Reused for each line.
    line: String,
}

impl JsonLines<File> {
    /// Appends to the file at `path`, creating it if needed.
    ///
    /// # Errors
    ///
    /// The error of opening the file.
    pub fn append(path: impl AsRef<Path>) -> io::Result<Self> {
        let file = File::options().create(true).append(true).open(path)?;
        Ok(Self::new(file))
    }
}

impl JsonLines<io::Stdout> {
    /// Writes to the standard output.
    #[must_use]
    pub fn stdout() -> Self {
        Self::new(io::stdout())
    }
}

impl<W: Write + Send + 'static> JsonLines<W> {
    /// Writes to `writer`.
    pub fn new(writer: W) -> Self {
        Self {
            out: Mutex::new(Lines {
                writer: BufWriter::new(writer),
                line: String::new(),
            }),
        }
    }

    /// The writer, after a final flush.
    pub fn into_inner(self) -> W {
        let lines = self
            .out
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        match lines.writer.into_inner() {
            Ok(writer) => writer,
            // The flush failed: hand the writer back with what it holds unwritten dropped.
            Err(error) => error.into_inner().into_parts().0,
        }
    }
}

impl<W: Write + Send + 'static> Sink for JsonLines<W> {
    fn write(&self, snapshot: &TableSnapshot) -> Result<(), SinkError> {
        // A write that panicked left at most a partial line, which the
        // next line's newline ends; nothing else is shared.
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let Lines { writer, line } = &mut *out;
        line.clear();
        snapshot.write_json(line);
        line.push('\n');
        writer.write_all(line.as_bytes())?;
        writer.flush()?;
        Ok(())
    }

    fn flush(&self) -> Result<(), SinkError> {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        out.writer.flush()?;
        Ok(())
    }
}

/// A sink that keeps the latest snapshot of each table, for an endpoint
/// to serve: scrapes then read what the archiver last saw, and never touch
/// the tables. Tables are told apart by instance; one whose names clash
/// with a table held already is refused (an error of the sink, counted by
/// the archiver). Clones share the publication.
///
/// # Examples
///
/// ```
/// use stats_core::{Archiver, Publication, Registry, StatTable};
/// use std::sync::Arc;
///
/// #[derive(StatTable, Debug, Default)]
/// #[stat_table(prefix = "jobs")]
/// struct Jobs {
///     /// Jobs done.
///     done: u64,
/// }
///
/// let table = Arc::new(Jobs::table());
/// let registry = Registry::new();
/// registry.register(Arc::clone(&table))?;
/// let publication = Publication::new();
/// let archiver = Archiver::builder().sink(publication.clone()).build()?;
///
/// table.done().add(5);
/// archiver.archive(&registry);
/// archiver.shutdown();
/// assert!(publication.encode_text().contains("jobs_done_total 5\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct Publication {
    latest: Arc<ArcSwap<Vec<TableSnapshot>>>,
}

impl Publication {
    /// A publication of nothing yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The latest snapshot of each table, in the order the tables first
    /// arrived.
    #[must_use]
    pub fn snapshots(&self) -> Vec<TableSnapshot> {
        Vec::clone(&self.latest.load())
    }

    /// The latest snapshots in the Prometheus text format 0.0.4.
    #[must_use]
    pub fn encode_text(&self) -> String {
        let mut out = String::new();
        Exposition::encode_into(self, Format::PrometheusText, &mut out);
        out
    }

    /// Appends the latest snapshots in `format` to `out`.
    pub fn encode_into(&self, format: Format, out: &mut String) {
        Exposition::encode_into(self, format, out);
    }

    /// Serves the latest snapshots on `GET /metrics`, as
    /// [`Registry::serve`](crate::Registry::serve) does.
    ///
    /// # Errors
    ///
    /// The error of binding `addr`, or of starting the server's thread.
    pub fn serve(&self, addr: impl ToSocketAddrs) -> io::Result<MetricsServer> {
        MetricsServer::start(addr, Arc::new(self.clone()))
    }
}

impl Exposition for Publication {
    fn encode_into(&self, format: Format, out: &mut String) {
        for snapshot in self.latest.load().iter() {
            encode_table(snapshot, format, out);
        }
        finish(format, out);
    }
}

impl Sink for Publication {
    /// Keeps `snapshot` as its table's latest (tables are told apart by
    /// instance, not by struct).
    ///
    /// # Errors
    ///
    /// [`RegisterError`](crate::RegisterError) if the snapshot's table
    /// would expose a name another table of the publication exposes, as
    /// [`Registry::register`](crate::Registry::register) refuses it.
    fn write(&self, snapshot: &TableSnapshot) -> Result<(), SinkError> {
        let mut refused = None;
        self.latest.rcu(|latest| {
            refused = None;
            let mut next = Vec::clone(latest);
            if let Some(held) = next
                .iter_mut()
                .find(|held| held.table_id == snapshot.table_id)
            {
                // Only forward: a snapshot older than the one held (two
                // archivers racing) does not replace it.
                if held.reading.taken_at <= snapshot.reading.taken_at {
                    *held = snapshot.clone();
                }
                return next;
            }
            match names_clash(&next, snapshot) {
                Ok(()) => next.push(snapshot.clone()),
                Err(error) => refused = Some(error),
            }
            next
        });
        match refused {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }
}

/// `Err` if `snapshot`'s table would expose a name one of `held` exposes.
fn names_clash(held: &[TableSnapshot], snapshot: &TableSnapshot) -> Result<(), RegisterError> {
    let names = check_table(snapshot.table_name, snapshot.fields)?;
    for other in held {
        let taken = check_table(other.table_name, other.fields)?;
        if let Some(name) = names.iter().find(|name| taken.contains(name)) {
            return Err(RegisterError::DuplicateName {
                name: name.clone(),
                first: other.table_name,
                second: snapshot.table_name,
            });
        }
    }
    Ok(())
}

impl std::fmt::Debug for Publication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publication")
            .field("tables", &self.latest.load().len())
            .finish()
    }
}

impl<W: Write + Send + 'static> std::fmt::Debug for JsonLines<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLines").finish_non_exhaustive()
    }
}
