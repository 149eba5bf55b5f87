//! `moved` and `removed` entries (issue 12): a rename keeps the live resource and its data, the state
//! follows; a retirement with `destroy: false` keeps it in AWS and drops it from the state; every
//! plan that deletes data says so. Live results are checked through the SDK.

mod common;

use common::{dtr_run, local_state, Moto, Project};
use dtr::provider::aws::Clients;

const STACK: &str = "stacks/dynamic-tool-runtime/stack.yaml";
const API: &str = "stacks/dynamic-tool-runtime/modules/api.yaml";
const GROUP: &str = "/aws/apigateway/dtr-local-tools-api";
/// The stack's moved entries from before the split name the API module's log group and latency alarm
/// as their `to`; local was created after the split, so a test that renames or retires them drops
/// those entries (a chain, or a `to` no longer declared, would be refused).
const OLD_GROUP_ENTRY: &str =
    "  - {from: log_group.api_access_logs, to: \"module.api.log_group.access_logs\"}\n";
const OLD_ALARM_ENTRY: &str =
    "  - {from: metric_alarm.api_latency_p99, to: \"module.api.metric_alarm.latency_p99\"}\n";

/// The addresses local's state records (of either state format: a forget makes it format 2).
async fn state_addresses(c: &Clients) -> Vec<String> {
    let state = local_state(c).await;
    let resources = state["resources"].as_object().expect("resources");
    resources.keys().cloned().collect()
}

async fn creation_time(c: &Clients) -> i64 {
    let groups = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix(GROUP)
        .send()
        .await
        .expect("describe log groups");
    let group = groups.log_groups().first().expect("the log group exists");
    group.creation_time().expect("a creation time")
}

/// Rename every mention of `access_logs` in the API module (its key and the references to it).
fn rename_access_logs(project: &Project) {
    let text = project.read(API);
    assert!(text.contains("  access_logs:\n"));
    project.write(API, &text.replace("access_logs", "access_log_group"));
    project.edit(STACK, OLD_GROUP_ENTRY, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moved_entry_renames_the_address_and_keeps_the_log_group_and_its_events() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let c = moto.clients().await;
    let created = creation_time(&c).await;
    c.logs
        .create_log_stream()
        .log_group_name(GROUP)
        .log_stream_name("s")
        .send()
        .await
        .expect("create a log stream");
    let event = aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
        .timestamp(chrono_now_ms())
        .message("kept across the rename")
        .build()
        .expect("a log event");
    c.logs
        .put_log_events()
        .log_group_name(GROUP)
        .log_stream_name("s")
        .log_events(event)
        .send()
        .await
        .expect("put a log event");

    // Renamed without a moved entry: refused, naming the entry that would make it a rename.
    rename_access_logs(&project);
    let r = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(1);
    assert!(
        r.stderr.contains(
            "add to the stack: `moved: [{from: module.api.log_group.access_logs, to: module.api.log_group.access_log_group}]`"
        ),
        "{}",
        r.stderr
    );

    project.edit(
        STACK,
        "\nmoved:\n",
        "\nmoved:\n  - {from: module.api.log_group.access_logs, to: module.api.log_group.access_log_group}\n",
    );
    let r = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    )
    .expect_code(2);
    assert!(
        r.stdout.contains(
            "module.api.log_group.access_logs has moved to module.api.log_group.access_log_group"
        ),
        "{}",
        r.stdout
    );
    for word in [
        "will be created",
        "will be deleted",
        "must be replaced",
        "! deletes",
    ] {
        assert!(!r.stdout.contains(word), "{word}:\n{}", r.stdout);
    }
    // The address tag follows the rename: the only live change.
    assert!(
        r.stdout.contains(
            "~ tags.dtr:address: \"module.api.log_group.access_logs\" → \"module.api.log_group.access_log_group\""
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("1 to move."), "{}", r.stdout);
    let r = dtr_run(&moto, &project, &["plan", "--env", "local", "--json"]).expect_code(0);
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON plan");
    let moved: Vec<&serde_json::Value> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c.get("moved_from").is_some())
        .collect();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["moved_from"], "module.api.log_group.access_logs");
    assert_eq!(moved[0]["address"], "module.api.log_group.access_log_group");
    validate_schema(&plan);
    // The data-loss field (a delete's) is in the schema too.
    let mut with_loss = plan.clone();
    with_loss["changes"][0]["data_loss"] = "deletes the table t and every item in it".into();
    validate_schema(&with_loss);
    let r = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--format", "markdown"],
    )
    .expect_code(0);
    assert!(
        r.stdout
            .contains("`module.api.log_group.access_logs` has moved to `module.api.log_group.access_log_group`"),
        "{}",
        r.stdout
    );

    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(0);
    assert!(
        r.stderr.contains(
            "Complete apply: 0 added, 1 changed, 0 replaced, 0 destroyed, 1 moved (state only)."
        ),
        "{}",
        r.stderr
    );
    assert_eq!(creation_time(&c).await, created, "the same log group");
    let events = c
        .logs
        .get_log_events()
        .log_group_name(GROUP)
        .log_stream_name("s")
        .send()
        .await
        .expect("get log events");
    let messages: Vec<&str> = events.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(messages, ["kept across the rename"]);
    let addresses = state_addresses(&c).await;
    assert!(addresses.contains(&"module.api.log_group.access_log_group".to_string()));
    assert!(!addresses.contains(&"module.api.log_group.access_logs".to_string()));
    // Applied: no changes, and the entry left in the file is harmless.
    dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    )
    .expect_code(0);
}

