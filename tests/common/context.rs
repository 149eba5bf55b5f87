//! The steps most tests share, named once: a bootstrapped project, an apply that must succeed, the
//! "a plan now shows no changes" check, a bounded-time run, and local's state object read or written
//! through the SDK.

use super::{dtr_run, Moto, Project, Run, ROOT};
use dtr::provider::aws::Clients;
use std::time::{Duration, Instant};

/// Where local's state lives (bootstrap's names in environments/local.yaml, moto's default account).
pub const LOCAL_STATE_BUCKET: &str = "dtr-state-123456789012-local";
pub const LOCAL_STATE_KEY: &str = "dynamic-tool-runtime/local.json";
/// The lock item's key for local's state: `<bucket>/<key>`.
pub const LOCAL_LOCK_ID: &str = "dtr-state-123456789012-local/dynamic-tool-runtime/local.json";

/// `dtr bootstrap --env <env>`, which must succeed.
pub fn bootstrap(moto: &Moto, project: &Project, env: &str) -> Run {
    dtr_run(moto, project, &["bootstrap", "--env", env]).expect_code(0)
}

/// A private copy of the project with local's backend bootstrapped on `moto`, nothing applied yet.
pub fn bootstrapped(moto: &Moto) -> Project {
    let project = Project::copy();
    bootstrap(moto, &project, "local");
    project
}

/// A private copy of the project with local bootstrapped and applied on `moto`.
pub fn deployed(moto: &Moto) -> Project {
    let project = bootstrapped(moto);
    apply_dev(moto, &project);
    project
}

/// `dtr apply --env <env> --auto-approve`, which must succeed.
pub fn apply(moto: &Moto, project: &Project, env: &str) -> Run {
    dtr_run(moto, project, &["apply", "--env", env, "--auto-approve"]).expect_code(0)
}

/// `dtr apply --env local --auto-approve`, which must succeed.
pub fn apply_dev(moto: &Moto, project: &Project) -> Run {
    apply(moto, project, "local")
}

/// `dtr destroy --env local --auto-approve`, whatever its exit code.
pub fn destroy_dev(moto: &Moto, project: &Project) -> Run {
    dtr_run(
        moto,
        project,
        &["destroy", "--env", "local", "--auto-approve"],
    )
}

/// `dtr plan --env local --detailed-exitcode`, whatever its exit code (0 no changes, 2 changes).
pub fn plan_dev(moto: &Moto, project: &Project) -> Run {
    dtr_run(
        moto,
        project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    )
}

/// A plan of `env` shows no changes: what was applied converged. `why` names the situation.
pub fn assert_converged(moto: &Moto, project: &Project, env: &str, why: &str) {
    let plan = dtr_run(
        moto,
        project,
        &["plan", "--env", env, "--detailed-exitcode"],
    );
    assert_eq!(
        plan.code, 0,
        "{why}: a plan of {env} should show no changes\n--- stdout\n{}\n--- stderr\n{}",
        plan.stdout, plan.stderr
    );
}

/// Run `f` and assert it took less than `limit`: a retry loop or a wait must stay bounded.
pub fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    assert!(
        took < limit,
        "{what} took {took:?}, over its bound of {limit:?}"
    );
    out
}

