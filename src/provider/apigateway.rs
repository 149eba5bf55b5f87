//! API Gateway v2: the HTTP API and its authorizer, integration, routes and stage. Children are
//! addressed `<api id>/<child id>` (a stage by name). The API's id is chosen by AWS, so an API created
//! but never recorded is found again by its `dtr:*` tags.

use super::{aws_error, AwsError};
use crate::model::api::{
    ApiAuthorizerSpec, ApiIntegrationSpec, ApiRouteSpec, ApiStageSpec, Cors, HttpApiSpec,
};
use aws_sdk_apigatewayv2::types as gw;
use aws_sdk_apigatewayv2::Client;
use std::collections::BTreeMap;

fn not_found<T>(e: AwsError) -> Result<Option<T>, AwsError> {
    super::found(Err(e))
}

fn split(id: &str) -> (&str, &str) {
    id.split_once('/').unwrap_or((id, ""))
}

pub fn api_arn(region: &str, api_id: &str) -> String {
    format!("arn:aws:apigateway:{region}::/apis/{api_id}")
}

/// The ARN API Gateway invokes a Lambda authorizer through.
pub fn invocation_uri(region: &str, function_arn: &str) -> String {
    format!(
        "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
}

fn function_of(uri: &str) -> String {
    uri.split_once("functions/")
        .map(|(_, rest)| rest.trim_end_matches("/invocations").to_string())
        .unwrap_or_else(|| uri.to_string())
}

fn cors(c: &Cors) -> gw::Cors {
    gw::Cors::builder()
        .set_allow_origins(Some(c.allow_origins.clone()))
        .set_allow_methods(Some(c.allow_methods.clone()))
        .set_allow_headers(Some(c.allow_headers.clone()))
        .set_expose_headers(Some(c.expose_headers.clone()))
        .max_age(c.max_age_seconds)
        .allow_credentials(c.allow_credentials)
        .build()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

pub fn canonical_api(spec: &HttpApiSpec) -> HttpApiSpec {
    let mut spec = spec.clone();
    if let Some(c) = spec.cors.as_mut() {
        // Header names are case-insensitive; order means nothing anywhere here.
        c.allow_headers = sorted(c.allow_headers.iter().map(|h| h.to_lowercase()).collect());
        c.expose_headers = sorted(c.expose_headers.iter().map(|h| h.to_lowercase()).collect());
        c.allow_methods = sorted(c.allow_methods.clone());
        c.allow_origins = sorted(c.allow_origins.clone());
    }
    spec
}

/// The API (1 call: GetApi) and its outputs: id, endpoint, execution ARN.
pub async fn read_api(
    client: &Client,
    id: &str,
    region: &str,
    account: &str,
) -> Result<Option<(HttpApiSpec, BTreeMap<String, String>)>, AwsError> {
    let out = match client.get_api().api_id(id).send().await {
        Ok(out) => out,
        Err(e) => return not_found(aws_error("GetApi", format!("api {id}"), e)),
    };
    let spec = HttpApiSpec {
        name: out.name.clone().unwrap_or_default(),
        description: out.description.clone().filter(|d| !d.is_empty()),
        cors: out.cors_configuration.as_ref().map(|c| Cors {
            allow_origins: c.allow_origins().to_vec(),
            allow_methods: c.allow_methods().to_vec(),
            allow_headers: c.allow_headers().to_vec(),
            expose_headers: c.expose_headers().to_vec(),
            max_age_seconds: c.max_age.unwrap_or_default(),
            allow_credentials: c.allow_credentials.unwrap_or_default(),
        }),
        tags: out.tags.clone().unwrap_or_default().into_iter().collect(),
    };
    let outputs = BTreeMap::from([
        ("id".to_string(), id.to_string()),
        (
            "endpoint".to_string(),
            out.api_endpoint.clone().unwrap_or_default(),
        ),
        (
            "execution_arn".to_string(),
            format!("arn:aws:execute-api:{region}:{account}:{id}"),
        ),
    ]);
    Ok(Some((canonical_api(&spec), outputs)))
}

/// The id of the API carrying exactly these `dtr:*` tags, if one exists.
pub async fn find_api_by_tags(
    client: &Client,
    wanted: &BTreeMap<String, String>,
) -> Result<Option<String>, AwsError> {
    let mut token = None;
    loop {
        let page = client
            .get_apis()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_error("GetApis", "apis", e))?;
        for api in page.items() {
            let tags = api.tags.clone().unwrap_or_default();
            if wanted.iter().all(|(k, v)| tags.get(k) == Some(v)) {
                return Ok(api.api_id.clone());
            }
        }
        token = page.next_token;
        if token.is_none() {
            return Ok(None);
        }
    }
}

/// A child of an API, found by what identifies it within the API (an apply interrupted between
/// creating it and recording it): the route with this key, the authorizer with this name, the
/// integration calling this function. Children take no tags; they are ours because their API is.
pub enum ChildKey<'a> {
    Route { route_key: &'a str },
    Authorizer { name: &'a str },
    Integration { function_arn: &'a str },
}

/// `<api>/<child id>` of the child `key` names, if the API has one.
pub async fn find_child(
    client: &Client,
    api_id: &str,
    key: &ChildKey<'_>,
) -> Result<Option<String>, AwsError> {
    let what = |children: &str| format!("{children} of api {api_id}");
    let mut token = None;
    loop {
        // One page of (key, id) pairs, and the token of the next page.
        type Page = (Vec<(Option<String>, Option<String>)>, Option<String>);
        let (wanted, page): (&str, Result<Page, AwsError>) = match key {
            ChildKey::Route { route_key } => (
                route_key,
                client
                    .get_routes()
                    .api_id(api_id)
                    .set_next_token(token)
                    .send()
                    .await
                    .map(|p| {
                        let items = p.items().iter();
                        let pairs = items.map(|r| (r.route_key.clone(), r.route_id.clone()));
                        (pairs.collect(), p.next_token.clone())
                    })
                    .map_err(|e| aws_error("GetRoutes", what("routes"), e)),
            ),
            ChildKey::Authorizer { name } => (
                name,
                client
                    .get_authorizers()
                    .api_id(api_id)
                    .set_next_token(token)
                    .send()
                    .await
                    .map(|p| {
                        let items = p.items().iter();
                        let pairs = items.map(|a| (a.name.clone(), a.authorizer_id.clone()));
                        (pairs.collect(), p.next_token.clone())
                    })
                    .map_err(|e| aws_error("GetAuthorizers", what("authorizers"), e)),
            ),
            ChildKey::Integration { function_arn } => (
                function_arn,
                client
                    .get_integrations()
                    .api_id(api_id)
                    .set_next_token(token)
                    .send()
                    .await
                    .map(|p| {
                        let items = p.items().iter();
                        let pairs =
                            items.map(|i| (i.integration_uri.clone(), i.integration_id.clone()));
                        (pairs.collect(), p.next_token.clone())
                    })
                    .map_err(|e| aws_error("GetIntegrations", what("integrations"), e)),
            ),
        };
        let (pairs, next) = match page {
            Ok(page) => page,
            Err(e) => return not_found(e),
        };
        let found = pairs
            .into_iter()
            .find(|(k, _)| k.as_deref() == Some(wanted))
            .and_then(|(_, id)| id);
        if let Some(id) = found {
            return Ok(Some(format!("{api_id}/{id}")));
        }
        token = next;
        if token.is_none() {
            return Ok(None);
        }
    }
}

/// For creates AWS does not deduplicate (no client token; moto does not even refuse a second route
/// with the same key): the SDK must not retry them blindly, since a lost answer may hide a create that
/// happened. The executor looks for the resource before it tries
/// again (`exec::action::create`).
fn no_blind_retry() -> aws_sdk_apigatewayv2::config::Builder {
    aws_sdk_apigatewayv2::config::Builder::default()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

pub async fn create_api(client: &Client, spec: &HttpApiSpec) -> Result<String, AwsError> {
    let out = client
        .create_api()
        .name(&spec.name)
        .protocol_type(gw::ProtocolType::Http)
        .set_description(spec.description.clone())
        .set_cors_configuration(spec.cors.as_ref().map(cors))
        .set_tags(Some(spec.tags.clone().into_iter().collect()))
        .customize()
        .config_override(no_blind_retry())
        .send()
        .await
        .map_err(|e| aws_error("CreateApi", format!("api {}", spec.name), e))?;
    Ok(out.api_id.unwrap_or_default())
}

pub async fn update_api(
    client: &Client,
    id: &str,
    region: &str,
    desired: &HttpApiSpec,
    current: &HttpApiSpec,
) -> Result<(), AwsError> {
    let what = format!("api {id}");
    if desired.name != current.name
        || desired.description != current.description
        || (desired.cors != current.cors && desired.cors.is_some())
    {
        client
            .update_api()
            .api_id(id)
            .name(&desired.name)
            .description(desired.description.clone().unwrap_or_default())
            .set_cors_configuration(desired.cors.as_ref().map(cors))
            .send()
            .await
            .map_err(|e| aws_error("UpdateApi", &what, e))?;
    }
    if desired.cors.is_none() && current.cors.is_some() {
        client
            .delete_cors_configuration()
            .api_id(id)
            .send()
            .await
            .map_err(|e| aws_error("DeleteCorsConfiguration", &what, e))?;
    }
    converge_tags(
        client,
        &api_arn(region, id),
        &desired.tags,
        &current.tags,
        &what,
    )
    .await
}

/// Bring a resource's tags (an API's, a stage's) from `current` to `desired`.
async fn converge_tags(
    client: &Client,
    arn: &str,
    desired: &BTreeMap<String, String>,
    current: &BTreeMap<String, String>,
    what: &str,
) -> Result<(), AwsError> {
    super::converge_tags(
        desired,
        current,
        async |removed| {
            let r = client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await;
            r.map(drop).map_err(|e| aws_error("UntagResource", what, e))
        },
        async |set| {
            let r = client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await;
            r.map(drop).map_err(|e| aws_error("TagResource", what, e))
        },
    )
    .await
}

pub async fn delete_api(client: &Client, id: &str) -> Result<(), AwsError> {
    match client.delete_api().api_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) => not_found(aws_error("DeleteApi", format!("api {id}"), e)).map(|_: Option<()>| ()),
    }
}

pub async fn read_authorizer(
    client: &Client,
    id: &str,
) -> Result<Option<ApiAuthorizerSpec>, AwsError> {
    let (api, auth) = split(id);
    let out = match client
        .get_authorizer()
        .api_id(api)
        .authorizer_id(auth)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => return not_found(aws_error("GetAuthorizer", format!("authorizer {id}"), e)),
    };
    Ok(Some(ApiAuthorizerSpec {
        api_id: api.to_string(),
        name: out.name.unwrap_or_default(),
        function_arn: function_of(out.authorizer_uri.as_deref().unwrap_or_default()),
        identity_sources: out.identity_source.unwrap_or_default(),
        result_ttl_seconds: out.authorizer_result_ttl_in_seconds.unwrap_or_default(),
    }))
}

pub async fn put_authorizer(
    client: &Client,
    region: &str,
    spec: &ApiAuthorizerSpec,
    existing: Option<&str>,
) -> Result<String, AwsError> {
    let uri = invocation_uri(region, &spec.function_arn);
    let what = format!("authorizer {} of api {}", spec.name, spec.api_id);
    let id = match existing {
        None => client
            .create_authorizer()
            .api_id(&spec.api_id)
            .name(&spec.name)
            .authorizer_type(gw::AuthorizerType::Request)
            .authorizer_uri(uri)
            .set_identity_source(Some(spec.identity_sources.clone()))
            .authorizer_payload_format_version("2.0")
            .enable_simple_responses(true)
            .authorizer_result_ttl_in_seconds(spec.result_ttl_seconds)
            .customize()
            .config_override(no_blind_retry())
            .send()
            .await
            .map_err(|e| aws_error("CreateAuthorizer", &what, e))?
            .authorizer_id
            .unwrap_or_default(),
        Some(id) => {
            client
                .update_authorizer()
                .api_id(&spec.api_id)
                .authorizer_id(id)
                .name(&spec.name)
                .authorizer_uri(uri)
                .set_identity_source(Some(spec.identity_sources.clone()))
                .authorizer_result_ttl_in_seconds(spec.result_ttl_seconds)
                .send()
                .await
                .map_err(|e| aws_error("UpdateAuthorizer", &what, e))?;
            id.to_string()
        }
    };
    Ok(format!("{}/{id}", spec.api_id))
}

pub async fn read_integration(
    client: &Client,
    id: &str,
) -> Result<Option<ApiIntegrationSpec>, AwsError> {
    let (api, integration) = split(id);
    let out = match client
        .get_integration()
        .api_id(api)
        .integration_id(integration)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => return not_found(aws_error("GetIntegration", format!("integration {id}"), e)),
    };
    Ok(Some(ApiIntegrationSpec {
        api_id: api.to_string(),
        function_arn: out.integration_uri.unwrap_or_default(),
        timeout_ms: out.timeout_in_millis.unwrap_or(30000),
    }))
}

