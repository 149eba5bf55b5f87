//! The shipped stack split into modules (issue 13): an environment applied with the flat stack of
//! before (tests/fixtures/stack-before-modules.yaml) takes the module layout through the stack's
//! `moved` entries with nothing replaced or deleted, then converges; a cold apply of `local` wires
//! every alarm to the alert topic and schedules Monitoring. Live results are checked through the SDK.

mod common;

use common::{apply, assert_converged, bootstrap, dtr_run, local_state_addresses, Moto, Project};
use serde_json::Value;

const STACK: &str = "stacks/dynamic-tool-runtime/stack.yaml";
const ENV: &str = "environments/local.yaml";

/// The project as it was before the split: the flat stack, and local's file without the parameters
/// only the new stack declares.
fn before_the_split(project: &Project) -> (String, String) {
    let (stack, env) = (project.read(STACK), project.read(ENV));
    let old = std::fs::read_to_string(format!(
        "{}/tests/fixtures/stack-before-modules.yaml",
        common::ROOT
    ))
    .expect("the flat stack");
    project.write(STACK, &old);
    let mut lines = env.lines().peekable();
    let mut kept = String::new();
    while let Some(line) = lines.next() {
        if line.starts_with("  alert_subscriptions:") {
            while lines.peek().is_some_and(|l| l.starts_with("    ")) {
                lines.next();
            }
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    project.write(ENV, &kept);
    (stack, env)
}

fn changes(plan: &Value) -> Vec<(String, String, Option<String>)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap_or_default().to_string(),
                c["action"].as_str().unwrap_or_default().to_string(),
                c["moved_from"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_applied_before_the_split_takes_the_modules_with_nothing_replaced_or_deleted(
) {
    let moto = Moto::start();
    let project = Project::copy();
    let (stack, env) = before_the_split(&project);
    bootstrap(&moto, &project, "local");
    apply(&moto, &project, "local");
    let c = moto.clients().await;
    let before = local_state_addresses(&c).await;
    assert_eq!(before.len(), 33, "{before:?}");

    project.write(STACK, &stack);
    project.write(ENV, &env);
    let plan = dtr_run(&moto, &project, &["plan", "--env", "local", "--json"]).expect_code(0);
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    let all = changes(&plan);
    let moved: Vec<_> = all.iter().filter(|(_, _, from)| from.is_some()).collect();
    assert_eq!(
        moved.len(),
        31,
        "every resource but the table and the bucket moves: {all:#?}"
    );
    for (address, action, _) in &all {
        assert!(
            matches!(action.as_str(), "no_op" | "update" | "create"),
            "{address}: {action}: nothing is replaced or deleted\n{all:#?}"
        );
    }
    let mut created: Vec<&str> = all
        .iter()
        .filter(|(_, action, _)| action == "create")
        .map(|(address, _, _)| address.as_str())
        .collect();
    created.sort();
    assert_eq!(
        created,
        [
            "module.monitoring_schedule.iam_role.role",
            "module.monitoring_schedule.schedule.run",
            "module.monitoring_schedule.schedule_group.group",
            "sns_subscription.alert_subscription[\"oncall\"]",
            "sns_topic.alerts",
        ],
        "only what the split adds is created"
    );

    apply(&moto, &project, "local");
    assert_converged(&moto, &project, "local", "after taking the module layout");
    let after = local_state_addresses(&c).await;
    for (from, to) in moved
        .iter()
        .map(|(to, _, from)| (from.as_deref().unwrap_or_default(), to))
    {
        assert!(
            !after.iter().any(|a| a == from),
            "{from} is gone from the state"
        );
        assert!(after.iter().any(|a| a == to), "{to} is in the state");
    }
    // The live resources are the ones created before: the function was never replaced.
    let functions = c
        .lambda
        .list_functions()
        .send()
        .await
        .expect("list functions");
    assert_eq!(functions.functions().len(), 3);
}

/// A cold apply of `env` (in its own account on the local endpoint) converges, sends every alarm's
/// ALARM and OK to the environment's topic, reads the table's throttling where DynamoDB publishes
/// it, and schedules Monitoring as a role that may invoke it.
async fn a_cold_apply_wires_alarms_and_the_schedule(
    env: &str,
    account: Option<&str>,
    subscriptions: usize,
) {
    let moto = Moto::start_for_account(account);
    let project = Project::copy();
    bootstrap(&moto, &project, env);
    apply(&moto, &project, env);
    assert_converged(&moto, &project, env, "after a cold apply");
    let c = moto.clients().await;
    let prefix = format!("dtr-{env}");
    let topics = c.sns.list_topics().send().await.expect("list topics");
    let topic = topics
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn())
        .find(|arn| arn.ends_with(&format!(":{prefix}-alerts")))
        .expect("the alert topic")
        .to_string();
    let subs = c
        .sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("subscriptions");
    assert_eq!(subs.subscriptions().len(), subscriptions, "{subs:?}");

    let alarms = c.cloudwatch.describe_alarms().send().await.expect("alarms");
    assert_eq!(alarms.metric_alarms().len(), 9);
    for alarm in alarms.metric_alarms() {
        let name = alarm.alarm_name().unwrap_or_default();
        assert_eq!(
            alarm.alarm_actions(),
            std::slice::from_ref(&topic),
            "{name}: ALARM notifies"
        );
        assert_eq!(
            alarm.ok_actions(),
            std::slice::from_ref(&topic),
            "{name}: OK notifies"
        );
    }
    // The table's throttling is read where DynamoDB publishes it: per table and operation.
    let table = alarms
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some(&format!("{prefix}-tools-table-throttles")))
        .expect("the table throttle alarm");
    let queries = table.metrics();
    assert!(queries.len() >= 2, "{queries:?}");
    for query in queries.iter().filter_map(|q| q.metric_stat()) {
        let metric = query.metric().expect("a metric");
        assert_eq!(metric.metric_name(), Some("ThrottledRequests"));
        let mut names: Vec<&str> = metric
            .dimensions()
            .iter()
            .filter_map(|d| d.name())
            .collect();
        names.sort();
        assert_eq!(names, ["Operation", "TableName"], "{metric:?}");
    }

    // Monitoring runs on a schedule, as a role that may invoke it.
    let schedule = c
        .scheduler
        .get_schedule()
        .group_name(format!("{prefix}-schedules"))
        .name("monitoring")
        .send()
        .await
        .expect("the schedule");
    let target = schedule.target().expect("a target");
    assert!(
        target
            .arn()
            .ends_with(&format!(":function:{prefix}-monitoring")),
        "{target:?}"
    );
    let role = target.role_arn().rsplit('/').next().unwrap_or_default();
    let policy = c
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name("invoke")
        .send()
        .await
        .expect("the schedule role's policy");
    let document = percent_encoding::percent_decode_str(policy.policy_document())
        .decode_utf8_lossy()
        .into_owned();
    assert!(
        document.contains("lambda:InvokeFunction") && document.contains(target.arn()),
        "{document}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cold_apply_of_local_wires_alarms_and_the_schedule() {
    a_cold_apply_wires_alarms_and_the_schedule("local", None, 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cold_apply_of_staging_wires_alarms_and_the_schedule() {
    a_cold_apply_wires_alarms_and_the_schedule("staging", Some("210987654321"), 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cold_apply_of_prod_wires_alarms_and_the_schedule() {
    a_cold_apply_wires_alarms_and_the_schedule("prod", Some("345678901234"), 2).await;
}
