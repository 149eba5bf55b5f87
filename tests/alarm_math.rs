//! `metric_alarm` with metric math (`metrics`) and every kind of action: the table throttle alarm the
//! stack needs (DynamoDB publishes ThrottledRequests per TableName + Operation, so the alarm sums one
//! query per operation), created, read back with no difference, its drift shown and repaired, and the
//! action lists converging when removed from the configuration. A stack of its own, in env `alarms`.

mod common;

use common::*;

const ALARM: &str = "dtr-alarms-tools-throttles";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:ops";

fn environment() -> &'static str {
    r#"name: alarms
stack: alarms
region: us-east-1
account_id: "123456789012"
backend:
  state_bucket: dtr-state-123456789012-alarms
  lock_table: dtr-locks
  state_key: alarms/alarms.json
parameters: {}
"#
}

/// The throttle alarm of the shipped stack's tools table, its actions given by `actions` (YAML).
fn stack(actions: &str) -> String {
    let per_operation = |id: &str, operation: &str| {
        format!(
            r#"        - id: {id}
          return_data: false
          metric:
            namespace: AWS/DynamoDB
            metric_name: ThrottledRequests
            dimensions: {{TableName: "${{resource.tools.name}}", Operation: {operation}}}
            period_seconds: 300
            stat: Sum
"#
        )
    };
    let queries: String = [
        ("puts", "PutItem"),
        ("gets", "GetItem"),
        ("deletes", "DeleteItem"),
        ("queries", "Query"),
    ]
    .iter()
    .map(|(id, op)| per_operation(id, op))
    .collect();
    format!(
        r#"stack: alarms
resources:
  tools:
    type: dynamodb_table
    properties:
      name: dtr-alarms-tools
      hash_key: tool_id
      attributes: [{{name: tool_id, type: S}}]
      deletion_protection: false
  throttles:
    type: metric_alarm
    properties:
      name: {ALARM}
      description: Requests to the tools table that DynamoDB throttled, all operations.
      metrics:
{queries}        - id: total
          expression: SUM([puts, gets, deletes, queries])
          label: Throttled requests
          return_data: true
      threshold: 1
      comparison_operator: GreaterThanOrEqualToThreshold
      treat_missing_data: notBreaching
{actions}
"#
    )
}

