//! `--target` names a module instance or every instance of a `for_each` resource, as Terraform's
//! `-target=module.x` does (issue 13): the plan narrows to what it names and what that depends on.

mod common;

use common::{deployed, dtr_run, Moto};
use serde_json::Value;

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

/// A targeted apply reads only what it plans (the target and what it depends on), not the whole
/// stack: a code-only update of one function leaves alarms, APIs, schedules and topics unread.
#[test]
fn a_targeted_code_update_reads_only_the_target_and_its_dependencies() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let handler = "stacks/dynamic-tool-runtime/functions/tool_manager/handler.py";
    let code = project.read(handler);
    project.write(handler, &format!("{code}\n# a code-only change\n"));
    let r = dtr_run(
        &moto,
        &project,
        &[
            "apply",
            "--env",
            "local",
            "--auto-approve",
            "--target",
            "module.tool_manager.lambda_function.function",
            "--stats",
        ],
    )
    .expect_code(0);
    assert!(
        r.stdout.contains("Plan: 0 to add, 1 to change"),
        "{}",
        r.stdout
    );
    for unrelated in [
        "CloudWatch DescribeAlarms",
        "ApiGatewayV2",
        "Scheduler",
        "SNS",
    ] {
        assert!(
            !r.stderr.contains(unrelated),
            "{unrelated} read:\n{}",
            r.stderr
        );
    }
    let calls: u64 = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("AWS API calls: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("--stats prints the total");
    // The function and its dependencies (table, bucket, log group, role) read once, the code update
    // and its wait, STS, the lock and the state: 31 today (the whole stack's plan alone makes 86).
    assert!(calls <= 31, "{calls} calls:\n{}", r.stderr);
}
