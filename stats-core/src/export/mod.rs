//! The way out (layer 4 of the incident write-up, with the archiver): a
//! registry of tables, the Prometheus and OpenMetrics text formats, JSON,
//! and the `/metrics` endpoint.

pub(crate) mod http;
pub(crate) mod json;
pub(crate) mod names;
pub(crate) mod registry;
pub(crate) mod snapshot;
pub(crate) mod text;
#[cfg(feature = "prometheus")]
pub(crate) mod prometheus;
#[cfg(feature = "prometheus-client")]
pub(crate) mod prometheus_client;
#[cfg(feature = "serde")]
mod serde;
