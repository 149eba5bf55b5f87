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
    for env in ["local", "dev", "staging", "prod"] {
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
    // Every function's role is acknowledged in the function module (X-Ray's wildcard).
    replace_in(
        &dir.path().join("stacks/dynamic-tool-runtime/modules/function.yaml"),
        "    acknowledge:\n      iam-wildcard-resource: X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions\n",
        "",
    );
    replace_in(
        &stack,
        "      block_public_access: true\n",
        "      block_public_access: false\n",
    );
    replace_in(
        &stack,
        "        METRIC_NAMESPACE: DynamicToolRuntime\n",
        "        METRIC_NAMESPACE: DynamicToolRuntime\n        DB_PASSWORD: hunter2\n",
    );
    let r = validate(dir.path().to_str().unwrap(), "local").expect_code(1);
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

/// `dtr graph --env local | head -0`: the reader is gone before dtr writes. dtr ends as Unix tools do,
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
        .args(["--chdir", ROOT, "graph", "--env", "local"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run dtr");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), Some(13), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A private copy of the project's stacks/ and environments/.
fn copied_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["stacks", "environments"] {
        let status = Command::new("cp")
            .args(["-r", &format!("{ROOT}/{sub}")])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    dir
}

fn replace_in(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// 1-based line of the first line of `path` containing `needle`.
fn line_of(path: &std::path::Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    1 + text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?}"))
}

/// What AWS would refuse half-way through an apply is refused up front, every problem at once, each
/// at the file and line where it is written: a runtime Lambda no longer takes, more than 50 tags with
/// dtr's own three, over-long keys and values, reserved `aws:` keys, characters AWS does not allow,
/// IAM keys that differ only in case. Tags from the environment are reported once, where written.
#[test]
fn what_aws_would_refuse_is_refused_before_any_apply() {
    let dir = copied_project();
    // The runtime is set in the function module, once for the stack's three functions.
    let module = dir
        .path()
        .join("stacks/dynamic-tool-runtime/modules/function.yaml");
    let env = dir.path().join("environments/local.yaml");
    replace_in(
        &module,
        "      source: ${param.source}\n",
        "      source: ${param.source}\n      runtime: python3.7\n",
    );
    let mut extra = String::new();
    // 3 shipped + 45 = 48 user tags, 51 with dtr's own three.
    for i in 0..41 {
        extra.push_str(&format!("    extra-{i}: x\n"));
    }
    extra.push_str(&format!("    long-value: {}\n", "v".repeat(257)));
    extra.push_str(&format!("    {}: x\n", "k".repeat(129)));
    extra.push_str("    Aws:created-by: me\n");
    extra.push_str("    \"owner#1\": ops\n");
    replace_in(
        &env,
        "    cost-center: rnd-sandbox\n",
        &format!("    cost-center: rnd-sandbox\n{extra}"),
    );

    let r = validate(dir.path().to_str().unwrap(), "local").expect_code(1);
    let runtime_line = line_of(&module, "runtime: python3.7");
    let tags_line = line_of(&env, "team: agents");
    let expected = [
        format!("stacks/dynamic-tool-runtime/modules/function.yaml:{runtime_line}:16: resources.function.properties.runtime: Lambda no longer accepts runtime `python3.7`"),
        format!("environments/local.yaml:{tags_line}:9: tags: 51 tags, 3 of them dtr's own `dtr:*` tags: AWS allows at most 50 on a resource, so at most 47 of yours"),
        format!("environments/local.yaml:{}:5: tags.long-value: the tag value is 257 characters long", line_of(&env, "long-value")),
        format!("environments/local.yaml:{}:5: tags.{}: the tag key is 129 characters long", line_of(&env, "kkkk"), "k".repeat(129)),
        format!("environments/local.yaml:{}:5: tags.Aws:created-by: tag keys starting with `aws:` (in any case) are reserved for AWS", line_of(&env, "Aws:created-by")),
        format!("environments/local.yaml:{}:5: tags.owner#1: the tag key contains '#'", line_of(&env, "owner#1")),
    ];
    for line in &expected {
        assert!(
            r.stderr.contains(line.as_str()),
            "missing {line:?} in\n{}",
            r.stderr
        );
    }
    // Each problem once, however many resources the environment's tags are merged into.
    assert_eq!(
        r.stderr.matches("tags.long-value:").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .ends_with("error: the configuration has 6 problems\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_function_source_outside_the_stack_directory_is_refused_where_it_is_written() {
    let dir = copied_project();
    let stack = dir.path().join("stacks/dynamic-tool-runtime/stack.yaml");
    std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
    std::fs::write(dir.path().join("elsewhere/handler.py"), "x = 1\n").unwrap();
    let absolute = dir.path().join("elsewhere");
    replace_in(
        &stack,
        "source: functions/tool_manager",
        "source: ../../elsewhere",
    );
    replace_in(
        &stack,
        "source: functions/authorizer",
        &format!("source: {}", absolute.display()),
    );
    let r = validate(dir.path().to_str().unwrap(), "local").expect_code(1);
    for (name, needle, why) in [
        (
            "tool_manager",
            "source: ../../elsewhere",
            "`..` is not allowed",
        ),
        (
            "authorizer",
            "source: /",
            "it must be a path relative to the stack file",
        ),
    ] {
        let line = line_of(&stack, needle);
        // Where the module instance's `source` parameter is written; the field is the module's.
        let expected = format!("stacks/dynamic-tool-runtime/stack.yaml:{line}:15: resources.function.properties.source: cannot package the function: ");
        let found = r.stderr.lines().find(|l| l.starts_with(&expected));
        assert!(
            found
                .is_some_and(|l| l.contains(why) && l.contains("not inside the stack's directory")),
            "{name}: {}",
            r.stderr
        );
    }
}
