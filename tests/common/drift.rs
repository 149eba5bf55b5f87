//! What the drift tests share: a `plan --json --stats` of local, the attributes of one resource's
//! planned change, and the calls `--stats` counted.

use super::{dtr_run, Moto, Project};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// `plan --json --stats --detailed-exitcode` of local, which must exit `code`: the plan, and the
/// calls `--stats` printed.
pub fn plan_json(moto: &Moto, project: &Project, code: i32) -> (Value, String) {
    let run = dtr_run(
        moto,
        project,
        &[
            "plan",
            "--env",
            "local",
            "--lock=false",
            "--json",
            "--stats",
            "--detailed-exitcode",
        ],
    )
    .expect_code(code);
    let plan = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    (plan, run.stderr)
}

/// The attribute paths of `address`'s planned change (`target.retry.maximum_attempts`), each with
/// whether it is drift.
pub fn paths(plan: &Value, address: &str) -> Vec<(String, bool)> {
    let change = plan["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change for {address}: {plan}"));
    change["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let path = a["path"].as_str().unwrap_or_default();
            (path.to_string(), a["drift"] == json!(true))
        })
        .collect()
}

/// The top-level attributes of `address`'s planned change, each with whether it is drift.
pub fn changed(plan: &Value, address: &str) -> Vec<(String, bool)> {
    let mut seen: Vec<(String, bool)> = paths(plan, address)
        .into_iter()
        .map(|(path, drift)| {
            let top = path.split(['.', '[']).next().unwrap_or_default();
            (top.to_string(), drift)
        })
        .collect();
    seen.dedup();
    seen
}

/// The attribute names of [`changed`]'s answer.
pub fn tops(seen: &[(String, bool)]) -> BTreeSet<&str> {
    seen.iter().map(|(top, _)| top.as_str()).collect()
}

/// `address`'s change touches exactly `expected`, every one of them drift.
pub fn assert_drift(plan: &Value, address: &str, expected: &[&str]) {
    let seen = changed(plan, address);
    assert_eq!(
        tops(&seen),
        expected.iter().copied().collect::<BTreeSet<&str>>(),
        "{address}: {seen:?}"
    );
    assert!(seen.iter().all(|(_, drift)| *drift), "{address}: {seen:?}");
}

/// `--stats` printed `count` calls of `operation` (e.g. `IAM GetRole`).
pub fn calls(stderr: &str, count: u32, operation: &str) {
    let line = format!("{count:>7}  {operation}\n");
    assert!(stderr.contains(&line), "{line}:\n{stderr}");
}

/// Within `address`'s change, the attribute `top` (an object) changed in exactly the fields
/// `expected` (paths below it, such as `retry.maximum_attempts`), every one of them drift.
pub fn assert_drift_within(plan: &Value, address: &str, top: &str, expected: &[&str]) {
    let all = paths(plan, address);
    let prefix = format!("{top}.");
    let within: Vec<(&str, bool)> = all
        .iter()
        .filter_map(|(path, drift)| Some((path.strip_prefix(&prefix)?, *drift)))
        .collect();
    assert_eq!(
        within.iter().map(|(p, _)| *p).collect::<BTreeSet<&str>>(),
        expected.iter().copied().collect::<BTreeSet<&str>>(),
        "{address} {top}: {all:?}"
    );
    assert!(within.iter().all(|(_, drift)| *drift), "{address}: {all:?}");
}
