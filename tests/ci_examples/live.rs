//! Against the local endpoint: the GitHub plan step run with the real dtr, its saved plan applied as
//! the apply jobs apply it, and every call of these runs allowed by the documented policies (a plan's
//! by the read-only policy alone).

use super::{bootstrap, dtr_run, iam, plan_scripts, policy, run_plan_script, Moto, Project};
use std::collections::BTreeSet;

type Calls = BTreeSet<(String, String)>;

/// `dtr --stats <args>`, which must exit 0: the calls it made.
fn calls(moto: &Moto, project: &Project, args: &[&str]) -> Calls {
    let mut all = vec!["--stats"];
    all.extend_from_slice(args);
    let run = dtr_run(moto, project, &all).expect_code(0);
    let calls = iam::calls(&run.stderr);
    assert!(!calls.is_empty(), "no --stats table in:\n{}", run.stderr);
    calls
}

#[test]
fn plan_step_and_saved_plan_work_and_policies_allow_every_call() {
    let moto = Moto::start();
    let project = Project::copy();
    bootstrap(&moto, &project, "local");
    let (_, shell, script) = plan_scripts().remove(0);
    let bin = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_dtr"), bin.path().join("dtr")).expect("symlink");
    let missing = project.path("missing");
    let aws = [
        ("CI", "true"),
        ("AWS_ENDPOINT_URL", moto.https_url.as_str()),
        (
            "AWS_CA_BUNDLE",
            moto.ca_bundle.to_str().expect("a UTF-8 path"),
        ),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", missing.to_str().expect("a UTF-8 path")),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            missing.to_str().expect("a UTF-8 path"),
        ),
    ];
    let dir = project.dir.path();

    // The pull-request / main plan: read-only calls only.
    let mut reads = calls(&moto, &project, &["plan", "--env", "local", "--lock=false"]);
    let (code, output) = run_plan_script(&shell, &script, dir, bin.path(), "local", &aws);
    assert_eq!(
        (code, output.trim()),
        (0, "local=changes"),
        "the plan step on a new environment"
    );
    let markdown = project.read("plan.md");
    assert!(markdown.starts_with("### dtr plan"), "plan.md:\n{markdown}");

    // The apply job: exactly the saved file.
    let mut writes = calls(
        &moto,
        &project,
        &[
            "apply",
            "plan.json",
            "--env",
            "local",
            "--lock-timeout",
            "10m",
        ],
    );
    let (code, output) = run_plan_script(&shell, &script, dir, bin.path(), "local", &aws);
    assert_eq!(
        (code, output.trim()),
        (0, "local=no-changes"),
        "the plan step once applied"
    );
    reads.extend(calls(
        &moto,
        &project,
        &["plan", "--env", "local", "--lock=false"],
    ));

    // An update through a saved plan, then the deletes of a destroy (what removing resources from the
    // stack makes an apply do).
    project.edit(
        "environments/local.yaml",
        "log_retention_days: 7",
        "log_retention_days: 14",
    );
    reads.extend(calls(
        &moto,
        &project,
        &[
            "plan",
            "--env",
            "local",
            "--lock=false",
            "--out",
            "plan.json",
        ],
    ));
    writes.extend(calls(
        &moto,
        &project,
        &["apply", "plan.json", "--env", "local"],
    ));
    writes.extend(calls(
        &moto,
        &project,
        &["destroy", "--env", "local", "--auto-approve"],
    ));

    let plan_policy = policy("examples/ci/iam/plan-policy.json");
    let uncovered = iam::uncovered(&reads, &plan_policy);
    assert!(
        uncovered.is_empty(),
        "plan-policy.json lacks: {uncovered:#?}"
    );
    let writers: Vec<&String> = plan_policy.iter().filter(|a| !iam::reads_only(a)).collect();
    assert!(
        writers.is_empty(),
        "plan-policy.json allows more than reads: {writers:?}"
    );

    let mut apply_policy = plan_policy.clone();
    apply_policy.extend(policy("examples/ci/iam/apply-policy.json"));
    let uncovered = iam::uncovered(&writes, &apply_policy);
    assert!(
        uncovered.is_empty(),
        "plan-policy.json + apply-policy.json lack: {uncovered:#?}"
    );
}
