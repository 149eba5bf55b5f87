//! `schedule_group` and `schedule`: EventBridge Scheduler invokes the Monitoring function every five
//! minutes as a role that trusts the scheduler and may invoke that function alone. Deployed to env
//! `local`; checked through the SDK; drift on the schedule and on the group's tags is shown and
//! repaired; destroy removes both. The test declares its own group, schedule and role, with every
//! setting the kinds have (input, flexible window), beside the shipped `module.monitoring_schedule`
//! and under names of their own: two groups, and a schedule in each, live side by side.

mod common;

use common::table::edit_stack;
use common::*;
use std::collections::BTreeMap;

const ENV: &str = "local";
const GROUP: &str = "dtr-local-metrics-schedules";
const SCHEDULE: &str = "metrics";
const FUNCTION: &str = "dtr-local-monitoring";
const ROLE: &str = "dtr-local-scheduler";

/// A group, a schedule and its role, besides the shipped `module.monitoring_schedule`.
const SCHEDULE_YAML: &str = r#"
scheduler_role:
  type: iam_role
  properties:
    name: ${param.name_prefix}-scheduler
    description: "EventBridge Scheduler: invokes the Monitoring function on its schedule."
    assume_role_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {Service: scheduler.amazonaws.com}
          Action: "sts:AssumeRole"
          Condition: {StringEquals: {"aws:SourceArn": "${resource.metrics_schedules.arn}"}}
    inline_policies:
      invoke-monitoring:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: lambda:InvokeFunction
            Resource: ["${module.monitoring.arn}", "${module.monitoring.arn}:*"]
    tags: ${param.tags}
metrics_schedules:
  type: schedule_group
  properties:
    name: ${param.name_prefix}-metrics-schedules
    tags: ${param.tags}
metrics_schedule:
  type: schedule
  properties:
    name: metrics
    group: ${resource.metrics_schedules.name}
    description: Publishes the tool and artifact metrics the dashboard shows.
    schedule_expression: rate(5 minutes)
    flexible_window_minutes: 1
    target:
      arn: ${module.monitoring.arn}
      role_arn: ${resource.scheduler_role.arn}
      input: {source: schedule, detail: {metrics: [tools, artifacts]}}
      retry: {maximum_attempts: 2, maximum_event_age_seconds: 3600}
"#;

/// The Monitoring function with what it reads, the shipped schedule and the test's own; bootstrapped.
fn scheduled(moto: &Moto) -> Project {
    let project = with_schedule(SCHEDULE_YAML);
    bootstrap(moto, &project, ENV);
    project
}

/// A private project whose stack is the Monitoring function with what it reads and the shipped
/// schedule that invokes it, plus `yaml`.
fn with_schedule(yaml: &str) -> Project {
    let project = Project::copy();
    edit_stack(&project, |doc| {
        let keep = ["tools_table", "artifacts_bucket", "alerts"];
        let resources = doc["resources"].as_mapping_mut().expect("resources");
        resources.retain(|k, _| k.as_str().is_some_and(|k| keep.contains(&k)));
        let modules = ["monitoring", "monitoring_schedule"];
        doc["modules"]
            .as_mapping_mut()
            .expect("modules")
            .retain(|k, _| k.as_str().is_some_and(|k| modules.contains(&k)));
        // Nothing was applied before the split in this project.
        doc.as_mapping_mut().expect("a mapping").remove("moved");
        let resources = doc["resources"].as_mapping_mut().expect("resources");
        let extra: serde_norway::Value = serde_norway::from_str(yaml).expect("YAML");
        for (k, v) in extra.as_mapping().expect("mapping") {
            resources.insert(k.clone(), v.clone());
        }
        doc["outputs"]
            .as_mapping_mut()
            .expect("outputs")
            .retain(|k, _| k.as_str() == Some("monitoring_arn"));
    });
    project
}

fn plan(moto: &Moto, project: &Project) -> Run {
    dtr_run(
        moto,
        project,
        &["plan", "--env", ENV, "--detailed-exitcode"],
    )
}

fn group_arn() -> String {
    format!("arn:aws:scheduler:us-east-1:123456789012:schedule-group/{GROUP}")
}