/// Validate a JSON plan against `src/plan/plan.schema.json` with the test virtualenv's jsonschema.
fn validate_schema(plan: &serde_json::Value) {
    let venv = std::env::var("DTR_TEST_VENV").unwrap_or_else(|_| format!("{}/.venv", common::ROOT));
    let script = "import json,sys,jsonschema; jsonschema.validate(json.loads(sys.argv[2]), json.load(open(sys.argv[1])))";
    let out = std::process::Command::new(format!("{venv}/bin/python"))
        .args(["-c", script])
        .arg(format!("{}/src/plan/plan.schema.json", common::ROOT))
        .arg(plan.to_string())
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "schema validation failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn chrono_now_ms() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map(|d| d.as_millis() as i64).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removed_entry_without_destroy_forgets_and_keeps_the_resource() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let api = project.read(API);
    let start = api.find("  latency_p99:\n").expect("the alarm");
    let end = start + api[start..].find("\n\n").expect("its end") + 1;
    project.write(API, &format!("{}{}", &api[..start], &api[end..]));
    project.edit(STACK, OLD_ALARM_ENTRY, "");
    project.edit(
        STACK,
        "\noutputs:\n",
        "removed:\n  - {from: module.api.metric_alarm.latency_p99, destroy: false}\n\noutputs:\n",
    );
    let r = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    )
    .expect_code(2);
    assert!(
        r.stdout.contains(
            "module.api.metric_alarm.latency_p99 [dtr-local-tools-api-latency-p99] will be forgotten, not destroyed"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("0 to destroy, 1 to forget."),
        "{}",
        r.stdout
    );
    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(0);
    assert!(
        r.stderr.contains("1 forgotten (kept in AWS)"),
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
    assert_eq!(alarms.metric_alarms().len(), 1, "the alarm is still there");
    let addresses = state_addresses(&c).await;
    assert!(!addresses.contains(&"module.api.metric_alarm.latency_p99".to_string()));
    assert_eq!(addresses.len(), 37);
    // Remembered as forgotten, as `dtr state rm` does: its dtr tags cannot make a plan adopt it.
    let state = local_state(&c).await;
    assert_eq!(
        state["forgotten"]["module.api.metric_alarm.latency_p99"],
        "dtr-local-tools-api-latency-p99"
    );
    dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    )
    .expect_code(0);

    // Destroying the environment says what data goes with it, and leaves the forgotten alarm.
    let r = dtr_run(
        &moto,
        &project,
        &["destroy", "--env", "local", "--auto-approve"],
    )
    .expect_code(0);
    for loss in [
        "! deletes the table dtr-local-tools and every item in it",
        "! deletes the log group /aws/lambda/dtr-local-monitoring and every event in it",
        "! deletes the bucket ",
    ] {
        assert!(r.stdout.contains(loss), "{loss}:\n{}", r.stdout);
    }
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_names("dtr-local-tools-api-latency-p99")
        .send()
        .await
        .expect("describe alarms");
    assert_eq!(
        alarms.metric_alarms().len(),
        1,
        "forgotten, so never deleted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_moved_entry_is_a_located_configuration_error() {
    let moto = Moto::start();
    let project = Project::copy();
    // The stack already has a moved list: the bad entry goes first in it.
    let text = project.read(STACK);
    let list = text
        .lines()
        .position(|l| l == "moved:")
        .expect("the stack's moved list");
    project.edit(
        STACK,
        "\nmoved:\n",
        "\nmoved:\n  - {from: log_group.old_logs, to: s3_bucket.artifacts_bucket}\n",
    );
    let r = dtr_run(&moto, &project, &["validate", "--env", "local"]).expect_code(1);
    let at = format!("{STACK}:{}:", list + 2);
    assert!(
        r.stderr.contains(&at)
            && r.stderr
                .contains("a move cannot change a resource's type (log_group → s3_bucket)"),
        "{at}\n{}",
        r.stderr
    );
}
