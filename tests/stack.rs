//! The whole Dynamic Tool Runtime stack on dev: created from empty, every setting checked through the
//! AWS SDK, converged (a second plan is empty), one handler edit redeploys exactly that function, and
//! destroy leaves nothing of the stack behind.

mod common;

use common::{dtr_run, Moto, Project};
use std::collections::HashMap;

fn apply(moto: &Moto, project: &Project) -> common::Run {
    dtr_run(moto, project, &["apply", "--env", "dev", "--auto-approve"]).expect_code(0)
}

fn ready(moto: &Moto) -> Project {
    let project = Project::copy();
    dtr_run(moto, &project, &["bootstrap", "--env", "dev"]).expect_code(0);
    project
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_applies_from_empty_with_every_setting_and_converges() {
    let moto = Moto::start();
    let project = ready(&moto);
    let first = apply(&moto, &project);
    assert!(
        first.stderr.contains("Complete apply: 33 added"),
        "{}",
        first.stderr
    );
    let c = moto.clients().await;

    // Artifacts bucket: versioning, encryption, public access blocks, ownership, TLS-only, lifecycle.
    let bucket = "dtr-dev-artifacts-123456789012";
    let v =
        c.s3.get_bucket_versioning()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
    assert_eq!(v.status.unwrap().as_str(), "Enabled");
    let pab =
        c.s3.get_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .unwrap()
            .public_access_block_configuration
            .unwrap();
    assert_eq!(pab.block_public_policy, Some(true));
    assert_eq!(pab.restrict_public_buckets, Some(true));
    let enc =
        c.s3.get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
    assert!(enc.server_side_encryption_configuration.is_some());
    let policy =
        c.s3.get_bucket_policy()
            .bucket(bucket)
            .send()
            .await
            .unwrap()
            .policy
            .unwrap();
    assert!(policy.contains("aws:SecureTransport"), "{policy}");
    let lifecycle =
        c.s3.get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
    let mut ids: Vec<String> = lifecycle
        .rules()
        .iter()
        .filter_map(|r| r.id.clone())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![
            "abort-incomplete-uploads",
            "cold-artifacts-to-infrequent-access",
            "expire-superseded-artifacts"
        ]
    );

    // Roles: trust for Lambda, least-privilege policies naming the real ARNs.
    let role = c
        .iam
        .get_role()
        .role_name("dtr-dev-tool-manager")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    let trust = percent_encoding::percent_decode_str(role.assume_role_policy_document().unwrap())
        .decode_utf8_lossy()
        .to_string();
    assert!(trust.contains("lambda.amazonaws.com"), "{trust}");
    let doc = c
        .iam
        .get_role_policy()
        .role_name("dtr-dev-tool-manager")
        .policy_name("tools")
        .send()
        .await
        .unwrap()
        .policy_document;
    let doc = percent_encoding::percent_decode_str(&doc)
        .decode_utf8_lossy()
        .to_string();
    assert!(
        doc.contains("arn:aws:dynamodb:us-east-1:123456789012:table/dtr-dev-tools"),
        "{doc}"
    );
    assert!(
        doc.contains("arn:aws:s3:::dtr-dev-artifacts-123456789012/code/*"),
        "{doc}"
    );
    assert!(
        !doc.contains("\"Resource\":\"*\""),
        "no wildcard resource for the tool manager: {doc}"
    );

    // Functions: runtime, role, environment wired by references.
    let f = c
        .lambda
        .get_function()
        .function_name("dtr-dev-tool-manager")
        .send()
        .await
        .unwrap()
        .configuration
        .unwrap();
    assert_eq!(f.runtime.unwrap().as_str(), "python3.12");
    assert_eq!(
        f.role.unwrap(),
        "arn:aws:iam::123456789012:role/dtr-dev-tool-manager"
    );
    assert_eq!(f.memory_size, Some(256));
    let env: HashMap<String, String> = f.environment.unwrap().variables.unwrap();
    assert_eq!(env["TABLE_NAME"], "dtr-dev-tools");
    assert_eq!(env["BUCKET_NAME"], bucket);

    // Log groups with the environment's retention.
    let groups = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/dtr-dev-")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.log_groups().len(), 3, "one per function");
    assert!(groups
        .log_groups()
        .iter()
        .all(|g| g.retention_in_days == Some(7)));

    // Alarms and the dashboard.
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_name_prefix("dtr-dev-")
        .send()
        .await
        .unwrap();
    assert_eq!(alarms.metric_alarms().len(), 9);
    let p99 = alarms
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some("dtr-dev-tools-api-latency-p99"))
        .unwrap();
    assert_eq!(p99.extended_statistic.as_deref(), Some("p99"));
    let errors = alarms
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some("dtr-dev-tool-manager-errors"))
        .unwrap();
    assert_eq!(errors.threshold, Some(5.0));
    let dash = c
        .cloudwatch
        .get_dashboard()
        .dashboard_name("dtr-dev-overview")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&dash.dashboard_body.unwrap()).unwrap();
    assert_eq!(
        body["widgets"][0]["width"], 12,
        "numbers stay numbers: {body}"
    );
    assert_eq!(
        body["widgets"][0]["properties"]["metrics"][0][3],
        "dtr-dev-tool-manager"
    );

    // The API: CORS, the authorizer on every tool route but /health, the $default stage with access logs.
    let apis = c.apigateway.get_apis().send().await.unwrap();
    let api = apis
        .items()
        .iter()
        .find(|a| a.name() == Some("dtr-dev-tools-api"))
        .expect("the API exists");
    let api_id = api.api_id().unwrap();
    let cors = api.cors_configuration().unwrap();
    assert_eq!(cors.allow_origins(), ["http://localhost:3000"]);
    let routes = c
        .apigateway
        .get_routes()
        .api_id(api_id)
        .send()
        .await
        .unwrap();
    let mut keys: Vec<(String, bool)> = routes
        .items()
        .iter()
        .map(|r| {
            (
                r.route_key().unwrap().to_string(),
                r.authorizer_id().is_some_and(|a| !a.is_empty()),
            )
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            ("DELETE /tools/{id}".to_string(), true),
            ("GET /health".to_string(), false),
            ("GET /tools".to_string(), true),
            ("GET /tools/{id}".to_string(), true),
            ("POST /tools".to_string(), true),
        ]
    );
    let stage = c
        .apigateway
        .get_stage()
        .api_id(api_id)
        .stage_name("$default")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.auto_deploy, Some(true));
    assert!(stage
        .access_log_settings
        .unwrap()
        .destination_arn
        .unwrap()
        .contains("/aws/apigateway/dtr-dev-tools-api"));
    let policy = c
        .lambda
        .get_policy()
        .function_name("dtr-dev-tool-manager")
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    assert!(
        policy.contains(&format!("execute-api:us-east-1:123456789012:{api_id}/*/*")),
        "{policy}"
    );

    // Converged: no perpetual diff on any resource type.
    let again = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "dev", "--detailed-exitcode"],
    );
    assert_eq!(
        again.code, 0,
        "second plan should be empty:\n{}",
        again.stdout
    );

    // Outputs from the state.
    let out = dtr_run(&moto, &project, &["output", "--env", "dev", "--json"]).expect_code(0);
    let outputs: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(outputs["artifacts_bucket"], bucket);
    assert!(outputs["tool_manager_arn"]
        .as_str()
        .unwrap()
        .ends_with(":function:dtr-dev-tool-manager"));
}