async fn group_tags(c: &dtr::provider::aws::Clients) -> BTreeMap<String, String> {
    let tags = c
        .scheduler
        .list_tags_for_resource()
        .resource_arn(group_arn())
        .send()
        .await
        .expect("the group's tags");
    tags.tags()
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

async fn schedule(
    c: &dtr::provider::aws::Clients,
) -> aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput {
    c.scheduler
        .get_schedule()
        .group_name(GROUP)
        .name(SCHEDULE)
        .send()
        .await
        .expect("the schedule exists")
}

#[test]
fn a_bad_expression_and_state_are_reported_where_they_are_written() {
    let yaml = SCHEDULE_YAML
        .replace("rate(5 minutes)", "rate(5 fortnights)")
        .replace("flexible_window_minutes: 1", "state: PAUSED");
    let project = with_schedule(&yaml);
    let r = run(std::process::Command::new(env!("CARGO_BIN_EXE_dtr"))
        .args(["validate", "--env", ENV, "--chdir"])
        .arg(project.dir.path())
        .env_remove("AWS_ENDPOINT_URL"))
    .expect_code(1);
    for problem in [
        "schedule_expression: `rate(5 fortnights)` is not rate(",
        "state: `PAUSED` is not one of ENABLED, DISABLED",
    ] {
        assert!(r.stderr.contains(problem), "{problem}: {}", r.stderr);
    }
    assert!(r.stderr.contains("stack.yaml:"), "located: {}", r.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_schedule_invokes_monitoring_as_its_role_and_destroy_removes_it() {
    let moto = Moto::start();
    let project = scheduled(&moto);
    apply(&moto, &project, ENV);
    let c = moto.clients().await;

    let function = c
        .lambda
        .get_function()
        .function_name(FUNCTION)
        .send()
        .await
        .expect("the function");
    let function_arn = function
        .configuration()
        .and_then(|f| f.function_arn())
        .expect("its ARN")
        .to_string();
    let role = c.iam.get_role().role_name(ROLE).send().await.expect("role");
    let role = role.role().expect("the role");

    let s = schedule(&c).await;
    let target = s.target().expect("a target");
    assert_eq!(
        target.arn(),
        function_arn,
        "the schedule invokes Monitoring"
    );
    assert_eq!(target.role_arn(), role.arn(), "as the scheduler role");
    assert_eq!(s.schedule_expression(), Some("rate(5 minutes)"));
    assert_eq!(s.state().map(|s| s.as_str()), Some("ENABLED"));
    let input: serde_json::Value =
        serde_json::from_str(target.input().expect("an input")).expect("JSON input");
    assert_eq!(
        input,
        serde_json::json!({"source": "schedule", "detail": {"metrics": ["tools", "artifacts"]}})
    );
    let retry = target.retry_policy().expect("a retry policy");
    assert_eq!(retry.maximum_retry_attempts(), Some(2));
    assert_eq!(retry.maximum_event_age_in_seconds(), Some(3600));
    let window = s.flexible_time_window().expect("a time window");
    assert_eq!(window.mode().as_str(), "FLEXIBLE");
    assert_eq!(window.maximum_window_in_minutes(), Some(1));

    // The role trusts the scheduler, from this group only, and may invoke Monitoring alone.
    let trust = percent_encoding::percent_decode_str(role.assume_role_policy_document().unwrap())
        .decode_utf8()
        .expect("UTF-8")
        .to_string();
    let trust: serde_json::Value = serde_json::from_str(&trust).expect("trust JSON");
    let statement = &trust["Statement"][0];
    assert_eq!(statement["Principal"]["Service"], "scheduler.amazonaws.com");
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:SourceArn"],
        group_arn()
    );
    let policy = c
        .iam
        .get_role_policy()
        .role_name(ROLE)
        .policy_name("invoke-monitoring")
        .send()
        .await
        .expect("the inline policy");
    let policy = percent_encoding::percent_decode_str(policy.policy_document())
        .decode_utf8()
        .expect("UTF-8")
        .to_string();
    let policy: serde_json::Value = serde_json::from_str(&policy).expect("policy JSON");
    assert_eq!(policy["Statement"][0]["Action"], "lambda:InvokeFunction");
    assert_eq!(
        policy["Statement"][0]["Resource"],
        serde_json::json!([function_arn, format!("{function_arn}:*")])
    );
    // Scheduler needs no resource-based permission on the function (the role is the grant).
    assert!(c
        .lambda
        .get_policy()
        .function_name(FUNCTION)
        .send()
        .await
        .is_err());

    let tags = group_tags(&c).await;
    assert_eq!(
        tags.get("dtr:address").map(String::as_str),
        Some("schedule_group.metrics_schedules")
    );
    assert_eq!(tags.get("team").map(String::as_str), Some("agents"));
    assert_converged(&moto, &project, ENV, "after the cold apply");
    let shipped = c
        .scheduler
        .get_schedule()
        .group_name("dtr-local-schedules")
        .name("monitoring")
        .send()
        .await
        .expect("the shipped schedule, in its own group");
    assert_eq!(
        shipped.target().map(|t| t.arn()),
        Some(function_arn.as_str())
    );

    dtr_run(
        &moto,
        &project,
        &["destroy", "--env", ENV, "--auto-approve"],
    )
    .expect_code(0);
    let groups = c.scheduler.list_schedule_groups().send().await.unwrap();
    let names: Vec<_> = groups
        .schedule_groups()
        .iter()
        .filter_map(|g| g.name())
        .collect();
    assert_eq!(
        names,
        ["default"],
        "only the account's default group is left"
    );
    let schedules = c.scheduler.list_schedules().send().await.unwrap();
    assert!(schedules.schedules().is_empty(), "{schedules:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_on_the_schedule_and_the_group_tags_is_shown_and_repaired() {
    let moto = Moto::start();
    let project = scheduled(&moto);
    apply(&moto, &project, ENV);
    let c = moto.clients().await;
    let before = schedule(&c).await;
    let target = before.target().expect("a target");

    // Behind dtr's back: another expression, disabled, another target and no retries; the group
    // loses a tag and gains one.
    let drifted = aws_sdk_scheduler::types::Target::builder()
        .arn("arn:aws:lambda:us-east-1:123456789012:function:someone-else")
        .role_arn(target.role_arn())
        .input("{}")
        .build()
        .unwrap();
    c.scheduler
        .update_schedule()
        .group_name(GROUP)
        .name(SCHEDULE)
        .schedule_expression("rate(1 hour)")
        .state(aws_sdk_scheduler::types::ScheduleState::Disabled)
        .flexible_time_window(
            aws_sdk_scheduler::types::FlexibleTimeWindow::builder()
                .mode(aws_sdk_scheduler::types::FlexibleTimeWindowMode::Off)
                .build()
                .unwrap(),
        )
        .target(drifted)
        .send()
        .await
        .unwrap();
    c.scheduler
        .untag_resource()
        .resource_arn(group_arn())
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    c.scheduler
        .tag_resource()
        .resource_arn(group_arn())
        .tags(
            aws_sdk_scheduler::types::Tag::builder()
                .key("rogue")
                .value("yes")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let shown = plan(&moto, &project).expect_code(2);
    assert!(
        shown
            .stdout
            .contains("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy."),
        "{}",
        shown.stdout
    );
    for change in [
        r#"~ schedule_expression: "rate(1 hour)" → "rate(5 minutes)""#,
        r#"~ state: "DISABLED" → "ENABLED""#,
        "+ flexible_window_minutes = 1",
        "function:someone-else\" → \"arn:aws:lambda:us-east-1:123456789012:function:dtr-local-monitoring",
        "~ target.retry.maximum_attempts: 185 → 2",
        r#"- tags.rogue = "yes""#,
        r#"+ tags.team = "agents""#,
    ] {
        assert!(shown.stdout.contains(change), "{change}: {}", shown.stdout);
    }
    apply(&moto, &project, ENV);
    assert_converged(&moto, &project, ENV, "after the drift was repaired");

    let after = schedule(&c).await;
    assert_eq!(after.schedule_expression(), Some("rate(5 minutes)"));
    assert_eq!(after.state().map(|s| s.as_str()), Some("ENABLED"));
    let repaired = after.target().expect("a target");
    assert_eq!(repaired.arn(), target.arn(), "Monitoring again");
    assert_eq!(repaired.input(), target.input());
    assert_eq!(
        repaired
            .retry_policy()
            .and_then(|r| r.maximum_retry_attempts()),
        Some(2)
    );
    assert_eq!(
        after
            .flexible_time_window()
            .and_then(|w| w.maximum_window_in_minutes()),
        Some(1)
    );
    let tags = group_tags(&c).await;
    assert_eq!(tags.get("team").map(String::as_str), Some("agents"));
    assert!(!tags.contains_key("rogue"), "{tags:?}");
}

/// What Scheduler answers while a role created this run has not reached it yet (IAM is eventually
/// consistent): the create waits it out instead of failing the apply.
#[tokio::test(flavor = "multi_thread")]
async fn a_schedule_created_before_its_role_propagated_is_retried() {
    let moto = Moto::start();
    let project = scheduled(&moto);
    moto.inject_faults(serde_json::json!([{
        "match": "POST /schedules/metrics", "status": 400, "code": "ValidationException",
        "message": "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.",
        "format": "json", "times": 2
    }]));
    apply(&moto, &project, ENV);
    assert_eq!(moto.fault_rules()[0]["hits"], 2, "both refusals were met");
    let s = schedule(&moto.clients().await).await;
    assert_eq!(s.schedule_expression(), Some("rate(5 minutes)"));
}
