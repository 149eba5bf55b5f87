//! `api_route`: a route of an API to an integration, found again by its route key.

use super::{child, find_child, list_children, no_blind_retry, split};
use crate::model::api::ApiRouteSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, found, ignore_not_found};
use aws_sdk_apigatewayv2::types as gw;
use serde_json::Value;
use std::collections::BTreeMap;

impl ResourceType for ApiRouteSpec {
    const FORCE_NEW: &'static [&'static str] = &["api_id"];
    const IDENTITY: &'static [&'static str] = &["api_id", "route_key"];
    const BATCH: usize = 100;
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_apigatewayv2_route",
        physical_id: |a| Some(format!("{}/{}", tf_attr(a, "api_id")?, tf_attr(a, "id")?)),
        folded: &[],
    });

    fn physical_id(_: &Value) -> Option<String> {
        None
    }

    async fn read(clients: &Clients, id: &str) -> Result<Option<Live<Self>>> {
        let (api, route) = split(id);
        let r = clients
            .apigateway
            .get_route()
            .api_id(api)
            .route_id(route)
            .send()
            .await;
        let Some(out) = found(r.map_err(|e| aws_error("GetRoute", format!("route {id}"), e)))?
        else {
            return Ok(None);
        };
        let spec = spec_of(api, out.route_key, out.target, out.authorizer_id);
        Ok(Some(child(id, spec, "id")))
    }

    /// One GetRoutes per API (a page holds them all but for the largest APIs).
    async fn read_batch(
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Option<Live<Self>>>> {
        let client = &clients.apigateway;
        Ok(list_children(ids, "id", async |api_id, token| {
            let p = client
                .get_routes()
                .api_id(&api_id)
                .set_next_token(token)
                .send()
                .await;
            let p = p.map_err(|e| aws_error("GetRoutes", format!("routes of api {api_id}"), e))?;
            let routes = p.items.unwrap_or_default().into_iter().map(|r| {
                let spec = spec_of(&api_id, r.route_key, r.target, r.authorizer_id);
                (r.route_id.unwrap_or_default(), spec)
            });
            Ok((routes.collect(), p.next_token))
        })
        .await?)
    }

    async fn discover(clients: &Clients, props: &Value) -> Result<Option<String>> {
        let client = &clients.apigateway;
        Ok(find_child(props, Self::IDENTITY, async |api_id, token| {
            let p = client
                .get_routes()
                .api_id(&api_id)
                .set_next_token(token)
                .send()
                .await;
            let p = p.map_err(|e| aws_error("GetRoutes", format!("routes of api {api_id}"), e))?;
            let pairs = p
                .items()
                .iter()
                .map(|r| (r.route_key.clone(), r.route_id.clone()));
            Ok((pairs.collect(), p.next_token.clone()))
        })
        .await?)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        let id = clients
            .apigateway
            .create_route()
            .api_id(&spec.api_id)
            .route_key(&spec.route_key)
            .target(target(spec))
            .authorization_type(authorization(spec))
            .set_authorizer_id(spec.authorizer_id.clone())
            .customize()
            .config_override(no_blind_retry())
            .send()
            .await
            .map_err(|e| aws_error("CreateRoute", what(spec), e))?
            .route_id
            .unwrap_or_default();
        reread(clients, &format!("{}/{id}", spec.api_id)).await
    }

    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        clients
            .apigateway
            .update_route()
            .api_id(&desired.api_id)
            .route_id(split(&live.physical_id).1)
            .route_key(&desired.route_key)
            .target(target(desired))
            .authorization_type(authorization(desired))
            .authorizer_id(desired.authorizer_id.clone().unwrap_or_default())
            .send()
            .await
            .map_err(|e| aws_error("UpdateRoute", what(desired), e))?;
        reread(clients, &live.physical_id).await
    }

    async fn delete(clients: &Clients, id: &str, _force: bool) -> Result<()> {
        let (api, route) = split(id);
        let r = clients
            .apigateway
            .delete_route()
            .api_id(api)
            .route_id(route)
            .send()
            .await;
        Ok(ignore_not_found(
            r.map_err(|e| aws_error("DeleteRoute", id, e)),
        )?)
    }
}

/// A route as GetRoute and GetRoutes report it.
fn spec_of(
    api: &str,
    route_key: Option<String>,
    target: Option<String>,
    authorizer_id: Option<String>,
) -> ApiRouteSpec {
    ApiRouteSpec {
        api_id: api.to_string(),
        route_key: route_key.unwrap_or_default(),
        integration_id: target
            .unwrap_or_default()
            .trim_start_matches("integrations/")
            .to_string(),
        authorizer_id: authorizer_id.filter(|a| !a.is_empty()),
    }
}

fn what(spec: &ApiRouteSpec) -> String {
    format!("route {} of api {}", spec.route_key, spec.api_id)
}

fn target(spec: &ApiRouteSpec) -> String {
    format!("integrations/{}", spec.integration_id)
}

fn authorization(spec: &ApiRouteSpec) -> gw::AuthorizationType {
    match spec.authorizer_id {
        Some(_) => gw::AuthorizationType::Custom,
        None => gw::AuthorizationType::None,
    }
}
