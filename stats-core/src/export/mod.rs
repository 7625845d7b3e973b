//! The way out (layer 4 of the incident write-up, with the archiver): a
//! registry of tables, the Prometheus and OpenMetrics text formats, JSON,
//! and the `/metrics` endpoint.

pub(crate) mod http;
pub(crate) mod json;
pub(crate) mod names;
#[cfg(feature = "prometheus")]
pub(crate) mod prometheus;
#[cfg(feature = "prometheus-client")]
pub(crate) mod prometheus_client;
pub(crate) mod registry;
#[cfg(feature = "serde")]
mod serde;
pub(crate) mod snapshot;
#[cfg(any(feature = "prometheus", feature = "prometheus-client"))]
pub(crate) mod source;
pub(crate) mod text;
