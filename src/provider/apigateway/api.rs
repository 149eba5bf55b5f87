//! `http_api`: GetApi (1 call) reads it; its id is AWS's, so one created but never recorded is found
//! again by the `dtr:*` tags it was created with.

use super::{converge_tags, no_blind_retry};
use crate::model::api::{Cors, HttpApiSpec};
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, found, ignore_not_found, AwsError};
use aws_sdk_apigatewayv2::types as gw;
use aws_sdk_apigatewayv2::Client;
use serde_json::Value;
use std::collections::BTreeMap;

impl ResourceType for HttpApiSpec {
    const FORCE_NEW: &'static [&'static str] = &[];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_apigatewayv2_api",
        physical_id: |a| tf_attr(a, "id"),
        folded: &[],
    });

    /// AWS chooses the id: known once created.
    fn physical_id(_: &Value) -> Option<String> {
        None
    }

    async fn read(clients: &Clients, id: &str) -> Result<Option<Live<Self>>> {
        let account = clients.account_id().await?;
        Ok(read(&clients.apigateway, id, &clients.region, &account).await?)
    }

    /// The API carrying exactly these `dtr:*` tags.
    async fn discover(clients: &Clients, props: &Value) -> Result<Option<String>> {
        let tags: BTreeMap<String, String> = props
            .get("tags")
            .and_then(|t| serde_json::from_value::<BTreeMap<String, String>>(t.clone()).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k.starts_with("dtr:"))
            .collect();
        Ok(find_by_tags(&clients.apigateway, &tags).await?)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        let id = create(&clients.apigateway, spec).await?;
        reread(clients, &id).await
    }

    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        let id = &live.physical_id;
        update(
            &clients.apigateway,
            id,
            &clients.region,
            desired,
            &live.spec,
        )
        .await?;
        reread(clients, id).await
    }

    async fn delete(clients: &Clients, id: &str, _force: bool) -> Result<()> {
        let r = clients.apigateway.delete_api().api_id(id).send().await;
        Ok(ignore_not_found(r.map_err(|e| {
            aws_error("DeleteApi", format!("api {id}"), e)
        }))?)
    }

    /// Header names are case-insensitive; order means nothing anywhere here.
    fn canonical(mut self) -> Self {
        if let Some(c) = self.cors.as_mut() {
            let lower = |v: &[String]| sorted(v.iter().map(|h| h.to_lowercase()).collect());
            c.allow_headers = lower(&c.allow_headers);
            c.expose_headers = lower(&c.expose_headers);
            c.allow_methods = sorted(c.allow_methods.clone());
            c.allow_origins = sorted(c.allow_origins.clone());
        }
        self
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn arn(region: &str, api_id: &str) -> String {
    format!("arn:aws:apigateway:{region}::/apis/{api_id}")
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

/// The API and its outputs: id, endpoint, execution ARN.
async fn read(
    client: &Client,
    id: &str,
    region: &str,
    account: &str,
) -> Result<Option<Live<HttpApiSpec>>, AwsError> {
    let r = client.get_api().api_id(id).send().await;
    let Some(out) = found(r.map_err(|e| aws_error("GetApi", format!("api {id}"), e)))? else {
        return Ok(None);
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
    let mut live = Live::with_output(id, spec.canonical(), "id", id);
    live.outputs.insert(
        "endpoint".to_string(),
        out.api_endpoint.clone().unwrap_or_default(),
    );
    live.outputs.insert(
        "execution_arn".to_string(),
        format!("arn:aws:execute-api:{region}:{account}:{id}"),
    );
    Ok(Some(live))
}

/// The id of the API carrying exactly these `dtr:*` tags, if one exists.
async fn find_by_tags(
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

async fn create(client: &Client, spec: &HttpApiSpec) -> Result<String, AwsError> {
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

/// `UpdateApi` when a setting other than the tags differs; CORS removed by its own call; the tags
/// through the tagging calls.
async fn update(
    client: &Client,
    id: &str,
    region: &str,
    desired: &HttpApiSpec,
    current: &HttpApiSpec,
) -> Result<(), AwsError> {
    let what = format!("api {id}");
    let settings = |s: &HttpApiSpec| HttpApiSpec {
        tags: BTreeMap::new(),
        // Removing CORS is its own call, below.
        cors: desired.cors.as_ref().and(s.cors.clone()),
        ..s.clone()
    };
    if settings(desired) != settings(current) {
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
        &arn(region, id),
        &desired.tags,
        &current.tags,
        &what,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::adapter::compared;

    fn spec(origins: &[&str], headers: &[&str]) -> HttpApiSpec {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        HttpApiSpec {
            name: "tools".into(),
            description: None,
            cors: Some(Cors {
                allow_origins: list(origins),
                allow_methods: list(&["POST", "GET"]),
                allow_headers: list(headers),
                expose_headers: list(headers),
                max_age_seconds: 300,
                allow_credentials: false,
            }),
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn cors_header_case_and_list_order_are_not_differences() {
        let want = spec(
            &["https://b", "https://a"],
            &["Content-Type", "Authorization"],
        );
        let have = spec(
            &["https://a", "https://b"],
            &["authorization", "content-type"],
        );
        let c = compared(&want, &have);
        assert_eq!(Some(c.desired), c.observed);
    }

    #[test]
    fn a_cors_origin_updates_the_api_in_place_and_so_does_its_name() {
        let c = compared(&spec(&["https://a"], &[]), &spec(&["https://b"], &[]));
        assert!(c.replace_reasons.is_empty() && Some(c.desired) != c.observed);
        let renamed = HttpApiSpec {
            name: "other".into(),
            ..spec(&[], &[])
        };
        assert!(compared(&renamed, &spec(&[], &[]))
            .replace_reasons
            .is_empty());
    }
}
