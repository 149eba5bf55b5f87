//! Failures injected by the harness in front of moto: a failed action skips only what depends on it,
//! everything else finishes and is recorded, and the summary names the AWS error code and request id;
//! each retryable fault (throttling, 5xx, a role not yet propagated) is retried to convergence.

mod common;

use common::{apply_dev, assert_converged, bootstrapped, dtr_run, Moto};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_skips_only_its_dependants_and_a_rerun_converges() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    moto.inject_faults(json!([
        {"match": "PUT /dtr-local-artifacts-123456789012", "status": 403, "code": "AccessDenied", "times": -1}
    ]));
    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains(
            "failed: s3_bucket.artifacts_bucket (create) [AccessDenied, request id dtr-fault-"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "skipped: module.tool_manager.iam_role.role: it depends on s3_bucket.artifacts_bucket"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("skipped: module.tool_manager.lambda_function.function: it depends on"),
        "{}",
        r.stderr
    );
    let c = moto.clients().await;
    // Independent of the bucket: done, and recorded.
    assert!(c
        .dynamodb
        .describe_table()
        .table_name("dtr-local-tools")
        .send()
        .await
        .is_ok());
    assert!(c
        .iam
        .get_role()
        .role_name("dtr-local-authorizer")
        .send()
        .await
        .is_ok());
    assert!(c
        .lambda
        .get_function()
        .function_name("dtr-local-authorizer")
        .send()
        .await
        .is_ok());
    // Dependent on it: never started.
    assert!(c
        .lambda
        .get_function()
        .function_name("dtr-local-tool-manager")
        .send()
        .await
        .is_err());

    moto.inject_faults(json!([]));
    let again = apply_dev(&moto, &project);
    assert!(
        !again
            .stderr
            .contains("dynamodb_table.tools_table: creating"),
        "done work is not redone: {}",
        again.stderr
    );
    assert_converged(&moto, &project, "local", "a rerun after the failure");
}

/// A local apply whose calls matching `rule` fail twice with a retryable error: dtr retries them, the
/// apply succeeds, both faults were really injected, a plan then shows no changes, and nothing was
/// created twice.
async fn retried_to_convergence(rule: serde_json::Value, case: &str) {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    moto.inject_faults(json!([rule]));
    apply_dev(&moto, &project);
    let hits = moto.fault_hits(0);
    moto.inject_faults(json!([]));
    assert_eq!(hits, 2, "{case}: the fault was injected both times");
    assert_converged(&moto, &project, "local", case);
    common::inventory::nothing_orphaned_or_duplicated(&moto, case).await;
}

/// One `#[tokio::test]` per retryable fault, so a failure names its case.
macro_rules! retried {
    ($($(#[$doc:meta])* $name:ident: $rule:tt;)+) => {$(
        $(#[$doc])*
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            retried_to_convergence(json!($rule), stringify!($name)).await;
        }
    )+};
}

retried! {
    table_create_throttled_is_retried: {"match": "DynamoDB_20120810.CreateTable", "status": 400,
        "code": "ThrottlingException", "format": "json", "times": 2};
    function_create_unavailable_is_retried: {"match": "POST /2015-03-31/functions", "status": 503,
        "code": "ServiceUnavailable", "format": "json", "times": 2};
    bucket_create_slow_down_is_retried: {"match": "PUT /dtr-local-artifacts-123456789012",
        "status": 503, "code": "SlowDown", "times": 2};
    /// What AWS answers while a new role has not reached Lambda yet (IAM is eventually consistent).
    function_create_before_its_role_propagated_is_retried: {"match": "POST /2015-03-31/functions",
        "status": 400, "code": "InvalidParameterValueException",
        "message": "The role defined for the function cannot be assumed by Lambda.", "format": "json",
        "times": 2};
}
