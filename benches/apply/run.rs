//! Running things and reading what they say: the local endpoint (the moto launcher behind injected
//! latency, with its service-time stats), and the dtr binary with `--stats`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::ROOT;

/// A moto launcher with `latency_ms` injected before every request, alive as long as this value.
pub struct Endpoint {
    child: Child,
    pub url: String,
    pub ca: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the endpoint measured of itself between a reset and now (tests/harness/service_time.py).
#[derive(Debug, Clone, Copy, Default)]
pub struct EndpointStats {
    pub requests: u64,
    /// Summed over requests: moto's time on each, without the injected latency.
    pub service_s: f64,
    /// The union of the intervals during which moto served at least one request.
    pub busy_s: f64,
    /// The launcher process's CPU time.
    pub cpu_s: f64,
}

impl EndpointStats {
    /// Moto's mean time on one request, seconds.
    pub fn service_per_call(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.service_s / self.requests as f64
        }
    }
}

impl Endpoint {
    pub fn start(latency_ms: u64) -> Endpoint {
        let dir = tempfile::tempdir().expect("a temporary directory for the certificates");
        let mut child = Command::new("python3")
            .arg(Path::new(ROOT).join("tests/harness/moto_launcher.py"))
            .args(["--https-port", "0", "--until-stdin-closes", "--cert-dir"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 and the harness");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("the launcher's stdout"))
            .read_line(&mut line)
            .expect("the launcher's ready line");
        let info: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the launcher did not start (said {line:?}): {e}"));
        let e = Endpoint {
            url: info["https_url"].as_str().expect("https_url").to_string(),
            ca: PathBuf::from(info["ca_bundle"].as_str().expect("ca_bundle")),
            child,
            _dir: dir,
        };
        let rules = serde_json::json!([{"match": "", "latency_ms": latency_ms, "times": -1}]);
        e.harness("/dtr-harness/faults", Some(&rules.to_string()));
        e
    }

    /// Zero the endpoint's service-time stats.
    pub fn reset_stats(&self) {
        self.harness("/dtr-harness/stats/reset", Some("{}"));
    }

    pub fn stats(&self) -> EndpointStats {
        let body = self.harness("/dtr-harness/stats", None);
        let v: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("the harness's stats are not JSON ({body:?}): {e}"));
        let number = |k: &str| {
            v[k].as_f64()
                .unwrap_or_else(|| panic!("the harness's stats have no {k}: {body}"))
        };
        EndpointStats {
            requests: number("requests") as u64,
            service_s: number("service_s"),
            busy_s: number("busy_s"),
            cpu_s: number("cpu_s"),
        }
    }

    /// GET (or POST `body` to) one of the harness's own paths; its answer.
    fn harness(&self, path: &str, body: Option<&str>) -> String {
        let script = "import ssl,sys,urllib.request\n\
            data = sys.argv[4].encode() if len(sys.argv) > 4 else None\n\
            r = urllib.request.Request(sys.argv[1] + sys.argv[3], data=data, method='GET' if data is None else 'POST')\n\
            print(urllib.request.urlopen(r, context=ssl.create_default_context(cafile=sys.argv[2])).read().decode())";
        let out = Command::new("python3")
            .args(["-c", script, &self.url])
            .arg(&self.ca)
            .arg(path)
            .args(body)
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "the harness's {path} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// One dtr command, measured.
pub struct Measure {
    pub wall: Duration,
    pub calls: u64,
    /// Calls that had to happen one after another (dtr's own count, see `provider::stats`).
    pub critical: u64,
    /// Calls by service, as `--stats` names services ("CloudWatch Logs").
    pub by_service: BTreeMap<String, u64>,
    /// `--stats`' lines: calls by service and operation.
    pub by_operation: String,
    /// `--stats`' "Concurrency per service (where it ended)" lines.
    pub limits: String,
    pub max_rss_kb: i64,
    pub endpoint: EndpointStats,
    /// dtr's exit code: 0, or 2 for a plan with changes (`--detailed-exitcode`).
    pub code: i32,
}

/// Run dtr with `args` (and `--stats --quiet`) in `dir` against `e`; the endpoint's stats are reset
/// just before and read just after.
pub fn dtr(e: &Endpoint, dir: &Path, args: &[&str]) -> Measure {
    e.reset_stats();
    let start = Instant::now();
    #[allow(clippy::zombie_processes)] // reaped by wait4 below, which also reports its peak RSS
    let mut child = Command::new(env!("CARGO_BIN_EXE_dtr"))
        .args(args)
        .args(["--stats", "--quiet"])
        .current_dir(dir)
        .env("CI", "true")
        .env("AWS_ENDPOINT_URL", &e.url)
        .env("AWS_CA_BUNDLE", &e.ca)
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the dtr binary cargo built for this benchmark");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("read dtr's stderr");
    // wait4 gives this one process's peak RSS (RUSAGE_CHILDREN would mix in every other child).
    // SAFETY: wait4 writes only the status and the rusage it is given, for our own child.
    let (code, max_rss_kb) = unsafe {
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::wait4(child.id() as i32, &mut status, 0, &mut usage);
        (libc::WEXITSTATUS(status), usage.ru_maxrss)
    };
    let wall = start.elapsed();
    let endpoint = e.stats();
    assert!(code == 0 || code == 2, "dtr {args:?} failed:\n{stderr}");
    let (calls, critical, by_operation) = parse_stats(&stderr)
        .unwrap_or_else(|why| panic!("dtr {args:?}: --stats unreadable ({why}):\n{stderr}"));
    Measure {
        wall,
        calls,
        critical,
        by_service: by_service(&by_operation),
        by_operation: by_operation.join("\n"),
        limits: stderr
            .lines()
            .skip_while(|l| !l.starts_with("Concurrency per service"))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .collect::<Vec<_>>()
            .join("\n"),
        max_rss_kb,
        endpoint,
        code,
    }
}

/// (calls, critical path, the per-operation lines) from what `--stats` prints:
/// "AWS API calls: 72 (critical path: 10 calls one after another)", then "      9  CloudWatch ListTagsForResource"…
/// The lines must add up to the total.
fn parse_stats(stderr: &str) -> Result<(u64, u64, Vec<String>), String> {
    let header = stderr
        .lines()
        .find_map(|l| l.strip_prefix("AWS API calls: "))
        .ok_or("no \"AWS API calls:\" line")?;
    let number = |s: &str| {
        s.trim()
            .split(' ')
            .next()
            .and_then(|n| n.parse::<u64>().ok())
    };
    let calls = number(header).ok_or("no total")?;
    let critical = header
        .split_once("critical path: ")
        .and_then(|(_, rest)| number(rest))
        .ok_or("no critical path")?;
    let lines: Vec<String> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("AWS API calls: "))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::to_string)
        .collect();
    let sum: u64 = lines.iter().filter_map(|l| number(l)).sum();
    if sum != calls {
        return Err(format!("the operations add up to {sum}, not {calls}"));
    }
    Ok((calls, critical, lines))
}

/// Calls by service from "  {n}  {service} {operation}" lines: the service is all but the last word.
fn by_service(lines: &[String]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in lines {
        let mut words = line.split_whitespace();
        let Some(n) = words.next().and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        let rest: Vec<&str> = words.collect();
        if let Some((_operation, service)) = rest.split_last() {
            *out.entry(service.join(" ")).or_default() += n;
        }
    }
    out
}

/// dtr's standard output for `args` in `dir` against `e` (not measured): what a step needs to know.
pub fn dtr_output(e: &Endpoint, dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dtr"))
        .args(args)
        .current_dir(dir)
        .env("CI", "true")
        .env("AWS_ENDPOINT_URL", &e.url)
        .env("AWS_CA_BUNDLE", &e.ca)
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .output()
        .expect("the dtr binary cargo built for this benchmark");
    assert!(
        out.status.success(),
        "dtr {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The median of `runs` runs of `dtr validate --env local` in `dir`, process start to exit, in ms.
pub fn validate_ms(dir: &Path, runs: usize) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_dtr"))
                .args(["validate", "--env", "local"])
                .current_dir(dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("the dtr binary cargo built for this benchmark");
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            assert!(out.success(), "dtr validate --env local failed");
            elapsed
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
}
