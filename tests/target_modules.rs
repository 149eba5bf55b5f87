//! `--target` names a module instance or every instance of a `for_each` resource, as Terraform's
//! `-target=module.x` does (issue 13): the plan narrows to what it names and what that depends on.

mod common;

use common::{deployed, dtr_run, local_state, local_state_addresses, put_dev_state, Moto};
use serde_json::Value;
use std::collections::BTreeMap;

/// The addresses a JSON plan would change (no-ops left out).
fn changed(stdout: &str) -> Vec<String> {
    let plan: Value = serde_json::from_str(stdout).expect("plan JSON");
    let mut out: Vec<String> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["action"] != "no_op")
        .filter_map(|c| c["address"].as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

#[test]
fn a_module_or_a_for_each_resource_can_be_targeted_whole() {
    let moto = Moto::start();
    let project = deployed(&moto);
    // Every log group's retention changes: the function modules' and the API's.
    project.edit(
        "environments/local.yaml",
        "log_retention_days: 7",
        "log_retention_days: 14",
    );
    let plan = |target: &str| {
        dtr_run(
            &moto,
            &project,
            &["plan", "--env", "local", "--json", "--target", target],
        )
    };
    let all = dtr_run(&moto, &project, &["plan", "--env", "local", "--json"]).expect_code(0);
    assert_eq!(
        changed(&all.stdout),
        [
            "module.api.log_group.access_logs",
            "module.authorizer.log_group.logs",
            "module.monitoring.log_group.logs",
            "module.tool_manager.log_group.logs",
        ]
    );
    let module = plan("module.authorizer").expect_code(0);
    assert_eq!(
        changed(&module.stdout),
        ["module.authorizer.log_group.logs"]
    );

    // Every instance of a for_each resource, and one instance, are targets too.
    let routes: Value =
        serde_json::from_str(&plan("module.api.api_route.tool").expect_code(0).stdout).unwrap();
    let addresses: Vec<&str> = routes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["address"].as_str())
        .collect();
    for key in ["register", "list", "get", "delete"] {
        let route = format!("module.api.api_route.tool[\"{key}\"]");
        assert!(
            addresses.contains(&route.as_str()),
            "{route}: {addresses:?}"
        );
    }
    assert!(
        !addresses.contains(&"module.api.api_route.health"),
        "{addresses:?}"
    );
    assert!(
        !addresses.contains(&"module.api.log_group.access_logs"),
        "{addresses:?}"
    );

    let nothing = plan("module.nope").expect_code(1);
    assert!(
        nothing
            .stderr
            .contains("module.nope is neither in the configuration nor in the state"),
        "{}",
        nothing.stderr
    );
    let malformed = plan("module").expect_code(1);
    assert!(
        malformed.stderr.contains("is not a target"),
        "{}",
        malformed.stderr
    );
}

fn apply_target(moto: &Moto, project: &common::Project, target: &str) -> common::Run {
    dtr_run(
        moto,
        project,
        &[
            "apply",
            "--env",
            "local",
            "--auto-approve",
            "--target",
            target,
            "--stats",
        ],
    )
}

const FUNCTION: &str = "module.tool_manager.lambda_function.function";
const HANDLER: &str = "stacks/dynamic-tool-runtime/functions/tool_manager/handler.py";

/// Change the Tool Manager's code only: a comment appended to its handler.
fn change_code(project: &common::Project, comment: &str) {
    let code = project.read(HANDLER);
    project.write(HANDLER, &format!("{code}\n# {comment}\n"));
}

/// A code-only update of one function (`apply --target`) makes at most 10 calls, lock and state
/// included (issue 15; `sam sync --code` makes 2-3): its dependencies, configured as last applied,
/// are taken from the state, and the code update's waiter reads the function back.
#[test]
fn a_targeted_code_update_reads_only_the_target() {
    let moto = Moto::start();
    let project = deployed(&moto);
    change_code(&project, "a code-only change");
    let r = apply_target(&moto, &project, FUNCTION).expect_code(0);
    assert!(
        r.stdout.contains("Plan: 0 to add, 1 to change"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("4 dependencies of the targets taken from the state as last applied"),
        "the role, the table, the bucket and the log group:\n{}",
        r.stderr
    );
    let (total, by_operation) = common::stats_calls(&r.stderr);
    let expected = BTreeMap::from([
        ("STS GetCallerIdentity".to_string(), 1),
        ("DynamoDB PutItem".to_string(), 1),
        ("DynamoDB DeleteItem".to_string(), 1),
        ("S3 GetObject".to_string(), 1),
        ("S3 PutObject".to_string(), 1),
        // The plan's read (both at once), then the code update and its waiter's read-back.
        ("Lambda GetFunction".to_string(), 2),
        ("Lambda GetFunctionEventInvokeConfig".to_string(), 1),
        ("Lambda UpdateFunctionCode".to_string(), 1),
    ]);
    assert_eq!(by_operation, expected, "{}", r.stderr);
    assert!(total <= 10, "{total} calls:\n{}", r.stderr);

    // The code is live, and a full plan afterwards finds nothing to do.
    let plan = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    );
    plan.expect_code(0);
}