pub async fn put_integration(
    client: &Client,
    spec: &ApiIntegrationSpec,
    existing: Option<&str>,
) -> Result<String, AwsError> {
    let what = format!("integration of api {}", spec.api_id);
    let id = match existing {
        None => client
            .create_integration()
            .api_id(&spec.api_id)
            .integration_type(gw::IntegrationType::AwsProxy)
            .integration_uri(&spec.function_arn)
            .payload_format_version("2.0")
            .timeout_in_millis(spec.timeout_ms)
            .customize()
            .config_override(no_blind_retry())
            .send()
            .await
            .map_err(|e| aws_error("CreateIntegration", &what, e))?
            .integration_id
            .unwrap_or_default(),
        Some(id) => {
            client
                .update_integration()
                .api_id(&spec.api_id)
                .integration_id(id)
                .integration_uri(&spec.function_arn)
                .timeout_in_millis(spec.timeout_ms)
                .send()
                .await
                .map_err(|e| aws_error("UpdateIntegration", &what, e))?;
            id.to_string()
        }
    };
    Ok(format!("{}/{id}", spec.api_id))
}

pub async fn read_route(client: &Client, id: &str) -> Result<Option<ApiRouteSpec>, AwsError> {
    let (api, route) = split(id);
    let out = match client.get_route().api_id(api).route_id(route).send().await {
        Ok(out) => out,
        Err(e) => return not_found(aws_error("GetRoute", format!("route {id}"), e)),
    };
    Ok(Some(ApiRouteSpec {
        api_id: api.to_string(),
        route_key: out.route_key.unwrap_or_default(),
        integration_id: out
            .target
            .unwrap_or_default()
            .trim_start_matches("integrations/")
            .to_string(),
        authorizer_id: out.authorizer_id.filter(|a| !a.is_empty()),
    }))
}

