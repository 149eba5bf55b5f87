//! `dtr plan --destroy [--out FILE]`: the plan `dtr destroy` would carry out, rendered like any plan,
//! and saved so that `dtr apply FILE` carries out exactly that destroy, after every saved-plan check.

mod common;

use common::{dtr_run, local_state, Moto, Project};
use dtr::provider::aws::Clients;
use serde_json::Value;

fn plan_destroy_to(moto: &Moto, project: &Project, file: &str) -> String {
    let path = project.path(file);
    let path = path.to_str().expect("a UTF-8 path").to_string();
    let r = dtr_run(
        moto,
        project,
        &["plan", "--env", "local", "--destroy", "--out", &path],
    )
    .expect_code(0);
    assert!(r.stderr.contains("destroy plan saved to"), "{}", r.stderr);
    path
}

async fn function_names(c: &Clients) -> Vec<String> {
    let functions = c.lambda.list_functions().send().await.expect("functions");
    functions
        .functions()
        .iter()
        .filter_map(|f| f.function_name().map(str::to_string))
        .collect()
}

fn position(changes: &[Value], address: &str) -> usize {
    changes
        .iter()
        .position(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("{address} is in the plan"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_destroy_plan_is_carried_out_by_apply() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let c = moto.clients().await;

    let plan = ["plan", "--env", "local", "--destroy"];
    let r = dtr_run(
        &moto,
        &project,
        &[&plan[..], &["--detailed-exitcode"]].concat(),
    )
    .expect_code(2);
    assert!(
        r.stdout
            .contains("Plan: 0 to add, 0 to change, 0 to replace, 38 to destroy."),
        "{}",
        r.stdout
    );
    let r = dtr_run(&moto, &project, &[&plan[..], &["--json"]].concat()).expect_code(0);
    let json: Value = serde_json::from_str(&r.stdout).expect("plan JSON");
    let changes = json["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 38);
    assert!(changes.iter().all(|c| c["action"] == "delete"), "{json}");
    // Dependants first.
    assert!(
        position(changes, "module.api.api_stage.default")
            < position(changes, "module.api.http_api.api")
    );
    assert!(
        position(changes, "module.monitoring.lambda_function.function")
            < position(changes, "module.monitoring.iam_role.role")
    );
    let r = dtr_run(
        &moto,
        &project,
        &[&plan[..], &["--format", "markdown"]].concat(),
    )
    .expect_code(0);
    assert!(
        r.stdout.contains("dynamodb_table.tools_table"),
        "{}",
        r.stdout
    );
    assert_eq!(function_names(&c).await.len(), 3, "a plan deletes nothing");

    let file = plan_destroy_to(&moto, &project, "destroy.json");
    let saved: Value = serde_json::from_str(&project.read("destroy.json")).expect("plan file");
    assert_eq!(saved["destroy"], true, "the file says it is a destroy plan");

    // Edited to pass for a normal plan, it is refused.
    let edited = project
        .read("destroy.json")
        .replace("\"destroy\": true,", "\"destroy\": false,");
    project.write("edited.json", &edited);
    let edited = project.path("edited.json");
    let r = dtr_run(
        &moto,
        &project,
        &["apply", edited.to_str().expect("path"), "--env", "local"],
    )
    .expect_code(1);
    assert!(r.stderr.contains("was edited"), "{}", r.stderr);

    // Without --auto-approve and without a terminal: a saved plan is its own approval.
    let r = dtr_run(&moto, &project, &["apply", &file, "--env", "local"]).expect_code(0);
    assert!(
        r.stderr
            .contains("Complete destroy: 0 added, 0 changed, 0 replaced, 38 destroyed"),
        "{}",
        r.stderr
    );
    assert!(
        function_names(&c).await.is_empty(),
        "the functions are gone"
    );
    let tables = c.dynamodb.list_tables().send().await.expect("tables");
    assert_eq!(
        tables.table_names(),
        ["dtr-locks"],
        "only the backend stays"
    );
    let groups = c.logs.describe_log_groups().send().await.expect("groups");
    assert!(groups.log_groups().is_empty(), "the log groups are gone");
    let roles = c.iam.list_roles().send().await.expect("roles");
    assert!(roles.roles().is_empty(), "the roles are gone");
    let state = local_state(&c).await;
    assert_eq!(
        state["resources"].as_object().map(|r| r.len()),
        Some(0),
        "{state}"
    );

    // Applied once only.
    let r = dtr_run(&moto, &project, &["apply", &file, "--env", "local"]).expect_code(1);
    assert!(
        r.stderr.contains("is stale and was not applied"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_destroy_plan_is_refused_and_deletes_nothing() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let c = moto.clients().await;
    let logs = "module.authorizer.log_group.logs";
    let rm = ["state", "rm", "--env", "local", logs, "--auto-approve"];
    dtr_run(&moto, &project, &rm).expect_code(0);
    let file = plan_destroy_to(&moto, &project, "destroy.json");

    // A resource added to the state since the plan: the plan would leave it behind.
    let import = [
        "import",
        "--env",
        "local",
        logs,
        "/aws/lambda/dtr-local-authorizer",
    ];
    dtr_run(&moto, &project, &import).expect_code(0);
    let r = dtr_run(&moto, &project, &["apply", &file, "--env", "local"]).expect_code(1);
    assert!(
        r.stderr
            .contains("is stale and was not applied: the state moved"),
        "{}",
        r.stderr
    );
    assert_eq!(function_names(&c).await.len(), 3, "nothing was deleted");

    // A resource deleted live since the plan.
    let file = plan_destroy_to(&moto, &project, "destroy2.json");
    c.logs
        .delete_log_group()
        .log_group_name("/aws/lambda/dtr-local-tool-manager")
        .send()
        .await
        .expect("delete a log group outside dtr");
    let r = dtr_run(&moto, &project, &["apply", &file, "--env", "local"]).expect_code(1);
    assert!(
        r.stderr
            .contains("module.tool_manager.log_group.logs changed live"),
        "{}",
        r.stderr
    );
    assert_eq!(function_names(&c).await.len(), 3, "nothing was deleted");
    let state = local_state(&c).await;
    assert_eq!(
        state["resources"].as_object().map(|r| r.len()),
        Some(38),
        "{state}"
    );
}
