//! The `prometheus` feature: tables in a registry of the `prometheus`
//! crate (0.14), through [`PrometheusCollector`].
//!
//! Built from a [`TableSnapshot`] as the text encoder
//! ([`crate::export::text`]) is, field by field, so the two give the same
//! series; the type's docs say why it is a wrapper and what `prometheus`
//! changes.

use crate::export::names::{RegisterError, counter_family};
use crate::export::registry::{RegistrableTable, Registry};
use crate::export::snapshot::TableSnapshot;
use crate::export::source::Source;
use crate::export::text::OVERFLOW_HELP;
use crate::read::snapshot::DEFAULT_SNAPSHOT_DEADLINE;
use crate::table::contract::{FieldDesc, FieldShape};
use crate::table::traits::MetricKind;
use prometheus::core::{Collector, Desc};
use prometheus::proto::{
    Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType,
};
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// A table, or every table of a [`Registry`], as a `prometheus` crate
/// [`Collector`]: register it with `prometheus::Registry::register`.
///
/// Each `gather` reads each table with a deadline, as a scrape of our
/// registry does (see [`TableSnapshot::of`]), and gives the series that
/// [`Registry::encode_text`] gives, with their names, help, types and
/// labels: counters as `{family}_total` (the family name `prometheus`'
/// `TextEncoder` writes as it is), gauges, keyed fields as one labelled
/// family plus `{family}_overflow_total`, histograms with cumulative
/// buckets (the encoder adds `+Inf`).
///
/// A table of this collector is not in our `Registry`, and the other way
/// round: register a table in one of them, or register the `Registry`
/// here with [`from_registry`](Self::from_registry).
///
/// # Why a wrapper, and not `impl Collector for` every table
///
/// A generated table is a type of the user's crate and `Collector` a trait
/// of `prometheus`: neither is this crate's, so the orphan rules refuse a
/// blanket `impl<T: Table> Collector for T` here. The derive could write the
/// impl in the user's crate, but then every crate that derives a table
/// would need `prometheus` among its own dependencies, at our version, and
/// the derive would have to know whether the feature is on. A wrapper needs
/// neither, and takes what our [`Registry`] takes (a `&'static` table or an
/// `Arc` of one), or a whole `Registry`, with the library's health table.
///
/// # What `prometheus` changes
///
/// * Values are `f64` in its data model, so counters, gauges and histogram
///   sums above 2^53, and bucket bounds above 2^53, are rounded.
/// * Its registry sorts families by name and series by label value, and
///   leaves out a family with no series (an open keyed field with no keys
///   yet), where we write its `HELP` and `TYPE` lines.
/// * A field without a doc comment has no `HELP` line either way, but
///   `prometheus` wants a help text in each descriptor: the descriptor
///   carries the metric name instead.
///
/// # Examples
///
/// ```
/// use prometheus::TextEncoder;
/// use stats_core::{PrometheusCollector, StatTable};
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
/// let registry = prometheus::Registry::new();
/// registry.register(Box::new(PrometheusCollector::new(Arc::clone(&orders))?))?;
/// // The same table twice would gather every series twice:
/// assert!(registry.register(Box::new(PrometheusCollector::new(Arc::clone(&orders))?)).is_err());
///
/// orders.created().add(2);
/// orders.in_flight().set(-1);
/// let text = TextEncoder::new().encode_to_string(&registry.gather())?;
/// let lines: Vec<&str> = text.lines().collect();
/// assert_eq!(lines, [
///     "# HELP orders_created_total Orders created.",
///     "# TYPE orders_created_total counter",
///     "orders_created_total 2",
///     "# HELP orders_in_flight Orders being handled.",
///     "# TYPE orders_in_flight gauge",
///     "orders_in_flight -1",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PrometheusCollector {
    source: Source,
    descs: Vec<Desc>,
}

