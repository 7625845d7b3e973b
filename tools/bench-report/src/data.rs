//! The figures the harness writes, read back: the peers bench's CSV
//! (`PEERS_CSV`), the encode bench's table (its standard output) and the
//! memory test's CSV (`MEMORY_CSV`).

/// One rate of the peers bench.
#[derive(Clone, Debug)]
pub struct Rate {
    pub workload: String,
    pub contender: String,
    pub threads: usize,
    /// Millions of operations a second.
    pub mops: f64,
}

/// One row of the peers bench's snapshot workload.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub writers: usize,
    pub per_second: f64,
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub max_ns: u64,
}

/// One row of the encode bench.
#[derive(Clone, Debug)]
pub struct Encode {
    pub shape: String,
    pub series: usize,
    pub contender: String,
    pub micros: f64,
    pub ns_per_series: f64,
}

/// One row of the memory test.
#[derive(Clone, Debug)]
pub struct Memory {
    pub series: String,
    pub threads: usize,
    pub bytes: f64,
    pub accounted: Option<f64>,
    pub method: String,
}

/// The fields of one CSV line: commas split, double quotes group (no
/// escaped quotes: the harness writes none).
pub fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The peers CSV: rates, and the snapshot rows.
pub fn peers(csv: &str) -> Result<(Vec<Rate>, Vec<Snapshot>), String> {
    let mut rates = Vec::new();
    let mut snapshots = Vec::new();
    for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f = split_csv(line);
        let bad = || format!("peers CSV: bad line {line:?}");
        if f.len() < 7 {
            return Err(bad());
        }
        let threads = f[2].parse().map_err(|_| bad())?;
        let value: f64 = f[3].parse().map_err(|_| bad())?;
        if f[0] == "snapshot" {
            snapshots.push(Snapshot {
                writers: threads,
                per_second: value,
                p50_ns: f[4].parse().map_err(|_| bad())?,
                p99_ns: f[5].parse().map_err(|_| bad())?,
                max_ns: f[6].parse().map_err(|_| bad())?,
            });
        } else {
            rates.push(Rate {
                workload: f[0].clone(),
                contender: f[1].clone(),
                threads,
                mops: value,
            });
        }
    }
    Ok((rates, snapshots))
}

/// The encode bench's rows, from its standard output: `shape series
/// contender... µs/encode ns/series /measured /prom bytes`.
pub fn encode(stdout: &str) -> Vec<Encode> {
    stdout
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() < 8 || !matches!(words[0], "keyed" | "plain") {
                return None;
            }
            let n = words.len();
            Some(Encode {
                shape: words[0].to_owned(),
                series: words[1].parse().ok()?,
                contender: words[2..n - 5].join(" "),
                micros: words[n - 5].parse().ok()?,
                ns_per_series: words[n - 4].parse().ok()?,
            })
        })
        .collect()
}

/// The memory test's CSV.
pub fn memory(csv: &str) -> Result<Vec<Memory>, String> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f = split_csv(line);
            let bad = || format!("memory CSV: bad line {line:?}");
            if f.len() < 5 {
                return Err(bad());
            }
            Ok(Memory {
                series: f[0].clone(),
                threads: f[1].parse().map_err(|_| bad())?,
                bytes: f[2].parse().map_err(|_| bad())?,
                accounted: f[3].parse().ok(),
                method: f[4].clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_peers_csv() {
        let csv = "workload,contender,threads,mops,p50_ns,p99_ns,max_ns\n\
                   \"counter\",\"StatTable field\",2,419.000,,,\n\
                   \"10,000 keys\",\"Mutex<HashMap<String, u64>>\",4,9.120,,,\n\
                   snapshot,\"1 writers\",1,1357725,492,2565,2169800\n";
        let (rates, snapshots) = peers(csv).expect("parses");
        assert_eq!(rates.len(), 2);
        assert_eq!(rates[1].workload, "10,000 keys");
        assert_eq!(rates[1].contender, "Mutex<HashMap<String, u64>>");
        assert_eq!(snapshots[0].p99_ns, 2565);
    }

    #[test]
    fn reads_the_encode_table() {
        let out = "shape   series  contender   µs/encode\n\
                   keyed     1000  ours (Prometheus text)                  29.7       29.7     0.69     0.05      54917\n\
                   plain    10000  prometheus-client Counter x10,000       743.6       74.4     1.89     0.07     760006\n";
        let rows = encode(out);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].contender, "ours (Prometheus text)");
        assert_eq!(rows[1].contender, "prometheus-client Counter x10,000");
        assert!((rows[1].micros - 743.6).abs() < 1e-9);
    }
}
