//! Reading roles: one at a time (GetRole, its inline policies and attachments), or several at once
//! from two account-wide listings, where that takes fewer calls.
//!
//! GetAccountAuthorizationDetails (filter `Role`) returns every role of the account with its trust
//! policy, inline policies, attached policies and tags, a thousand roles a page, but not a role's
//! description or maximum session duration; ListRoles returns those (and not the policies or tags).
//! Both are paged side by side, each until every role asked about is found, so n roles cost about two
//! calls instead of 3n + one per inline policy. A role either listing did not find is read alone,
//! never taken as deleted. A caller not allowed the authorization details (a read-only role scoped to
//! its roles' ARNs cannot be: the action takes no resource) gets the one-by-one reads.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html>

use super::{parse_document, what};
use crate::model::role::RoleSpec;
use crate::provider::kind::Live;
use crate::provider::{aws_error, found, AwsError};
use aws_sdk_iam::types::{self as iam, EntityType};
use aws_sdk_iam::Client;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Roles per GetAccountAuthorizationDetails page (its maximum), and per batch.
pub const BATCH: usize = 1000;

/// Below this many roles, reading each alone costs no more than a page of the whole account.
const WORTH_A_BATCH: usize = 2;

/// One role, `None` when it does not exist.
pub async fn one(client: &Client, name: &str) -> Result<Option<Live<RoleSpec>>, AwsError> {
    let r = client.get_role().role_name(name).send().await;
    let Some(role) =
        found(r.map_err(|e| aws_error("GetRole", what(name), e)))?.and_then(|o| o.role)
    else {
        return Ok(None);
    };
    let (inline, attached) = tokio::join!(
        read_inline_policies(client, name),
        read_attached(client, name)
    );
    let spec = RoleSpec {
        inline_policies: inline?,
        managed_policy_arns: attached?,
        ..from_role(&role)?
    };
    Ok(Some(Live::named(name, spec, role.arn)))
}

/// The roles among `names` that both listings found, whole; empty when a batch would not save
/// calls or is not allowed.
pub async fn details(
    client: &Client,
    names: &[String],
) -> Result<BTreeMap<String, Option<Live<RoleSpec>>>, AwsError> {
    let wanted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    if wanted.len() < WORTH_A_BATCH {
        return Ok(BTreeMap::new());
    }
    let (details, listed) = tokio::join!(
        authorization_details(client, wanted.clone()),
        listed_roles(client, wanted)
    );
    let (Some(details), Some(mut listed)) = (details?, listed?) else {
        return Ok(BTreeMap::new());
    };
    let mut answer = BTreeMap::new();
    for (name, detail) in details {
        let Some(role) = listed.remove(&name) else {
            continue;
        };
        let mut live = from_detail(&name, detail)?;
        live.spec.description = role.description.filter(|d| !d.is_empty());
        live.spec.max_session_duration = role.max_session_duration.unwrap_or(3600);
        answer.insert(name, Some(live));
    }
    Ok(answer)
}

/// The authorization details of the roles in `wanted` that the account's pages hold; `None` when
/// the caller may not ask.
async fn authorization_details(
    client: &Client,
    mut wanted: BTreeSet<&str>,
) -> Result<Option<BTreeMap<String, iam::RoleDetail>>, AwsError> {
    let mut found = BTreeMap::new();
    let mut marker = None;
    loop {
        let page = client
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .max_items(BATCH as i32)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| aws_error("GetAccountAuthorizationDetails", "the account", e));
        let page = match page {
            Ok(page) => page,
            Err(e) if e.is_access_denied() => return Ok(None),
            Err(e) => return Err(e),
        };
        for detail in page.role_detail_list.unwrap_or_default() {
            if let Some(name) = detail.role_name.clone() {
                if wanted.remove(name.as_str()) {
                    found.insert(name, detail);
                }
            }
        }
        marker = page.marker.filter(|_| page.is_truncated);
        if marker.is_none() || wanted.is_empty() {
            return Ok(Some(found));
        }
    }
}