/// Poll `done` every 20 ms until it holds; fail naming `what` once `limit` has passed.
pub fn eventually(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Moto {
    /// How many requests the harness's fault rule number `rule` has caught so far.
    pub fn fault_hits(&self, rule: usize) -> u64 {
        self.fault_rules()[rule]["hits"].as_u64().unwrap_or(0)
    }
}

/// The bytes of local's state object, `None` when there is none.
pub async fn local_state_bytes(c: &Clients) -> Option<Vec<u8>> {
    let out =
        c.s3.get_object()
            .bucket(LOCAL_STATE_BUCKET)
            .key(LOCAL_STATE_KEY)
            .send()
            .await
            .ok()?;
    let body = out
        .body
        .collect()
        .await
        .expect("read the local state object");
    Some(body.into_bytes().to_vec())
}

/// Dev's state object as JSON (panics when there is none: the test expected one).
pub async fn local_state(c: &Clients) -> serde_json::Value {
    let bytes = local_state_bytes(c)
        .await
        .expect("local has a state object");
    serde_json::from_slice(&bytes).expect("local's state object is JSON")
}

/// The addresses local's state records, sorted.
pub async fn local_state_addresses(c: &Clients) -> Vec<String> {
    let state = local_state(c).await;
    // The oldest format that holds it: 3 with digests of what was applied, 2 with `forgotten`.
    let resources = state["resources"].as_object().expect("resources");
    let needed = match (
        resources.values().any(|r| r.get("applied").is_some()),
        state.get("forgotten").is_some(),
    ) {
        (true, _) => 3,
        (false, true) => 2,
        (false, false) => 1,
    };
    assert_eq!(state["format_version"], needed, "{state}");
    let mut addresses: Vec<String> = state["resources"]
        .as_object()
        .expect("the state's resources are an object")
        .keys()
        .cloned()
        .collect();
    addresses.sort();
    addresses
}

/// Write local's state object as `body`: a state edited, corrupted or left by another version of dtr.
pub async fn put_dev_state(c: &Clients, body: Vec<u8>) {
    c.s3.put_object()
        .bucket(LOCAL_STATE_BUCKET)
        .key(LOCAL_STATE_KEY)
        .body(body.into())
        .send()
        .await
        .expect("write the local state object");
}

/// Delete local's state object: what an apply killed before its first state write leaves behind.
pub async fn delete_dev_state(c: &Clients) {
    c.s3.delete_object()
        .bucket(LOCAL_STATE_BUCKET)
        .key(LOCAL_STATE_KEY)
        .send()
        .await
        .expect("delete the local state object");
}

/// Run a Python unittest file of the harness's own (`tests/harness/test_*.py`) with the test
/// virtualenv's interpreter against `moto`'s launcher (DTR_HARNESS_URL, DTR_HARNESS_CA); it must pass
/// and must have run something.
pub fn harness_python_tests(moto: &Moto, file: &str) {
    let venv = std::env::var("DTR_TEST_VENV").unwrap_or_else(|_| format!("{ROOT}/.venv"));
    let out = std::process::Command::new(format!("{venv}/bin/python"))
        .args(["-m", "unittest", "-v", file])
        .current_dir(ROOT)
        .env("DTR_HARNESS_URL", &moto.https_url)
        .env("DTR_HARNESS_CA", &moto.ca_bundle)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("the harness's virtualenv python");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python tests failed:\n{stderr}");
    assert!(
        stderr.contains("OK") && !stderr.contains("Ran 0 tests"),
        "{stderr}"
    );
}

/// The id of the route with `key` in API `api_id`, read through the SDK (panics when there is none:
/// the test expected it).
pub async fn route_id(c: &Clients, api_id: &str, key: &str) -> String {
    let routes = c
        .apigateway
        .get_routes()
        .api_id(api_id)
        .send()
        .await
        .expect("GetRoutes");
    routes
        .items()
        .iter()
        .find(|r| r.route_key() == Some(key))
        .and_then(|r| r.route_id())
        .unwrap_or_else(|| panic!("no route {key} in {api_id}"))
        .to_string()
}

/// `--stats`' table on stderr: the total, and the calls by operation (`"Lambda GetFunction" → 1`),
/// read from the lines after "AWS API calls:" up to the first that is not a count.
pub fn stats_calls(stderr: &str) -> (u64, std::collections::BTreeMap<String, u64>) {
    let table = stderr
        .split("AWS API calls: ")
        .nth(1)
        .expect("--stats prints its table");
    let total = table
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("--stats prints the total");
    let mut by_operation = std::collections::BTreeMap::new();
    for line in table.lines().skip(1) {
        let Some((count, operation)) = line.trim().split_once("  ") else {
            break;
        };
        let Ok(count) = count.parse::<u64>() else {
            break;
        };
        by_operation.insert(operation.trim().to_string(), count);
    }
    (total, by_operation)
}
