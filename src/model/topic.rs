//! `sns_topic` and `sns_subscription`: where alarms send ALARM and OK, and who hears it.

use super::{FieldError, ResourceSpec, TagsOf};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An SNS topic, known by its name (its ARN follows from the name, region and account).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The KMS key messages are encrypted with at rest (`alias/aws/sns` for AWS's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// The topic's access policy; absent leaves AWS's default (the owner account only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Value>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for TopicSpec {
    const EXPORTS: &'static [&'static str] = &["name", "arn"];
    const TAGS: Option<TagsOf<Self>> = Some(|s| &mut s.tags);

    fn documents(&self) -> Vec<Vec<String>> {
        match self.policy {
            Some(_) => vec![vec!["policy".to_string()]],
            None => Vec::new(),
        }
    }

    fn validate(&self) -> Vec<FieldError> {
        let unresolved = super::reference::has_resource_reference(&self.name);
        let name_ok = (1..=256).contains(&self.name.len())
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let mut errors = Vec::new();
        if !unresolved && !name_ok {
            errors.push(FieldError::new(
                &["name"],
                format!(
                    "`{}` is not a valid SNS topic name: 1-256 characters of a-z A-Z 0-9 - _ (FIFO topics are not supported)",
                    self.name
                ),
            ));
        }
        if self.policy.as_ref().is_some_and(|p| !p.is_object()) {
            errors.push(FieldError::new(
                &["policy"],
                "must be a policy document (a mapping)",
            ));
        }
        errors
    }
}

/// The protocols dtr subscribes with.
pub const PROTOCOLS: &[&str] = &["email", "email-json", "https", "http", "sqs", "lambda"];

/// A subscription of an endpoint to a topic. AWS picks its id; an email or HTTPS subscription stays
/// pending until its owner confirms it, which is a state of the subscription, not a difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    pub topic_arn: String,
    pub protocol: String,
    pub endpoint: String,
}

impl ResourceSpec for SubscriptionSpec {
    const EXPORTS: &'static [&'static str] = &["arn"];
    const PARENT: Option<&'static str> = Some("topic_arn");

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !PROTOCOLS.contains(&self.protocol.as_str()) {
            errors.push(FieldError::new(
                &["protocol"],
                format!("`{}` is not one of {}", self.protocol, PROTOCOLS.join(", ")),
            ));
        }
        let unresolved = super::reference::has_resource_reference(&self.endpoint);
        let https = self.protocol == "https" && !self.endpoint.starts_with("https://");
        let email = self.protocol.starts_with("email") && !self.endpoint.contains('@');
        if !unresolved && (https || email || self.endpoint.is_empty()) {
            errors.push(FieldError::new(
                &["endpoint"],
                format!("`{}` is not a {} endpoint", self.endpoint, self.protocol),
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_names_protocols_and_endpoints_are_located() {
        let topic = TopicSpec {
            name: "alerts.fifo".into(),
            display_name: None,
            kms_key_id: None,
            policy: Some(Value::String("x".into())),
            tags: BTreeMap::new(),
        };
        let paths: Vec<String> = topic
            .validate()
            .into_iter()
            .map(|e| e.path.join("."))
            .collect();
        assert_eq!(paths, ["name", "policy"]);
        let sub = |protocol: &str, endpoint: &str| SubscriptionSpec {
            topic_arn: "${resource.alerts.arn}".into(),
            protocol: protocol.into(),
            endpoint: endpoint.into(),
        };
        assert!(sub("email", "ops@example.com").validate().is_empty());
        assert_eq!(sub("email", "ops").validate()[0].path, ["endpoint"]);
        assert_eq!(sub("https", "http://x").validate()[0].path, ["endpoint"]);
        assert_eq!(sub("sms", "+1").validate()[0].path, ["protocol"]);
    }
}
