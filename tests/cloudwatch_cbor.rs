//! CloudWatch over Smithy RPC v2 CBOR, the protocol of the current `aws-sdk-cloudwatch`, which moto
//! does not serve: the harness translates it (tests/harness/rpcv2cbor.py). Both ways are checked on the
//! wire by the shim's Python tests, and end to end here: an alarm and a dashboard that dtr puts read
//! back through the SDK, a missing dashboard is the SDK's modelled not-found error, and a throttled
//! PutMetricAlarm, answered in CBOR, is retried by the SDK.

mod common;

use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use common::*;
use serde_json::json;

const ALARM: &str = "dtr-cbor-errors";
const DASHBOARD: &str = "dtr-cbor-overview";

fn environment() -> &'static str {
    r#"name: cbor
stack: cbor
region: us-east-1
account_id: "123456789012"
backend:
  state_bucket: dtr-state-123456789012-cbor
  lock_table: dtr-locks
  state_key: cbor/cbor.json
parameters: {}
"#
}

fn stack() -> String {
    format!(
        r#"stack: cbor
resources:
  errors:
    type: metric_alarm
    properties:
      name: {ALARM}
      description: Errors of one function.
      namespace: AWS/Lambda
      metric_name: Errors
      dimensions: {{FunctionName: dtr-cbor}}
      statistic: Sum
      period_seconds: 60
      evaluation_periods: 3
      datapoints_to_alarm: 2
      threshold: 2.5
      comparison_operator: GreaterThanOrEqualToThreshold
      treat_missing_data: notBreaching
      tags: {{owner: dtr}}
  overview:
    type: dashboard
    properties:
      name: {DASHBOARD}
      body:
        widgets:
          - {{type: text, x: 0, y: 0, width: 6, height: 2, properties: {{markdown: CBOR}}}}
"#
    )
}

fn project() -> Project {
    let project = Project::copy();
    project.write("environments/cbor.yaml", environment());
    project.write("stacks/cbor/stack.yaml", &stack());
    project
}

#[test]
fn the_harness_translates_rpc_v2_cbor_both_ways() {
    let moto = Moto::start();
    harness_python_tests(&moto, "tests/harness/test_rpcv2cbor.py");
}

#[tokio::test(flavor = "multi_thread")]
async fn what_dtr_puts_reads_back_through_the_cbor_client_and_a_throttle_is_retried() {
    let moto = Moto::start();
    let project = project();
    bootstrap(&moto, &project, "cbor");
    moto.inject_faults(json!([{"match": "/operation/PutMetricAlarm", "status": 400,
        "code": "ThrottlingException", "format": "auto", "times": 2}]));
    apply(&moto, &project, "cbor");
    let hits = moto.fault_hits(0);
    moto.inject_faults(json!([]));
    assert_eq!(hits, 2, "both throttles were answered, and retried");

    let c = moto.clients().await;
    let described = c
        .cloudwatch
        .describe_alarms()
        .alarm_names(ALARM)
        .send()
        .await
        .expect("DescribeAlarms over CBOR");
    let alarm = described.metric_alarms().first().expect("the alarm exists");
    assert_eq!(alarm.threshold(), Some(2.5));
    assert_eq!(alarm.evaluation_periods(), Some(3));
    assert_eq!(alarm.datapoints_to_alarm(), Some(2));
    assert_eq!(alarm.period(), Some(60));
    assert_eq!(alarm.treat_missing_data(), Some("notBreaching"));
    let dimension = alarm.dimensions().first().expect("one dimension");
    assert_eq!(
        (dimension.name(), dimension.value()),
        (Some("FunctionName"), Some("dtr-cbor"))
    );
    // A timestamp, decoded from CBOR tag 1: when moto recorded the alarm, so within the last minutes.
    let updated = alarm
        .alarm_configuration_updated_timestamp()
        .expect("a configuration timestamp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    assert!((now - updated.secs()).abs() < 600, "{updated:?}");
    let tags = c
        .cloudwatch
        .list_tags_for_resource()
        .resource_arn(alarm.alarm_arn().unwrap_or_default())
        .send()
        .await
        .expect("ListTagsForResource over CBOR");
    let tags: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert!(tags.contains(&(Some("owner"), Some("dtr"))), "{tags:?}");
    assert!(
        tags.contains(&(Some("dtr:address"), Some("metric_alarm.errors"))),
        "{tags:?}"
    );
    let dashboard = c
        .cloudwatch
        .get_dashboard()
        .dashboard_name(DASHBOARD)
        .send()
        .await
        .expect("GetDashboard over CBOR");
    assert!(
        dashboard
            .dashboard_body()
            .unwrap_or_default()
            .contains("CBOR"),
        "{dashboard:?}"
    );

    let missing = c
        .cloudwatch
        .get_dashboard()
        .dashboard_name("dtr-cbor-absent")
        .send()
        .await
        .expect_err("no such dashboard");
    let error = missing.into_service_error();
    assert!(error.is_dashboard_not_found_error(), "{error:?}");
    assert_eq!(
        error.code(),
        Some("ResourceNotFound"),
        "the query-compatible code"
    );

    dtr_run(
        &moto,
        &project,
        &["plan", "--env", "cbor", "--detailed-exitcode"],
    )
    .expect_code(0);
}
