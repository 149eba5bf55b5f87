//! `sns_topic` and `sns_subscription`, the first kinds added through the resource-kind registry: an
//! alarm notifies a topic, which an email address is subscribed to. Created, left alone when nothing
//! changed, repaired after drift, destroyed.

mod common;

use common::table::{edit_stack, TABLE};
use common::*;

const TOPIC: &str = "dtr-local-alerts";
const EMAIL: &str = "ops@example.com";

/// The table, its throttle alarm (the shipped one, out of its module), and a topic of the test's own
/// that the alarm notifies, with one email subscription.
fn alerting(moto: &Moto) -> Project {
    let project = Project::copy();
    let module: serde_norway::Value = serde_norway::from_str(
        &project.read("stacks/dynamic-tool-runtime/modules/cloudwatch.yaml"),
    )
    .expect("the cloudwatch module is YAML");
    let alarm = serde_norway::to_string(&module["resources"]["table_throttles"])
        .expect("YAML out")
        .replace("${param.prefix}", "${param.name_prefix}")
        .replace("${param.table_name}", "${resource.tools_table.name}")
        .replace(
            "${param.throttle_threshold}",
            "${param.throttle_alarm_threshold}",
        )
        .replace("${param.alarm_topic_arn}", "${resource.alerts.arn}");
    let alarm: serde_norway::Value = serde_norway::from_str(&alarm).expect("the alarm is YAML");
    edit_stack(&project, |doc| {
        let top = doc.as_mapping_mut().expect("the stack is a mapping");
        top.remove("modules");
        top.remove("moved");
        let resources = doc["resources"].as_mapping_mut().expect("resources");
        resources.retain(|k, _| k == "tools_table");
        resources.insert("table_throttles".into(), alarm);
        let extra: serde_norway::Value = serde_norway::from_str(&format!(
            r#"
alerts:
  type: sns_topic
  properties:
    name: ${{param.name_prefix}}-alerts
    kms_key_id: alias/aws/sns
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: cloudwatch-alarms
          Effect: Allow
          Principal: {{Service: cloudwatch.amazonaws.com}}
          Action: sns:Publish
          Resource: "*"
    tags: ${{param.tags}}
ops_email:
  type: sns_subscription
  properties:
    topic_arn: ${{resource.alerts.arn}}
    protocol: email
    endpoint: {EMAIL}
"#
        ))
        .expect("YAML");
        for (k, v) in extra.as_mapping().expect("mapping") {
            resources.insert(k.clone(), v.clone());
        }
        let alarm = &mut doc["resources"]["table_throttles"]["properties"];
        alarm["alarm_actions"] = serde_norway::from_str("['${resource.alerts.arn}']").unwrap();
        alarm["ok_actions"] = serde_norway::from_str("['${resource.alerts.arn}']").unwrap();
        doc["outputs"]
            .as_mapping_mut()
            .expect("outputs")
            .retain(|k, _| k.as_str().is_some_and(|k| k.starts_with("table_")));
    });
    bootstrap(moto, &project, "local");
    project
}

fn topic_arn() -> String {
    format!("arn:aws:sns:us-east-1:123456789012:{TOPIC}")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alarm_notifies_a_topic_with_a_subscription_and_drift_is_repaired() {
    let moto = Moto::start();
    let project = alerting(&moto);
    apply_dev(&moto, &project);
    let c = moto.clients().await;

    let attributes = c
        .sns
        .get_topic_attributes()
        .topic_arn(topic_arn())
        .send()
        .await
        .expect("the topic exists")
        .attributes
        .unwrap_or_default();
    assert_eq!(
        attributes.get("KmsMasterKeyId").map(String::as_str),
        Some("alias/aws/sns")
    );
    let policy: serde_json::Value =
        serde_json::from_str(attributes.get("Policy").expect("a policy")).unwrap();
    assert_eq!(
        policy["Statement"][0]["Principal"]["Service"],
        "cloudwatch.amazonaws.com"
    );
    let tags = c
        .sns
        .list_tags_for_resource()
        .resource_arn(topic_arn())
        .send()
        .await
        .unwrap();
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.key == "dtr:address" && t.value == "sns_topic.alerts"));
    let subscriptions = c
        .sns
        .list_subscriptions_by_topic()
        .topic_arn(topic_arn())
        .send()
        .await
        .unwrap();
    let endpoints: Vec<_> = subscriptions
        .subscriptions()
        .iter()
        .filter_map(|s| s.endpoint.clone())
        .collect();
    assert_eq!(endpoints, [EMAIL]);
    let alarm = c
        .cloudwatch
        .describe_alarms()
        .alarm_names("dtr-local-tools-table-throttles")
        .send()
        .await
        .unwrap();
    let alarm = &alarm.metric_alarms()[0];
    assert_eq!(alarm.alarm_actions(), [topic_arn()]);
    assert_eq!(alarm.ok_actions(), [topic_arn()]);
    assert_converged(&moto, &project, "local", "after the cold apply");

    // Drift behind dtr's back: the display name set, the subscription removed.
    c.sns
        .set_topic_attributes()
        .topic_arn(topic_arn())
        .attribute_name("DisplayName")
        .attribute_value("drifted")
        .send()
        .await
        .unwrap();
    let arn = subscriptions.subscriptions()[0]
        .subscription_arn
        .clone()
        .unwrap();
    c.sns
        .unsubscribe()
        .subscription_arn(&arn)
        .send()
        .await
        .unwrap();
    let plan = plan_dev(&moto, &project).expect_code(2);
    assert!(
        plan.stdout
            .contains("Plan: 1 to add, 1 to change, 0 to replace, 0 to destroy."),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("display_name"), "{}", plan.stdout);
    apply_dev(&moto, &project);
    assert_converged(&moto, &project, "local", "after the drift was repaired");
    let attributes = c
        .sns
        .get_topic_attributes()
        .topic_arn(topic_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(
        attributes
            .attributes
            .unwrap_or_default()
            .get("DisplayName")
            .map(String::as_str)
            .unwrap_or(""),
        ""
    );
    inventory::nothing_orphaned_or_duplicated(&moto, "after the repair").await;

    destroy_dev(&moto, &project).expect_code(0);
    let topics = c.sns.list_topics().send().await.unwrap();
    assert!(topics.topics().is_empty(), "{:?}", topics.topics());
    assert!(c
        .sns
        .list_subscriptions()
        .send()
        .await
        .unwrap()
        .subscriptions()
        .is_empty());
    assert!(
        c.dynamodb
            .describe_table()
            .table_name(TABLE)
            .send()
            .await
            .is_err(),
        "the table went too"
    );
}
