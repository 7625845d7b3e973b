//! The `/metrics` endpoint: hyper's HTTP/1 server on a single-threaded
//! tokio runtime of its own, on a thread of its own, so a service needs no
//! async runtime to be scraped and the endpoint shares nothing with the
//! service's own runtime, if it has one.
//!
//! # What a client cannot do
//!
//! A scrape reads the tables (each with the registry's deadline) on a
//! thread of tokio's blocking pool, never on the connection's task, and
//! writers never wait for any of it. Every connection is bounded:
//!
//! * its request head must arrive within [`HEADER_TIMEOUT`] and fit in
//!   [`MAX_HEAD_BYTES`] (hyper's limits: anything else is answered with an
//!   error or dropped), and its body is never read, whatever its
//!   `Content-Length` says;
//! * the whole exchange, the response included, must end within
//!   [`CONNECTION_TIMEOUT`]: a client that reads its response slowly, or
//!   never, is disconnected then;
//! * at most [`MAX_CONNECTIONS`] connections are open at once; a connection
//!   beyond that is closed as soon as it is accepted, and at most
//!   [`MAX_RESPONDERS`] scrapes are encoded at once, a scrape beyond that
//!   being answered `503 Service Unavailable` at once.
//!
//! So a slow, idle or hostile client holds one connection for at most
//! [`CONNECTION_TIMEOUT`], and at most [`MAX_CONNECTIONS`] of them hold the
//! endpoint; its memory is bounded by the connections times the largest
//! response.

use crate::export::text::Format;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::oneshot;

/// The most scrapes encoded at once; more are answered `503`.
pub const MAX_RESPONDERS: usize = 8;
/// The most connections open at once; more are closed when accepted.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a client has to send its request head.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection may last, the response included.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest request head (request line and headers), in bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// What an endpoint serves: encodes every series in a format.
pub(crate) trait Exposition: Send + Sync + 'static {
    fn encode_into(&self, format: Format, out: &mut String);
}

/// A running `/metrics` endpoint: [`Registry::serve`](crate::Registry::serve).
/// Dropping it stops the server: when the drop returns, the port is
/// closed and every connection with it.
///
/// `GET /metrics` (or `HEAD`; a query string is ignored) answers `200`
/// with OpenMetrics text when the `Accept` header prefers it (as
/// Prometheus's does), else the Prometheus text format 0.0.4 (see
/// [`Format::from_accept`]); any other request is `404`.
///
/// # What a client cannot do
///
/// A scrape reads the tables (each with the registry's deadline) on a
/// thread of its own, and writers never wait for any of it. Every
/// connection is bounded:
///
/// * its request head must arrive within [`HEADER_TIMEOUT`] and fit in
///   [`MAX_HEAD_BYTES`], and its body is never read, whatever its
///   `Content-Length` says;
/// * the whole exchange, the response included, must end within
///   [`CONNECTION_TIMEOUT`]: a client that reads its response slowly, or
///   never, is disconnected then;
/// * at most [`MAX_CONNECTIONS`] connections are open at once (one beyond
///   is closed as soon as it is accepted), and at most [`MAX_RESPONDERS`]
///   scrapes are encoded at once (one beyond is answered `503`).
///
/// So a slow, idle or hostile client holds one connection for at most
/// [`CONNECTION_TIMEOUT`], and the endpoint's memory is bounded by the
/// connections times the largest response.
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    pub(crate) fn start(
        addr: impl ToSocketAddrs,
        exposition: Arc<dyn Exposition>,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .max_blocking_threads(MAX_RESPONDERS)
            .thread_name("stats-metrics-responder")
            .build()?;
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("stats-metrics".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    // Inside the runtime: tokio's listener needs its reactor.
                    // Cannot fail for a listener just bound; if it did,
                    // there would be nothing to serve.
                    if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                        serve(listener, exposition, stopped).await;
                    }
                });
                // Dropping the runtime here cancels every connection.
            })?;
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
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
        if let Some(stop) = self.stop.take() {
            // The server may have stopped already; then there is no one to
            // tell.
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // Its only code is the runtime, which catches the tasks'
            // panics; the listener is closed when the join returns.
            let _ = thread.join();
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

/// Accepts connections until told to stop.
async fn serve(
    listener: tokio::net::TcpListener,
    exposition: Arc<dyn Exposition>,
    mut stopped: oneshot::Receiver<()>,
) {
    let connections = Arc::new(AtomicUsize::new(0));
    let responders = Arc::new(AtomicUsize::new(0));
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors, or a connection reset before it was
            // accepted: wait a little rather than spin, and go on.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        if connections.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            connections.fetch_sub(1, Ordering::AcqRel);
            drop(stream);
            continue;
        }
        let open = Counted(Arc::clone(&connections));
        let exposition = Arc::clone(&exposition);
        let responders = Arc::clone(&responders);
        tokio::spawn(async move {
            let _open = open;
            let service = service_fn(move |request| {
                answer(request, Arc::clone(&exposition), Arc::clone(&responders))
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            // An error or the deadline ends the connection; the client is
            // told nothing more.
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection).await;
        });
    }
}

/// Takes one off a count when dropped.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The response to one request.
async fn answer(
    request: Request<hyper::body::Incoming>,
    exposition: Arc<dyn Exposition>,
    responders: Arc<AtomicUsize>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let is_scrape = matches!(*request.method(), Method::GET | Method::HEAD)
        && request.uri().path() == "/metrics";
    if !is_scrape {
        return Ok(status(StatusCode::NOT_FOUND));
    }
    if responders.fetch_add(1, Ordering::AcqRel) >= MAX_RESPONDERS {
        responders.fetch_sub(1, Ordering::AcqRel);
        return Ok(status(StatusCode::SERVICE_UNAVAILABLE));
    }
    let busy = Counted(responders);
    let accept = request
        .headers()
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let format = Format::from_accept(accept);
    let encoded = tokio::task::spawn_blocking(move || {
        let _busy = busy;
        let mut body = String::new();
        exposition.encode_into(format, &mut body);
        body
    })
    .await;
    let Ok(body) = encoded else {
        // The encoding panicked (a bug): say so rather than drop the
        // connection.
        return Ok(status(StatusCode::INTERNAL_SERVER_ERROR));
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    Ok(response)
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}
