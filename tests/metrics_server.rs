//! The `/metrics` endpoint over real sockets: content negotiation, 404s,
//! clients that never read their response, and a clean shutdown.

use stats_core::{Format, Keyed, Registry, StatTable};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(StatTable, Debug, Default)]
#[stat_table(prefix = "srv")]
struct Served {
    /// Requests handled.
    requests: u64,
    /// Requests by path.
    #[stat(keyed(capacity = 60000, max_key_len = 48))]
    by_path: Keyed<String>,
}

/// Sends `request` and reads the whole response (the server closes).
fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a read timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

fn get(addr: SocketAddr, path: &str, accept: Option<&str>) -> String {
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    exchange(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{accept}Connection: close\r\n\r\n"),
    )
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

#[test]
fn accept_picks_the_format_and_other_paths_are_404() {
    let table = Arc::new(Served::table());
    table.requests().add(3);
    let registry = Registry::new();
    registry.register(Arc::clone(&table)).expect("registers");
    let server = registry.serve("127.0.0.1:0").expect("serves");
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback());

    let text = get(addr, "/metrics", None);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains(Format::PrometheusText.content_type()));
    assert!(body(&text).contains("# TYPE srv_requests_total counter\nsrv_requests_total 3\n"));
    assert!(!body(&text).contains("# EOF"));

    let prometheus_accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let open = get(addr, "/metrics", Some(prometheus_accept));
    assert!(open.contains(Format::OpenMetrics.content_type()), "{open}");
    assert!(body(&open).contains("# TYPE srv_requests counter\n"));
    assert!(body(&open).ends_with("# EOF\n"));

    // A query string is still /metrics.
    assert!(get(addr, "/metrics?x=1", None).starts_with("HTTP/1.1 200"));
    for path in ["/", "/metric", "/metrics/x", "/favicon.ico"] {
        let response = get(addr, path, None);
        assert!(response.starts_with("HTTP/1.1 404"), "{path}: {response}");
    }
    let post = exchange(
        addr,
        "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(post.starts_with("HTTP/1.1 404"), "{post}");
    let head = exchange(
        addr,
        "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(body(&head).is_empty(), "a HEAD answer has no body");
}

#[test]
fn clients_that_never_read_hold_no_writer_and_no_other_scrape() {
    let table = Arc::new(Served::table());
    // About 3 MB of exposition: more than a socket buffers, so a client
    // that never reads leaves its responder blocked in a write.
    for i in 0..60_000 {
        table
            .by_path()
            .inc(&format!("/api/v1/items/{i:08}/details"));
    }
    let registry = Registry::new();
    registry.register(Arc::clone(&table)).expect("registers");
    let server = registry.serve("127.0.0.1:0").expect("serves");
    let addr = server.local_addr();

    // Three clients ask and never read; one connects and never asks.
    let mut stalled = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("send");
        stalled.push(stream);
    }
    stalled.push(TcpStream::connect(addr).expect("connect"));
    std::thread::sleep(Duration::from_millis(300));

    // Writers go on meanwhile, and lose nothing.
    let stop = AtomicBool::new(false);
    let written = std::thread::scope(|s| {
        let writers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0_u64;
                    while !stop.load(Ordering::Relaxed) {
                        table.requests().inc();
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        // Other scrapes are answered in full while the stalled ones wait.
        for _ in 0..3 {
            let response = get(addr, "/metrics", None);
            assert!(response.starts_with("HTTP/1.1 200"));
            let body = body(&response);
            assert!(
                body.contains("srv_by_path_total{path=\"/api/v1/items/00059999/details\"} 1\n")
            );
            assert!(body.contains("stats_write_blocked_total"));
        }
        stop.store(true, Ordering::Relaxed);
        writers
            .into_iter()
            .map(|w| w.join().expect("a writer"))
            .sum::<u64>()
    });
    assert_eq!(table.requests().get(), written);

    // Dropping the server stops it; the stalled clients do not hold it.
    drop(server);
    drop(stalled);
    let refused = TcpStream::connect_timeout(&addr, Duration::from_secs(5));
    assert!(refused.is_err(), "the port still accepts after the drop");
}

/// A scrape answered in full, within the client's patience.
fn scrape_ok(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    if stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut response = String::new();
    stream.read_to_string(&mut response).is_ok() && response.starts_with("HTTP/1.1 200")
}

#[test]
fn hostile_requests_neither_crash_nor_wedge_the_endpoint() {
    let registry = Registry::new();
    let server = registry.serve("127.0.0.1:0").expect("serves");
    let addr = server.local_addr();

    // Bodies announced and never sent, of absurd lengths: the body is
    // never read, so nothing is allocated for it (this process would abort
    // if it were).
    let mut held = Vec::new();
    for length in ["99999999999", "18446744073709551615", "100000"] {
        for _ in 0..(stats_core::MAX_RESPONDERS + 1) {
            let mut stream = TcpStream::connect(addr).expect("connect");
            let request =
                format!("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n");
            stream.write_all(request.as_bytes()).expect("send");
            held.push(stream);
        }
    }
    // A request head larger than the limit is refused, not buffered.
    let mut huge = TcpStream::connect(addr).expect("connect");
    let header = format!("X-Big: {}\r\n", "a".repeat(stats_core::MAX_HEAD_BYTES * 4));
    let _ = huge.write_all(format!("GET /metrics HTTP/1.1\r\nHost: x\r\n{header}\r\n").as_bytes());
    // Garbage and an unsupported version.
    for garbage in [
        "\x00\x01\x02 nonsense\r\n\r\n",
        "GET /metrics HTTP/2.0\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let _ = stream.write_all(garbage.as_bytes());
        held.push(stream);
    }
    // The hostile GETs may hold every responder for a moment, and a scrape
    // then is answered `503` by design: the endpoint is not wedged if a
    // client retrying as scrapers do is answered within a few seconds.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut answered = scrape_ok(addr);
    while !answered && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        answered = scrape_ok(addr);
    }
    assert!(answered, "a scrape beside the hostile clients");

    // Dropping the server closes the port at once, hostile clients or not.
    drop(server);
    let rebound = std::net::TcpListener::bind(addr);
    assert!(rebound.is_ok(), "the port is still taken: {rebound:?}");
    drop(held);
}

#[test]
fn connections_beyond_the_limit_are_closed_and_idle_ones_time_out() {
    let registry = Registry::new();
    let server = registry.serve("127.0.0.1:0").expect("serves");
    let addr = server.local_addr();
    // Idle connections up to the limit and beyond: none sends a byte.
    let idle: Vec<TcpStream> = (0..stats_core::MAX_CONNECTIONS + 8)
        .map(|_| TcpStream::connect(addr).expect("the OS accepts"))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // The endpoint is full: a new connection is closed unanswered.
    let mut refused = TcpStream::connect(addr).expect("the OS accepts");
    refused
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a read timeout");
    let _ = refused.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut answer = String::new();
    let _ = refused.read_to_string(&mut answer);
    assert!(
        answer.is_empty(),
        "a connection over the limit was answered: {answer}"
    );
    // Idle clients are cut off after the header timeout, and scrapes are
    // answered again.
    std::thread::sleep(stats_core::HEADER_TIMEOUT + Duration::from_secs(1));
    assert!(
        scrape_ok(addr),
        "a scrape after the idle connections timed out"
    );
    drop(idle);
}
