//! Saved plans carry `moved` and `removed` entries (issue 12): `dtr plan --out` records the rename
//! and the retirement, `dtr apply <file>` carries them out, and a plan saved before an entry changed
//! is refused, changing nothing.

mod common;

use common::{dtr_run, Moto, Project};

const STACK: &str = "stacks/dynamic-tool-runtime/stack.yaml";
const API: &str = "stacks/dynamic-tool-runtime/modules/api.yaml";

/// local with the API module's `access_logs` log group renamed through a moved entry, and its
/// `latency_p99` alarm retired through a removed entry with `destroy: false`. The stack's moved
/// entries from before the split name both as their `to`: the rename takes the access log group's
/// entry over (no chains), and the retired alarm's entry goes with it.
fn rename_and_retire(project: &Project) {
    let destroy = false;
    let api = project.read(API).replace("access_logs", "access_log_group");
    let start = api.find("  latency_p99:\n").expect("the alarm");
    let end = start + api[start..].find("\n\n").expect("its end") + 1;
    project.write(API, &format!("{}{}", &api[..start], &api[end..]));
    project.edit(
        STACK,
        "  - {from: log_group.api_access_logs, to: \"module.api.log_group.access_logs\"}\n",
        "  - {from: module.api.log_group.access_logs, to: module.api.log_group.access_log_group}\n",
    );
    project.edit(
        STACK,
        "  - {from: metric_alarm.api_latency_p99, to: \"module.api.metric_alarm.latency_p99\"}\n",
        "",
    );
    project.edit(
        STACK,
        "\noutputs:\n",
        &format!("removed:\n  - {{from: module.api.metric_alarm.latency_p99, destroy: {destroy}}}\n\noutputs:\n"),
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
        .any(|c| c["moved_from"] == "module.api.log_group.access_logs"));
    assert!(changes
        .iter()
        .any(|c| c["action"] == "forget" && c["address"] == "module.api.metric_alarm.latency_p99"));

    dtr_run(&moto, &project, &["apply", &path, "--env", "local"]).expect_code(0);
    let c = moto.clients().await;
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_names("dtr-local-tools-api-latency-p99")
        .send()
        .await
        .expect("describe alarms");
    assert_eq!(alarms.metric_alarms().len(), 1, "forgotten, not deleted");
    let groups = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/apigateway/dtr-local-tools-api")
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
        .alarm_names("dtr-local-tools-api-latency-p99")
        .send()
        .await
        .expect("describe alarms");
    assert_eq!(alarms.metric_alarms().len(), 1, "nothing was applied");
}