/// The roles in `wanted` that the account's ListRoles pages hold (with their descriptions and
/// session durations, which the authorization details lack); `None` when the caller may not ask.
async fn listed_roles(
    client: &Client,
    mut wanted: BTreeSet<&str>,
) -> Result<Option<BTreeMap<String, iam::Role>>, AwsError> {
    let mut found = BTreeMap::new();
    let mut marker = None;
    loop {
        let page = client
            .list_roles()
            .max_items(BATCH as i32)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| aws_error("ListRoles", "the account", e));
        let page = match page {
            Ok(page) => page,
            Err(e) if e.is_access_denied() => return Ok(None),
            Err(e) => return Err(e),
        };
        for role in page.roles {
            if wanted.remove(role.role_name.as_str()) {
                found.insert(role.role_name.clone(), role);
            }
        }
        marker = page.marker.filter(|_| page.is_truncated);
        if marker.is_none() || wanted.is_empty() {
            return Ok(Some(found));
        }
    }
}

/// What GetRole reports: all but the inline policies and attachments.
fn from_role(role: &iam::Role) -> Result<RoleSpec, AwsError> {
    Ok(RoleSpec {
        name: role.role_name.clone(),
        path: role.path.clone(),
        description: role.description.clone().filter(|d| !d.is_empty()),
        assume_role_policy: parse_document(
            role.assume_role_policy_document.as_deref().unwrap_or("{}"),
        )?,
        inline_policies: BTreeMap::new(),
        managed_policy_arns: Vec::new(),
        max_session_duration: role.max_session_duration.unwrap_or(3600),
        tags: tags(role.tags()),
    })
}

/// What the authorization details report: all but the description and the session duration
/// (ListRoles has them).
fn from_detail(name: &str, detail: iam::RoleDetail) -> Result<Live<RoleSpec>, AwsError> {
    let mut inline_policies = BTreeMap::new();
    for policy in detail.role_policy_list.unwrap_or_default() {
        if let (Some(policy_name), Some(document)) = (policy.policy_name, policy.policy_document) {
            inline_policies.insert(policy_name, parse_document(&document)?);
        }
    }
    let mut managed_policy_arns: Vec<String> = detail
        .attached_managed_policies
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.policy_arn)
        .collect();
    managed_policy_arns.sort();
    let spec = RoleSpec {
        name: name.to_string(),
        path: detail.path.unwrap_or_else(|| "/".to_string()),
        description: None,
        assume_role_policy: parse_document(
            detail
                .assume_role_policy_document
                .as_deref()
                .unwrap_or("{}"),
        )?,
        inline_policies,
        managed_policy_arns,
        max_session_duration: 3600,
        tags: tags(detail.tags.as_deref().unwrap_or_default()),
    };
    Ok(Live::named(name, spec, detail.arn.unwrap_or_default()))
}

fn tags(tags: &[iam::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

async fn read_inline_policies(
    client: &Client,
    name: &str,
) -> Result<BTreeMap<String, Value>, AwsError> {
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let page = client
            .list_role_policies()
            .role_name(name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| aws_error("ListRolePolicies", what(name), e))?;
        names.extend(page.policy_names);
        marker = page.marker.filter(|_| page.is_truncated);
        if marker.is_none() {
            break;
        }
    }
    let mut policies = BTreeMap::new();
    for policy_name in names {
        let out = client
            .get_role_policy()
            .role_name(name)
            .policy_name(&policy_name)
            .send()
            .await
            .map_err(|e| {
                aws_error(
                    "GetRolePolicy",
                    format!("role {name} policy {policy_name}"),
                    e,
                )
            })?;
        policies.insert(policy_name, parse_document(&out.policy_document)?);
    }
    Ok(policies)
}

async fn read_attached(client: &Client, name: &str) -> Result<Vec<String>, AwsError> {
    let mut arns = Vec::new();
    let mut marker = None;
    loop {
        let page = client
            .list_attached_role_policies()
            .role_name(name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| aws_error("ListAttachedRolePolicies", what(name), e))?;
        arns.extend(
            page.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn.clone()),
        );
        marker = page.marker.filter(|_| page.is_truncated);
        if marker.is_none() {
            break;
        }
    }
    arns.sort();
    Ok(arns)
}
