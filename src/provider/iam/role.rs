//! `iam_role`: read a live role (trust policy, inline policies, attachments, tags), create, update,
//! delete. Policy documents come back URL-encoded and are compared by meaning (model::policy).

use crate::model::policy;
use crate::model::role::RoleSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Folded, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, build_error, converge_tags, ignore_not_found, AwsError};
use aws_sdk_iam::types as iam;
use aws_sdk_iam::Client;
use serde_json::Value;
use std::collections::BTreeMap;

mod read;

impl ResourceType for RoleSpec {
    const FORCE_NEW: &'static [&'static str] = &["name", "path"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_iam_role",
        physical_id: |a| tf_attr(a, "name"),
        folded: &[
            Folded {
                resource: "aws_iam_role_policy",
                parent_attribute: "role",
            },
            Folded {
                resource: "aws_iam_role_policy_attachment",
                parent_attribute: "role",
            },
        ],
    });

    /// 3 calls and 1 per inline policy: GetRole (with its tags), ListRolePolicies, GetRolePolicy,
    /// ListAttachedRolePolicies.
    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        Ok(read::one(&clients.iam, name).await?)
    }

    const BATCH: usize = read::BATCH;

    /// Several roles from a GetAccountAuthorizationDetails page and a ListRoles page, side by side.
    async fn read_batch(
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<Live<Self>>>> {
        Ok(read::details(&clients.iam, names).await?)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        create(&clients.iam, spec).await?;
        reread(clients, &spec.name).await
    }

    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        update(&clients.iam, desired, &live.spec).await?;
        reread(clients, &desired.name).await
    }

    async fn delete(clients: &Clients, name: &str, _force: bool) -> Result<()> {
        Ok(delete(&clients.iam, name).await?)
    }

    /// Documents in canonical form, attachments sorted: equal means equal.
    fn canonical(mut self) -> Self {
        self.assume_role_policy = policy::canonical(&self.assume_role_policy);
        for document in self.inline_policies.values_mut() {
            *document = policy::canonical(document);
        }
        self.managed_policy_arns.sort();
        self.managed_policy_arns.dedup();
        self
    }
}

fn what(name: &str) -> String {
    format!("role {name}")
}

/// IAM returns documents URL-encoded; parse either form.
pub fn parse_document(text: &str) -> Result<Value, AwsError> {
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
    serde_json::from_str(&decoded)
        .or_else(|_| serde_json::from_str(text))
        .map_err(|e| {
            AwsError::unusable(
                "parse policy document",
                "iam",
                "MalformedPolicyDocument",
                e.to_string(),
            )
        })
}

fn tags(map: &BTreeMap<String, String>) -> Result<Vec<iam::Tag>, AwsError> {
    map.iter()
        .map(|(k, v)| {
            iam::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| build_error("iam", e))
        })
        .collect()
}

async fn create(client: &Client, spec: &RoleSpec) -> Result<(), AwsError> {
    let name = &spec.name;
    client
        .create_role()
        .role_name(name)
        .path(&spec.path)
        .set_description(spec.description.clone())
        .assume_role_policy_document(spec.assume_role_policy.to_string())
        .max_session_duration(spec.max_session_duration)
        .set_tags(Some(tags(&spec.tags)?).filter(|t| !t.is_empty()))
        .send()
        .await
        .map_err(|e| aws_error("CreateRole", what(name), e))?;
    let empty = RoleSpec {
        inline_policies: BTreeMap::new(),
        managed_policy_arns: Vec::new(),
        ..spec.clone()
    };
    update(client, spec, &empty).await
}

async fn update(client: &Client, desired: &RoleSpec, current: &RoleSpec) -> Result<(), AwsError> {
    let name = &desired.name;
    if policy::canonical(&desired.assume_role_policy)
        != policy::canonical(&current.assume_role_policy)
    {
        client
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(desired.assume_role_policy.to_string())
            .send()
            .await
            .map_err(|e| aws_error("UpdateAssumeRolePolicy", what(name), e))?;
    }
    if desired.description != current.description
        || desired.max_session_duration != current.max_session_duration
    {
        client
            .update_role()
            .role_name(name)
            .description(desired.description.clone().unwrap_or_default())
            .max_session_duration(desired.max_session_duration)
            .send()
            .await
            .map_err(|e| aws_error("UpdateRole", what(name), e))?;
    }
    for (policy_name, doc) in &desired.inline_policies {
        let same = current
            .inline_policies
            .get(policy_name)
            .is_some_and(|c| policy::equivalent(c, doc));
        if !same {
            client
                .put_role_policy()
                .role_name(name)
                .policy_name(policy_name)
                .policy_document(doc.to_string())
                .send()
                .await
                .map_err(|e| {
                    aws_error(
                        "PutRolePolicy",
                        format!("role {name} policy {policy_name}"),
                        e,
                    )
                })?;
        }
    }
    for policy_name in current
        .inline_policies
        .keys()
        .filter(|k| !desired.inline_policies.contains_key(*k))
    {
        delete_inline(client, name, policy_name).await?;
    }
    for arn in desired
        .managed_policy_arns
        .iter()
        .filter(|a| !current.managed_policy_arns.contains(a))
    {
        client
            .attach_role_policy()
            .role_name(name)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error("AttachRolePolicy", format!("role {name} policy {arn}"), e))?;
    }
    for arn in current
        .managed_policy_arns
        .iter()
        .filter(|a| !desired.managed_policy_arns.contains(a))
    {
        detach(client, name, arn).await?;
    }
    converge_tags(
        &desired.tags,
        &current.tags,
        async |removed| {
            let r = client
                .untag_role()
                .role_name(name)
                .set_tag_keys(Some(removed))
                .send()
                .await;
            r.map(drop)
                .map_err(|e| aws_error("UntagRole", what(name), e))
        },
        async |set| {
            let r = client
                .tag_role()
                .role_name(name)
                .set_tags(Some(tags(&set)?))
                .send()
                .await;
            r.map(drop).map_err(|e| aws_error("TagRole", what(name), e))
        },
    )
    .await
}

async fn delete_inline(client: &Client, name: &str, policy_name: &str) -> Result<(), AwsError> {
    client
        .delete_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .send()
        .await
        .map_err(|e| {
            aws_error(
                "DeleteRolePolicy",
                format!("role {name} policy {policy_name}"),
                e,
            )
        })?;
    Ok(())
}

async fn detach(client: &Client, name: &str, arn: &str) -> Result<(), AwsError> {
    client
        .detach_role_policy()
        .role_name(name)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error("DetachRolePolicy", format!("role {name} policy {arn}"), e))?;
    Ok(())
}

/// Delete the role after what IAM requires gone first: its inline policies and attachments.
async fn delete(client: &Client, name: &str) -> Result<(), AwsError> {
    let Some(live) = read::one(client, name).await? else {
        return Ok(());
    };
    for policy_name in live.spec.inline_policies.keys() {
        delete_inline(client, name, policy_name).await?;
    }
    for arn in &live.spec.managed_policy_arns {
        detach(client, name, arn).await?;
    }
    let r = client.delete_role().role_name(name).send().await;
    ignore_not_found(r.map_err(|e| aws_error("DeleteRole", what(name), e)))
}

#[cfg(test)]
mod tests;
