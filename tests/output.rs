//! What dtr prints, checked as reviewed snapshots (tests/snapshots/output__*.snap): the human plan of
//! a cold local apply, a plan as JSON, and the apply and destroy summaries. Volatile parts (clock
//! times, durations, lock ids, API Gateway ids, temporary paths) are redacted by
//! `common::snapshot::redact`. Plans with an update and a replace (and why) are snapshotted in
//! tests/table.rs, a plan of drift on every type in tests/stack_changes.rs.

mod common;

use common::snapshot::redact;
use common::table::table_only;
use common::{bootstrapped, dtr_run, Moto};

#[test]
fn redaction_replaces_what_varies_and_keeps_the_rest() {
    assert_eq!(
        redact("12:01:02.345 created (1.2s) at 2026-01-01T00:00:00Z in /tmp/.tmpAb12/x"),
        "[CLOCK] created ([DURATION]) at [TIME] in [TEMP]"
    );
    assert_eq!(
        redact("  - api_route.route_health [hizcvnjv/rmmnusjf] will be deleted"),
        "  - api_route.route_health [[API-ID]/[CHILD-ID]] will be deleted"
    );
    assert_eq!(
        redact("api_endpoint     = https://hizcvnjv.execute-api.us-east-1.amazonaws.com\napi_id           = hizcvnjv\n"),
        "api_endpoint     = https://[API-ID].execute-api.us-east-1.amazonaws.com\napi_id           = [API-ID]\n"
    );
    assert_eq!(
        redact(r#"+ api_id = "azimuvhh"  + integration_id = "mqkaokgb""#),
        r#"+ api_id = "[API-ID]"  + integration_id = "[CHILD-ID]""#
    );
    assert_eq!(
        redact(r#"["AWS/ApiGateway","5xx","ApiId","ckkxdeab"] {"ApiId":"ckkxdeab"}"#),
        r#"["AWS/ApiGateway","5xx","ApiId","[API-ID]"] {"ApiId":"[API-ID]"}"#
    );
    let names =
        "  + dynamodb_table.tools_table [dtr-local-tools] will be created: attributes, projection";
    assert_eq!(redact(names), names, "names and words are left alone");
}

/// Everything a cold apply of local would create, with every attribute, in dependency order.
#[tokio::test(flavor = "multi_thread")]
async fn cold_dev_plan() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let plan = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    )
    .expect_code(2);
    insta::assert_snapshot!("cold_dev_plan_stdout", redact(&plan.stdout));
    insta::assert_snapshot!("cold_dev_plan_stderr", redact(&plan.stderr));
}

/// `plan --json` of the table alone: the machine-readable form CI reads.
#[tokio::test(flavor = "multi_thread")]
async fn cold_table_plan_as_json() {
    let moto = Moto::start();
    let project = table_only(&moto);
    let json = dtr_run(&moto, &project, &["plan", "--env", "local", "--json"]).expect_code(0);
    insta::assert_snapshot!("cold_table_plan_json", redact(&json.stdout));
}

/// A quiet apply of local prints its plan, the summary and the outputs; a quiet destroy its plan of
/// deletions (dependants first) and the summary.
#[tokio::test(flavor = "multi_thread")]
async fn apply_and_destroy_summaries() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let applied = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve", "--quiet"],
    )
    .expect_code(0);
    let (_, after_plan) = applied
        .stdout
        .split_once("\nPlan: ")
        .expect("the apply printed its plan");
    insta::assert_snapshot!(
        "apply_summary_and_outputs",
        redact(&format!("Plan: {after_plan}"))
    );
    insta::assert_snapshot!("apply_stderr", redact(&applied.stderr));
    let destroyed = dtr_run(
        &moto,
        &project,
        &["destroy", "--env", "local", "--auto-approve", "--quiet"],
    )
    .expect_code(0);
    insta::assert_snapshot!("destroy_stdout", redact(&destroyed.stdout));
    insta::assert_snapshot!("destroy_stderr", redact(&destroyed.stderr));
}