#[tokio::test(flavor = "multi_thread")]
async fn editing_one_handler_redeploys_exactly_that_function() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    let c = moto.clients().await;
    let sha = |name: &'static str| {
        let c = c.clone();
        async move {
            c.lambda
                .get_function()
                .function_name(name)
                .send()
                .await
                .unwrap()
                .configuration
                .unwrap()
                .code_sha256
                .unwrap()
        }
    };
    let (tm, auth) = (
        sha("dtr-dev-tool-manager").await,
        sha("dtr-dev-authorizer").await,
    );
    let handler = "stacks/dynamic-tool-runtime/functions/authorizer/handler.py";
    project.write(
        handler,
        &format!(
            "{}\n# a comment changes the package\n",
            project.read(handler)
        ),
    );

    let plan = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "dev", "--detailed-exitcode"],
    )
    .expect_code(2);
    assert!(
        plan.stdout.contains("~ lambda_function.authorizer"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("code_sha256"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("0 to add, 1 to change, 0 to replace, 0 to destroy"),
        "{}",
        plan.stdout
    );
    apply(&moto, &project);
    assert_ne!(
        sha("dtr-dev-authorizer").await,
        auth,
        "the authorizer was redeployed"
    );
    assert_eq!(sha("dtr-dev-tool-manager").await, tm, "nothing else was");
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_leaves_nothing_of_the_stack_but_keeps_the_backend() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    let c = moto.clients().await;
    c.s3.put_object()
        .bucket("dtr-dev-artifacts-123456789012")
        .key("code/abc")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let r = dtr_run(
        &moto,
        &project,
        &["destroy", "--env", "dev", "--auto-approve"],
    )
    .expect_code(0);
    assert!(r.stderr.contains("33 destroyed"), "{}", r.stderr);
    let functions = c.lambda.list_functions().send().await.unwrap();
    assert!(functions.functions().is_empty());
    let roles = c.iam.list_roles().send().await.unwrap();
    assert!(roles
        .roles()
        .iter()
        .all(|r| !r.role_name.starts_with("dtr-dev-")));
    let buckets = c.s3.list_buckets().send().await.unwrap();
    let names: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(
        names,
        vec!["dtr-state-123456789012-dev"],
        "only the state bucket stays"
    );
    let tables = c
        .dynamodb
        .list_tables()
        .send()
        .await
        .unwrap()
        .table_names
        .unwrap_or_default();
    assert_eq!(tables, vec!["dtr-locks"]);
    assert!(c
        .logs
        .describe_log_groups()
        .send()
        .await
        .unwrap()
        .log_groups()
        .is_empty());
    assert!(c
        .cloudwatch
        .describe_alarms()
        .send()
        .await
        .unwrap()
        .metric_alarms()
        .is_empty());
}

/// Change one thing of each resource type behind dtr's back: plan shows every one, apply repairs them.
#[tokio::test(flavor = "multi_thread")]
async fn drift_on_each_resource_type_is_shown_and_repaired() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    let c = moto.clients().await;
    let bucket = "dtr-dev-artifacts-123456789012";
    c.s3.delete_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    c.iam
        .put_role_policy()
        .role_name("dtr-dev-authorizer")
        .policy_name("sneaky")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    c.logs
        .put_retention_policy()
        .log_group_name("/aws/lambda/dtr-dev-monitoring")
        .retention_in_days(1)
        .send()
        .await
        .unwrap();
    c.lambda
        .update_function_configuration()
        .function_name("dtr-dev-monitoring")
        .memory_size(1024)
        .send()
        .await
        .unwrap();
    c.lambda
        .remove_permission()
        .function_name("dtr-dev-authorizer")
        .statement_id("allow-api-gateway-authorizer")
        .send()
        .await
        .unwrap();
    c.cloudwatch
        .delete_alarms()
        .alarm_names("dtr-dev-monitoring-throttles")
        .send()
        .await
        .unwrap();
    c.cloudwatch
        .put_dashboard()
        .dashboard_name("dtr-dev-overview")
        .dashboard_body(r#"{"widgets":[]}"#)
        .send()
        .await
        .unwrap();
    c.dynamodb
        .update_table()
        .table_name("dtr-dev-tools")
        .deletion_protection_enabled(true)
        .send()
        .await
        .unwrap();
    let apis = c.apigateway.get_apis().send().await.unwrap();
    let api_id = apis.items()[0].api_id().unwrap().to_string();
    c.apigateway
        .update_api()
        .api_id(&api_id)
        .description("edited by hand")
        .send()
        .await
        .unwrap();
    let authorizer_id = routes_authorizer(&c, &api_id).await;
    // 60, not 0: the SDK does not send a member equal to its default.
    c.apigateway
        .update_authorizer()
        .api_id(&api_id)
        .authorizer_id(&authorizer_id)
        .authorizer_result_ttl_in_seconds(60)
        .send()
        .await
        .unwrap();
    let integrations = c
        .apigateway
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .unwrap();
    let integration_id = integrations.items()[0]
        .integration_id()
        .unwrap()
        .to_string();
    c.apigateway
        .update_integration()
        .api_id(&api_id)
        .integration_id(&integration_id)
        .timeout_in_millis(29000)
        .send()
        .await
        .unwrap();
    // moto cannot update a stage (UpdateStage answers 500), so this drift is a stage deleted by hand.
    c.apigateway
        .delete_stage()
        .api_id(&api_id)
        .stage_name("$default")
        .send()
        .await
        .unwrap();
    let routes = c
        .apigateway
        .get_routes()
        .api_id(&api_id)
        .send()
        .await
        .unwrap();
    let health = routes
        .items()
        .iter()
        .find(|r| r.route_key() == Some("GET /health"))
        .unwrap();
    c.apigateway
        .delete_route()
        .api_id(&api_id)
        .route_id(health.route_id().unwrap())
        .send()
        .await
        .unwrap();

    let plan = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "dev", "--detailed-exitcode"],
    )
    .expect_code(2);
    for expected in [
        "~ s3_bucket.artifacts_bucket",
        "block_public_access: false → true",
        "~ iam_role.authorizer_role",
        "- inline_policies.sneaky",
        "~ log_group.monitoring_logs",
        "retention_days: 1 → 7",
        "~ lambda_function.monitoring",
        "memory_mb: 1024 → 128",
        "+ lambda_permission.api_invokes_authorizer will be created (it was deleted outside dtr)",
        "+ metric_alarm.monitoring_throttles will be created (it was deleted outside dtr)",
        "~ dashboard.dashboard",
        "~ dynamodb_table.tools_table",
        "~ http_api.api",
        "+ api_route.route_health will be created (it was deleted outside dtr)",
        "result_ttl_seconds: 60 → 300",
        "timeout_ms: 29000 → 15000",
        "+ api_stage.api_stage will be created (it was deleted outside dtr)",
    ] {
        assert!(
            plan.stdout.contains(expected),
            "plan lacks {expected:?}:\n{}",
            plan.stdout
        );
    }
    apply(&moto, &project);
    let again = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "dev", "--detailed-exitcode"],
    );
    assert_eq!(
        again.code, 0,
        "apply repaired every drift:\n{}",
        again.stdout
    );
    let policies = c
        .iam
        .list_role_policies()
        .role_name("dtr-dev-authorizer")
        .send()
        .await
        .unwrap();
    assert_eq!(policies.policy_names(), ["logs"]);
}

