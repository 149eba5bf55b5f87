//! `dtr validate`: no AWS calls, every problem at once, each with file:line:col and field.

mod common;

use common::{run, ROOT};
use std::process::Command;

fn validate(dir: &str, env: &str) -> common::Run {
    run(Command::new(env!("CARGO_BIN_EXE_dtr"))
        .args(["validate", "--env", env, "--chdir", dir])
        // No endpoint, no credentials: validate must not need them.
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ACCESS_KEY_ID", ""))
}

#[test]
fn the_shipped_environments_are_valid() {
    for env in ["dev", "staging", "prod"] {
        let r = validate(ROOT, env).expect_code(0);
        assert!(
            r.stdout.contains("configuration is valid"),
            "{env}: {}",
            r.stdout
        );
    }
}

#[test]
fn every_problem_is_reported_at_once_with_its_location() {
    let dir = format!("{ROOT}/tests/fixtures/broken");
    let r = validate(&dir, "broken").expect_code(1);
    assert!(r.stdout.is_empty(), "nothing on stdout: {}", r.stdout);
    insta::assert_snapshot!(r.stderr);
}

#[test]
fn malformed_yaml_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("environments")).unwrap();
    std::fs::write(
        dir.path().join("environments/x.yaml"),
        "name: x\nstack: [unclosed\n",
    )
    .unwrap();
    let r = validate(dir.path().to_str().unwrap(), "x").expect_code(1);
    assert!(r.stderr.starts_with("environments/x.yaml:"), "{}", r.stderr);
    assert!(r.stderr.contains("malformed YAML"), "{}", r.stderr);
}

#[test]
fn a_missing_environment_file_is_named() {
    let r = validate(ROOT, "nonexistent").expect_code(1);
    assert!(
        r.stderr
            .contains("environments/nonexistent.yaml:1:1: cannot read"),
        "{}",
        r.stderr
    );
}

#[test]
fn security_checks_fail_validate_until_acknowledged_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["stacks", "environments"] {
        let status = Command::new("cp")
            .args(["-r", &format!("{ROOT}/{sub}")])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let stack = dir.path().join("stacks/dynamic-tool-runtime/stack.yaml");
    let text = std::fs::read_to_string(&stack).unwrap();
    let unacknowledged = text.replace(
        "    acknowledge:\n      iam-wildcard-resource: PutMetricData has no resource-level permissions; a namespace condition limits it\n",
        "",
    );
    let risky = unacknowledged
        .replace(
            "      block_public_access: true\n",
            "      block_public_access: false\n",
        )
        .replace(
            "        METRIC_NAMESPACE: DynamicToolRuntime\n",
            "        METRIC_NAMESPACE: DynamicToolRuntime\n        DB_PASSWORD: hunter2\n",
        );
    std::fs::write(&stack, &risky).unwrap();
    let r = validate(dir.path().to_str().unwrap(), "dev").expect_code(1);
    for check in [
        "iam-wildcard-resource",
        "bucket-public-access",
        "secret-in-environment",
    ] {
        assert!(
            r.stderr.contains(check),
            "{check} not reported:\n{}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains("stack.yaml:") && r.stderr.contains("environment.DB_PASSWORD"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("hunter2"),
        "the secret itself is not echoed"
    );
}

/// `dtr graph --env dev | head -0`: the reader is gone before dtr writes. dtr ends as Unix tools do,
/// by SIGPIPE, without a panic message; SIGPIPE is otherwise ignored so that a reset connection to AWS
/// is an error to retry, not a silent death.
#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_dtr_by_sigpipe_without_a_panic() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_dtr"))
        .args(["--chdir", ROOT, "graph", "--env", "dev"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run dtr");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), Some(13), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
