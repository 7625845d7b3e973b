//! The `/metrics` endpoint, on `tiny_http`: a small synchronous server,
//! so a service needs no async runtime to be scraped.
//!
//! One thread accepts requests (tiny_http reads each connection on a
//! thread of its own, so a client that sends its request slowly holds only
//! that thread). Each scrape is answered by a short-lived responder thread:
//! it reads the tables (each with the registry's deadline), encodes, and
//! writes the response. Writers never wait for any of it, and a client that
//! reads its response slowly, or never, holds only its own responder. At
//! most [`MAX_RESPONDERS`] responders run at once; a scrape beyond that is
//! answered `503 Service Unavailable` at once rather than queued.

use crate::export::text::Format;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

/// The most scrapes answered at once.
pub const MAX_RESPONDERS: usize = 8;

/// What an endpoint serves: encodes every series in a format.
pub(crate) trait Exposition: Send + Sync + 'static {
    fn encode_into(&self, format: Format, out: &mut String);
}

/// A running `/metrics` endpoint: [`Registry::serve`](crate::Registry::serve).
/// Dropping it stops the server: it stops accepting, and the thread that
/// accepted is joined (responders already answering finish on their own).
///
/// `GET /metrics` (or `HEAD`) answers `200` with OpenMetrics text when the
/// `Accept` header prefers it (as Prometheus's does), else the Prometheus
/// text format 0.0.4 (see [`Format::from_accept`]); anything else is `404`.
pub struct MetricsServer {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    acceptor: Option<JoinHandle<()>>,
}

impl MetricsServer {
    pub(crate) fn start(
        addr: impl ToSocketAddrs,
        exposition: Arc<dyn Exposition>,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let server = tiny_http::Server::from_listener(listener, None)
            .map(Arc::new)
            .map_err(io::Error::other)?;
        let acceptor = {
            let server = Arc::clone(&server);
            std::thread::Builder::new()
                .name("stats-metrics".to_owned())
                .spawn(move || accept(&server, &exposition))?
        };
        Ok(Self {
            addr,
            server,
            acceptor: Some(acceptor),
        })
    }

    /// The address it listens on (with the port the OS chose for port 0).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(acceptor) = self.acceptor.take() {
            // The acceptor never panics (every error is answered or
            // ignored), so the result says nothing.
            let _ = acceptor.join();
        }
    }
}

impl std::fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Answers requests until the server is unblocked.
fn accept(server: &tiny_http::Server, exposition: &Arc<dyn Exposition>) {
    let responders = Arc::new(AtomicUsize::new(0));
    for request in server.incoming_requests() {
        let is_scrape = matches!(
            request.method(),
            tiny_http::Method::Get | tiny_http::Method::Head
        ) && request.url().split('?').next() == Some("/metrics");
        if !is_scrape {
            // A client gone already is no concern of ours.
            let _ = request.respond(tiny_http::Response::empty(404));
            continue;
        }
        if responders.fetch_add(1, Ordering::AcqRel) >= MAX_RESPONDERS {
            responders.fetch_sub(1, Ordering::AcqRel);
            let _ = request.respond(tiny_http::Response::empty(503));
            continue;
        }
        let exposition = Arc::clone(exposition);
        let done = Arc::clone(&responders);
        let spawned = std::thread::Builder::new()
            .name("stats-metrics-responder".to_owned())
            .spawn(move || {
                respond(request, &*exposition);
                done.fetch_sub(1, Ordering::AcqRel);
            });
        if spawned.is_err() {
            // No thread to spare: the request was dropped with the closure,
            // which closes its connection.
            responders.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

fn respond(request: tiny_http::Request, exposition: &dyn Exposition) {
    let accept = request
        .headers()
        .iter()
        .find(|header| header.field.equiv("Accept"))
        .map(|header| header.value.as_str())
        .unwrap_or_default();
    let format = Format::from_accept(accept);
    let mut body = String::new();
    exposition.encode_into(format, &mut body);
    let content_type = tiny_http::Header::from_bytes("Content-Type", format.content_type())
        .expect("a constant header is valid");
    let response = tiny_http::Response::from_string(body).with_header(content_type);
    let _ = request.respond(response);
}