/// The authorizer the API's routes use (moto cannot list authorizers: GetAuthorizers answers 500).
async fn routes_authorizer(c: &dtr::provider::aws::Clients, api_id: &str) -> String {
    let routes = c
        .apigateway
        .get_routes()
        .api_id(api_id)
        .send()
        .await
        .unwrap();
    routes
        .items()
        .iter()
        .find_map(|r| r.authorizer_id().filter(|a| !a.is_empty()))
        .unwrap()
        .to_string()
}

/// staging and prod deploy cleanly too, each against an endpoint of its own pinned account.
#[tokio::test(flavor = "multi_thread")]
async fn staging_and_prod_apply_in_their_own_accounts_and_differ_from_dev() {
    for (env, account, retention, protected) in [
        ("staging", "210987654321", 30, false),
        ("prod", "345678901234", 365, true),
    ] {
        let moto = Moto::start_for_account(Some(account));
        let project = Project::copy();
        dtr_run(&moto, &project, &["bootstrap", "--env", env]).expect_code(0);
        dtr_run(&moto, &project, &["apply", "--env", env, "--auto-approve"]).expect_code(0);
        let again = dtr_run(
            &moto,
            &project,
            &["plan", "--env", env, "--detailed-exitcode"],
        );
        assert_eq!(again.code, 0, "{env} converges:\n{}", again.stdout);
        let c = moto.clients().await;
        let table = c
            .dynamodb
            .describe_table()
            .table_name(format!("dtr-{env}-tools"))
            .send()
            .await
            .unwrap()
            .table
            .unwrap();
        assert_eq!(table.deletion_protection_enabled, Some(protected), "{env}");
        let groups = c
            .logs
            .describe_log_groups()
            .log_group_name_prefix(format!("/aws/lambda/dtr-{env}-"))
            .send()
            .await
            .unwrap();
        assert!(
            groups
                .log_groups()
                .iter()
                .all(|g| g.retention_in_days == Some(retention)),
            "{env}"
        );
        let pitr = c
            .dynamodb
            .describe_continuous_backups()
            .table_name(format!("dtr-{env}-tools"))
            .send()
            .await
            .unwrap();
        let status = pitr
            .continuous_backups_description
            .unwrap()
            .point_in_time_recovery_description
            .unwrap()
            .point_in_time_recovery_status
            .unwrap();
        assert_eq!(status.as_str(), "ENABLED", "{env}");
    }
}

