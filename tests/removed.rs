//! Saved plans carry `moved` and `removed` entries (issue 12): `dtr plan --out` records the rename
//! and the retirement, `dtr apply <file>` carries them out, and a plan saved before an entry changed
//! is refused, changing nothing.

mod common;

use common::{dtr_run, Moto, Project};

const STACK: &str = "stacks/dynamic-tool-runtime/stack.yaml";

/// local with `monitoring_logs` renamed through a moved entry, and the `monitoring_throttles` alarm
/// retired through a removed entry with `destroy: false`.
fn rename_and_retire(project: &Project) {
    let destroy = false;
    let text = project
        .read(STACK)
        .replace("monitoring_logs", "monitoring_log_group");
    let start = text.find("  monitoring_throttles:\n").expect("the alarm");
    let end = start + text[start..].find("\n\n").expect("its end") + 2;
    project.write(
        STACK,
        &format!(
            "{}{}\nmoved:\n  - {{from: log_group.monitoring_logs, to: log_group.monitoring_log_group}}\nremoved:\n  - {{from: metric_alarm.monitoring_throttles, destroy: {destroy}}}\n",
            &text[..start],
            &text[end..]
        ),
    );
}

fn save(moto: &Moto, project: &Project) -> String {
    let path = project.path("plan.json");
    let path = path.to_str().expect("a UTF-8 path").to_string();
    dtr_run(moto, project, &["plan", "--env", "local", "--out", &path]).expect_code(0);
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_carries_moves_and_forgets_and_apply_carries_them_out() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    rename_and_retire(&project);
    let path = save(&moto, &project);
    let saved: serde_json::Value =
        serde_json::from_str(&project.read("plan.json")).expect("saved plan JSON");
    let changes = saved["plan"]["changes"].as_array().expect("changes");
    assert!(changes
        .iter()
        .any(|c| c["moved_from"] == "log_group.monitoring_logs"));
    assert!(changes
        .iter()
        .any(|c| c["action"] == "forget" && c["address"] == "metric_alarm.monitoring_throttles"));

    dtr_run(&moto, &project, &["apply", &path, "--env", "local"]).expect_code(0);
    let c = moto.clients().await;
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_names("dtr-local-monitoring-throttles")
        .send()
        .await
        .expect("describe alarms");
    assert_eq!(alarms.metric_alarms().len(), 1, "forgotten, not deleted");
    let groups = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/dtr-local-monitoring")
        .send()
        .await
        .expect("describe log groups");
    assert_eq!(groups.log_groups().len(), 1, "renamed, not recreated");
    dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    )
    .expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_is_refused_when_a_removed_entry_changed_since() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    rename_and_retire(&project);
    let path = save(&moto, &project);
    // Now the entry asks for a delete: the plan that forgets is stale.
    project.edit(STACK, "destroy: false", "destroy: true");
    let r = dtr_run(&moto, &project, &["apply", &path, "--env", "local"]).expect_code(1);
    // The entries are part of the configuration's fingerprint: refused as stale, not as a diff.
    assert!(
        r.stderr
            .contains("is stale and was not applied: the configuration changed"),
        "{}",
        r.stderr
    );
    let c = moto.clients().await;
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_names("dtr-local-monitoring-throttles")
        .send()
        .await
        .expect("describe alarms");
    assert_eq!(alarms.metric_alarms().len(), 1, "nothing was applied");
}