/// A dependency whose configuration changed since it was last applied is read and planned in a
/// targeted run, as without targets; one left alone is not read, so a change made to it outside dtr
/// is seen by the next full plan, not by the targeted one (the documented trade-off).
#[tokio::test(flavor = "multi_thread")]
async fn a_changed_dependency_is_still_read_and_planned() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await;
    let group = "/aws/lambda/dtr-local-tool-manager";
    // Outside dtr: the table's point-in-time recovery is turned on (drift on an untouched dependency).
    c.dynamodb
        .update_continuous_backups()
        .table_name("dtr-local-tools")
        .point_in_time_recovery_specification(
            aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    project.edit(
        "environments/local.yaml",
        "log_retention_days: 7",
        "log_retention_days: 14",
    );
    change_code(&project, "a code-only change");
    let r = apply_target(&moto, &project, FUNCTION).expect_code(0);
    assert!(
        r.stdout.contains("Plan: 0 to add, 2 to change"),
        "the function and its log group:\n{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("2 dependencies of the targets taken from the state as last applied"),
        "the table and the bucket; the role is read too, as it references the log group:\n{}",
        r.stderr
    );
    let (_, by_operation) = common::stats_calls(&r.stderr);
    assert!(
        by_operation
            .keys()
            .any(|o| o.ends_with(" DescribeLogGroups")),
        "the log group was read: {by_operation:?}"
    );
    let groups = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix(group)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.log_groups()[0].retention_in_days, Some(14));

    // The drift on the table was not read by the targeted run; a full plan sees it (beside the
    // other functions' log groups, whose retention changed too and were not targeted).
    let plan = dtr_run(&moto, &project, &["plan", "--env", "local", "--json"]).expect_code(0);
    assert_eq!(
        changed(&plan.stdout),
        [
            "dynamodb_table.tools_table",
            "module.api.log_group.access_logs",
            "module.authorizer.log_group.logs",
            "module.monitoring.log_group.logs",
        ]
    );
}

/// A dependency the state does not record (here: its entry dropped from the state object) is read,
/// found by its tags and recorded again, as without targets.
#[tokio::test(flavor = "multi_thread")]
async fn a_dependency_missing_from_the_state_is_read() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await;
    let log_group = "module.tool_manager.log_group.logs";
    let mut state = local_state(&c).await;
    let dropped = state["resources"]
        .as_object_mut()
        .and_then(|r| r.remove(log_group));
    assert!(dropped.is_some(), "{state}");
    put_dev_state(&c, serde_json::to_vec(&state).unwrap()).await;

    change_code(&project, "a code-only change");
    let r = apply_target(&moto, &project, FUNCTION).expect_code(0);
    assert!(
        r.stderr
            .contains("2 dependencies of the targets taken from the state as last applied"),
        "the table and the bucket; the role is read too, as it references the log group:\n{}",
        r.stderr
    );
    let (_, by_operation) = common::stats_calls(&r.stderr);
    assert!(
        by_operation
            .keys()
            .any(|o| o.ends_with(" DescribeLogGroups")),
        "the log group was read: {by_operation:?}"
    );
    assert!(
        local_state_addresses(&c)
            .await
            .contains(&log_group.to_string()),
        "recorded again"
    );
}

/// A targeted plan saved while its dependencies were taken from the state is refused when one of
/// them changed since (another apply recorded it): apply never carries out what it did not see.
#[test]
fn a_saved_targeted_plan_is_stale_once_a_dependency_moved() {
    let moto = Moto::start();
    let project = deployed(&moto);
    change_code(&project, "a code-only change");
    let path = project.path("plan.json");
    let out = path.to_str().unwrap();
    let plan = ["plan", "--env", "local", "--target", FUNCTION, "--out", out];
    dtr_run(&moto, &project, &plan).expect_code(0);
    // Nothing moved: it applies.
    let r = dtr_run(&moto, &project, &["apply", out, "--env", "local"]).expect_code(0);
    assert!(
        r.stderr.contains("Complete apply: 0 added, 1 changed"),
        "{}",
        r.stderr
    );

    change_code(&project, "another code-only change");
    dtr_run(&moto, &project, &plan).expect_code(0);
    // Meanwhile another run changes the function's log group, and the configuration is put back.
    let env = "environments/local.yaml";
    project.edit(env, "log_retention_days: 7", "log_retention_days: 14");
    apply_target(&moto, &project, "module.tool_manager.log_group.logs").expect_code(0);
    project.edit(env, "log_retention_days: 14", "log_retention_days: 7");

    let r = dtr_run(&moto, &project, &["apply", out, "--env", "local"]).expect_code(1);
    assert!(r.stderr.contains("the state moved"), "{}", r.stderr);
}

/// `--replace` of a dependency of a target is planned even though its configuration is as last
/// applied: what is named for replacement is never taken from the state.
#[test]
fn a_dependency_named_by_replace_is_replaced() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let log_group = "module.tool_manager.log_group.logs";
    let args = [
        "plan",
        "--env",
        "local",
        "--json",
        "--target",
        FUNCTION,
        "--replace",
        log_group,
    ];
    let r = dtr_run(&moto, &project, &args).expect_code(0);
    let plan: Value = serde_json::from_str(&r.stdout).expect("plan JSON");
    let action = |address: &str| {
        plan["changes"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["address"] == address))
            .map(|c| c["action"].clone())
    };
    assert_eq!(action(log_group), Some("replace".into()), "{}", r.stdout);
}
