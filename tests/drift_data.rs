//! Every managed attribute of the table, a log group, a metric alarm, a metric-math alarm and the
//! dashboard, changed outside dtr, is in the next plan as drift (issue 15: drift coverage must not
//! shrink as reads are batched).
//!
//! Not covered, and why:
//! - every kind's `name`: the resource's identity (force-new); a renamed resource is another one.
//! - dynamodb_table `hash_key`, `range_key`: fixed at creation (force-new).
//! - metric_alarm: a single-metric alarm's fields and a metric-math alarm's `metrics` are each
//!   covered on an alarm of that shape (one alarm cannot be both).

mod common;

use aws_sdk_cloudwatch::types as cw;
use aws_sdk_dynamodb::types as ddb;
use common::drift::{assert_drift, plan_json};
use common::{deployed, Moto};
use serde_json::json;

const TABLE: &str = "dtr-local-tools";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:dtr-local-alerts";

/// Moto's UpdateTable ignores encryption changes: the table is made again by hand, with AWS's own
/// key instead of KMS and every other setting changed, keeping dtr's own tags so that it is still
/// the environment's table. A new table has no TTL, so its `expires_at` TTL is gone too.
#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_table_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.dynamodb;
    let arn = format!("arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}");
    let mut tags = c
        .list_tags_of_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap()
        .tags
        .unwrap_or_default();
    tags.push(
        ddb::Tag::builder()
            .key("owner")
            .value("someone-else")
            .build()
            .unwrap(),
    );
    c.delete_table().table_name(TABLE).send().await.unwrap();
    let attribute = |name: &str| {
        ddb::AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ddb::ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, key_type| {
        ddb::KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .unwrap()
    };
    let throughput = || {
        ddb::ProvisionedThroughput::builder()
            .read_capacity_units(5)
            .write_capacity_units(5)
            .build()
            .unwrap()
    };
    let by_agent = ddb::GlobalSecondaryIndex::builder()
        .index_name("agent-index")
        .key_schema(key("agent_id", ddb::KeyType::Hash))
        .projection(
            ddb::Projection::builder()
                .projection_type(ddb::ProjectionType::KeysOnly)
                .build(),
        )
        .provisioned_throughput(throughput())
        .build()
        .unwrap();
    c.create_table()
        .table_name(TABLE)
        .key_schema(key("tool_id", ddb::KeyType::Hash))
        .set_attribute_definitions(Some(vec![attribute("tool_id"), attribute("agent_id")]))
        .global_secondary_indexes(by_agent)
        .billing_mode(ddb::BillingMode::Provisioned)
        .provisioned_throughput(throughput())
        .sse_specification(ddb::SseSpecification::builder().enabled(false).build())
        .deletion_protection_enabled(true)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
    let pitr = ddb::PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(true)
        .build()
        .unwrap();
    c.update_continuous_backups()
        .table_name(TABLE)
        .point_in_time_recovery_specification(pitr)
        .send()
        .await
        .unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "dynamodb_table.tools_table",
        &[
            "billing_mode",
            "read_capacity",
            "write_capacity",
            "attributes",
            "global_secondary_indexes",
            "ttl_attribute",
            "point_in_time_recovery",
            "server_side_encryption",
            "deletion_protection",
            "tags",
        ],
    );
}

/// Moto cannot associate a KMS key with an existing group: the group is made again by hand with
/// one, keeping dtr's own tags so that it is still the environment's group.
#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_log_group_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.logs;
    let group = "/aws/lambda/dtr-local-tool-manager";
    let arn = format!("arn:aws:logs:us-east-1:123456789012:log-group:{group}");
    let mut tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap()
        .tags
        .unwrap_or_default();
    tags.insert("owner".into(), "someone-else".into());
    c.delete_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    c.create_log_group()
        .log_group_name(group)
        .kms_key_id("arn:aws:kms:us-east-1:123456789012:key/by-hand")
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
    c.put_retention_policy()
        .log_group_name(group)
        .retention_in_days(14)
        .send()
        .await
        .unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "module.tool_manager.log_group.logs",
        &["retention_days", "kms_key_arn", "tags"],
    );
}

async fn tag_alarm(c: &aws_sdk_cloudwatch::Client, name: &str) {
    c.tag_resource()
        .resource_arn(format!(
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"
        ))
        .tags(
            cw::Tag::builder()
                .key("owner")
                .value("someone-else")
                .build(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_metric_alarm_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.cloudwatch;
    let name = "dtr-local-tool-manager-errors";
    let dimension = cw::Dimension::builder()
        .name("FunctionName")
        .value("dtr-local-authorizer")
        .build();
    c.put_metric_alarm()
        .alarm_name(name)
        .alarm_description("changed by hand")
        .namespace("ByHand")
        .metric_name("Failures")
        .dimensions(dimension)
        .extended_statistic("p90")
        .period(60)
        .evaluation_periods(3)
        .datapoints_to_alarm(2)
        .threshold(9.0)
        .comparison_operator(cw::ComparisonOperator::LessThanThreshold)
        .treat_missing_data("breaching")
        .insufficient_data_actions(TOPIC)
        .send()
        .await
        .unwrap();
    tag_alarm(&c, name).await;

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "module.tool_manager.metric_alarm.alarm[\"errors\"]",
        &[
            "description",
            "namespace",
            "metric_name",
            "dimensions",
            "statistic",
            "extended_statistic",
            "period_seconds",
            "evaluation_periods",
            "datapoints_to_alarm",
            "threshold",
            "comparison_operator",
            "treat_missing_data",
            "alarm_actions",
            "ok_actions",
            "insufficient_data_actions",
            "tags",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_metric_math_alarm_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.cloudwatch;
    let name = "dtr-local-tools-table-throttles";
    let metric = cw::Metric::builder()
        .namespace("AWS/DynamoDB")
        .metric_name("ThrottledRequests")
        .dimensions(
            cw::Dimension::builder()
                .name("TableName")
                .value(TABLE)
                .build(),
        )
        .build();
    let only = cw::MetricDataQuery::builder()
        .id("all")
        .metric_stat(
            cw::MetricStat::builder()
                .metric(metric)
                .period(60)
                .stat("Maximum")
                .build(),
        )
        .return_data(false)
        .build();
    let total = cw::MetricDataQuery::builder()
        .id("total")
        .expression("all * 2")
        .label("By hand")
        .return_data(true)
        .build();
    c.put_metric_alarm()
        .alarm_name(name)
        .alarm_description("changed by hand")
        .metrics(only)
        .metrics(total)
        .evaluation_periods(3)
        .datapoints_to_alarm(2)
        .threshold(9.0)
        .comparison_operator(cw::ComparisonOperator::LessThanThreshold)
        .treat_missing_data("breaching")
        .insufficient_data_actions(TOPIC)
        .send()
        .await
        .unwrap();
    tag_alarm(&c, name).await;

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "module.cloudwatch.metric_alarm.table_throttles",
        &[
            "description",
            "metrics",
            "evaluation_periods",
            "datapoints_to_alarm",
            "threshold",
            "comparison_operator",
            "treat_missing_data",
            "alarm_actions",
            "ok_actions",
            "insufficient_data_actions",
            "tags",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_body_of_a_dashboard_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.cloudwatch;
    let body = json!({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 3,
        "properties": {"markdown": "by hand"}}]});
    c.put_dashboard()
        .dashboard_name("dtr-local-overview")
        .dashboard_body(body.to_string())
        .send()
        .await
        .unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(&plan, "module.cloudwatch.dashboard.overview", &["body"]);
}
