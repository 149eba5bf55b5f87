//! Reading log groups: DescribeLogGroups by pages of the prefix a batch's names share (the
//! environment's groups share `/aws/lambda/<prefix>-`), then each group's tags.

use crate::model::log_group::LogGroupSpec;
use crate::provider::kind::Live;
use crate::provider::{aws_error, AwsError};
use aws_sdk_cloudwatchlogs::types::LogGroup;
use aws_sdk_cloudwatchlogs::Client;
use std::collections::{BTreeMap, BTreeSet};

/// The most groups one DescribeLogGroups page holds.
const PAGE: i32 = 50;

fn what(name: &str) -> String {
    format!("log group {name}")
}

/// One group by name (DescribeLogGroups with the name as prefix), without its tags.
pub async fn describe(client: &Client, name: &str) -> Result<Option<Live<LogGroupSpec>>, AwsError> {
    let out = client
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| aws_error("DescribeLogGroups", what(name), e))?;
    Ok(out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name.as_deref() == Some(name))
        .map(|g| live_of(name, g)))
}

/// The groups named `names`, without their tags, read by pages of each shared prefix. A name is
/// answered absent only once every page of its prefix was read; one whose prefix has more pages
/// than names (each of which one call would read alone) is left out of the answer, to be read alone.
pub async fn describe_many(
    client: &Client,
    names: &[String],
) -> Result<BTreeMap<String, Option<Live<LogGroupSpec>>>, AwsError> {
    let mut answer = BTreeMap::new();
    for (prefix, members) in clusters(names) {
        let mut token = None;
        let mut found = BTreeMap::new();
        for _ in 0..members.len() {
            let out = client
                .describe_log_groups()
                .log_group_name_prefix(&prefix)
                .limit(PAGE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| aws_error("DescribeLogGroups", format!("log groups {prefix}*"), e))?;
            for group in out.log_groups() {
                if let Some(name) = group
                    .log_group_name
                    .as_deref()
                    .filter(|n| members.contains(*n))
                {
                    found.insert(name.to_string(), Some(live_of(name, group)));
                }
            }
            token = out.next_token.filter(|t| !t.is_empty());
            if token.is_none() {
                for name in &members {
                    found.entry(name.to_string()).or_insert(None);
                }
            }
            if token.is_none() || found.len() == members.len() {
                break;
            }
        }
        answer.extend(found);
    }
    Ok(answer)
}

/// Names grouped by their path (up to the last `/`), each group with the longest prefix its names
/// share; a name that shares none with others of its path is its own prefix.
fn clusters(names: &[String]) -> Vec<(String, BTreeSet<&str>)> {
    let mut by_path: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for name in names {
        let path = name.rfind('/').map_or("", |end| &name[..=end]);
        by_path.entry(path).or_default().insert(name);
    }
    let mut clusters = Vec::new();
    for members in by_path.into_values() {
        let prefix = members
            .iter()
            .copied()
            .reduce(common_prefix)
            .unwrap_or_default();
        if prefix.is_empty() {
            clusters.extend(
                members
                    .into_iter()
                    .map(|n| (n.to_string(), BTreeSet::from([n]))),
            );
        } else {
            clusters.push((prefix.to_string(), members));
        }
    }
    clusters
}

fn common_prefix<'a>(a: &'a str, b: &str) -> &'a str {
    let mut end = 0;
    for ((i, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            break;
        }
        end = i + x.len_utf8();
    }
    &a[..end]
}

/// A group's tags (ListTagsForResource, one group per call).
pub async fn tags(
    client: &Client,
    name: &str,
    arn: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    Ok(client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("ListTagsForResource", what(name), e))?
        .tags
        .unwrap_or_default()
        .into_iter()
        .collect())
}

/// The ARN without the `:*` suffix DescribeLogGroups puts on it, as tagging APIs want it.
fn bare_arn(arn: &str) -> String {
    arn.strip_suffix(":*").unwrap_or(arn).to_string()
}

fn live_of(name: &str, group: &LogGroup) -> Live<LogGroupSpec> {
    let arn = bare_arn(group.arn.as_deref().unwrap_or_default());
    let spec = LogGroupSpec {
        name: name.to_string(),
        retention_days: group.retention_in_days,
        kms_key_arn: group.kms_key_id.clone(),
        tags: BTreeMap::new(),
    };
    Live::named(name, spec, arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn names_of_one_path_share_their_longest_prefix() {
        let names = names(&[
            "/aws/lambda/dtr-local-tool-manager",
            "/aws/lambda/dtr-local-authorizer",
            "/aws/apigateway/dtr-local-api",
            "/aws/lambda/dtr-local-monitoring",
        ]);
        let clusters = clusters(&names);
        let prefixes: Vec<(&str, usize)> = clusters
            .iter()
            .map(|(p, m)| (p.as_str(), m.len()))
            .collect();
        assert_eq!(
            prefixes,
            vec![
                ("/aws/apigateway/dtr-local-api", 1),
                ("/aws/lambda/dtr-local-", 3)
            ]
        );
    }

    #[test]
    fn names_sharing_no_prefix_are_read_each_by_its_own() {
        let names = names(&["app", "web", "api-a", "api-b"]);
        let prefixes: Vec<String> = clusters(&names).into_iter().map(|(p, _)| p).collect();
        assert_eq!(prefixes, vec!["api-a", "api-b", "app", "web"]);
    }
}
