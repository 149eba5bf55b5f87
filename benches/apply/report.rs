//! What the benchmark prints and writes: a table per latency, the endpoint check, growth, the targets
//! (pass/fail lines, never asserted), and the projection against AWS beside Terraform's figure.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::bounds::Bounds;
use crate::{Row, PARALLELISM, STEPS};

/// The latency of the projection against AWS, seconds a call.
const AWS_LATENCY_S: f64 = 0.05;
/// Terraform's figure: one user's 2,900-resource state whose plan took 20–25 minutes.
const TERRAFORM: (f64, f64, f64) = (2900.0, 20.0 * 60.0, 25.0 * 60.0);
const TERRAFORM_SOURCE: &str = "https://github.com/hashicorp/terraform/issues/18981";
/// Near saturation: busy for this share of the wall time, or this much CPU a second. Ten threads of
/// cheap calls with no latency (the most this endpoint serves, about 300 a second on 2 cores) kept it
/// busy 0.7 and at 0.85–0.9 CPU (its Python holds one interpreter lock); TLS and HTTP parsing are
/// outside the busy time, not outside the CPU time.
const SATURATED: (f64, f64) = (0.7, 0.8);

pub struct Report<'a> {
    pub rows: &'a [Row],
    pub latencies: &'a [u64],
    pub rates: &'a BTreeMap<String, u64>,
    pub validate_ms: f64,
    pub took: Duration,
}

fn mark(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}

