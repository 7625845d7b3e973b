//! The `prometheus-client` feature: tables in a registry of the
//! `prometheus-client` crate (0.26), through [`PrometheusClientCollector`].
//!
//! Built from a [`TableSnapshot`] as the text encoder
//! ([`crate::export::text`]) is, field by field, so the two give the same
//! series; the type's docs say what `prometheus-client` writes
//! differently.

use crate::export::names::{RegisterError, counter_family};
use crate::export::registry::{RegistrableTable, Registry};
use crate::export::snapshot::TableSnapshot;
use crate::export::source::Source;
use crate::export::text::OVERFLOW_HELP;
use crate::read::snapshot::DEFAULT_SNAPSHOT_DEADLINE;
use crate::table::contract::FieldShape;
use crate::table::traits::MetricKind;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use std::fmt;
use std::time::Duration;

/// A table, or every table of a [`Registry`], as a `prometheus-client`
/// [`Collector`]: register it with
/// `prometheus_client::registry::Registry::register_collector`.
///
/// Each encoding reads each table with a deadline, as a scrape of our
/// registry does (see [`TableSnapshot::of`]), and gives the series that
/// [`Registry::encode_text`] gives, with their names, help, types and
/// labels, family by family in our order: counters under their family name
/// (`orders_created`, to which the encoders add `_total`), gauges, keyed
/// fields as one labelled family plus `{family}_overflow`, histograms with
/// a `+Inf` bucket. Counts and gauges stay integers.
///
/// It is a wrapper for the reason `PrometheusCollector` gives (neither
/// the user's table type nor `prometheus_client`'s `Collector` is this
/// crate's), and takes what our [`Registry`] takes, or a whole `Registry`.
///
/// # What `prometheus-client` writes differently
///
/// * A histogram's sum is an `f64`, so a sum above 2^53 is rounded, and so
///   is a bucket bound above 2^53; its OpenMetrics text writes both as
///   floats (`le="100.0"`, as our OpenMetrics encoder does, and
///   `_sum 1234.0`, where we write `1234`), and its Prometheus text writes
///   the sum so too.
/// * It writes a `HELP` line, empty, for a field without a doc comment,
///   where we write none.
/// * Its OpenMetrics encoder writes help text as it is, where we escape
///   backslashes and double quotes (a doc comment with either).
///
/// # Examples
///
/// ```
/// use prometheus_client::encoding::text::encode;
/// use stats_core::{PrometheusClientCollector, StatTable};
/// use std::sync::Arc;
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
/// let orders = Arc::new(Orders::table());
/// let mut registry = prometheus_client::registry::Registry::default();
/// registry.register_collector(Box::new(PrometheusClientCollector::new(Arc::clone(&orders))?));
///
/// orders.created().add(2);
/// orders.in_flight().set(-1);
/// let mut text = String::new();
/// encode(&mut text, &registry)?;
/// let lines: Vec<&str> = text.lines().collect();
/// assert_eq!(lines, [
///     "# HELP orders_created Orders created.", // OpenMetrics: the family
///     "# TYPE orders_created counter",
///     "orders_created_total 2",
///     "# HELP orders_in_flight Orders being handled.",
///     "# TYPE orders_in_flight gauge",
///     "orders_in_flight -1",
///     "# EOF",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PrometheusClientCollector {
    source: Source,
}

impl PrometheusClientCollector {
    /// A collector of one table (`&TABLE` for a `static` one, or an `Arc`
    /// of one) that reads it with [`DEFAULT_SNAPSHOT_DEADLINE`].
    ///
    /// # Errors
    ///
    /// [`RegisterError`] if a name the table would expose is invalid or
    /// exposed twice, as [`Registry::register`] checks. `prometheus-client`
    /// checks no names: two collectors that expose one name give an
    /// exposition with that family twice.
    ///
    /// # Examples
    ///
    /// In a sub-registry, whose prefix goes before our names:
    ///
    /// ```
    /// use prometheus_client::encoding::text::encode;
    /// use stats_core::{PrometheusClientCollector, StatTable};
    /// use std::sync::Arc;
    ///
    /// #[derive(StatTable, Debug, Default)]
    /// #[stat_table(prefix = "mail")]
    /// struct Mail {
    ///     /// Messages sent.
    ///     sent: u64,
    /// }
    ///
    /// let mail = Arc::new(Mail::table());
    /// let mut registry = prometheus_client::registry::Registry::default();
    /// registry
    ///     .sub_registry_with_prefix("billing")
    ///     .register_collector(Box::new(PrometheusClientCollector::new(Arc::clone(&mail))?));
    /// mail.sent().inc();
    /// let mut text = String::new();
    /// encode(&mut text, &registry)?;
    /// assert!(text.contains("\nbilling_mail_sent_total 1\n"), "{text}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(table: impl RegistrableTable) -> Result<Self, RegisterError> {
        Self::with_deadline(table, DEFAULT_SNAPSHOT_DEADLINE)
    }

    /// A collector of one table that gives a read `deadline` before it
    /// falls back to the table's last published snapshot.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use prometheus_client::encoding::prometheus_text::encode;
    /// use stats_core::{PrometheusClientCollector, StatTable};
    /// use std::sync::LazyLock;
    /// use std::time::Duration;
    ///
    /// #[derive(StatTable, Debug, Default)]
    /// struct Cache {
    ///     /// Lookups that found their entry.
    ///     hits: u64,
    /// }
    ///
    /// static CACHE: LazyLock<CacheTable> = LazyLock::new(Cache::table);
    /// let collector = PrometheusClientCollector::with_deadline(&*CACHE, Duration::from_millis(200))?;
    /// let mut registry = prometheus_client::registry::Registry::default();
    /// registry.register_collector(Box::new(collector));
    /// CACHE.hits().inc();
    /// let mut text = String::new();
    /// encode(&mut text, &registry)?; // the Prometheus text format 0.0.4
    /// assert!(text.ends_with("# TYPE hits_total counter\nhits_total 1\n"), "{text}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_deadline(
        table: impl RegistrableTable,
        deadline: Duration,
    ) -> Result<Self, RegisterError> {
        Ok(Self {
            source: Source::table(table, deadline)?,
        })
    }

    /// A collector of every table of `registry`, the library's health table
    /// included, read with the registry's deadline: what
    /// [`Registry::encode_text`] shows, encoded by `prometheus-client`. It
    /// shares the registry, so a table registered later is encoded too.
    ///
    /// # Examples
    ///
    /// ```
    /// use prometheus_client::encoding::text::encode;
    /// use stats_core::{PrometheusClientCollector, Registry, StatTable};
    /// use std::sync::Arc;
    ///
    /// #[derive(StatTable, Debug, Default)]
    /// #[stat_table(prefix = "jobs")]
    /// struct Jobs {
    ///     /// Jobs done.
    ///     done: u64,
    /// }
    ///
    /// let ours = Registry::new();
    /// let mut registry = prometheus_client::registry::Registry::default();
    /// registry.register_collector(Box::new(PrometheusClientCollector::from_registry(&ours)));
    ///
    /// let jobs = Arc::new(Jobs::table());
    /// ours.register(Arc::clone(&jobs))?; // after: encoded all the same
    /// jobs.done().add(3);
    /// let mut text = String::new();
    /// encode(&mut text, &registry)?;
    /// assert!(text.contains("jobs_done_total 3\n"));
    /// assert!(text.contains("# TYPE stats_write_blocked counter\n")); // the health table
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_registry(registry: &Registry) -> Self {
        Self {
            source: Source::registry(registry),
        }
    }
}

