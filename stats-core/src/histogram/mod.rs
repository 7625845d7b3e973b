//! Histograms: the snapshot value [`value::Histogram`] and the field handle
//! [`handle::HistogramField`]. A histogram field is a run of counter words
//! in the per-thread rows: one per bucket (the last is `+Inf`), then the
//! sum; an observation moves one bucket and the sum in one consistent step
//! of the row.

pub(crate) mod handle;
pub(crate) mod value;