impl PrometheusCollector {
    /// A collector of one table (`&TABLE` for a `static` one, or an `Arc`
    /// of one) that reads it with [`DEFAULT_SNAPSHOT_DEADLINE`].
    ///
    /// # Errors
    ///
    /// [`RegisterError`] if a name the table would expose is invalid or
    /// exposed twice, as [`Registry::register`] checks. A name that another
    /// collector already gathers is the `prometheus` registry's to refuse,
    /// when this one is registered.
    ///
    /// # Examples
    ///
    /// A `static` table in `prometheus`' default registry:
    ///
    /// ```
    /// use stats_core::{PrometheusCollector, StatTable};
    /// use std::sync::LazyLock;
    ///
    /// #[derive(StatTable, Debug, Default)]
    /// #[stat_table(prefix = "mail")]
    /// struct Mail {
    ///     /// Messages sent.
    ///     sent: u64,
    /// }
    ///
    /// static MAIL: LazyLock<MailTable> = LazyLock::new(Mail::table);
    /// prometheus::register(Box::new(PrometheusCollector::new(&*MAIL)?))?;
    /// MAIL.sent().inc();
    /// let text = prometheus::TextEncoder::new().encode_to_string(&prometheus::gather())?;
    /// assert!(text.contains("\nmail_sent_total 1\n"), "{text}");
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
    /// use prometheus::TextEncoder;
    /// use prometheus::core::Collector;
    /// use stats_core::{PrometheusCollector, StatTable};
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
    /// let collector = PrometheusCollector::with_deadline(&*CACHE, Duration::from_millis(200))?;
    /// CACHE.hits().inc();
    /// let text = TextEncoder::new().encode_to_string(&collector.collect())?;
    /// assert!(text.ends_with("# TYPE hits_total counter\nhits_total 1\n"), "{text}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_deadline(
        table: impl RegistrableTable,
        deadline: Duration,
    ) -> Result<Self, RegisterError> {
        let descs = describe(table.exported().fields());
        Ok(Self {
            source: Source::table(table, deadline)?,
            descs,
        })
    }

    /// A collector of every table of `registry`, the library's health table
    /// included, read with the registry's deadline: what
    /// [`Registry::encode_text`] shows, gathered by `prometheus`.
    ///
    /// The collector shares the registry, so a table registered later is
    /// gathered too; but `prometheus` checks names against other
    /// collectors only when this one is registered, with the tables the
    /// registry held when this was called.
    ///
    /// Every registry of ours holds the health table, so two of them
    /// can't share one `prometheus` registry: register one, or the tables
    /// one by one with [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use prometheus::TextEncoder;
    /// use stats_core::{PrometheusCollector, Registry, StatTable};
    /// use std::sync::Arc;
    ///
    /// #[derive(StatTable, Debug, Default)]
    /// #[stat_table(prefix = "jobs")]
    /// struct Jobs {
    ///     /// Jobs done.
    ///     done: u64,
    /// }
    ///
    /// let jobs = Arc::new(Jobs::table());
    /// let ours = Registry::new();
    /// ours.register(Arc::clone(&jobs))?;
    /// let registry = prometheus::Registry::new();
    /// registry.register(Box::new(PrometheusCollector::from_registry(&ours)))?;
    ///
    /// jobs.done().add(3);
    /// let text = TextEncoder::new().encode_to_string(&registry.gather())?;
    /// assert!(text.contains("jobs_done_total 3\n"));
    /// assert!(text.contains("# TYPE stats_write_blocked_total counter\n")); // the health table
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_registry(registry: &Registry) -> Self {
        let descs = registry
            .snapshots()
            .iter()
            .flat_map(|snapshot| describe(snapshot.fields))
            .collect();
        Self {
            source: Source::registry(registry),
            descs,
        }
    }
}

impl Collector for PrometheusCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let mut families = Vec::new();
        self.source
            .each_snapshot(|snapshot| families_of(snapshot, &mut families));
        families
    }
}

impl fmt::Debug for PrometheusCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.debug("PrometheusCollector", f)
    }
}

/// The descriptors of a table's families. The names were checked (by
/// [`check_table`], or by the registry that holds the table), so
/// `prometheus` accepts every one of them.
fn describe(fields: &[FieldDesc]) -> Vec<Desc> {
    let mut descs = Vec::new();
    let mut add = |name: String, help: &str, label: Option<&str>| {
        let help = if help.is_empty() { name.as_str() } else { help }.to_owned();
        let labels = label.map(str::to_owned).into_iter().collect();
        if let Ok(desc) = Desc::new(name, help, labels, HashMap::new()) {
            descs.push(desc);
        }
    };
    for field in fields {
        let (name, help) = (field.name, field.help);
        match (field.kind, field.shape) {
            (MetricKind::Gauge, _) | (_, FieldShape::Histogram { .. }) => {
                add(name.to_owned(), help, None);
            }
            (_, FieldShape::Plain) => add(format!("{}_total", counter_family(name)), help, None),
            (_, FieldShape::Closed { label, .. } | FieldShape::Open { label, .. }) => {
                let family = counter_family(name);
                add(format!("{family}_total"), help, Some(label));
                add(format!("{family}_overflow_total"), OVERFLOW_HELP, None);
            }
        }
    }
    descs
}

