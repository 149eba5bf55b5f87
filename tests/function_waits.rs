//! A function's create and update wait with the SDK's own waiters (FunctionActiveV2,
//! FunctionUpdatedV2), whose last GetFunction is the read-back: no GetFunctionConfiguration polls, and
//! no second read after the wait.

mod common;

use common::{dtr_run, Moto};

const AUTHORIZER: &str = "stacks/dynamic-tool-runtime/functions/authorizer/handler.py";

fn count(stats: &str, call: &str) -> usize {
    stats
        .lines()
        .filter_map(|l| l.trim().split_once("  "))
        .find(|(_, name)| name.trim() == call)
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cold_apply_waits_for_each_function_with_the_read_that_records_it() {
    let moto = Moto::start();
    let project = common::Project::copy();
    dtr_run(&moto, &project, &["bootstrap", "--env", "local"]).expect_code(0);
    let r = dtr_run(
        &moto,
        &project,
        &["--stats", "apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(0);
    // Three functions: each read once by the plan (not found) and once by its wait, nothing else.
    assert_eq!(count(&r.stderr, "Lambda CreateFunction"), 3, "{}", r.stderr);
    assert_eq!(count(&r.stderr, "Lambda GetFunction"), 6, "{}", r.stderr);
    assert_eq!(
        count(&r.stderr, "Lambda GetFunctionConfiguration"),
        0,
        "{}",
        r.stderr
    );
    let r = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    );
    assert_eq!(r.code, 0, "converged:\n{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_and_a_configuration_change_are_each_waited_for_once() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    project.write(
        AUTHORIZER,
        &format!(
            "{}\n# a comment changes the package\n",
            project.read(AUTHORIZER)
        ),
    );
    // The first `memory_mb: 128` in the stack is the authorizer's.
    project.edit(
        "stacks/dynamic-tool-runtime/stack.yaml",
        "      memory_mb: 128\n      timeout_seconds: 5",
        "      memory_mb: 256\n      timeout_seconds: 5",
    );
    let r = dtr_run(
        &moto,
        &project,
        &["--stats", "apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(0);
    assert_eq!(
        count(&r.stderr, "Lambda UpdateFunctionCode"),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(
        count(&r.stderr, "Lambda UpdateFunctionConfiguration"),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(
        count(&r.stderr, "Lambda GetFunctionConfiguration"),
        0,
        "{}",
        r.stderr
    );
    // The plan reads the three functions (the update starts from that read, made under the same
    // lock), and each of the changed one's two waits polls once (moto finishes an update at once).
    assert_eq!(
        count(&r.stderr, "Lambda GetFunction"),
        3 + 2,
        "{}",
        r.stderr
    );

    let c = moto.clients().await;
    let f = c
        .lambda
        .get_function()
        .function_name("dtr-local-authorizer")
        .send()
        .await
        .expect("the authorizer exists");
    let config = f.configuration.expect("a configuration");
    assert_eq!(config.memory_size, Some(256));
    let r = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--detailed-exitcode"],
    );
    assert_eq!(r.code, 0, "converged:\n{}", r.stdout);
}
