//! Reliability: faults on every call, many applies at once, and state objects dtr must not trust.

mod common;

use common::{assert_converged, bootstrapped, dtr, dtr_run, run, within, Moto, Project};
use serde_json::json;
use std::time::Duration;

/// A local apply under the harness's fault `rules` converges in bounded time: the apply succeeds, the
/// first `surely_hit` rules (faults placed at fixed points, or a rate high enough) were injected, a
/// plan then shows no changes, and the account holds exactly what the state records.
async fn converges_under_faults(rules: serde_json::Value, surely_hit: usize, case: &str) {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    moto.inject_faults(rules);
    let r = within(Duration::from_secs(120), case, || {
        dtr_run(
            &moto,
            &project,
            &["apply", "--env", "local", "--auto-approve"],
        )
    });
    let per_rule: Vec<u64> = moto
        .fault_rules()
        .as_array()
        .expect("the harness lists its rules")
        .iter()
        .map(|r| r["hits"].as_u64().unwrap_or(0))
        .collect();
    moto.inject_faults(json!([]));
    let hits: u64 = per_rule.iter().sum();
    assert_eq!(
        r.code, 0,
        "{case}: apply under faults ({hits} injected):\n{}",
        r.stderr
    );
    assert!(
        per_rule[..surely_hit].iter().all(|h| *h > 0),
        "{case}: every kind of fault was injected: {per_rule:?}"
    );
    assert_converged(&moto, &project, "local", case);
    // No duplicate, nothing unrecorded: the account holds exactly what the state records.
    common::inventory::nothing_orphaned_or_duplicated(&moto, case).await;
}

/// One `#[tokio::test]` per fault case, so a failure names its case.
macro_rules! converges_under {
    ($($(#[$doc:meta])* $name:ident: surely_hit $n:literal, $rules:tt;)+) => {$(
        $(#[$doc])*
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            converges_under_faults(json!($rules), $n, stringify!($name)).await;
        }
    )+};
}

converges_under! {
    /// 10 % of every call fails (throttling or 5xx in each protocol's own format, or the connection
    /// reset before an answer). Rules are tried in order, each at its own rate: each kind once at a
    /// fixed point (so every kind is surely injected), then each at random.
    dev_converges_with_ten_percent_faults_on_every_call: surely_hit 3, [
        {"match": "", "after": 10, "times": 1, "status": 503, "code": "ServiceUnavailable", "format": "auto"},
        {"match": "", "after": 25, "times": 1, "status": 400, "code": "ThrottlingException", "format": "auto"},
        {"match": "", "after": 40, "times": 1, "reset": true},
        {"match": "", "rate": 0.035, "status": 503, "code": "ServiceUnavailable", "format": "auto", "times": -1},
        {"match": "", "rate": 0.035, "status": 400, "code": "ThrottlingException", "format": "auto", "times": -1},
        {"match": "", "rate": 0.035, "reset": true, "times": -1}
    ];
    /// One call in ten is carried out but its answer is lost (the connection drops after the work).
    /// The SDK retries what is safe to retry; a create AWS does not deduplicate (API, integration,
    /// authorizer) is looked for before it is tried again.
    dev_converges_when_answers_are_lost: surely_hit 1, [
        {"match": "", "rate": 0.1, "reset": "after", "times": -1}
    ];
}

/// Eight applies of one environment at once: each waits its turn for the lock, the lock holds never
/// overlap, all succeed, and the state ends whole.
#[tokio::test(flavor = "multi_thread")]
async fn eight_simultaneous_applies_take_turns() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let children: Vec<_> = (0..8)
        .map(|_| {
            dtr(&moto, &project)
                .args([
                    "apply",
                    "--env",
                    "local",
                    "--auto-approve",
                    "--lock-timeout",
                    "120s",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut holds = Vec::new();
    for child in children {
        let r = common::Run::of(child.wait_with_output().unwrap());
        assert_eq!(r.code, 0, "{}", r.stderr);
        let at = |needle: &str| {
            r.stderr
                .lines()
                .find(|l| l.contains(needle))
                .and_then(|l| l.split_whitespace().next())
                .map(str::to_string)
                .unwrap_or_else(|| panic!("no `{needle}` in:\n{}", r.stderr))
        };
        holds.push((at("state lock acquired"), at("state lock released")));
    }
    holds.sort();
    // `acquired` is stamped after the lock was taken, `released` when its release was asked for
    // (nothing is done under the lock after that): a real overlap is the only way for one run's
    // release to be stamped after the next run's acquisition.
    for pair in holds.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "lock holds overlap: {pair:?}");
    }
    assert_converged(&moto, &project, "local", "after eight applies in turn");
}

/// Two environments sharing one lock table lock independently and can run at the same time.
#[tokio::test(flavor = "multi_thread")]
async fn two_environments_share_a_lock_table_without_blocking_each_other() {
    let moto = Moto::start();
    let project = Project::copy();
    let local = project.read("environments/local.yaml");
    let other = local
        .replace("name: local", "name: dev2")
        .replace(
            "dynamic-tool-runtime/local.json",
            "dynamic-tool-runtime/dev2.json",
        )
        .replace("name_prefix: dtr-local", "name_prefix: dtr-dev2")
        .replace("dtr-local-artifacts-", "dtr-dev2-artifacts-");
    project.write("environments/dev2.yaml", &other);
    dtr_run(&moto, &project, &["bootstrap", "--env", "local"]).expect_code(0);
    // Hold local's lock for the whole test: dev2 must still apply.
    let mut holder = dtr(&moto, &project);
    let _ = &mut holder;
    let c = moto.clients().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    use aws_sdk_dynamodb::types::AttributeValue as V;
    c.dynamodb
        .put_item()
        .table_name("dtr-locks")
        .item("LockID", V::S(common::LOCAL_LOCK_ID.into()))
        .item("Id", V::S("held-by-local".into()))
        .item("Expires", V::N((now + 60_000).to_string()))
        .send()
        .await
        .unwrap();
    let r =
        run(dtr(&moto, &project).args(["apply", "--env", "dev2", "--auto-approve"])).expect_code(0);
    assert!(
        r.stderr.contains("Complete apply: 38 added"),
        "{}",
        r.stderr
    );
    dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(1);
}

/// A corrupt state object, or one written by a newer dtr, is refused with a clear error and left
/// exactly as it was.
#[tokio::test(flavor = "multi_thread")]
async fn corrupt_or_newer_state_is_refused_and_never_overwritten() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let c = moto.clients().await;
    for (body, expected) in [
        (
            &b"{\"format_version\": 1, \"lineage\": "[..],
            "is corrupt and was left untouched",
        ),
        (
            &b"{\"format_version\": 99, \"resources\": {}}"[..],
            "has format version 99",
        ),
    ] {
        common::put_dev_state(&c, body.to_vec()).await;
        let r = dtr_run(
            &moto,
            &project,
            &["apply", "--env", "local", "--auto-approve"],
        )
        .expect_code(1);
        assert!(r.stderr.contains(expected), "{}", r.stderr);
        assert_eq!(
            common::local_state_bytes(&c).await,
            Some(body.to_vec()),
            "left untouched"
        );
        assert!(
            c.dynamodb
                .describe_table()
                .table_name("dtr-local-tools")
                .send()
                .await
                .is_err(),
            "nothing applied"
        );
    }
}
