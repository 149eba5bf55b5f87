//! Failures injected by the harness in front of moto: a failed action skips only what depends on it,
//! everything else finishes and is recorded, and the summary names the AWS error code and request id.

mod common;

use common::{dtr_run, Moto, Project};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_skips_only_its_dependants_and_a_rerun_converges() {
    let moto = Moto::start();
    let project = Project::copy();
    dtr_run(&moto, &project, &["bootstrap", "--env", "dev"]).expect_code(0);
    moto.inject_faults(json!([
        {"match": "PUT /dtr-dev-artifacts-123456789012", "status": 403, "code": "AccessDenied", "times": -1}
    ]));
    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "dev", "--auto-approve"],
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
            "skipped: iam_role.tool_manager_role: it depends on s3_bucket.artifacts_bucket"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("skipped: lambda_function.tool_manager: it depends on"),
        "{}",
        r.stderr
    );
    let c = moto.clients().await;
    // Independent of the bucket: done, and recorded.
    assert!(c
        .dynamodb
        .describe_table()
        .table_name("dtr-dev-tools")
        .send()
        .await
        .is_ok());
    assert!(c
        .iam
        .get_role()
        .role_name("dtr-dev-authorizer")
        .send()
        .await
        .is_ok());
    assert!(c
        .lambda
        .get_function()
        .function_name("dtr-dev-authorizer")
        .send()
        .await
        .is_ok());
    // Dependent on it: never started.
    assert!(c
        .lambda
        .get_function()
        .function_name("dtr-dev-tool-manager")
        .send()
        .await
        .is_err());

    moto.inject_faults(json!([]));
    let again = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "dev", "--auto-approve"],
    )
    .expect_code(0);
    assert!(
        !again
            .stderr
            .contains("dynamodb_table.tools_table: creating"),
        "done work is not redone: {}",
        again.stderr
    );
    dtr_run(
        &moto,
        &project,
        &["plan", "--env", "dev", "--detailed-exitcode"],
    )
    .expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_server_errors_and_role_propagation_are_retried() {
    let moto = Moto::start();
    let project = Project::copy();
    dtr_run(&moto, &project, &["bootstrap", "--env", "dev"]).expect_code(0);
    moto.inject_faults(json!([
        {"match": "DynamoDB_20120810.CreateTable", "status": 400, "code": "ThrottlingException", "format": "json", "times": 2},
        {"match": "POST /2015-03-31/functions", "status": 503, "code": "ServiceUnavailable", "format": "json", "times": 2},
        {"match": "PUT /dtr-dev-artifacts-123456789012", "status": 503, "code": "SlowDown", "times": 2},
        // What AWS answers while a new role has not reached Lambda yet (IAM is eventually consistent).
        {"match": "POST /2015-03-31/functions", "status": 400, "code": "InvalidParameterValueException",
         "message": "The role defined for the function cannot be assumed by Lambda.", "format": "json", "times": 2}
    ]));
    dtr_run(
        &moto,
        &project,
        &["apply", "--env", "dev", "--auto-approve"],
    )
    .expect_code(0);
    dtr_run(
        &moto,
        &project,
        &["plan", "--env", "dev", "--detailed-exitcode"],
    )
    .expect_code(0);
    let c = moto.clients().await;
    let tables = c.dynamodb.list_tables().send().await.unwrap();
    assert_eq!(
        tables.table_names().len(),
        2,
        "no duplicate table: {:?}",
        tables.table_names()
    );
}
