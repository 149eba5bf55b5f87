//! Parameter values from the pipeline (issue 14): `DTR_PARAM_<name>` (as Terraform's `TF_VAR_`),
//! `--param-file FILE` and `--param name=value` on every verb that loads configuration, `DTR_ENV`
//! for `--env`; precedence shown by `dtr validate`; a sensitive value given only by the pipeline is
//! masked like any other.

mod common;

use common::{dtr, run, Moto, Project};
use std::process::Command;

const ENV: &str = "environments/local.yaml";

/// `dtr validate` of the project, with `vars` as its only environment variables.
fn validate(project: &Project, args: &[&str], vars: &[(&str, &str)]) -> common::Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dtr"));
    cmd.current_dir(project.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("validate")
        .args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// The line `validate` prints for parameter `name`.
fn shown<'a>(r: &'a common::Run, name: &str) -> &'a str {
    r.stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no line for {name}:\n{}", r.stdout))
}

#[test]
fn precedence_is_default_then_variable_then_file_then_param_files_then_params() {
    let project = Project::copy();
    project.write(
        "more.yaml",
        "log_retention_days: 14\nerror_alarm_threshold: 9\n",
    );
    project.write("last.yaml", "log_retention_days: 30\n");
    let retention = |args: &[&str], vars: &[(&str, &str)]| {
        let r = validate(&project, args, vars).expect_code(0);
        shown(&r, "log_retention_days").to_string()
    };
    let env = ["--env", "local"];
    // The environment file says 7: it is over DTR_PARAM_, as terraform.tfvars is over TF_VAR_.
    let line = retention(&env, &[("DTR_PARAM_log_retention_days", "90")]);
    assert!(line.contains(" 7  (environments/local.yaml)"), "{line}");
    // Parameter files in order, then --param, whatever the order on the line.
    let args = [
        "--env",
        "local",
        "--param-file",
        "more.yaml",
        "--param-file",
        "last.yaml",
    ];
    let line = retention(&args, &[]);
    assert!(line.contains(" 30  (last.yaml)"), "{line}");
    let args = [
        "--param",
        "log_retention_days=60",
        "--env",
        "local",
        "--param-file",
        "more.yaml",
    ];
    let line = retention(&args, &[]);
    assert!(line.contains(" 60  (--param log_retention_days)"), "{line}");
    // A variable fills what the file does not set; DTR_ENV names the environment.
    let r = validate(
        &project,
        &["--param-file", "more.yaml"],
        &[("DTR_ENV", "local"), ("DTR_PARAM_api_throttle_rate", "5")],
    )
    .expect_code(0);
    assert!(shown(&r, "api_throttle_rate").contains(" 5  (DTR_PARAM_api_throttle_rate)"));
    assert!(shown(&r, "error_alarm_threshold").contains(" 9  (more.yaml)"));
    assert!(shown(&r, "table_pitr").contains(" false  (environments/local.yaml)"));
    assert!(shown(&r, "api_throttle_burst").contains(" 50  (the stack's default)"));
    // A list given as JSON on the command line.
    let r = validate(
        &project,
        &[
            "--env",
            "local",
            "--param",
            r#"cors_allow_origins=["https://a.example"]"#,
        ],
        &[],
    )
    .expect_code(0);
    assert!(shown(&r, "cors_allow_origins").contains(r#"["https://a.example"]"#));
}

#[test]
fn bad_values_from_the_pipeline_are_located_where_they_came_from() {
    let project = Project::copy();
    let r = validate(
        &project,
        &["--env", "local", "--param", "nope=1", "--param", "tags=[1"],
        &[("DTR_PARAM_log_retention_days", "weekly")],
    )
    .expect_code(1);
    for needle in [
        "--param nope:1:1: parameters.nope: unknown parameter `nope`",
        "--param tags:1:1: parameters: not a YAML (or JSON) map",
    ] {
        assert!(r.stderr.contains(needle), "{needle}:\n{}", r.stderr);
    }
    // The file's 7 wins over the variable, but a variable that is not a number is still an error.
    assert!(
        r.stderr
            .contains("DTR_PARAM_log_retention_days:1:1: parameters.log_retention_days: expected a number value"),
        "{}",
        r.stderr
    );
    // A variable for a parameter the stack does not declare is ignored: a pipeline holds others.
    validate(
        &project,
        &["--env", "local"],
        &[("DTR_PARAM_other_stack", "x")],
    )
    .expect_code(0);
    // `--param` without `=` is a usage error.
    let r = validate(&project, &["--env", "local", "--param", "oops"], &[]).expect_code(1);
    assert!(r.stderr.contains("expected NAME=VALUE"), "{}", r.stderr);
}

#[test]
fn a_sensitive_value_given_only_by_the_pipeline_is_masked_in_the_plan() {
    let moto = Moto::start();
    let project = Project::copy();
    let text = project.read(ENV);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("api_key_sha256:"))
        .expect("local sets the key")
        .to_string();
    project.write(ENV, &text.replace(&format!("{line}\n"), ""));
    // Without it anywhere: refused, saying where it can be set.
    let r = validate(&project, &["--env", "local"], &[]).expect_code(1);
    assert!(
        r.stderr.contains(
            "missing value for parameter `api_key_sha256` (string), which has no default: set it \
             in the environment file, as DTR_PARAM_api_key_sha256, or with --param / --param-file"
        ),
        "{}",
        r.stderr
    );
    let secret = "agent-ci=1111111111111111111111111111111111111111111111111111111111111111";
    let with_secret = |args: &[&str]| {
        run(dtr(&moto, &project)
            .env("DTR_PARAM_api_key_sha256", secret)
            .args(args))
    };
    with_secret(&["bootstrap", "--env", "local"]).expect_code(0);
    let plan = with_secret(&["plan", "--env", "local"]).expect_code(0);
    assert!(!plan.stdout.contains("1111111111"), "{}", plan.stdout);
    // A saved plan holds the value: saying so is part of saving it.
    let saved = with_secret(&["plan", "--env", "local", "--out", "plan.json"]).expect_code(0);
    assert!(
        saved.stderr.contains(
            "warning: plan.json holds sensitive values in plain text (of \
             module.authorizer.lambda_function.function), as a Terraform plan file does"
        ),
        "{}",
        saved.stderr
    );
    assert!(project.read("plan.json").contains("1111111111"));
    assert!(
        plan.stdout
            .contains("module.authorizer.lambda_function.function will be created"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .lines()
            .any(|l| l.trim() == r#"+ API_KEY_SHA256 = "(sensitive)""#),
        "{}",
        plan.stdout
    );
}

#[test]
fn validate_json_reports_parameters_or_every_problem_for_a_pipeline() {
    let project = Project::copy();
    let r = validate(
        &project,
        &[
            "--env",
            "local",
            "--json",
            "--param",
            "log_retention_days=14",
        ],
        &[],
    )
    .expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON on stdout");
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["environment"], "local");
    assert_eq!(doc["resources"].as_array().map(Vec::len), Some(38));
    assert_eq!(
        doc["parameters"]["log_retention_days"],
        serde_json::json!({"value": "14", "origin": "--param log_retention_days"})
    );
    assert_eq!(doc["parameters"]["api_key_sha256"]["value"], "(sensitive)");

    let r = validate(
        &project,
        &["--env", "local", "--json", "--param", "nope=1"],
        &[],
    )
    .expect_code(1);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON on stdout");
    assert_eq!(doc["valid"], false);
    assert_eq!(
        doc["problems"][0],
        serde_json::json!({
            "file": "--param nope", "line": 1, "column": 1, "field": "parameters.nope",
            "message": doc["problems"][0]["message"].clone(),
        })
    );
    assert!(
        r.stderr.contains("unknown parameter `nope`"),
        "{}",
        r.stderr
    );
}