/// What a deployed Tool Manager answers through Lambda itself. moto runs Lambda code only in Docker,
/// which this machine does not have; the handlers' behaviour is covered by tests/handlers.rs instead.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "moto cannot invoke a Lambda function without Docker"]
async fn the_deployed_tool_manager_answers_health() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    let c = moto.clients().await;
    let event = r#"{"requestContext":{"http":{"method":"GET"}},"rawPath":"/health"}"#;
    let out = c
        .lambda
        .invoke()
        .function_name("dtr-dev-tool-manager")
        .payload(aws_sdk_lambda::primitives::Blob::new(event))
        .send()
        .await
        .unwrap();
    let body = String::from_utf8(out.payload.unwrap().into_inner()).unwrap();
    assert!(body.contains("\"statusCode\": 200"), "{body}");
}

/// Independent resources run at once (their starts come before the first finish); with
/// `--parallelism 1` every action finishes before the next starts.
#[tokio::test(flavor = "multi_thread")]
async fn independent_actions_run_in_parallel_up_to_the_limit() {
    let overlap = |stderr: &str| {
        let events: Vec<bool> = stderr
            .lines()
            .filter_map(|l| {
                if l.ends_with(": creating...") {
                    Some(true)
                } else if l.contains(": created (") {
                    Some(false)
                } else {
                    None
                }
            })
            .collect();
        events.iter().take_while(|started| **started).count()
    };
    let moto = Moto::start();
    let project = ready(&moto);
    let parallel = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "dev", "--auto-approve"],
    )
    .expect_code(0);
    assert!(
        overlap(&parallel.stderr) >= 5,
        "the roots start together:\n{}",
        parallel.stderr
    );
    dtr_run(
        &moto,
        &project,
        &["destroy", "--env", "dev", "--auto-approve"],
    )
    .expect_code(0);
    let serial = dtr_run(
        &moto,
        &project,
        &[
            "apply",
            "--env",
            "dev",
            "--auto-approve",
            "--parallelism",
            "1",
        ],
    )
    .expect_code(0);
    assert_eq!(
        overlap(&serial.stderr),
        1,
        "one at a time:\n{}",
        serial.stderr
    );
}