impl Report<'_> {
    pub fn write(&self, results: &Path) {
        let main = self.latencies[0];
        let mut md = vec![format!(
            "dtr benchmark: parallelism {PARALLELISM}, {} CPUs, latency injected per request {} ms (main column {main} ms); \
             paced services at their starting rates {}; the run took {:.0} s\n",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            self.latencies.iter().map(u64::to_string).collect::<Vec<_>>().join(" and "),
            self.rates.iter().map(|(s, r)| format!("{s} {r}/s")).collect::<Vec<_>>().join(", "),
            self.took.as_secs_f64()
        )];
        for &latency in self.latencies {
            md.push(self.table(latency));
            md.push(self.endpoint_check(latency));
        }
        md.push(self.growth(main));
        md.push(self.targets(main));
        md.push(self.projection(main));
        let md = md.join("\n");
        println!("{md}");
        std::fs::create_dir_all(results).expect("create benches/results");
        std::fs::write(results.join("latest.md"), &md).expect("write latest.md");
        std::fs::write(results.join("latest.csv"), self.csv()).expect("write latest.csv");
        std::fs::write(results.join("latest-calls.md"), self.calls())
            .expect("write latest-calls.md");
    }

    fn at(&self, latency: u64) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.latency_ms == latency)
    }

    fn find(&self, latency: u64, size: usize, step: &str) -> Option<&Row> {
        self.at(latency)
            .find(|r| r.size == Some(size) && r.step == step)
    }

    fn table(&self, latency: u64) -> String {
        let mut out = vec![
            format!("\n## {latency} ms per request\n"),
            "| stack | step | wall s | AWS calls | critical path calls | service ms/call | endpoint busy / wall | endpoint CPU / wall | calls×(lat+svc)/par s | critical×(lat+svc) s | paced s | wall / largest bound | peak RSS MB |".into(),
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|".into(),
        ];
        for r in self.at(latency) {
            let (m, b, wall) = (&r.m, &r.bounds, r.m.wall.as_secs_f64());
            let paced = b
                .paced
                .as_ref()
                .map_or("–".into(), |(s, t)| format!("{t:.2} ({s})"));
            let changes = if r.step == "no-op plan" && m.code == 2 {
                " (had changes!)"
            } else {
                ""
            };
            let beaten = if r.ratio() < 1.0 { " *" } else { "" };
            out.push(format!(
                "| {} | {}{changes} | {wall:.2} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {paced} | {:.2}{beaten} | {:.1} |",
                r.stack, r.step, m.calls, m.critical,
                m.endpoint.service_per_call() * 1000.0,
                m.endpoint.busy_s / wall, m.endpoint.cpu_s / wall,
                b.throughput, b.critical, r.ratio(), m.max_rss_kb as f64 / 1024.0
            ));
        }
        out.push(
            "\n\\* under 1: wall time beat a \"bound\". Under calls×(lat+svc)/par: more than the parallelism's \
             calls were in flight at once (reads are bounded per kind, calls per service). Under critical×(lat+svc): \
             dtr's critical path (`--stats`) counted calls that overlapped. Either way that figure is no bound there."
                .into(),
        );
        out.join("\n")
    }

    /// Whether the endpoint, not dtr, was the limit at this latency.
    fn endpoint_check(&self, latency: u64) -> String {
        let per_wall = |r: &Row| {
            let wall = r.m.wall.as_secs_f64();
            (r.m.endpoint.busy_s / wall, r.m.endpoint.cpu_s / wall)
        };
        let loads: Vec<(f64, f64)> = self.at(latency).map(per_wall).collect();
        let range = |pick: fn(&(f64, f64)) -> f64| {
            let mut v: Vec<f64> = loads.iter().map(pick).collect();
            v.sort_by(f64::total_cmp);
            match (v.first(), v.last()) {
                (Some(low), Some(high)) => format!(
                    "{:.0}–{:.0}% (median {:.0}%)",
                    low * 100.0,
                    high * 100.0,
                    v[v.len() / 2] * 100.0
                ),
                _ => "–".into(),
            }
        };
        let saturated = loads
            .iter()
            .filter(|(busy, cpu)| *busy >= SATURATED.0 || *cpu >= SATURATED.1)
            .count();
        format!(
            "\nEndpoint at {latency} ms: busy {} of the wall time, CPU {}; near saturation (busy ≥ {:.0}% or CPU ≥ {:.0}%: \
             the endpoint, not dtr, would set the pace) in {saturated} of {} steps.\n",
            range(|l| l.0),
            range(|l| l.1),
            SATURATED.0 * 100.0,
            SATURATED.1 * 100.0,
            loads.len()
        )
    }

    /// Growth from the smallest generated stack to the largest, per step: linear is at most 1.1× the
    /// growth in resources, in wall time and in calls.
    fn growth(&self, latency: u64) -> String {
        let sizes: Vec<usize> = self.at(latency).filter_map(|r| r.size).collect();
        let (Some(&small), Some(&large)) = (sizes.iter().min(), sizes.iter().max()) else {
            return String::new();
        };
        if small == large {
            return String::new();
        }
        let limit = 1.1 * large as f64 / small as f64;
        let mut out = vec![format!(
            "\nGrowth from generated {small} to generated {large} at {latency} ms ({}× the resources; linear: at most {limit:.0}×):\n",
            large / small
        )];
        for step in STEPS {
            if let (Some(a), Some(b)) = (
                self.find(latency, small, step),
                self.find(latency, large, step),
            ) {
                let wall = b.m.wall.as_secs_f64() / a.m.wall.as_secs_f64().max(0.001);
                let calls = b.m.calls as f64 / a.m.calls.max(1) as f64;
                out.push(format!(
                    "- {} {step}: wall {wall:.1}×, calls {calls:.1}×",
                    mark(wall <= limit && calls <= limit)
                ));
            }
        }
        out.join("\n")
    }

    fn targets(&self, latency: u64) -> String {
        let mut out = vec![format!(
            "\nTargets at {latency} ms (printed, not asserted):\n"
        )];
        for size in [100, 500] {
            for step in ["no-op plan", "cold apply"] {
                match self.find(latency, size, step) {
                    Some(r) => out.push(format!(
                        "- {} generated {size} {step} within 1.3× of the largest bound: {:.2} s is {:.2}× {:.2} s ({})",
                        mark(r.ratio() <= 1.3),
                        r.m.wall.as_secs_f64(),
                        r.ratio(),
                        r.bounds.largest(),
                        r.bounds.binding()
                    )),
                    None => out.push(format!("- not run: generated {size} {step}")),
                }
            }
        }
        if let Some(r) = self.rows.iter().max_by_key(|r| r.m.max_rss_kb) {
            let mb = r.m.max_rss_kb as f64 / 1024.0;
            out.push(format!(
                "- {} peak RSS under 100 MB: {mb:.1} MB at most ({} {}, {} ms)",
                mark(mb < 100.0),
                r.stack,
                r.step,
                r.latency_ms
            ));
        }
        out.push(format!(
            "- {} `dtr validate --env local` under 50 ms, process start to exit: median {:.1} ms of 21 runs",
            mark(self.validate_ms < 50.0),
            self.validate_ms
        ));
        out.push("- linear growth: see the growth lines above".into());
        out.join("\n")
    }

    /// The largest generated stack's no-op plan against AWS at 50 ms, from its calls, critical path and
    /// the paced services' quotas (no endpoint time), beside Terraform's figure scaled to its size.
    fn projection(&self, latency: u64) -> String {
        let Some(r) = self
            .at(latency)
            .filter(|r| r.step == "no-op plan" && r.size.is_some())
            .max_by_key(|r| r.size)
        else {
            return String::new();
        };
        let n = r.size.unwrap_or(0) as f64;
        let aws = Bounds::against_aws(&r.m, AWS_LATENCY_S, self.rates);
        let (tf_n, tf_low, tf_high) = TERRAFORM;
        let paced = aws
            .paced
            .as_ref()
            .map_or("–".into(), |(s, t)| format!("{t:.1} ({s})"));
        format!(
            "\nProjection: {}'s no-op plan against AWS at {:.0} ms a call, from this run's {} calls and critical path of {} \
             (no endpoint time; paced services at their quotas)\n\n\
             | stack | calls×latency/par s | critical×latency s | paced s | projected s (largest bound) | × ratio measured at {latency} ms ({:.2}) s | Terraform, scaled per resource s |\n\
             |---|---|---|---|---|---|---|\n\
             | {} | {:.1} | {:.1} | {paced} | {:.1} | {:.1} | {:.0}–{:.0} |\n\n\
             Terraform's figure: a {tf_n:.0}-resource state whose plan took {:.0}–{:.0} min ({TERRAFORM_SOURCE}: one user's report, \
             Terraform 0.11, 2018), scaled linearly to {n:.0} resources.\n",
            r.stack,
            AWS_LATENCY_S * 1000.0,
            r.m.calls,
            r.m.critical,
            r.ratio(),
            r.stack,
            aws.throughput,
            aws.critical,
            aws.largest(),
            aws.largest() * r.ratio(),
            tf_low * n / tf_n,
            tf_high * n / tf_n,
            tf_low / 60.0,
            tf_high / 60.0,
        )
    }

    fn csv(&self) -> String {
        let mut out = vec!["latency_ms,stack,step,wall_s,calls,critical_calls,service_ms_per_call,endpoint_busy_per_wall,endpoint_cpu_per_wall,throughput_bound_s,critical_bound_s,paced_bound_s,paced_service,ratio,peak_rss_mb,exit_code".to_string()];
        for r in self.rows {
            let (m, b, wall) = (&r.m, &r.bounds, r.m.wall.as_secs_f64());
            out.push(format!(
                "{},{},{},{wall:.3},{},{},{:.2},{:.3},{:.3},{:.3},{:.3},{:.3},{},{:.3},{:.1},{}",
                r.latency_ms,
                r.stack,
                r.step,
                m.calls,
                m.critical,
                m.endpoint.service_per_call() * 1000.0,
                m.endpoint.busy_s / wall,
                m.endpoint.cpu_s / wall,
                b.throughput,
                b.critical,
                b.paced_s(),
                b.paced.as_ref().map_or("", |(s, _)| s),
                r.ratio(),
                m.max_rss_kb as f64 / 1024.0,
                m.code
            ));
        }
        out.join("\n") + "\n"
    }

    /// Every run's calls by service and operation, at the main latency.
    fn calls(&self) -> String {
        let latency = self.latencies[0];
        let mut out = vec![format!(
            "# AWS API calls by service and operation ({latency} ms per request)\n"
        )];
        for r in self.at(latency) {
            out.push(format!(
                "## {}: {} ({} calls, critical path {})\n\n```\n{}\n```\n\nLimits where they ended:\n\n```\n{}\n```\n",
                r.stack, r.step, r.m.calls, r.m.critical, r.m.by_operation, r.m.limits
            ));
        }
        out.join("\n")
    }
}
