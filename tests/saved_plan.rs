//! Saved plans: `dtr plan --out` then `dtr apply <file>` applies exactly once; a plan whose
//! configuration, state or live resources moved since is refused and changes nothing.

mod common;

use common::{apply_dev, bootstrapped, dtr_run, Moto, Project};

fn plan_to(moto: &Moto, project: &Project, file: &str) {
    let path = project.path(file);
    let r = dtr_run(
        moto,
        project,
        &["plan", "--env", "local", "--out", path.to_str().unwrap()],
    )
    .expect_code(0);
    assert!(r.stderr.contains("plan saved to"), "{}", r.stderr);
}

fn set_mode(path: &std::path::Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let _ = (path, mode);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_applies_exactly_once() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    // A world-readable file already there is replaced by one only its owner can read.
    project.write("plan.json", "{}");
    set_mode(&project.path("plan.json"), 0o644);
    plan_to(&moto, &project, "plan.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(project.path("plan.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the plan file holds sensitive values");
    }
    let saved: serde_json::Value = serde_json::from_str(&project.read("plan.json")).unwrap();
    assert_eq!(saved["format_version"], 2);
    assert_eq!(saved["plan"]["format_version"], 1);
    let file = project.path("plan.json");
    // No --auto-approve and no terminal: a saved plan is its own approval.
    let first = dtr_run(
        &moto,
        &project,
        &["apply", file.to_str().unwrap(), "--env", "local"],
    )
    .expect_code(0);
    assert!(
        first.stderr.contains("Complete apply: 38 added"),
        "{}",
        first.stderr
    );
    let second = dtr_run(
        &moto,
        &project,
        &["apply", file.to_str().unwrap(), "--env", "local"],
    )
    .expect_code(1);
    assert!(
        second.stderr.contains("is stale and was not applied"),
        "{}",
        second.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_is_refused_when_its_configuration_or_a_planned_resource_moved() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    apply_dev(&moto, &project);

    project.edit(
        "environments/local.yaml",
        "log_retention_days: 7",
        "log_retention_days: 14",
    );
    plan_to(&moto, &project, "plan.json");
    let file = project.path("plan.json");
    project.edit(
        "environments/local.yaml",
        "error_alarm_threshold: 5",
        "error_alarm_threshold: 6",
    );
    let r = dtr_run(
        &moto,
        &project,
        &["apply", file.to_str().unwrap(), "--env", "local"],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains("the configuration changed"),
        "{}",
        r.stderr
    );

    project.edit(
        "environments/local.yaml",
        "error_alarm_threshold: 6",
        "error_alarm_threshold: 5",
    );
    let c = moto.clients().await;
    c.logs
        .put_retention_policy()
        .log_group_name("/aws/lambda/dtr-local-authorizer")
        .retention_in_days(30)
        .send()
        .await
        .unwrap();
    let r = dtr_run(
        &moto,
        &project,
        &["apply", file.to_str().unwrap(), "--env", "local"],
    )
    .expect_code(1);
    assert!(
        r.stderr
            .contains("module.authorizer.log_group.logs changed live"),
        "{}",
        r.stderr
    );
    let group = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/dtr-local-authorizer")
        .send()
        .await
        .unwrap();
    assert_eq!(
        group.log_groups()[0].retention_in_days,
        Some(30),
        "a refused plan changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_json_and_markdown_go_to_stdout_clean() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let json = dtr_run(&moto, &project, &["plan", "--env", "local", "--json"]).expect_code(0);
    let plan: serde_json::Value =
        serde_json::from_str(&json.stdout).expect("stdout is only the JSON plan");
    assert_eq!(plan["format_version"], 1);
    assert_eq!(plan["changes"].as_array().unwrap().len(), 38);
    assert!(plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["action"] == "create"));
    // The API key hash is a `sensitive` parameter: masked in every rendering.
    let key_hash = "ed5a18fb8f807f996d649e379d3f35f39c543a91bdbf88c492f2ebd10d4df86c";
    assert!(project.read("environments/local.yaml").contains(key_hash));
    let authorizer = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "module.authorizer.lambda_function.function")
        .unwrap();
    assert_eq!(
        authorizer["desired"]["environment"]["API_KEY_SHA256"],
        "(sensitive)"
    );
    assert!(!json.stdout.contains(key_hash));
    let human = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(0);
    assert!(
        !human.stdout.contains(key_hash) && human.stdout.contains("(sensitive)"),
        "{}",
        human.stdout
    );
    let md = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--format", "markdown"],
    )
    .expect_code(0);
    assert!(
        md.stdout
            .starts_with("### dtr plan: `dynamic-tool-runtime` / `local`"),
        "{}",
        md.stdout
    );
    assert!(
        !md.stdout.contains('\x1b') && !json.stderr.contains('\x1b'),
        "no escape codes without a terminal"
    );
}

/// `dtr plan --json` validates against the documented schema, for a create-everything plan and for a
/// plan with updates, replaces and deletes.
#[tokio::test(flavor = "multi_thread")]
async fn plan_json_validates_against_its_schema() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let validate = |json: &str| {
        let venv =
            std::env::var("DTR_TEST_VENV").unwrap_or_else(|_| format!("{}/.venv", common::ROOT));
        let out = std::process::Command::new(format!("{venv}/bin/python"))
            .args(["-c", "import json,sys,jsonschema; jsonschema.validate(json.loads(sys.stdin.read()), json.load(open(sys.argv[1])))"])
            .arg(format!("{}/src/plan/plan.schema.json", common::ROOT))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(json.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        assert!(
            out.status.success(),
            "schema validation failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    validate(
        &dtr_run(&moto, &project, &["plan", "--env", "local", "--json"])
            .expect_code(0)
            .stdout,
    );
    apply_dev(&moto, &project);
    project.edit(
        "environments/local.yaml",
        "log_retention_days: 7",
        "log_retention_days: 14",
    );
    let args = [
        "plan",
        "--env",
        "local",
        "--json",
        "--replace",
        "dynamodb_table.tools_table",
    ];
    let mixed = dtr_run(&moto, &project, &args).expect_code(0);
    assert!(
        mixed.stdout.contains("\"replace_requested\"") && mixed.stdout.contains("\"update\""),
        "{}",
        mixed.stdout
    );
    validate(&mixed.stdout);
}

/// A plan saved with `--target` is recomputed with the same selection on apply, so it still applies.
#[tokio::test(flavor = "multi_thread")]
async fn a_targeted_saved_plan_applies_its_targets_only() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let path = project.path("plan.json");
    let args = [
        "plan",
        "--env",
        "local",
        "--target",
        "module.tool_manager.log_group.logs",
        "--out",
        path.to_str().unwrap(),
    ];
    dtr_run(&moto, &project, &args).expect_code(0);
    let r = dtr_run(
        &moto,
        &project,
        &["apply", path.to_str().unwrap(), "--env", "local"],
    )
    .expect_code(0);
    assert!(r.stderr.contains("Complete apply: 1 added"), "{}", r.stderr);
    let c = moto.clients().await;
    let groups = c.logs.describe_log_groups().send().await.unwrap();
    let names: Vec<&str> = groups
        .log_groups()
        .iter()
        .filter_map(|g| g.log_group_name())
        .collect();
    assert_eq!(names, ["/aws/lambda/dtr-local-tool-manager"]);
}
