//! `api_authorizer`: a Lambda REQUEST authorizer of an API, found again by its name within the API.

use super::{child, find_child, invocation_uri, no_blind_retry, split};
use crate::model::api::ApiAuthorizerSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, found, ignore_not_found};
use aws_sdk_apigatewayv2::types as gw;
use serde_json::Value;

impl ResourceType for ApiAuthorizerSpec {
    const FORCE_NEW: &'static [&'static str] = &["api_id"];
    const IDENTITY: &'static [&'static str] = &["api_id", "name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_apigatewayv2_authorizer",
        physical_id: |a| Some(format!("{}/{}", tf_attr(a, "api_id")?, tf_attr(a, "id")?)),
        folded: &[],
    });

    fn physical_id(_: &Value) -> Option<String> {
        None
    }

    async fn read(clients: &Clients, id: &str) -> Result<Option<Live<Self>>> {
        let (api, auth) = split(id);
        let r = clients
            .apigateway
            .get_authorizer()
            .api_id(api)
            .authorizer_id(auth)
            .send()
            .await;
        let Some(out) =
            found(r.map_err(|e| aws_error("GetAuthorizer", format!("authorizer {id}"), e)))?
        else {
            return Ok(None);
        };
        let uri = out.authorizer_uri.unwrap_or_default();
        let spec = ApiAuthorizerSpec {
            api_id: api.to_string(),
            name: out.name.unwrap_or_default(),
            function_arn: uri
                .split_once("functions/")
                .map(|(_, rest)| rest.trim_end_matches("/invocations").to_string())
                .unwrap_or(uri),
            identity_sources: out.identity_source.unwrap_or_default(),
            result_ttl_seconds: out.authorizer_result_ttl_in_seconds.unwrap_or_default(),
        };
        Ok(Some(child(id, spec, "id")))
    }

    async fn discover(clients: &Clients, props: &Value) -> Result<Option<String>> {
        let client = &clients.apigateway;
        Ok(find_child(props, Self::IDENTITY, async |api_id, token| {
            let p = client
                .get_authorizers()
                .api_id(&api_id)
                .set_next_token(token)
                .send()
                .await;
            let p = p.map_err(|e| {
                aws_error("GetAuthorizers", format!("authorizers of api {api_id}"), e)
            })?;
            let pairs = p
                .items()
                .iter()
                .map(|a| (a.name.clone(), a.authorizer_id.clone()));
            Ok((pairs.collect(), p.next_token.clone()))
        })
        .await?)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        let id = clients
            .apigateway
            .create_authorizer()
            .api_id(&spec.api_id)
            .name(&spec.name)
            .authorizer_type(gw::AuthorizerType::Request)
            .authorizer_uri(invocation_uri(&clients.region, &spec.function_arn))
            .set_identity_source(Some(spec.identity_sources.clone()))
            .authorizer_payload_format_version("2.0")
            .enable_simple_responses(true)
            .authorizer_result_ttl_in_seconds(spec.result_ttl_seconds)
            .customize()
            .config_override(no_blind_retry())
            .send()
            .await
            .map_err(|e| aws_error("CreateAuthorizer", what(spec), e))?
            .authorizer_id
            .unwrap_or_default();
        reread(clients, &format!("{}/{id}", spec.api_id)).await
    }

    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        clients
            .apigateway
            .update_authorizer()
            .api_id(&desired.api_id)
            .authorizer_id(split(&live.physical_id).1)
            .name(&desired.name)
            .authorizer_uri(invocation_uri(&clients.region, &desired.function_arn))
            .set_identity_source(Some(desired.identity_sources.clone()))
            .authorizer_result_ttl_in_seconds(desired.result_ttl_seconds)
            .send()
            .await
            .map_err(|e| aws_error("UpdateAuthorizer", what(desired), e))?;
        reread(clients, &live.physical_id).await
    }

    async fn delete(clients: &Clients, id: &str, _force: bool) -> Result<()> {
        let (api, auth) = split(id);
        let r = clients
            .apigateway
            .delete_authorizer()
            .api_id(api)
            .authorizer_id(auth)
            .send()
            .await;
        Ok(ignore_not_found(
            r.map_err(|e| aws_error("DeleteAuthorizer", id, e)),
        )?)
    }
}

fn what(spec: &ApiAuthorizerSpec) -> String {
    format!("authorizer {} of api {}", spec.name, spec.api_id)
}