pub async fn put_route(
    client: &Client,
    spec: &ApiRouteSpec,
    existing: Option<&str>,
) -> Result<String, AwsError> {
    let what = format!("route {} of api {}", spec.route_key, spec.api_id);
    let auth_type = if spec.authorizer_id.is_some() {
        gw::AuthorizationType::Custom
    } else {
        gw::AuthorizationType::None
    };
    let target = format!("integrations/{}", spec.integration_id);
    let id = match existing {
        None => client
            .create_route()
            .api_id(&spec.api_id)
            .route_key(&spec.route_key)
            .target(target)
            .authorization_type(auth_type)
            .set_authorizer_id(spec.authorizer_id.clone())
            .customize()
            .config_override(no_blind_retry())
            .send()
            .await
            .map_err(|e| aws_error("CreateRoute", &what, e))?
            .route_id
            .unwrap_or_default(),
        Some(id) => {
            client
                .update_route()
                .api_id(&spec.api_id)
                .route_id(id)
                .route_key(&spec.route_key)
                .target(target)
                .authorization_type(auth_type)
                .authorizer_id(spec.authorizer_id.clone().unwrap_or_default())
                .send()
                .await
                .map_err(|e| aws_error("UpdateRoute", &what, e))?;
            id.to_string()
        }
    };
    Ok(format!("{}/{id}", spec.api_id))
}

