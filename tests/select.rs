//! `--target` narrows a plan to a resource and what it depends on; `--replace` forces a replacement.

mod common;

use common::snapshot::redact;
use common::{apply_dev, assert_converged, bootstrapped, dtr_run, Moto};

#[tokio::test(flavor = "multi_thread")]
async fn target_and_replace_do_what_they_say() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);

    let args = [
        "apply",
        "--env",
        "local",
        "--auto-approve",
        "--target",
        "module.authorizer.lambda_function.function",
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
        .function_name("dtr-local-authorizer")
        .send()
        .await
        .is_ok());
    assert!(
        c.lambda
            .get_function()
            .function_name("dtr-local-tool-manager")
            .send()
            .await
            .is_err(),
        "untargeted"
    );

    apply_dev(&moto, &project);
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
            "local",
            "--detailed-exitcode",
            "--replace",
            "module.api.log_group.access_logs",
        ],
    )
    .expect_code(2);
    // The group is replaced because --replace asked for it. What reads its outputs (the stage's
    // access-log destination) sees them as known only after apply, so it is planned as an update,
    // as Terraform plans it.
    insta::assert_snapshot!("replace_plan", redact(&plan.stdout));

    let unknown = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--target", "log_group.nope"],
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
    let project = bootstrapped(&moto);
    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve", "--quiet"],
    )
    .expect_code(0);
    assert!(
        r.stderr.contains("Complete apply: 38 added"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("creating") && !r.stderr.contains("state lock"),
        "{}",
        r.stderr
    );
}

/// `--replace` of the API: what lives inside it or points at its id (authorizer, integration, routes,
/// stage, the invoke permissions' source ARNs) is planned against the new API, not left pointing at the
/// old one. Afterwards nothing is orphaned and a plan has nothing to do.
#[tokio::test(flavor = "multi_thread")]
async fn replacing_the_api_carries_its_children_over() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    apply_dev(&moto, &project);
    let c = moto.clients().await;
    let old = c.apigateway.get_apis().send().await.unwrap().items()[0]
        .api_id
        .clone()
        .unwrap();

    let r = dtr_run(
        &moto,
        &project,
        &[
            "apply",
            "--env",
            "local",
            "--auto-approve",
            "--replace",
            "module.api.http_api.api",
        ],
    )
    .expect_code(0);
    assert!(
        r.stdout.contains("-/+ module.api.api_route."),
        "the routes are replaced with the API:\n{}",
        r.stdout
    );
    let apis = c.apigateway.get_apis().send().await.unwrap();
    assert_eq!(apis.items().len(), 1, "the old API is gone");
    let new = apis.items()[0].api_id.clone().unwrap();
    assert_ne!(new, old);
    let routes = c.apigateway.get_routes().api_id(&new).send().await.unwrap();
    assert_eq!(routes.items().len(), 5, "every route is on the new API");
    assert_converged(&moto, &project, "local", "after --replace");
    common::inventory::nothing_orphaned_or_duplicated(&moto, "after --replace").await;
}
