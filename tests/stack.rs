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
        first.stderr.contains("Complete apply: 19 added"),
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
    assert_eq!(groups.log_groups().len(), 3);
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
    assert_eq!(alarms.metric_alarms().len(), 7);
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
    assert!(dash
        .dashboard_body
        .unwrap()
        .contains("dtr-dev-tool-manager"));

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
    assert!(r.stderr.contains("19 destroyed"), "{}", r.stderr);
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