/// Appends the families of one table, in field order; a family without
/// series is left out (`prometheus`' encoders refuse one).
#[allow(clippy::cast_precision_loss)] // the `prometheus` data model is f64
fn families_of(snapshot: &TableSnapshot, families: &mut Vec<MetricFamily>) {
    let reading = &snapshot.reading;
    let mut push = |name: String, help: &str, kind: MetricType, metrics: Vec<Metric>| {
        if !metrics.is_empty() {
            let mut family = MetricFamily::default();
            family.set_name(name);
            family.set_help(help.to_owned());
            family.set_field_type(kind);
            family.set_metric(metrics);
            families.push(family);
        }
    };
    for field in snapshot.fields {
        let (name, help) = (field.name, field.help);
        match (field.kind, field.shape) {
            (MetricKind::Gauge, _) => {
                let mut gauge = Gauge::default();
                gauge.set_value(reading.gauge(field.offset) as f64);
                let mut metric = Metric::default();
                metric.set_gauge(gauge);
                push(name.to_owned(), help, MetricType::GAUGE, vec![metric]);
            }
            (_, FieldShape::Plain) => {
                let metric = counter(None, reading.counter(field.offset));
                let family = format!("{}_total", counter_family(name));
                push(family, help, MetricType::COUNTER, vec![metric]);
            }
            (_, FieldShape::Closed { label, labels }) => {
                let metrics = labels
                    .iter()
                    .enumerate()
                    .map(|(i, key)| counter(Some((label, key)), reading.counter(field.offset + i)))
                    .collect();
                let family = counter_family(name);
                push(
                    format!("{family}_total"),
                    help,
                    MetricType::COUNTER,
                    metrics,
                );
                let overflow = reading.counter(field.offset + labels.len());
                if overflow != 0 {
                    let metric = counter(None, overflow);
                    let name = format!("{family}_overflow_total");
                    push(name, OVERFLOW_HELP, MetricType::COUNTER, vec![metric]);
                }
            }
            (_, FieldShape::Open { label, index, .. }) => {
                let metrics = reading
                    .open(index)
                    .iter()
                    .map(|(key, count)| counter(Some((label, key)), count))
                    .collect();
                let family = counter_family(name);
                push(
                    format!("{family}_total"),
                    help,
                    MetricType::COUNTER,
                    metrics,
                );
                let metric = counter(None, reading.counter(field.offset));
                let name = format!("{family}_overflow_total");
                push(name, OVERFLOW_HELP, MetricType::COUNTER, vec![metric]);
            }
            (_, FieldShape::Histogram { bounds }) => {
                let mut cumulative = 0_u64;
                let buckets = bounds
                    .iter()
                    .enumerate()
                    .map(|(i, bound)| {
                        cumulative = cumulative.wrapping_add(reading.counter(field.offset + i));
                        let mut bucket = Bucket::default();
                        bucket.set_upper_bound(*bound as f64);
                        bucket.set_cumulative_count(cumulative);
                        bucket
                    })
                    .collect();
                let count = cumulative.wrapping_add(reading.counter(field.offset + bounds.len()));
                let mut histogram = Histogram::default();
                histogram.set_bucket(buckets);
                histogram.set_sample_count(count);
                histogram.set_sample_sum(reading.counter(field.offset + bounds.len() + 1) as f64);
                let mut metric = Metric::default();
                metric.set_histogram(histogram);
                push(name.to_owned(), help, MetricType::HISTOGRAM, vec![metric]);
            }
        }
    }
}

/// One counter series, with its label if it has one.
#[allow(clippy::cast_precision_loss)] // the `prometheus` data model is f64
fn counter(label: Option<(&str, &str)>, value: u64) -> Metric {
    let mut counter = Counter::default();
    counter.set_value(value as f64);
    let mut metric = Metric::default();
    metric.set_counter(counter);
    if let Some((name, value)) = label {
        let mut pair = LabelPair::default();
        pair.set_name(name.to_owned());
        pair.set_value(value.to_owned());
        metric.set_label(vec![pair]);
    }
    metric
}
