//! `sns_topic`: read (2 calls: GetTopicAttributes, ListTagsForResource), create (CreateTopic is
//! idempotent for the same name and attributes), update attribute by attribute and tags, delete.

use crate::model::policy;
use crate::model::topic::TopicSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, build_error, converge_tags, found, ignore_not_found, AwsError};
use aws_sdk_sns::types::Tag;
use std::collections::{BTreeMap, HashMap};

impl ResourceType for TopicSpec {
    const FORCE_NEW: &'static [&'static str] = &["name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_sns_topic",
        physical_id: |a| tf_attr(a, "name"),
        folded: &[],
    });
    const TAGGING_SERVICE: Option<&'static str> = Some("sns");

    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        let arn = arn(clients, name).await?;
        Ok(read(clients, name, &arn).await?)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        let mut attributes = HashMap::new();
        for (key, value) in settings(spec) {
            if let Some(value) = value {
                attributes.insert(key.to_string(), value);
            }
        }
        clients
            .sns
            .create_topic()
            .name(&spec.name)
            .set_attributes(Some(attributes).filter(|a| !a.is_empty()))
            .set_tags(Some(tags(&spec.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| aws_error("CreateTopic", what(&spec.name), e))?;
        reread(clients, &spec.name).await
    }

    /// One SetTopicAttributes per setting that differs (the call takes one), then the tags.
    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        let client = &clients.sns;
        let arn = live.arn();
        let have: BTreeMap<_, _> = settings(&live.spec).into_iter().collect();
        for (key, want) in settings(desired) {
            if have.get(key) == Some(&want) {
                continue;
            }
            client
                .set_topic_attributes()
                .topic_arn(arn)
                .attribute_name(key)
                .attribute_value(want.unwrap_or_default())
                .send()
                .await
                .map_err(|e| aws_error("SetTopicAttributes", what(&desired.name), e))?;
        }
        let name = &desired.name;
        converge_tags(
            &desired.tags,
            &live.spec.tags,
            async |removed| {
                let r = client
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(removed))
                    .send()
                    .await;
                r.map(drop)
                    .map_err(|e| aws_error("UntagResource", what(name), e))
            },
            async |set| {
                let r = client
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(tags(&set)?))
                    .send()
                    .await;
                r.map(drop)
                    .map_err(|e| aws_error("TagResource", what(name), e))
            },
        )
        .await?;
        reread(clients, name).await
    }

    /// DeleteTopic of a topic that is gone succeeds, as AWS documents.
    async fn delete(clients: &Clients, name: &str, _force: bool) -> Result<()> {
        let arn = arn(clients, name).await?;
        let r = clients.sns.delete_topic().topic_arn(&arn).send().await;
        Ok(ignore_not_found(
            r.map_err(|e| aws_error("DeleteTopic", what(name), e)),
        )?)
    }

    /// Policy documents compare by meaning.
    fn canonical(mut self) -> Self {
        self.policy = self.policy.map(|p| policy::canonical(&p));
        self
    }

    /// Without a policy in the configuration, AWS's default one is not a difference.
    fn normalize(have: &mut Self, want: &Self, _: &[&'static str]) {
        if want.policy.is_none() {
            have.policy = None;
        }
    }
}

fn what(name: &str) -> String {
    format!("topic {name}")
}

/// A topic's ARN follows from its name, the region and the account.
async fn arn(clients: &Clients, name: &str) -> Result<String> {
    let account = clients.account_id().await?;
    Ok(format!("arn:aws:sns:{}:{account}:{name}", clients.region))
}

/// The attributes dtr manages, as SetTopicAttributes names them; `None` is unset.
fn settings(spec: &TopicSpec) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("DisplayName", spec.display_name.clone()),
        ("KmsMasterKeyId", spec.kms_key_id.clone()),
        ("Policy", spec.policy.as_ref().map(|p| p.to_string())),
    ]
}

fn tags(map: &BTreeMap<String, String>) -> std::result::Result<Vec<Tag>, AwsError> {
    map.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| build_error("sns tag", e))
        })
        .collect()
}

/// GetTopicAttributes, then its tags: from the environment's tag index when it holds them, else
/// ListTagsForResource.
async fn read(
    clients: &Clients,
    name: &str,
    arn: &str,
) -> std::result::Result<Option<Live<TopicSpec>>, AwsError> {
    let client = &clients.sns;
    let r = client.get_topic_attributes().topic_arn(arn).send().await;
    let Some(out) = found(r.map_err(|e| aws_error("GetTopicAttributes", what(name), e)))? else {
        return Ok(None);
    };
    let attributes = out.attributes.unwrap_or_default();
    let text = |key: &str| attributes.get(key).filter(|v| !v.is_empty()).cloned();
    let policy = match text("Policy") {
        Some(doc) => Some(serde_json::from_str(&doc).map_err(|e| {
            AwsError::unusable(
                "GetTopicAttributes",
                what(name),
                "MalformedPolicy",
                e.to_string(),
            )
        })?),
        None => None,
    };
    let native = async {
        Ok(client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error("ListTagsForResource", what(name), e))?
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect())
    };
    let mut provisional = Vec::new();
    let tags = clients.tags_of(arn, &mut provisional, native).await?;
    let spec = TopicSpec {
        name: name.to_string(),
        display_name: text("DisplayName"),
        kms_key_id: text("KmsMasterKeyId"),
        policy,
        tags,
    };
    let mut live = Live::named(name, spec, arn.to_string());
    live.provisional = provisional;
    Ok(Some(live))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::adapter::compared;
    use serde_json::json;

    fn topic() -> TopicSpec {
        TopicSpec {
            name: "alerts".into(),
            display_name: None,
            kms_key_id: Some("alias/aws/sns".into()),
            policy: None,
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn aws_default_policy_is_no_difference_and_a_configured_one_compares_by_meaning() {
        let mut live = topic();
        live.policy = Some(json!({"Version": "2008-10-17", "Statement": []}));
        let c = compared(&topic(), &live);
        assert_eq!(Some(c.desired), c.observed);
        let doc = |actions: serde_json::Value| {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": actions, "Resource": "*"}]})
        };
        let want = TopicSpec {
            policy: Some(doc(json!(["sns:Publish"]))),
            ..topic()
        };
        let have = TopicSpec {
            policy: Some(doc(json!("sns:Publish"))),
            ..topic()
        };
        let c = compared(&want, &have);
        assert_eq!(
            Some(c.desired),
            c.observed,
            "one action or a list of one is the same"
        );
    }

    #[test]
    fn a_rename_replaces_and_a_key_change_updates() {
        let c = compared(
            &TopicSpec {
                name: "other".into(),
                ..topic()
            },
            &topic(),
        );
        assert_eq!(c.replace_reasons, ["name"]);
        let c = compared(
            &TopicSpec {
                kms_key_id: None,
                ..topic()
            },
            &topic(),
        );
        assert!(c.replace_reasons.is_empty());
        assert_ne!(Some(c.desired), c.observed);
    }
}
