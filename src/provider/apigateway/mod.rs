//! API Gateway v2: the HTTP API and its children (authorizer, integration, routes, stage), one file
//! each. Children are addressed `<api id>/<child id>` (a stage by name); they take no tags (a stage
//! aside) and are ours because their API is. The API's id is chosen by AWS, so an API created but
//! never recorded is found again by its `dtr:*` tags, and a child by its key within the API.

mod api;
mod authorizer;
mod integration;
mod route;
mod stage;

use crate::provider::kind::{known_str, Live};
use crate::provider::{aws_error, found, AwsError};
use aws_sdk_apigatewayv2::Client;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;

/// `<api>/<child>` → (`<api>`, `<child>`).
fn split(id: &str) -> (&str, &str) {
    id.split_once('/').unwrap_or((id, ""))
}

/// A child as the engine sees it: references read `output` (`id`, a stage's `name`), the child part.
fn child<S>(physical_id: &str, spec: S, output: &str) -> Live<S> {
    Live::with_output(physical_id, spec, output, split(physical_id).1)
}

/// The ARN API Gateway invokes a Lambda function through.
fn invocation_uri(region: &str, function_arn: &str) -> String {
    format!(
        "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
}

/// For creates AWS does not deduplicate (no client token; moto does not even refuse a second route
/// with the same key): the SDK must not retry them blindly, since a lost answer may hide a create that
/// happened. The executor looks for the resource before it tries again (`exec::action::create`).
fn no_blind_retry() -> aws_sdk_apigatewayv2::config::Builder {
    aws_sdk_apigatewayv2::config::Builder::default()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

/// One page of a listing: (key, id) of each item, and the token of the next page.
type Page = (Vec<(Option<String>, Option<String>)>, Option<String>);

/// `<api>/<child id>` of the child of the API in `props` whose key (the property of `identity` other
/// than `api_id`) is the one listed by `list`, page by page. `None` until the API is known, or when there is none.
async fn find_child<F, Fut>(
    props: &Value,
    identity: &[&str],
    mut list: F,
) -> Result<Option<String>, AwsError>
where
    F: FnMut(String, Option<String>) -> Fut,
    Fut: Future<Output = Result<Page, AwsError>>,
{
    // The child's identity is its API and one key within it (`ResourceType::IDENTITY`).
    let key_property = identity.iter().find(|k| **k != "api_id");
    let (Some(api_id), Some(wanted)) = (
        known_str(props, "api_id"),
        key_property.and_then(|k| known_str(props, k)),
    ) else {
        return Ok(None);
    };
    let mut token = None;
    loop {
        let Some((pairs, next)) = found(list(api_id.clone(), token).await)? else {
            return Ok(None);
        };
        let id = pairs
            .into_iter()
            .find(|(k, _)| k.as_deref() == Some(wanted.as_str()))
            .and_then(|(_, id)| id);
        if let Some(id) = id {
            return Ok(Some(format!("{api_id}/{id}")));
        }
        token = next;
        if token.is_none() {
            return Ok(None);
        }
    }
}

/// One page of a listing of an API's children: (child id, spec) of each, and the next page's token.
type Children<S> = (Vec<(String, S)>, Option<String>);

/// The children the ids `<api>/<child>` name, read with one listing per API, page by page (`list`),
/// references reading `output`: for each id asked, its child, or `None` once every page of its API
/// (or the API itself) was read without it. An API whose children fill more pages than ids were asked
/// of it is left out of the answer, its children to be read alone.
async fn list_children<S, F, Fut>(
    ids: &[String],
    output: &str,
    mut list: F,
) -> Result<BTreeMap<String, Option<Live<S>>>, AwsError>
where
    F: FnMut(String, Option<String>) -> Fut,
    Fut: Future<Output = Result<Children<S>, AwsError>>,
{
    let mut by_api: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for id in ids {
        by_api.entry(split(id).0).or_default().push(id);
    }
    let mut answer = BTreeMap::new();
    for (api, asked) in by_api {
        let mut listed = BTreeMap::new();
        let mut token = None;
        for _ in 0..asked.len() {
            let page = found(list(api.to_string(), token).await)?;
            let (children, next) = page.unwrap_or_default();
            for (child_id, spec) in children {
                let id = format!("{api}/{child_id}");
                if asked.contains(&id.as_str()) {
                    listed.insert(id.clone(), Some(child(&id, spec, output)));
                }
            }
            token = next.filter(|t| !t.is_empty());
            if token.is_none() {
                for id in &asked {
                    listed.entry(id.to_string()).or_insert(None);
                }
                break;
            }
            if listed.len() == asked.len() {
                break;
            }
        }
        answer.extend(listed);
    }
    Ok(answer)
}

/// Bring a resource's tags (an API's, a stage's) from `current` to `desired`.
async fn converge_tags(
    client: &Client,
    arn: &str,
    desired: &BTreeMap<String, String>,
    current: &BTreeMap<String, String>,
    what: &str,
) -> Result<(), AwsError> {
    crate::provider::converge_tags(
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
