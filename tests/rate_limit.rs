//! Concurrency per service against a throttling endpoint: with CloudWatch limited by the harness to
//! 5 requests a second (a token bucket, as AWS's quotas are), a plan and an apply of 100 metric alarms
//! finish with a handful of throttled calls at most, within 1.3× of the time the rate itself needs.

mod common;

use common::context::bootstrapped;
use common::{dtr_run, harness_python_tests, Moto, Project};
use std::time::Instant;

const ALARMS: usize = 100;
/// CloudWatch's rate in the harness: requests a second, and as many in a burst.
const RATE: f64 = 5.0;
/// "A handful": throttled answers one command may get.
const HANDFUL: u64 = 5;
const SLACK: f64 = 1.3;

/// A stack of `n` independent metric alarms and an environment declaring only their name prefix.
fn alarms_only(project: &Project, n: usize) {
    let mut stack = String::from(
        "stack: dynamic-tool-runtime\nparameters:\n  name_prefix: {type: string}\nresources:\n",
    );
    for i in 0..n {
        stack.push_str(&format!(
            "  a{i}:\n    type: metric_alarm\n    properties: {{name: \"${{param.name_prefix}}-a{i}\", namespace: Rate, metric_name: M{i}, statistic: Sum, threshold: 1, comparison_operator: GreaterThanThreshold}}\n"
        ));
    }
    project.write("stacks/dynamic-tool-runtime/stack.yaml", &stack);
    let env = project.read("environments/local.yaml");
    let kept: Vec<&str> = env
        .lines()
        .take_while(|l| !l.starts_with("parameters:"))
        .collect();
    let env = format!("{}\nparameters:\n  name_prefix: rate\n", kept.join("\n"));
    project.write("environments/local.yaml", &env);
}

/// The harness's counts for its one rule: (admitted, throttled).
fn counts(moto: &Moto) -> (u64, u64) {
    let rule = &moto.fault_rules()[0];
    let n = |k: &str| rule[k].as_u64().unwrap_or(0);
    (n("admitted"), n("throttled"))
}

/// Run `args` under a fresh CloudWatch bucket (and the `other` fault rules); check the throttles and
/// the time against the rate's bound (the CloudWatch calls that got through, at `RATE` a second).
fn within_the_rate(
    moto: &Moto,
    project: &Project,
    what: &str,
    args: &[&str],
    other: &[serde_json::Value],
) {
    let mut rules = vec![serde_json::json!(
        {"rate_limit": RATE, "burst": RATE, "service": "monitoring"}
    )];
    rules.extend(other.iter().cloned());
    moto.inject_faults(serde_json::Value::Array(rules));
    let started = Instant::now();
    let run = dtr_run(moto, project, args).expect_code(0);
    let wall = started.elapsed().as_secs_f64();
    let (admitted, throttled) = counts(moto);
    let bound = admitted as f64 / RATE;
    let ratio = wall / bound;
    eprintln!(
        "{what}: {admitted} CloudWatch calls served, {throttled} throttled; {wall:.1} s against \
         a bound of {bound:.1} s ({ratio:.2}x)\n{}",
        run.stderr
            .split_once("Concurrency per service")
            .map_or("", |(_, limits)| limits)
    );
    assert!(
        admitted >= ALARMS as u64,
        "{what}: every alarm's call went through the rule ({admitted})"
    );
    assert!(
        throttled <= HANDFUL,
        "{what}: {throttled} throttled calls, more than a handful ({HANDFUL})\n{}",
        run.stderr
    );
    assert!(
        ratio <= SLACK,
        "{what}: {wall:.1} s is {ratio:.2}x the rate's bound of {bound:.1} s (at most {SLACK}x)"
    );
}

#[test]
fn a_throttled_service_is_used_at_its_rate_without_flooding_it() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    alarms_only(&project, ALARMS);
    within_the_rate(
        &moto,
        &project,
        "apply",
        &["--stats", "apply", "--env", "local", "--auto-approve"],
        &[],
    );
    // After the apply, a plan of alarms that exist reads their configuration in one DescribeAlarms
    // and their tags in one GetResources; without the tagging API (a role without tag:GetResources,
    // as here) it reads each alarm's tags with a call of its own: 101 CloudWatch calls.
    let no_index = serde_json::json!({
        "match": "ResourceGroupsTaggingAPI_20170126.GetResources",
        "status": 400, "format": "json", "code": "AccessDeniedException", "times": -1
    });
    within_the_rate(
        &moto,
        &project,
        "plan",
        &["--stats", "plan", "--env", "local"],
        &[no_index],
    );
}

#[test]
fn the_harness_throttles_each_service_in_its_own_protocol() {
    let moto = Moto::start();
    harness_python_tests(&moto, "tests/harness/test_ratelimit.py");
}
