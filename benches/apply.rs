//! `cargo bench --bench apply`: dtr against the local endpoint behind injected latency (default 50 ms a
//! request, `DTR_BENCH_LATENCY_MS`), on the dev stack and on generated stacks of 10, 100 and 500
//! resources (`DTR_BENCH_SIZES=10,100`). For each: cold apply, no-op plan, a one-resource change, destroy;
//! wall time, AWS calls (from `--stats`), peak RSS, and two lower bounds: calls × latency / parallelism,
//! and the critical path (the calls dtr had to make one after another, which it counts) × latency; the
//! ratio is to the larger. Ends with how the largest generated stack's cost grew against the smallest's.
//! Results go to stdout and to benches/results/latest.{md,csv}; the calls of every run by service and
//! operation (what `dtr --stats` prints) to benches/results/latest-calls.md. The dtr binary is the one
//! cargo builds for this benchmark (optimised bench profile).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PARALLELISM: u64 = 10;

struct Endpoint {
    child: Child,
    url: String,
    ca: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn endpoint(latency_ms: u64) -> Endpoint {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new("python3")
        .arg(Path::new(ROOT).join("tests/harness/moto_launcher.py"))
        .args(["--https-port", "0", "--until-stdin-closes", "--cert-dir"])
        .arg(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 and the harness");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let info: serde_json::Value = serde_json::from_str(&line).expect("launcher JSON");
    let e = Endpoint {
        url: info["https_url"].as_str().expect("url").to_string(),
        ca: PathBuf::from(info["ca_bundle"].as_str().expect("ca")),
        child,
        _dir: dir,
    };
    let rules =
        serde_json::json!([{"match": "", "latency_ms": latency_ms, "times": -1}]).to_string();
    let post = "import ssl,sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/dtr-harness/faults', data=sys.argv[3].encode(), method='POST'), context=ssl.create_default_context(cafile=sys.argv[2])).read()";
    let ok = Command::new("python3")
        .args(["-c", post, &e.url])
        .arg(&e.ca)
        .arg(rules)
        .status()
        .expect("python3");
    assert!(ok.success(), "setting the latency failed");
    e
}

struct Measure {
    wall: Duration,
    calls: u64,
    /// Calls that had to happen one after another (dtr's own count, see `provider::stats`).
    critical: u64,
    /// `--stats`' lines: calls by service and operation.
    by_operation: String,
    max_rss_kb: i64,
}

fn dtr(e: &Endpoint, dir: &Path, args: &[&str]) -> Measure {
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
        .expect("read stderr");
    // wait4 gives this one process's peak RSS (RUSAGE_CHILDREN would mix in every other child).
    // SAFETY: wait4 writes only the status and the rusage it is given, for our own child.
    let (code, max_rss_kb) = unsafe {
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::wait4(child.id() as i32, &mut status, 0, &mut usage);
        (libc::WEXITSTATUS(status), usage.ru_maxrss)
    };
    let wall = start.elapsed();
    assert!(code == 0 || code == 2, "dtr {args:?} failed:\n{stderr}");
    // "AWS API calls: 167 (critical path: 35 calls one after another)"
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("AWS API calls: "))
        .unwrap_or("0");
    let number = |s: &str| s.trim().split(' ').next().and_then(|n| n.parse().ok());
    let calls = number(line).unwrap_or(0);
    let critical = line
        .split_once("critical path: ")
        .and_then(|(_, rest)| number(rest))
        .unwrap_or(0);
    let by_operation = stderr
        .lines()
        .skip_while(|l| !l.starts_with("AWS API calls: "))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect::<Vec<_>>()
        .join("\n");
    Measure {
        wall,
        calls,
        critical,
        by_operation,
        max_rss_kb,
    }
}

/// A stack of `n` resources of mixed types in dependency chains of five: log group → role (policy on
/// the group's ARN) → alarm (naming the role) → table → bucket, repeated.
fn generated_stack(n: usize) -> String {
    let mut s = String::from(
        "stack: dynamic-tool-runtime\nparameters:\n  name_prefix: {type: string}\nresources:\n",
    );
    for i in 0..n {
        let chain = i / 5;
        let body = match i % 5 {
            0 => format!("    type: log_group\n    properties: {{name: \"/bench/${{param.name_prefix}}/g{i}\", retention_days: 7}}\n"),
            1 => format!(
                "    type: iam_role\n    properties:\n      name: ${{param.name_prefix}}-r{i}\n      assume_role_policy: {{Version: \"2012-10-17\", Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: \"sts:AssumeRole\"}}]}}\n      inline_policies:\n        logs: {{Version: \"2012-10-17\", Statement: [{{Effect: Allow, Action: [\"logs:PutLogEvents\"], Resource: \"${{resource.r{}.arn}}:*\"}}]}}\n",
                i - 1
            ),
            2 => format!(
                "    type: metric_alarm\n    properties: {{name: \"${{param.name_prefix}}-a{i}\", namespace: Bench, metric_name: M, dimensions: {{Role: \"${{resource.r{}.name}}\"}}, statistic: Sum, threshold: 1, comparison_operator: GreaterThanThreshold}}\n",
                i - 1
            ),
            3 => format!(
                "    type: dynamodb_table\n    depends_on: [r{}]\n    properties: {{name: \"${{param.name_prefix}}-t{i}\", hash_key: id, attributes: [{{name: id, type: S}}]}}\n",
                i - 1
            ),
            _ => format!(
                "    type: s3_bucket\n    depends_on: [r{}]\n    properties: {{name: \"${{param.name_prefix}}-b{i}-{chain}\", force_destroy: true}}\n",
                i - 1
            ),
        };
        s.push_str(&format!("  r{i}:\n{body}"));
    }
    s
}

fn project(stack: Option<String>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let status = Command::new("cp")
        .args([
            "-r",
            &format!("{ROOT}/stacks"),
            &format!("{ROOT}/environments"),
        ])
        .arg(dir.path())
        .status()
        .expect("cp");
    assert!(status.success());
    if let Some(stack) = stack {
        let path = dir.path().join("stacks/dynamic-tool-runtime/stack.yaml");
        std::fs::write(path, stack).expect("write stack");
        let env = dir.path().join("environments/local.yaml");
        let text = std::fs::read_to_string(&env).expect("env");
        // The generated stack declares only name_prefix.
        let kept: Vec<&str> = text
            .lines()
            .take_while(|l| !l.starts_with("parameters:"))
            .collect();
        std::fs::write(
            env,
            format!("{}\nparameters:\n  name_prefix: bench\n", kept.join("\n")),
        )
        .expect("write env");
    }
    dir
}

fn main() {
    let latency_ms: u64 = std::env::var("DTR_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let sizes: Vec<usize> = std::env::var("DTR_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 100, 500]);
    let mut rows = vec![
        "| stack | step | wall s | AWS calls | calls×latency/parallelism s | critical path calls | critical path×latency s | wall / larger bound | peak RSS MB |".to_string(),
        "|---|---|---|---|---|---|---|---|---|".to_string(),
    ];
    let mut csv = vec![
        "stack,step,wall_s,calls,throughput_bound_s,critical_calls,critical_bound_s,ratio,peak_rss_mb"
            .to_string(),
    ];
    let mut calls_md = vec![format!(
        "# AWS API calls by service and operation ({latency_ms} ms per request)\n"
    )];
    // (size, step) → (wall s, calls), for the growth check.
    let mut by_size: std::collections::BTreeMap<(usize, &str), (f64, u64)> = Default::default();
    let mut stacks: Vec<(String, Option<String>)> = vec![("dev (33)".into(), None)];
    stacks.extend(
        sizes
            .iter()
            .map(|n| (format!("generated {n}"), Some(generated_stack(*n)))),
    );
    for (name, stack) in stacks {
        let size: Option<usize> = name.strip_prefix("generated ").and_then(|n| n.parse().ok());
        let e = endpoint(latency_ms);
        let dir = project(stack.clone());
        dtr(&e, dir.path(), &["bootstrap", "--env", "local"]);
        let edit = |dir: &Path| {
            let env = dir.join("environments/local.yaml");
            let stack_file = dir.join("stacks/dynamic-tool-runtime/stack.yaml");
            if stack.is_some() {
                let s = std::fs::read_to_string(&stack_file).expect("stack");
                std::fs::write(
                    &stack_file,
                    s.replacen("retention_days: 7", "retention_days: 14", 1),
                )
                .expect("edit");
            } else {
                let s = std::fs::read_to_string(&env).expect("env");
                std::fs::write(
                    &env,
                    s.replacen("error_alarm_threshold: 5", "error_alarm_threshold: 6", 1),
                )
                .expect("edit");
            }
        };
        let mut steps = Vec::new();
        steps.push((
            "cold apply",
            dtr(
                &e,
                dir.path(),
                &["apply", "--env", "local", "--auto-approve"],
            ),
        ));
        steps.push((
            "no-op plan",
            dtr(
                &e,
                dir.path(),
                &["plan", "--env", "local", "--detailed-exitcode"],
            ),
        ));
        edit(dir.path());
        steps.push((
            "one change",
            dtr(
                &e,
                dir.path(),
                &["apply", "--env", "local", "--auto-approve"],
            ),
        ));
        steps.push((
            "destroy",
            dtr(
                &e,
                dir.path(),
                &["destroy", "--env", "local", "--auto-approve"],
            ),
        ));
        for (step, m) in steps {
            let throughput = m.calls as f64 * latency_ms as f64 / 1000.0 / PARALLELISM as f64;
            let critical = m.critical as f64 * latency_ms as f64 / 1000.0;
            let ratio = m.wall.as_secs_f64() / throughput.max(critical).max(0.001);
            let rss = m.max_rss_kb as f64 / 1024.0;
            if let Some(size) = size {
                by_size.insert((size, step), (m.wall.as_secs_f64(), m.calls));
            }
            calls_md.push(format!(
                "## {name}: {step} ({} calls)\n\n```\n{}\n```\n",
                m.calls, m.by_operation
            ));
            rows.push(format!(
                "| {name} | {step} | {:.2} | {} | {throughput:.2} | {} | {critical:.2} | {ratio:.2} | {rss:.1} |",
                m.wall.as_secs_f64(),
                m.calls,
                m.critical
            ));
            csv.push(format!(
                "{name},{step},{:.3},{},{throughput:.3},{},{critical:.3},{ratio:.3},{rss:.1}",
                m.wall.as_secs_f64(),
                m.calls,
                m.critical
            ));
        }
    }
    // Linear growth: what the largest generated stack costs against the smallest, per step.
    let mut growth = Vec::new();
    if let (Some(small), Some(large)) = (sizes.iter().min(), sizes.iter().max()) {
        if small < large {
            growth.push(format!(
                "\nGrowth from generated {small} to generated {large} ({}× the resources):\n",
                large / small
            ));
            for step in ["cold apply", "no-op plan", "one change", "destroy"] {
                if let (Some(a), Some(b)) =
                    (by_size.get(&(*small, step)), by_size.get(&(*large, step)))
                {
                    growth.push(format!(
                        "- {step}: wall {:.1}×, calls {:.1}×",
                        b.0 / a.0.max(0.001),
                        b.1 as f64 / a.1.max(1) as f64
                    ));
                }
            }
        }
    }
    let header = format!("dtr benchmark: {latency_ms} ms injected per request, parallelism {PARALLELISM}, 2-core machine\n");
    let table = format!("{header}\n{}\n{}\n", rows.join("\n"), growth.join("\n"));
    println!("{table}");
    let results = Path::new(ROOT).join("benches/results");
    std::fs::create_dir_all(&results).expect("results dir");
    std::fs::write(results.join("latest.md"), &table).expect("write md");
    std::fs::write(results.join("latest.csv"), csv.join("\n") + "\n").expect("write csv");
    std::fs::write(results.join("latest-calls.md"), calls_md.join("\n")).expect("write calls");
    println!("{}", calls_md.join("\n"));
}
