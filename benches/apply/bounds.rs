//! Lower bounds on a command's wall time, from what the same run measured: its calls, its critical
//! path, the endpoint's service time per call, and the rates at which dtr paces the low-quota services.

use std::collections::BTreeMap;

use crate::run::Measure;
use crate::{PARALLELISM, ROOT};

/// `--stats`' name of each service dtr's limiter knows (`src/provider/aws.rs` names them for the limiter).
const STATS_NAMES: &[(&str, &str)] = &[
    ("apigateway", "ApiGatewayV2"),
    ("cloudwatch", "CloudWatch"),
    ("dynamodb", "DynamoDB"),
    ("iam", "IAM"),
    ("lambda", "Lambda"),
    ("logs", "CloudWatch Logs"),
    ("s3", "S3"),
    ("scheduler", "Scheduler"),
    ("sns", "SNS"),
    ("sts", "STS"),
    ("tagging", "Resource Groups Tagging API"),
];

/// The services dtr paces and their starting rates (calls a second), as `--stats` names them, read from
/// the limiter's source (`fn start`: `"cloudwatch" => (9, true),`), so the benchmark follows it.
pub fn paced_rates() -> BTreeMap<String, u64> {
    let path = format!("{ROOT}/src/provider/limiter.rs");
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let body = source
        .split_once("fn start(")
        .map(|(_, rest)| rest.split_once("\n}").map_or(rest, |(body, _)| body))
        .unwrap_or_else(|| panic!("{path} has no `fn start(`: where do the paced rates live now?"));
    let mut rates = BTreeMap::new();
    for line in body.lines() {
        // "cloudwatch" => (9, true),
        let Some((name, value)) = line.trim().split_once("=>") else {
            continue;
        };
        let name = name.trim().trim_matches('"');
        let value = value
            .trim()
            .trim_start_matches('(')
            .trim_end_matches([',', ')']);
        let Some((rate, paced)) = value.split_once(',') else {
            continue;
        };
        if paced.trim() != "true" {
            continue;
        }
        let rate: u64 = rate
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{path}: {name}'s starting rate {rate:?} is not a number"));
        let stats_name = STATS_NAMES
            .iter()
            .find(|(limiter, _)| *limiter == name)
            .map(|(_, stats)| stats.to_string())
            .unwrap_or_else(|| panic!("benches/apply/bounds.rs: add --stats' name of {name}"));
        rates.insert(stats_name, rate);
    }
    assert!(
        !rates.is_empty(),
        "{path}: no paced service found in `fn start`"
    );
    rates
}

/// Seconds before dtr's pacing lets the last of `n` calls start, when it paces from `rate` calls a
/// second: evenly spaced, and (the limiter's additive increase, `src/provider/limit.rs`) one more a
/// second after each `rate` successes while calls wait, so never faster than `rate`, `rate` + 1, … a
/// second, one second each. (Answers come a latency later, so the real rate grows later still.)
pub fn paced_start_time(n: u64, rate: u64) -> f64 {
    let (mut left, mut rate, mut t) = (n.saturating_sub(1), rate.max(1), 0.0);
    while left >= rate {
        left -= rate;
        rate += 1;
        t += 1.0;
    }
    t + left as f64 / rate as f64
}

/// The bounds of one measured command.
#[derive(Debug, Clone)]
pub struct Bounds {
    /// calls × (latency + service) / parallelism.
    pub throughput: f64,
    /// critical path × (latency + service).
    pub critical: f64,
    /// The slowest paced service: (its name, its calls' pacing + one call).
    pub paced: Option<(String, f64)>,
}

impl Bounds {
    /// `latency` and the service time of the endpoint per call, in seconds; `rates` of the paced
    /// services, growing as dtr lets them grow (`paced_start_time`).
    pub fn of(m: &Measure, latency: f64, rates: &BTreeMap<String, u64>) -> Bounds {
        let per_call = latency + m.endpoint.service_per_call();
        let paced = slowest(m, rates, |n, rate| paced_start_time(n, rate) + per_call);
        Bounds {
            throughput: m.calls as f64 * per_call / PARALLELISM as f64,
            critical: m.critical as f64 * per_call,
            paced,
        }
    }

    /// Against AWS: `latency` per call and no endpoint time; a paced service no faster than its quota
    /// (calls / rate: AWS throttles what dtr's growth would add).
    pub fn against_aws(m: &Measure, latency: f64, rates: &BTreeMap<String, u64>) -> Bounds {
        Bounds {
            throughput: m.calls as f64 * latency / PARALLELISM as f64,
            critical: m.critical as f64 * latency,
            paced: slowest(m, rates, |n, rate| n as f64 / rate as f64),
        }
    }

    pub fn paced_s(&self) -> f64 {
        self.paced.as_ref().map_or(0.0, |(_, s)| *s)
    }

    pub fn largest(&self) -> f64 {
        self.throughput.max(self.critical).max(self.paced_s())
    }

    /// Which bound is the largest, in words.
    pub fn binding(&self) -> String {
        let largest = self.largest();
        if largest == self.throughput {
            "throughput".into()
        } else if largest == self.critical {
            "critical path".into()
        } else {
            format!("{} pacing", self.paced.as_ref().map_or("", |(s, _)| s))
        }
    }
}

fn slowest(
    m: &Measure,
    rates: &BTreeMap<String, u64>,
    time: impl Fn(u64, u64) -> f64,
) -> Option<(String, f64)> {
    rates
        .iter()
        .filter_map(|(service, rate)| {
            let n = *m.by_service.get(service)?;
            Some((service.clone(), time(n, *rate)))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
}
