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
