//! `--target` narrows a plan to a resource and what it depends on; `--replace` forces a replacement.

mod common;

use common::{dtr_run, Moto, Project};

#[tokio::test(flavor = "multi_thread")]
async fn target_and_replace_do_what_they_say() {
    let moto = Moto::start();
    let project = Project::copy();
    dtr_run(&moto, &project, &["bootstrap", "--env", "dev"]).expect_code(0);

    let args = [
        "apply",
        "--env",
        "dev",
        "--auto-approve",
        "--target",
        "lambda_function.authorizer",
    ];
    let r = dtr_run(&moto, &project, &args).expect_code(0);
    assert!(
        r.stdout.contains("Plan: 3 to add, 0 to change"),
        "the function, its role and its log group:\n{}",
        r.stdout
    );
    let c = moto.clients().await;
    assert!(c
        .lambda
        .get_function()
        .function_name("dtr-dev-authorizer")
        .send()
        .await
        .is_ok());
    assert!(
        c.lambda
            .get_function()
            .function_name("dtr-dev-tool-manager")
            .send()
            .await
            .is_err(),
        "untargeted"
    );

    dtr_run(
        &moto,
        &project,
        &["apply", "--env", "dev", "--auto-approve"],
    )
    .expect_code(0);
    let before = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/apigateway/")
        .send()
        .await
        .unwrap();
    let created = before.log_groups()[0].creation_time;
    let plan = dtr_run(
        &moto,
        &project,
        &[
            "plan",
            "--env",
            "dev",
            "--detailed-exitcode",
            "--replace",
            "log_group.api_access_logs",
        ],
    )
    .expect_code(2);
    assert!(plan.stdout.contains("-/+ log_group.api_access_logs [/aws/apigateway/dtr-dev-tools-api] must be replaced (--replace asked for it)"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("0 to add, 0 to change, 1 to replace, 0 to destroy"),
        "{}",
        plan.stdout
    );

    let unknown = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "dev", "--target", "log_group.nope"],
    )
    .expect_code(1);
    assert!(
        unknown
            .stderr
            .contains("log_group.nope is neither in the configuration nor in the state"),
        "{}",
        unknown.stderr
    );
    let after = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/apigateway/")
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.log_groups()[0].creation_time,
        created,
        "a plan changes nothing"
    );
}

/// `--quiet` prints only errors and the summary.
#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_only_the_summary() {
    let moto = Moto::start();
    let project = Project::copy();
    dtr_run(&moto, &project, &["bootstrap", "--env", "dev"]).expect_code(0);
    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "dev", "--auto-approve", "--quiet"],
    )
    .expect_code(0);
    assert!(
        r.stderr.contains("Complete apply: 33 added"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("creating") && !r.stderr.contains("state lock"),
        "{}",
        r.stderr
    );
}