impl Collector for PrometheusClientCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        self.source
            .try_each_snapshot(|snapshot| encode_table(snapshot, &mut encoder))
    }
}

impl fmt::Debug for PrometheusClientCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.debug("PrometheusClientCollector", f)
    }
}

/// Encodes the families of one table, in field order.
#[allow(clippy::cast_precision_loss)] // histogram sums and bounds are f64 there
fn encode_table(snapshot: &TableSnapshot, encoder: &mut DescriptorEncoder<'_>) -> fmt::Result {
    let reading = &snapshot.reading;
    for field in snapshot.fields {
        let (name, help) = (field.name, field.help);
        match (field.kind, field.shape) {
            (MetricKind::Gauge, _) => encoder
                .encode_descriptor(name, help, None, MetricType::Gauge)?
                .encode_gauge(&reading.gauge(field.offset))?,
            (_, FieldShape::Plain) => {
                let mut metric = encoder.encode_descriptor(
                    counter_family(name),
                    help,
                    None,
                    MetricType::Counter,
                )?;
                counter(&mut metric, reading.counter(field.offset))?;
            }
            (_, FieldShape::Closed { label, labels }) => {
                let family = counter_family(name);
                let mut metric =
                    encoder.encode_descriptor(family, help, None, MetricType::Counter)?;
                for (i, key) in labels.iter().enumerate() {
                    let label_set = [(label, *key)];
                    let mut series = metric.encode_family(&label_set)?;
                    counter(&mut series, reading.counter(field.offset + i))?;
                }
                let overflow = reading.counter(field.offset + labels.len());
                if overflow != 0 {
                    encode_overflow(encoder, family, overflow)?;
                }
            }
            (_, FieldShape::Open { label, index, .. }) => {
                let family = counter_family(name);
                let mut metric =
                    encoder.encode_descriptor(family, help, None, MetricType::Counter)?;
                for (key, count) in reading.open(index).iter() {
                    let label_set = [(label, key)];
                    let mut series = metric.encode_family(&label_set)?;
                    counter(&mut series, count)?;
                }
                encode_overflow(encoder, family, reading.counter(field.offset))?;
            }
            (_, FieldShape::Histogram { bounds }) => {
                let buckets: Vec<(f64, u64)> = bounds
                    .iter()
                    .map(|bound| *bound as f64)
                    .chain([f64::INFINITY])
                    .enumerate()
                    .map(|(i, bound)| (bound, reading.counter(field.offset + i)))
                    .collect();
                let count = buckets
                    .iter()
                    .fold(0_u64, |count, (_, n)| count.wrapping_add(*n));
                let sum = reading.counter(field.offset + bounds.len() + 1) as f64;
                encoder
                    .encode_descriptor(name, help, None, MetricType::Histogram)?
                    .encode_histogram::<NoLabelSet>(sum, count, &buckets, None)?;
            }
        }
    }
    Ok(())
}

/// The family of a keyed field's overflow, and its one series.
fn encode_overflow(encoder: &mut DescriptorEncoder<'_>, family: &str, count: u64) -> fmt::Result {
    let name = format!("{family}_overflow");
    let mut metric = encoder.encode_descriptor(&name, OVERFLOW_HELP, None, MetricType::Counter)?;
    counter(&mut metric, count)
}

/// One counter sample, without an exemplar.
fn counter(metric: &mut MetricEncoder<'_>, value: u64) -> fmt::Result {
    metric.encode_counter::<NoLabelSet, u64, u64>(&value, None)
}
