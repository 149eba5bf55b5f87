//! Every managed attribute of the HTTP API, its stage, its authorizer, its integration and a route,
//! changed outside dtr, is in the next plan as drift (issue 15: drift coverage must not shrink as
//! reads are batched).
//!
//! Not covered, and why:
//! - every child's `api_id`: the API it belongs to (force-new); a child cannot move to another API.
//! - api_stage `name`: its identity (force-new).

mod common;

use aws_sdk_apigatewayv2::types as gw;
use common::drift::{assert_drift, assert_drift_within, plan_json};
use common::{deployed, route_id, Moto};
use dtr::provider::aws::Clients;

const API: &str = "dtr-local-tools-api";
const FUNCTIONS: &str = "arn:aws:lambda:us-east-1:123456789012:function";

async fn api_id(c: &Clients) -> String {
    let apis = c.apigateway.get_apis().send().await.unwrap();
    apis.items()
        .iter()
        .find(|a| a.name() == Some(API))
        .and_then(|a| a.api_id())
        .unwrap_or_else(|| panic!("no API {API}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_an_api_and_its_stage_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await;
    let id = api_id(&c).await;
    let cors = gw::Cors::builder()
        .allow_origins("https://elsewhere.example")
        .allow_methods("PUT")
        .allow_headers("x-by-hand")
        .expose_headers("x-exposed")
        .max_age(60)
        .allow_credentials(true)
        .build();
    c.apigateway
        .update_api()
        .api_id(&id)
        .name("renamed-by-hand")
        .description("changed by hand")
        .cors_configuration(cors)
        .send()
        .await
        .unwrap();
    c.apigateway
        .tag_resource()
        .resource_arn(format!("arn:aws:apigateway:us-east-1::/apis/{id}"))
        .tags("owner", "someone-else")
        .send()
        .await
        .unwrap();
    let logs = gw::AccessLogSettings::builder()
        .destination_arn("arn:aws:logs:us-east-1:123456789012:log-group:by-hand")
        .format("$context.requestId")
        .build();
    let throttling = gw::RouteSettings::builder()
        .throttling_burst_limit(1)
        .throttling_rate_limit(1.0)
        .build();
    c.apigateway
        .update_stage()
        .api_id(&id)
        .stage_name("$default")
        .auto_deploy(false)
        .access_log_settings(logs)
        .default_route_settings(throttling)
        .send()
        .await
        .unwrap();
    c.apigateway
        .tag_resource()
        .resource_arn(format!(
            "arn:aws:apigateway:us-east-1::/apis/{id}/stages/$default"
        ))
        .tags("owner", "someone-else")
        .send()
        .await
        .unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "module.api.http_api.api",
        &["name", "description", "cors", "tags"],
    );
    assert_drift_within(
        &plan,
        "module.api.http_api.api",
        "cors",
        &[
            "allow_origins",
            "allow_methods",
            "allow_headers",
            "expose_headers",
            "max_age_seconds",
            "allow_credentials",
        ],
    );
    assert_drift(
        &plan,
        "module.api.api_stage.default",
        &[
            "auto_deploy",
            "access_log_group_arn",
            "access_log_format",
            "throttling",
            "tags",
        ],
    );
    assert_drift_within(
        &plan,
        "module.api.api_stage.default",
        "throttling",
        &["burst_limit", "rate_limit"],
    );
}

/// The authorizer and the integration are pointed at the other function, and the open health route
/// at a new integration behind the authorizer under another key.
#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_an_authorizer_an_integration_and_a_route_changed_outside_dtr_is_drift()
{
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await;
    let gw = &c.apigateway;
    let id = api_id(&c).await;
    let authorizers = gw.get_authorizers().api_id(&id).send().await.unwrap();
    let authorizer = authorizers.items()[0].authorizer_id().unwrap().to_string();
    let uri = |function: &str| {
        format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTIONS}:{function}/invocations"
        )
    };
    gw.update_authorizer()
        .api_id(&id)
        .authorizer_id(&authorizer)
        .name("renamed-by-hand")
        .authorizer_uri(uri("dtr-local-tool-manager"))
        .identity_source("$request.header.X-Key")
        .authorizer_result_ttl_in_seconds(60)
        .send()
        .await
        .unwrap();
    let integrations = gw.get_integrations().api_id(&id).send().await.unwrap();
    let integration = integrations.items()[0]
        .integration_id()
        .unwrap()
        .to_string();
    gw.update_integration()
        .api_id(&id)
        .integration_id(&integration)
        .integration_uri(format!("{FUNCTIONS}:dtr-local-authorizer"))
        .timeout_in_millis(5000)
        .send()
        .await
        .unwrap();
    let other = gw
        .create_integration()
        .api_id(&id)
        .integration_type(gw::IntegrationType::AwsProxy)
        .integration_uri(format!("{FUNCTIONS}:dtr-local-monitoring"))
        .payload_format_version("2.0")
        .send()
        .await
        .unwrap();
    let route = route_id(&c, &id, "GET /health").await;
    gw.update_route()
        .api_id(&id)
        .route_id(&route)
        .route_key("GET /by-hand")
        .target(format!("integrations/{}", other.integration_id().unwrap()))
        .authorization_type(gw::AuthorizationType::Custom)
        .authorizer_id(&authorizer)
        .send()
        .await
        .unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "module.api.api_authorizer.api_key",
        &[
            "name",
            "function_arn",
            "identity_sources",
            "result_ttl_seconds",
        ],
    );
    assert_drift(
        &plan,
        "module.api.api_integration.tool_manager",
        &["function_arn", "timeout_ms"],
    );
    assert_drift(
        &plan,
        "module.api.api_route.health",
        &["route_key", "integration_id", "authorizer_id"],
    );
}
