//! `cargo bench --bench apply`: dtr against the local endpoint behind injected latency, on the project's
//! own stack (`--env local`) and on generated stacks of 10, 100 and 500 resources
//! (`DTR_BENCH_SIZES=10,100`), at 200 ms a request and again at 50 ms (`DTR_BENCH_LATENCY_MS=200,50`:
//! the first is the main column). For each stack: cold apply, no-op plan, a one-resource change,
//! destroy; for each step: wall time, AWS calls and the critical path (from `--stats`), the endpoint's
//! own service time per call and utilisation (busy / wall, measured by the harness in the same run:
//! tests/harness/service_time.py), peak RSS, and lower bounds (bounds.rs): calls × (latency + service)
//! / parallelism, critical path × (latency + service), and each paced service's calls at the rate dtr
//! paces it; the ratio is wall time to the largest. Then the targets (report.rs), printed, never
//! asserted. Results go to stdout and to benches/results/latest.{md,csv}, the calls of every run by
//! service and operation to benches/results/latest-calls.md. The dtr binary is the one cargo builds for
//! this benchmark (optimised bench profile).

mod bounds;
mod report;
mod run;
mod stacks;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use bounds::Bounds;
use run::{dtr, Endpoint, Measure};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
pub const PARALLELISM: u64 = 10;
pub const STEPS: [&str; 4] = ["cold apply", "no-op plan", "one change", "destroy"];

/// One step of one stack at one latency, measured, with its bounds.
pub struct Row {
    pub latency_ms: u64,
    pub stack: String,
    /// The generated stack's size; None for the project's own stack.
    pub size: Option<usize>,
    pub step: &'static str,
    pub m: Measure,
    pub bounds: Bounds,
}

impl Row {
    pub fn ratio(&self) -> f64 {
        self.m.wall.as_secs_f64() / self.bounds.largest().max(0.001)
    }
}

fn list(var: &str, default: &[u64]) -> Vec<u64> {
    match std::env::var(var) {
        Ok(v) => {
            let parsed: Vec<u64> = v.split(',').filter_map(|n| n.trim().parse().ok()).collect();
            assert!(
                !parsed.is_empty(),
                "{var}={v:?}: expected numbers, comma-separated"
            );
            parsed
        }
        Err(_) => default.to_vec(),
    }
}

fn main() {
    let latencies = list("DTR_BENCH_LATENCY_MS", &[200, 50]);
    let sizes: Vec<usize> = list("DTR_BENCH_SIZES", &[10, 100, 500])
        .into_iter()
        .map(|n| n as usize)
        .collect();
    let rates = bounds::paced_rates();
    let started = Instant::now();
    let mut rows = Vec::new();
    for &latency_ms in &latencies {
        for size in std::iter::once(None).chain(sizes.iter().copied().map(Some)) {
            rows.extend(run_stack(latency_ms, size, &rates));
            eprintln!(
                "bench: {latency_ms} ms, {} done after {:.0} s",
                size.map_or("local".to_string(), |n| format!("generated {n}")),
                started.elapsed().as_secs_f64()
            );
        }
    }
    let local = stacks::project(None);
    let validate_ms = run::validate_ms(local.path(), 21);
    let report = report::Report {
        rows: &rows,
        latencies: &latencies,
        rates: &rates,
        validate_ms,
        took: started.elapsed(),
    };
    report.write(&Path::new(ROOT).join("benches/results"));
}

/// The four steps on one stack, on an endpoint of its own at `latency_ms`.
fn run_stack(latency_ms: u64, size: Option<usize>, rates: &BTreeMap<String, u64>) -> Vec<Row> {
    let e = Endpoint::start(latency_ms);
    let stack = size.map(stacks::generated_stack);
    let dir = stacks::project(stack.as_deref());
    let dir = dir.path();
    dtr(&e, dir, &["bootstrap", "--env", "local"]);
    let mut steps = vec![(
        STEPS[0],
        dtr(&e, dir, &["apply", "--env", "local", "--auto-approve"]),
    )];
    let resources = run::dtr_output(&e, dir, &["state", "list", "--env", "local"])
        .lines()
        .count();
    if let Some(n) = size {
        assert_eq!(
            resources, n,
            "the generated stack's apply left {resources} resources"
        );
    }
    steps.push((
        STEPS[1],
        dtr(&e, dir, &["plan", "--env", "local", "--detailed-exitcode"]),
    ));
    stacks::change_one_resource(dir, size.is_some());
    steps.push((
        STEPS[2],
        dtr(&e, dir, &["apply", "--env", "local", "--auto-approve"]),
    ));
    steps.push((
        STEPS[3],
        dtr(&e, dir, &["destroy", "--env", "local", "--auto-approve"]),
    ));
    let stack = size.map_or(format!("local ({resources})"), |n| format!("generated {n}"));
    steps
        .into_iter()
        .map(|(step, m)| Row {
            latency_ms,
            stack: stack.clone(),
            size,
            step,
            bounds: Bounds::of(&m, latency_ms as f64 / 1000.0, rates),
            m,
        })
        .collect()
}
