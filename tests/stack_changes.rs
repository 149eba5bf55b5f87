//! A deployed local stack changed afterwards: one handler edit redeploys exactly that function, and
//! drift on each resource type behind dtr's back is shown by plan and repaired by apply.

mod common;

use common::snapshot::redact;
use common::{apply_dev, assert_converged, bootstrapped, plan_dev, Moto};

#[tokio::test(flavor = "multi_thread")]
async fn editing_one_handler_redeploys_exactly_that_function() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    apply_dev(&moto, &project);
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
        sha("dtr-local-tool-manager").await,
        sha("dtr-local-authorizer").await,
    );
    let handler = "stacks/dynamic-tool-runtime/functions/authorizer/handler.py";
    project.write(
        handler,
        &format!(
            "{}\n# a comment changes the package\n",
            project.read(handler)
        ),
    );

    // Only the authorizer changes, and only its code.
    let plan = plan_dev(&moto, &project).expect_code(2);
    insta::assert_snapshot!(redact(&plan.stdout));
    apply_dev(&moto, &project);
    assert_ne!(
        sha("dtr-local-authorizer").await,
        auth,
        "the authorizer was redeployed"
    );
    assert_eq!(sha("dtr-local-tool-manager").await, tm, "nothing else was");
}

/// Change one thing of each resource type behind dtr's back: plan shows every one, apply repairs them.
#[tokio::test(flavor = "multi_thread")]
async fn drift_on_each_resource_type_is_shown_and_repaired() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    apply_dev(&moto, &project);
    let c = moto.clients().await;
    let bucket = "dtr-local-artifacts-123456789012";
    c.s3.delete_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    c.iam
        .put_role_policy()
        .role_name("dtr-local-authorizer")
        .policy_name("sneaky")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    c.logs
        .put_retention_policy()
        .log_group_name("/aws/lambda/dtr-local-monitoring")
        .retention_in_days(1)
        .send()
        .await
        .unwrap();
    c.lambda
        .update_function_configuration()
        .function_name("dtr-local-monitoring")
        .memory_size(1024)
        .send()
        .await
        .unwrap();
    c.lambda
        .remove_permission()
        .function_name("dtr-local-authorizer")
        .statement_id("allow-api-gateway-authorizer")
        .send()
        .await
        .unwrap();
    c.cloudwatch
        .delete_alarms()
        .alarm_names("dtr-local-monitoring-throttles")
        .send()
        .await
        .unwrap();
    c.cloudwatch
        .put_dashboard()
        .dashboard_name("dtr-local-overview")
        .dashboard_body(r#"{"widgets":[]}"#)
        .send()
        .await
        .unwrap();
    c.dynamodb
        .update_table()
        .table_name("dtr-local-tools")
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
    let health = common::route_id(&c, &api_id, "GET /health").await;
    c.apigateway
        .delete_route()
        .api_id(&api_id)
        .route_id(&health)
        .send()
        .await
        .unwrap();

    // Every drift, each on its resource: the changed attributes with their live and configured
    // values, and the deleted resources to be created again.
    let plan = plan_dev(&moto, &project).expect_code(2);
    insta::assert_snapshot!(redact(&plan.stdout));
    apply_dev(&moto, &project);
    assert_converged(&moto, &project, "local", "apply repaired every drift");
    let policies = c
        .iam
        .list_role_policies()
        .role_name("dtr-local-authorizer")
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
