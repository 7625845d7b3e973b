//! Beyond one process: three order services, each serving `/metrics`, and
//! one real Prometheus server (Debian's `prometheus` package) scraping them.
//! After the workers stop, Prometheus's sums across the instances must equal
//! the sums of the three processes' final snapshots, and each process's
//! JSON-lines archive must end in its final snapshot.
//!
//! The test fails (never skips) when `prometheus` is not installed:
//! `.ci/run` installs it.

use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const INSTANCES: usize = 3;
/// The most the whole test may wait for anything.
const PATIENCE: Duration = Duration::from_secs(90);

/// Kills its processes when dropped, so a failing assertion leaves none.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Builds the order service and returns its executable.
fn order_service() -> PathBuf {
    let output = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "stats-examples",
            "--example",
            "order_service",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "building the order service failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Json>(line).ok())
        .filter(|message| message["target"]["name"] == "order_service")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the order service's executable")
}

fn prometheus_binary() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("prometheus"))
            .find(|path| path.is_file())
    });
    found.expect(
        "the `prometheus` server is not installed: `apt-get install -y prometheus` \
         (.ci/run does this); this test needs a real one",
    )
}

/// `GET path` on `port`, the body of a `200` response.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.0 200")
        .then_some(())
        .or_else(|| head.starts_with("HTTP/1.1 200").then_some(()))?;
    Some(body.to_owned())
}

/// The value of a PromQL query that returns one sample, if it does.
fn query(port: u16, promql: &str) -> Option<f64> {
    let encoded: String = promql
        .bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect();
    let body = http_get(port, &format!("/api/v1/query?query={encoded}"))?;
    let json: Json = serde_json::from_str(&body).ok()?;
    let result = json["data"]["result"].as_array()?;
    let [sample] = result.as_slice() else {
        return None;
    };
    sample["value"][1].as_str()?.parse().ok()
}

fn write_config(dir: &Path, ports: &[u16]) -> PathBuf {
    let targets: Vec<String> = ports
        .iter()
        .map(|port| format!("'127.0.0.1:{port}'"))
        .collect();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n\
         scrape_configs:\n  - job_name: orders\n    static_configs:\n      - targets: [{}]\n",
        targets.join(", ")
    );
    let path = dir.join("prometheus.yml");
    std::fs::write(&path, config).expect("write the scrape config");
    path
}

#[test]
fn a_real_prometheus_sums_three_instances_to_their_final_snapshots() {
    let prometheus = prometheus_binary();
    let service = order_service();
    let dir = std::env::temp_dir().join(format!("stats-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");

    let ports: Vec<u16> = (0..INSTANCES).map(|_| free_port()).collect();
    let prometheus_port = free_port();
    let config = write_config(&dir, &ports);
    let mut processes = Processes(Vec::new());
    processes.0.push(
        Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prometheus_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus"),
    );

    // Each service runs its workers for 3 s, then serves its final values
    // for up to PATIENCE while Prometheus scrapes them.
    let (finals_tx, finals) = mpsc::channel();
    let mut archives = Vec::new();
    for (instance, port) in ports.iter().enumerate() {
        let archive = dir.join(format!("orders-{instance}.jsonl"));
        let mut child = Command::new(&service)
            .args(["--threads", "2", "--seconds", "3"])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--linger", &PATIENCE.as_secs().to_string()])
            .arg("--archive")
            .arg(&archive)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start an order service");
        let stdout = child.stdout.take().expect("piped stdout");
        let finals_tx = finals_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(json) = line.strip_prefix("final snapshot: ") {
                    let parsed: Json =
                        serde_json::from_str(json).expect("the final snapshot is JSON");
                    let _ = finals_tx.send((instance, parsed));
                }
            }
        });
        processes.0.push(child);
        archives.push(archive);
    }
    drop(finals_tx);

    let mut snapshots = vec![Json::Null; INSTANCES];
    for _ in 0..INSTANCES {
        let (instance, snapshot) = finals
            .recv_timeout(PATIENCE)
            .expect("every order service prints its final snapshot");
        snapshots[instance] = snapshot;
    }
    let created: u64 = snapshots
        .iter()
        .map(|s| s["stats"]["created"].as_u64().expect("created"))
        .sum();
    let eu_west: u64 = snapshots
        .iter()
        .map(|s| {
            s["stats"]["by_region"]["counts"]["eu-west"]
                .as_u64()
                .unwrap_or(0)
        })
        .sum();
    let overflow: u64 = snapshots
        .iter()
        .map(|s| {
            s["stats"]["by_region"]["overflow"]
                .as_u64()
                .expect("overflow")
        })
        .sum();
    assert!(created > 0 && eu_west > 0);

    // Prometheus has the final values once it scraped each instance after
    // its workers stopped; until then its sums are lower.
    let queries = [
        ("sum(orders_created_total)", created),
        (r#"sum(orders_by_region_total{region="eu-west"})"#, eu_west),
        ("sum(orders_by_region_overflow_total)", overflow),
        ("count(up{job=\"orders\"} == 1)", INSTANCES as u64),
    ];
    let started = Instant::now();
    let mut seen: Vec<Option<f64>>;
    loop {
        seen = queries
            .iter()
            .map(|(promql, _)| query(prometheus_port, promql))
            .collect();
        let matched = queries
            .iter()
            .zip(&seen)
            .all(|((_, want), got)| *got == Some(*want as f64));
        if matched {
            break;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "Prometheus never agreed with the final snapshots: wanted {:?}, last saw {seen:?}",
            queries
                .iter()
                .map(|(q, want)| (q, want))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "prometheus agrees after {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        queries
            .iter()
            .zip(&seen)
            .map(|((promql, _), got)| format!("{promql} = {}", got.unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Each archive parses line by line, and its last OrderStats line is the
    // final snapshot.
    drop(processes);
    for (instance, archive) in archives.iter().enumerate() {
        let text = std::fs::read_to_string(archive).expect("the archive exists");
        let lines: Vec<Json> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("every archive line is JSON"))
            .collect();
        let last = lines
            .iter()
            .rev()
            .find(|line| line["table"] == "OrderStats")
            .expect("the archive holds OrderStats lines");
        assert_eq!(last, &snapshots[instance], "instance {instance}");
        assert!(lines.iter().any(|line| line["table"] == "Health"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
