//! `sns_subscription`: an endpoint subscribed to a topic. AWS picks its ARN (returned even while the
//! subscription waits for its owner to confirm it), so one created but never recorded is found again
//! by its topic, protocol and endpoint. Nothing about it can be changed in place: any change replaces.

use crate::model::topic::SubscriptionSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{
    known_str, reread, tf_attr, Live, ResourceError, ResourceType, Result, Terraform,
};
use crate::provider::{aws_error, found, ignore_not_found};
use serde_json::Value;

impl ResourceType for SubscriptionSpec {
    const FORCE_NEW: &'static [&'static str] = &["topic_arn", "protocol", "endpoint"];
    const IDENTITY: &'static [&'static str] = &["topic_arn", "protocol", "endpoint"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_sns_topic_subscription",
        physical_id: |a| tf_attr(a, "arn").or_else(|| tf_attr(a, "id")),
        folded: &[],
    });

    fn physical_id(_: &Value) -> Option<String> {
        None
    }

    async fn read(clients: &Clients, arn: &str) -> Result<Option<Live<Self>>> {
        let r = clients
            .sns
            .get_subscription_attributes()
            .subscription_arn(arn)
            .send()
            .await;
        let what = format!("subscription {arn}");
        let Some(out) = found(r.map_err(|e| aws_error("GetSubscriptionAttributes", what, e)))?
        else {
            return Ok(None);
        };
        let attributes = out.attributes.unwrap_or_default();
        let get = |key: &str| attributes.get(key).cloned().unwrap_or_default();
        let spec = SubscriptionSpec {
            topic_arn: get("TopicArn"),
            protocol: get("Protocol"),
            endpoint: get("Endpoint"),
        };
        Ok(Some(Live::with_output(arn, spec, "arn", arn)))
    }

    /// The subscription of this topic with this protocol and endpoint, pending or confirmed.
    async fn discover(clients: &Clients, props: &Value) -> Result<Option<String>> {
        let (Some(topic), Some(protocol), Some(endpoint)) = (
            known_str(props, "topic_arn"),
            known_str(props, "protocol"),
            known_str(props, "endpoint"),
        ) else {
            return Ok(None);
        };
        let mut token = None;
        loop {
            let r = clients
                .sns
                .list_subscriptions_by_topic()
                .topic_arn(&topic)
                .set_next_token(token)
                .send()
                .await;
            let what = format!("subscriptions of {topic}");
            let Some(page) = found(r.map_err(|e| aws_error("ListSubscriptionsByTopic", what, e)))?
            else {
                return Ok(None);
            };
            let hit = page.subscriptions().iter().find(|s| {
                s.protocol.as_deref() == Some(protocol.as_str())
                    && s.endpoint.as_deref() == Some(endpoint.as_str())
            });
            // A subscription still pending confirmation is listed as "PendingConfirmation", not
            // by ARN: there is nothing to read, so it is not found (and Subscribe returns it again).
            if let Some(arn) = hit.and_then(|s| s.subscription_arn.clone()) {
                return Ok(Some(arn).filter(|a| a.starts_with("arn:")));
            }
            token = page.next_token;
            if token.is_none() {
                return Ok(None);
            }
        }
    }

    /// Subscribe answers with the existing subscription when the same endpoint subscribes again.
    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        let out = clients
            .sns
            .subscribe()
            .topic_arn(&spec.topic_arn)
            .protocol(&spec.protocol)
            .endpoint(&spec.endpoint)
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(|e| {
                let what = format!(
                    "{} subscription of {} to {}",
                    spec.protocol, spec.endpoint, spec.topic_arn
                );
                aws_error("Subscribe", what, e)
            })?;
        let arn = out.subscription_arn.unwrap_or_default();
        reread(clients, &arn).await
    }

    async fn update(_: &Clients, _: &Self, _: &Live<Self>) -> Result<Live<Self>> {
        Err(ResourceError::Refused(
            "a subscription cannot be changed in place; it is replaced".into(),
        ))
    }

    async fn delete(clients: &Clients, arn: &str, _force: bool) -> Result<()> {
        let r = clients.sns.unsubscribe().subscription_arn(arn).send().await;
        let what = format!("subscription {arn}");
        Ok(ignore_not_found(
            r.map_err(|e| aws_error("Unsubscribe", what, e)),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::adapter::compared;

    #[test]
    fn every_change_replaces() {
        let sub = SubscriptionSpec {
            topic_arn: "arn:aws:sns:us-east-1:1:alerts".into(),
            protocol: "email".into(),
            endpoint: "ops@example.com".into(),
        };
        let other = SubscriptionSpec {
            endpoint: "oncall@example.com".into(),
            ..sub.clone()
        };
        assert_eq!(compared(&other, &sub).replace_reasons, ["endpoint"]);
        assert!(compared(&sub, &sub).replace_reasons.is_empty());
    }
}