pub async fn read_stage(client: &Client, id: &str) -> Result<Option<ApiStageSpec>, AwsError> {
    let (api, stage) = split(id);
    let out = match client
        .get_stage()
        .api_id(api)
        .stage_name(stage)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => return not_found(aws_error("GetStage", format!("stage {id}"), e)),
    };
    let logs = out.access_log_settings.as_ref();
    Ok(Some(ApiStageSpec {
        api_id: api.to_string(),
        name: out.stage_name.clone().unwrap_or_default(),
        auto_deploy: out.auto_deploy.unwrap_or_default(),
        access_log_group_arn: logs.and_then(|l| l.destination_arn.clone()),
        access_log_format: logs.and_then(|l| l.format.clone()),
        tags: out.tags.clone().unwrap_or_default().into_iter().collect(),
    }))
}

/// A stage's ARN, which its tags hang on.
pub fn stage_arn(region: &str, api_id: &str, stage: &str) -> String {
    format!("arn:aws:apigateway:{region}::/apis/{api_id}/stages/{stage}")
}

/// Create the stage (`current` is `None`) or bring it to `spec`: `UpdateStage` only when a setting
/// other than the tags differs, the tags through the tagging calls (`UpdateStage` takes none).
pub async fn put_stage(
    client: &Client,
    region: &str,
    spec: &ApiStageSpec,
    current: Option<&ApiStageSpec>,
) -> Result<String, AwsError> {
    let what = format!("stage {} of api {}", spec.name, spec.api_id);
    let logs = spec.access_log_group_arn.as_ref().map(|arn| {
        gw::AccessLogSettings::builder()
            .destination_arn(arn)
            .set_format(spec.access_log_format.clone())
            .build()
    });
    match current {
        Some(current) => {
            let untagged = |s: &ApiStageSpec| ApiStageSpec {
                tags: BTreeMap::new(),
                ..s.clone()
            };
            if untagged(spec) != untagged(current) {
                client
                    .update_stage()
                    .api_id(&spec.api_id)
                    .stage_name(&spec.name)
                    .auto_deploy(spec.auto_deploy)
                    .set_access_log_settings(logs)
                    .send()
                    .await
                    .map_err(|e| aws_error("UpdateStage", &what, e))?;
            }
            let arn = stage_arn(region, &spec.api_id, &spec.name);
            converge_tags(client, &arn, &spec.tags, &current.tags, &what).await?;
        }
        None => {
            client
                .create_stage()
                .api_id(&spec.api_id)
                .stage_name(&spec.name)
                .auto_deploy(spec.auto_deploy)
                .set_access_log_settings(logs)
                .set_tags(Some(spec.tags.clone().into_iter().collect()))
                .send()
                .await
                .map_err(|e| aws_error("CreateStage", &what, e))?;
        }
    }
    Ok(format!("{}/{}", spec.api_id, spec.name))
}

/// Delete a child of an API: `kind` is one of authorizer, integration, route, stage.
pub async fn delete_child(client: &Client, kind: &str, id: &str) -> Result<(), AwsError> {
    let (api, child) = split(id);
    let result = match kind {
        "authorizer" => client
            .delete_authorizer()
            .api_id(api)
            .authorizer_id(child)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("DeleteAuthorizer", id, e)),
        "integration" => client
            .delete_integration()
            .api_id(api)
            .integration_id(child)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("DeleteIntegration", id, e)),
        "route" => client
            .delete_route()
            .api_id(api)
            .route_id(child)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("DeleteRoute", id, e)),
        _ => client
            .delete_stage()
            .api_id(api)
            .stage_name(child)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_error("DeleteStage", id, e)),
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) => not_found(e).map(|_: Option<()>| ()),
    }
}
