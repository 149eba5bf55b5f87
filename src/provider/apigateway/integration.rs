//! `api_integration`: a Lambda proxy integration of an API, found again by the function it calls.

use super::{child, find_child, list_children, no_blind_retry, split};
use crate::model::api::ApiIntegrationSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, found, ignore_not_found};
use aws_sdk_apigatewayv2::types as gw;
use serde_json::Value;
use std::collections::BTreeMap;

impl ResourceType for ApiIntegrationSpec {
    const FORCE_NEW: &'static [&'static str] = &["api_id"];
    const IDENTITY: &'static [&'static str] = &["api_id", "function_arn"];
    const BATCH: usize = 100;
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_apigatewayv2_integration",
        physical_id: |a| Some(format!("{}/{}", tf_attr(a, "api_id")?, tf_attr(a, "id")?)),
        folded: &[],
    });

    fn physical_id(_: &Value) -> Option<String> {
        None
    }

    async fn read(clients: &Clients, id: &str) -> Result<Option<Live<Self>>> {
        let (api, integration) = split(id);
        let r = clients
            .apigateway
            .get_integration()
            .api_id(api)
            .integration_id(integration)
            .send()
            .await;
        let what = format!("integration {id}");
        let Some(out) = found(r.map_err(|e| aws_error("GetIntegration", what, e)))? else {
            return Ok(None);
        };
        let spec = spec_of(api, out.integration_uri, out.timeout_in_millis);
        Ok(Some(child(id, spec, "id")))
    }

    /// One GetIntegrations per API.
    async fn read_batch(
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Option<Live<Self>>>> {
        let client = &clients.apigateway;
        Ok(list_children(ids, "id", async |api_id, token| {
            let p = client
                .get_integrations()
                .api_id(&api_id)
                .set_next_token(token)
                .send()
                .await;
            let what = format!("integrations of api {api_id}");
            let p = p.map_err(|e| aws_error("GetIntegrations", what, e))?;
            let integrations = p.items.unwrap_or_default().into_iter().map(|i| {
                let spec = spec_of(&api_id, i.integration_uri, i.timeout_in_millis);
                (i.integration_id.unwrap_or_default(), spec)
            });
            Ok((integrations.collect(), p.next_token))
        })
        .await?)
    }

    async fn discover(clients: &Clients, props: &Value) -> Result<Option<String>> {
        let client = &clients.apigateway;
        Ok(find_child(props, Self::IDENTITY, async |api_id, token| {
            let p = client
                .get_integrations()
                .api_id(&api_id)
                .set_next_token(token)
                .send()
                .await;
            let p = p.map_err(|e| {
                aws_error(
                    "GetIntegrations",
                    format!("integrations of api {api_id}"),
                    e,
                )
            })?;
            let pairs = p
                .items()
                .iter()
                .map(|i| (i.integration_uri.clone(), i.integration_id.clone()));
            Ok((pairs.collect(), p.next_token.clone()))
        })
        .await?)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        let id = clients
            .apigateway
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
            .map_err(|e| aws_error("CreateIntegration", what(spec), e))?
            .integration_id
            .unwrap_or_default();
        reread(clients, &format!("{}/{id}", spec.api_id)).await
    }

    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        clients
            .apigateway
            .update_integration()
            .api_id(&desired.api_id)
            .integration_id(split(&live.physical_id).1)
            .integration_uri(&desired.function_arn)
            .timeout_in_millis(desired.timeout_ms)
            .send()
            .await
            .map_err(|e| aws_error("UpdateIntegration", what(desired), e))?;
        reread(clients, &live.physical_id).await
    }

    async fn delete(clients: &Clients, id: &str, _force: bool) -> Result<()> {
        let (api, integration) = split(id);
        let r = clients
            .apigateway
            .delete_integration()
            .api_id(api)
            .integration_id(integration)
            .send()
            .await;
        Ok(ignore_not_found(
            r.map_err(|e| aws_error("DeleteIntegration", id, e)),
        )?)
    }
}

fn what(spec: &ApiIntegrationSpec) -> String {
    format!("integration of api {}", spec.api_id)
}

/// An integration as GetIntegration and GetIntegrations report it.
fn spec_of(api: &str, uri: Option<String>, timeout_ms: Option<i32>) -> ApiIntegrationSpec {
    ApiIntegrationSpec {
        api_id: api.to_string(),
        function_arn: uri.unwrap_or_default(),
        timeout_ms: timeout_ms.unwrap_or(30000),
    }
}
