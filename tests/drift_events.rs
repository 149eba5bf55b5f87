//! Every managed attribute of the alert topic, the schedule group and the schedule, changed outside
//! dtr, is in the next plan as drift, and a subscription removed outside dtr is planned again
//! (issue 15: drift coverage must not shrink as reads are batched).
//!
//! Not covered, and why:
//! - every kind's `name`, and schedule `group`: the resource's identity (force-new).
//! - sns_subscription `topic_arn`, `protocol`, `endpoint`: SNS cannot change them (each is force-new);
//!   the only change made outside dtr is its removal, which is covered.

mod common;

use aws_sdk_scheduler::types as sched;
use common::drift::{assert_drift, assert_drift_within, plan_json};
use common::{deployed, Moto};
use serde_json::json;

const ACCOUNT: &str = "123456789012";

#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_topic_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.sns;
    let arn = format!("arn:aws:sns:us-east-1:{ACCOUNT}:dtr-local-alerts");
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "ByHand", "Effect": "Allow",
        "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": arn}]});
    for (name, value) in [
        ("DisplayName", "changed by hand".to_string()),
        ("KmsMasterKeyId", "alias/by-hand".to_string()),
        ("Policy", policy.to_string()),
    ] {
        c.set_topic_attributes()
            .topic_arn(&arn)
            .attribute_name(name)
            .attribute_value(value)
            .send()
            .await
            .unwrap();
    }
    let tag = aws_sdk_sns::types::Tag::builder()
        .key("owner")
        .value("someone-else")
        .build()
        .unwrap();
    c.tag_resource()
        .resource_arn(&arn)
        .tags(tag)
        .send()
        .await
        .unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "sns_topic.alerts",
        &["display_name", "kms_key_id", "policy", "tags"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_removed_outside_dtr_is_planned_again() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.sns;
    let topic = format!("arn:aws:sns:us-east-1:{ACCOUNT}:dtr-local-alerts");
    let subscriptions = c
        .list_subscriptions_by_topic()
        .topic_arn(topic)
        .send()
        .await
        .unwrap();
    let arn = subscriptions.subscriptions()[0]
        .subscription_arn()
        .unwrap()
        .to_string();
    c.unsubscribe().subscription_arn(arn).send().await.unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    let address = "sns_subscription.alert_subscription[\"oncall\"]";
    let change = plan["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("{plan}"));
    assert_eq!(change["action"], "create", "{change}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_schedule_and_its_group_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.scheduler;
    let group = "dtr-local-schedules";
    c.tag_resource()
        .resource_arn(format!(
            "arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule-group/{group}"
        ))
        .tags(
            sched::Tag::builder()
                .key("owner")
                .value("someone-else")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let window = sched::FlexibleTimeWindow::builder()
        .mode(sched::FlexibleTimeWindowMode::Flexible)
        .maximum_window_in_minutes(15)
        .build()
        .unwrap();
    let target = sched::Target::builder()
        .arn(format!(
            "arn:aws:lambda:us-east-1:{ACCOUNT}:function:dtr-local-tool-manager"
        ))
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/dtr-local-monitoring"))
        .input("by hand")
        .retry_policy(
            sched::RetryPolicy::builder()
                .maximum_retry_attempts(5)
                .maximum_event_age_in_seconds(600)
                .build(),
        )
        .dead_letter_config(
            sched::DeadLetterConfig::builder()
                .arn(format!("arn:aws:sqs:us-east-1:{ACCOUNT}:by-hand"))
                .build(),
        )
        .build()
        .unwrap();
    c.update_schedule()
        .name("monitoring")
        .group_name(group)
        .schedule_expression("rate(1 hour)")
        .schedule_expression_timezone("Europe/Paris")
        .state(sched::ScheduleState::Disabled)
        .description("changed by hand")
        .flexible_time_window(window)
        .target(target)
        .send()
        .await
        .unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "module.monitoring_schedule.schedule_group.group",
        &["tags"],
    );
    assert_drift(
        &plan,
        "module.monitoring_schedule.schedule.run",
        &[
            "schedule_expression",
            "timezone",
            "state",
            "description",
            "flexible_window_minutes",
            "target",
        ],
    );
    assert_drift_within(
        &plan,
        "module.monitoring_schedule.schedule.run",
        "target",
        &[
            "arn",
            "role_arn",
            "input",
            "retry.maximum_attempts",
            "retry.maximum_event_age_seconds",
            "dead_letter_arn",
        ],
    );
}
