//! `dtr state list|show|rm` and the import guard: the state is read and edited without touching
//! AWS, a forgotten resource stays live (checked through the SDK) and is not silently adopted again,
//! and one physical id is never owned by two addresses of one kind.

mod common;

use common::{dtr_run, local_state_bytes, Moto};
use dtr::provider::aws::Clients;
use serde_json::Value;

const LOGS: &str = "module.monitoring.log_group.logs";
const LOGS_ID: &str = "/aws/lambda/dtr-local-monitoring";

async fn log_group_exists(c: &Clients, name: &str) -> bool {
    let groups = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .expect("describe log groups");
    groups
        .log_groups()
        .iter()
        .any(|g| g.log_group_name() == Some(name))
}

async fn lock_items(c: &Clients) -> usize {
    let scan = c
        .dynamodb
        .scan()
        .table_name("dtr-locks")
        .send()
        .await
        .expect("scan the lock table");
    scan.items().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn state_list_and_show_print_what_the_state_records() {
    let moto = Moto::start();
    let project = common::deployed(&moto);

    let r = dtr_run(&moto, &project, &["state", "list", "--env", "local"]).expect_code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 38, "{}", r.stdout);
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "sorted");
    assert!(lines.contains(&LOGS), "{}", r.stdout);

    let r = dtr_run(
        &moto,
        &project,
        &["state", "list", "--env", "local", "--json"],
    )
    .expect_code(0);
    let listed: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let resources = listed["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), 38);
    let logs = resources
        .iter()
        .find(|r| r["address"] == LOGS)
        .expect("the log group is listed");
    assert_eq!(logs["kind"], "log_group");
    assert_eq!(logs["physical_id"], LOGS_ID);

    let show = [
        "state",
        "show",
        "--env",
        "local",
        "module.monitoring.lambda_function.function",
    ];
    let r = dtr_run(&moto, &project, &[&show[..], &["--json"]].concat()).expect_code(0);
    let shown: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(shown["physical_id"], "dtr-local-monitoring");
    assert_eq!(shown["force_destroy"], false);
    let deps: Vec<&str> = shown["depends_on"]
        .as_array()
        .expect("depends_on")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        deps.contains(&"module.monitoring.iam_role.role"),
        "{deps:?}"
    );
    assert!(deps.contains(&LOGS), "{deps:?}");
    let arn = shown["outputs"]["arn"].as_str().expect("an arn output");
    assert!(arn.ends_with(":function:dtr-local-monitoring"), "{arn}");

    let r = dtr_run(&moto, &project, &show).expect_code(0);
    assert!(
        r.stdout.starts_with(
            "# module.monitoring.lambda_function.function\nphysical_id   = dtr-local-monitoring\n"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\n  arn "), "{}", r.stdout);

    let r = dtr_run(
        &moto,
        &project,
        &["state", "show", "--env", "local", "log_group.nope"],
    )
    .expect_code(1);
    assert!(
        r.stderr
            .contains("the state of local has no log_group.nope"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn state_rm_forgets_under_the_lock_and_keeps_the_resource() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let c = moto.clients().await;
    let before = local_state_bytes(&c).await.expect("the local state object");

    // Like apply: without a terminal it needs --auto-approve.
    let rm = ["state", "rm", "--env", "local", LOGS];
    let r = dtr_run(&moto, &project, &rm).expect_code(1);
    assert!(r.stderr.contains("--auto-approve"), "{}", r.stderr);
    // One address not in the state: an error naming it, and nothing forgotten.
    let r = dtr_run(
        &moto,
        &project,
        &[&rm[..], &["log_group.nope", "--auto-approve"]].concat(),
    )
    .expect_code(1);
    assert!(
        r.stderr
            .contains("has no log_group.nope; nothing was changed"),
        "{}",
        r.stderr
    );
    assert_eq!(
        local_state_bytes(&c).await.expect("the local state object"),
        before,
        "nothing was forgotten"
    );

    let r = dtr_run(&moto, &project, &[&rm[..], &["--auto-approve"]].concat()).expect_code(0);
    assert!(
        r.stdout.contains(&format!("Forgot {LOGS} ({LOGS_ID})."))
            && r.stdout.contains("Nothing in AWS was touched"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("state lock acquired") && r.stderr.contains("still declared"),
        "{}",
        r.stderr
    );
    assert!(log_group_exists(&c, LOGS_ID).await, "the log group is kept");
    assert_eq!(lock_items(&c).await, 0, "the lock is released");
    let state: Value =
        serde_json::from_slice(&local_state_bytes(&c).await.expect("the local state object"))
            .expect("state JSON");
    assert!(state["resources"].get(LOGS).is_none(), "{state}");
    assert_eq!(state["forgotten"][LOGS], LOGS_ID, "{state}");
    // A dtr that cannot read `forgotten` (or `applied`) refuses the state as too new, not as corrupt.
    assert_eq!(state["format_version"], 3);
    assert_eq!(state["resources"].as_object().map(|r| r.len()), Some(37));
    let r = dtr_run(&moto, &project, &["state", "list", "--env", "local"]).expect_code(0);
    assert!(!r.stdout.lines().any(|l| l == LOGS), "{}", r.stdout);

    // Still declared and still carrying this environment's tags: the plan does not adopt it again
    // (that would undo the rm), and cannot create it (its name is taken); it says so and what to do.
    let r = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(1);
    assert!(
        r.stderr.contains(&format!(
            "{LOGS}: {LOGS_ID} was forgotten by `dtr state rm` and still exists"
        )) && r
            .stderr
            .contains(&format!("`dtr import --env local {LOGS} {LOGS_ID}`")),
        "{}",
        r.stderr
    );
    assert!(log_group_exists(&c, LOGS_ID).await);

    // Adopted again on purpose, it is managed as before.
    dtr_run(
        &moto,
        &project,
        &["import", "--env", "local", LOGS, LOGS_ID],
    )
    .expect_code(0);
    dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    )
    .expect_code(0);
    let state: Value =
        serde_json::from_slice(&local_state_bytes(&c).await.expect("the local state object"))
            .expect("state JSON");
    assert!(state.get("forgotten").is_none(), "{state}");
    assert_eq!(
        state["format_version"], 3,
        "no `forgotten` left; the digests of what was applied need format 3"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_refuses_an_id_another_address_owns() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let c = moto.clients().await;
    let other = "module.authorizer.log_group.logs";
    dtr_run(
        &moto,
        &project,
        &["state", "rm", "--env", "local", other, "--auto-approve"],
    )
    .expect_code(0);
    let before = local_state_bytes(&c).await.expect("the local state object");

    let r = dtr_run(
        &moto,
        &project,
        &["import", "--env", "local", other, LOGS_ID],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains(&format!(
            "{LOGS_ID} is already managed as {LOGS}; nothing was imported"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(
        local_state_bytes(&c).await.expect("the local state object"),
        before,
        "no state write"
    );
    assert_eq!(lock_items(&c).await, 0, "the lock is released");

    // Its own id imports.
    dtr_run(
        &moto,
        &project,
        &[
            "import",
            "--env",
            "local",
            other,
            "/aws/lambda/dtr-local-authorizer",
        ],
    )
    .expect_code(0);
}