/// A bucket holding artifacts is not deleted unless the configuration says `force_destroy: true`.
#[tokio::test(flavor = "multi_thread")]
async fn a_non_empty_bucket_is_kept_without_force_destroy() {
    let moto = Moto::start();
    let project = ready(&moto);
    project.edit(
        "environments/dev.yaml",
        "force_destroy_artifacts: true",
        "force_destroy_artifacts: false",
    );
    apply(&moto, &project);
    let c = moto.clients().await;
    let bucket = "dtr-dev-artifacts-123456789012";
    c.s3.put_object()
        .bucket(bucket)
        .key("code/abc")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let r = dtr_run(
        &moto,
        &project,
        &["destroy", "--env", "dev", "--auto-approve"],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains("is not empty; set `force_destroy: true`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("32 destroyed, 1 failed"),
        "everything else went: {}",
        r.stderr
    );
    assert!(
        c.s3.head_bucket().bucket(bucket).send().await.is_ok(),
        "the artifacts are still there"
    );
}

/// A no-op plan reads each resource with the fewest calls that see drift in what dtr manages, and
/// `--stats` counts them: 70 calls for the 33 resources of dev (README lists the calls per type).
#[tokio::test(flavor = "multi_thread")]
async fn stats_count_the_calls_of_a_no_op_plan() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    let r = dtr_run(
        &moto,
        &project,
        &[
            "plan",
            "--env",
            "dev",
            "--lock=false",
            "--stats",
            "--detailed-exitcode",
        ],
    )
    .expect_code(0);
    // Reads run side by side: the critical path is the account check and the state read, then the
    // costliest single read (the bucket's eight settings).
    assert!(
        r.stderr
            .contains("AWS API calls: 70 (critical path: 10 calls one after another)\n"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("      1  S3 HeadBucket"), "{}", r.stderr);
    assert!(
        r.stderr.contains("      9  CloudWatch DescribeAlarms"),
        "{}",
        r.stderr
    );
}