const ALL_ACTIONS: &str = "      alarm_actions: [\"arn:aws:sns:us-east-1:123456789012:ops\"]
      ok_actions: [\"arn:aws:sns:us-east-1:123456789012:ops\"]
      insufficient_data_actions: [\"arn:aws:sns:us-east-1:123456789012:ops\"]";

fn project() -> Project {
    let project = Project::copy();
    project.write("environments/alarms.yaml", environment());
    project.write("stacks/alarms/stack.yaml", &stack(ALL_ACTIONS));
    project
}

fn plan(moto: &Moto, project: &Project) -> Run {
    dtr_run(
        moto,
        project,
        &["plan", "--env", "alarms", "--detailed-exitcode"],
    )
}

async fn described(moto: &Moto) -> aws_sdk_cloudwatch::types::MetricAlarm {
    let c = moto.clients().await;
    let out = c
        .cloudwatch
        .describe_alarms()
        .alarm_names(ALARM)
        .send()
        .await
        .expect("DescribeAlarms");
    out.metric_alarms()
        .first()
        .cloned()
        .expect("the alarm exists")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttle_alarm_summing_per_operation_metrics_converges_and_its_drift_is_repaired() {
    let moto = Moto::start();
    let project = project();
    bootstrap(&moto, &project, "alarms");
    apply(&moto, &project, "alarms");

    let alarm = described(&moto).await;
    let ids: Vec<_> = alarm
        .metrics()
        .iter()
        .filter_map(|q| q.id.clone())
        .collect();
    assert_eq!(ids, ["puts", "gets", "deletes", "queries", "total"]);
    let operations: Vec<_> = alarm
        .metrics()
        .iter()
        .filter_map(|q| q.metric_stat.as_ref()?.metric.as_ref())
        .flat_map(|m| m.dimensions())
        .filter(|d| d.name.as_deref() == Some("Operation"))
        .filter_map(|d| d.value.clone())
        .collect();
    assert_eq!(operations, ["PutItem", "GetItem", "DeleteItem", "Query"]);
    let tables: Vec<_> = alarm
        .metrics()
        .iter()
        .filter_map(|q| q.metric_stat.as_ref()?.metric.as_ref())
        .flat_map(|m| m.dimensions())
        .filter(|d| d.name.as_deref() == Some("TableName"))
        .filter_map(|d| d.value.clone())
        .collect();
    assert_eq!(
        tables, ["dtr-alarms-tools"; 4],
        "the table's name, by reference"
    );
    let total = &alarm.metrics()[4];
    assert_eq!(
        total.expression.as_deref(),
        Some("SUM([puts, gets, deletes, queries])")
    );
    assert_eq!(total.return_data, Some(true));
    assert_eq!(alarm.metrics()[0].return_data, Some(false));
    assert_eq!(alarm.namespace, None, "no single metric beside the math");
    assert_eq!(alarm.alarm_actions(), [TOPIC]);
    assert_eq!(alarm.ok_actions(), [TOPIC]);
    assert_eq!(alarm.insufficient_data_actions(), [TOPIC]);
    assert_converged(&moto, &project, "alarms", "after the cold apply");

    // Drift behind dtr's back: one query's statistic and every action list changed.
    let c = moto.clients().await;
    let mut metrics = alarm.metrics().to_vec();
    if let Some(stat) = metrics[1].metric_stat.as_mut() {
        stat.stat = Some("Maximum".into());
    }
    c.cloudwatch
        .put_metric_alarm()
        .alarm_name(ALARM)
        .set_alarm_description(alarm.alarm_description.clone())
        .set_metrics(Some(metrics))
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(
            aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
        )
        .treat_missing_data("notBreaching")
        .alarm_actions("arn:aws:sns:us-east-1:123456789012:someone-else")
        .send()
        .await
        .expect("PutMetricAlarm behind dtr's back");
    let drift = plan(&moto, &project).expect_code(2);
    for attribute in [
        "metrics",
        "alarm_actions",
        "ok_actions",
        "insufficient_data_actions",
    ] {
        assert!(
            drift.stdout.contains(attribute),
            "the plan shows {attribute}:\n{}",
            drift.stdout
        );
    }
    apply(&moto, &project, "alarms");
    let repaired = described(&moto).await;
    assert_eq!(
        repaired.metrics()[1]
            .metric_stat
            .as_ref()
            .and_then(|s| s.stat.as_deref()),
        Some("Sum")
    );
    assert_eq!(repaired.alarm_actions(), [TOPIC]);
    assert_eq!(repaired.insufficient_data_actions(), [TOPIC]);
    assert_converged(&moto, &project, "alarms", "after the drift was repaired");

    // Actions removed from the configuration: the alarm notifies no one, as AWS's default.
    project.write("stacks/alarms/stack.yaml", &stack(""));
    apply(&moto, &project, "alarms");
    let silent = described(&moto).await;
    assert!(silent.alarm_actions().is_empty() && silent.ok_actions().is_empty());
    assert!(silent.insufficient_data_actions().is_empty());
    assert_converged(&moto, &project, "alarms", "after the actions were removed");
}

#[test]
fn metrics_beside_a_single_metric_field_are_refused_where_written() {
    let moto = Moto::start();
    let project = project();
    let text = stack(ALL_ACTIONS).replace(
        "      threshold: 1\n",
        "      threshold: 1\n      namespace: AWS/DynamoDB\n",
    );
    project.write("stacks/alarms/stack.yaml", &text);
    let run = dtr_run(&moto, &project, &["validate", "--env", "alarms"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let line = text
        .lines()
        .position(|l| l == "      namespace: AWS/DynamoDB")
        .map(|i| i + 1);
    let shown = format!("{}{}", run.stdout, run.stderr);
    assert!(
        shown.contains("`namespace` cannot be set with `metrics`"),
        "{shown}"
    );
    assert!(
        line.is_some_and(|l| shown.contains(&format!("stack.yaml:{l}:"))),
        "located at line {line:?}: {shown}"
    );
}
