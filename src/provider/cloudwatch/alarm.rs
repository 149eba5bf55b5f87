//! `metric_alarm`: PutMetricAlarm is an upsert, so create and update are one call each, plus tags.

use crate::model::monitoring::AlarmSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, converge_tags, ignore_not_found, AwsError};
use aws_sdk_cloudwatch::types as cw;
use aws_sdk_cloudwatch::Client;

impl ResourceType for AlarmSpec {
    const FORCE_NEW: &'static [&'static str] = &["name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_cloudwatch_metric_alarm",
        physical_id: |a| tf_attr(a, "alarm_name"),
        folded: &[],
    });

    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        Ok(read(&clients.cloudwatch, name).await?)
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        put(&clients.cloudwatch, spec, None).await?;
        reread(clients, &spec.name).await
    }

    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        put(&clients.cloudwatch, desired, Some(live)).await?;
        reread(clients, &desired.name).await
    }

    async fn delete(clients: &Clients, name: &str, _force: bool) -> Result<()> {
        Ok(delete(&clients.cloudwatch, name).await?)
    }

    fn canonical(mut self) -> Self {
        self.alarm_actions.sort();
        self.ok_actions.sort();
        self
    }
}

/// A live alarm (2 calls: DescribeAlarms, ListTagsForResource) and its ARN.
async fn read(client: &Client, name: &str) -> Result<Option<Live<AlarmSpec>>, AwsError> {
    let out = client
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .map_err(|e| aws_error("DescribeAlarms", format!("alarm {name}"), e))?;
    let Some(a) = out
        .metric_alarms
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.alarm_name.as_deref() == Some(name))
    else {
        return Ok(None);
    };
    let arn = a.alarm_arn.clone().unwrap_or_default();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws_error("ListTagsForResource", format!("alarm {name}"), e))?
        .tags
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| Some((t.key?, t.value?)))
        .collect();
    let mut alarm_actions = a.alarm_actions.clone().unwrap_or_default();
    alarm_actions.sort();
    let mut ok_actions = a.ok_actions.clone().unwrap_or_default();
    ok_actions.sort();
    let spec = AlarmSpec {
        name: name.to_string(),
        description: a.alarm_description.clone().filter(|d| !d.is_empty()),
        namespace: a.namespace.clone().unwrap_or_default(),
        metric_name: a.metric_name.clone().unwrap_or_default(),
        dimensions: a
            .dimensions()
            .iter()
            .map(|d| {
                (
                    d.name.clone().unwrap_or_default(),
                    d.value.clone().unwrap_or_default(),
                )
            })
            .collect(),
        statistic: a.statistic.as_ref().map(|s| s.as_str().to_string()),
        extended_statistic: a.extended_statistic.clone(),
        period_seconds: a.period.unwrap_or_default(),
        evaluation_periods: a.evaluation_periods.unwrap_or_default(),
        datapoints_to_alarm: a.datapoints_to_alarm,
        threshold: a.threshold.unwrap_or_default(),
        comparison_operator: a
            .comparison_operator
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        treat_missing_data: a
            .treat_missing_data
            .clone()
            .unwrap_or_else(|| "missing".into()),
        alarm_actions,
        ok_actions,
        tags,
    };
    Ok(Some(Live::named(name, spec, arn)))
}

/// Create or update (PutMetricAlarm replaces the whole definition), then converge the tags.
/// `current` is `None` when creating: the tags then go with the create call itself (AWS applies
/// them only to a new alarm), so the alarm never exists without the tags that make it dtr's.
async fn put(
    client: &Client,
    spec: &AlarmSpec,
    current: Option<&Live<AlarmSpec>>,
) -> Result<(), AwsError> {
    let name = &spec.name;
    let dimensions = spec
        .dimensions
        .iter()
        .map(|(k, v)| cw::Dimension::builder().name(k).value(v).build())
        .collect();
    client
        .put_metric_alarm()
        .alarm_name(name)
        .set_alarm_description(spec.description.clone())
        .namespace(&spec.namespace)
        .metric_name(&spec.metric_name)
        .set_dimensions(Some(dimensions))
        .set_statistic(spec.statistic.as_deref().map(cw::Statistic::from))
        .set_extended_statistic(spec.extended_statistic.clone())
        .period(spec.period_seconds)
        .evaluation_periods(spec.evaluation_periods)
        .set_datapoints_to_alarm(spec.datapoints_to_alarm)
        .threshold(spec.threshold)
        .comparison_operator(cw::ComparisonOperator::from(
            spec.comparison_operator.as_str(),
        ))
        .treat_missing_data(&spec.treat_missing_data)
        .set_alarm_actions(Some(spec.alarm_actions.clone()))
        .set_ok_actions(Some(spec.ok_actions.clone()))
        .set_tags(current.is_none().then(|| {
            spec.tags
                .iter()
                .map(|(k, v)| cw::Tag::builder().key(k).value(v).build())
                .collect()
        }))
        .send()
        .await
        .map_err(|e| aws_error("PutMetricAlarm", format!("alarm {name}"), e))?;
    let Some(current) = current else {
        return Ok(());
    };
    let arn = current.arn();
    converge_tags(
        &spec.tags,
        &current.spec.tags,
        async |removed| {
            let r = client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await;
            r.map(drop)
                .map_err(|e| aws_error("UntagResource", format!("alarm {name}"), e))
        },
        async |set| {
            let set = set
                .iter()
                .map(|(k, v)| cw::Tag::builder().key(k).value(v).build())
                .collect();
            let r = client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(set))
                .send()
                .await;
            r.map(drop)
                .map_err(|e| aws_error("TagResource", format!("alarm {name}"), e))
        },
    )
    .await
}

/// DeleteAlarms answers ResourceNotFound when a named alarm does not exist: gone is deleted.
async fn delete(client: &Client, name: &str) -> Result<(), AwsError> {
    let r = client.delete_alarms().alarm_names(name).send().await;
    ignore_not_found(r.map_err(|e| aws_error("DeleteAlarms", format!("alarm {name}"), e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::adapter::compared;

    fn spec(actions: &[&str]) -> AlarmSpec {
        serde_json::from_value(serde_json::json!({
            "name": "errors", "namespace": "AWS/Lambda", "metric_name": "Errors",
            "statistic": "Sum", "threshold": 1.0,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            "alarm_actions": actions, "ok_actions": actions
        }))
        .expect("an alarm spec")
    }

    #[test]
    fn the_order_of_actions_is_not_a_difference() {
        let c = compared(&spec(&["arn:b", "arn:a"]), &spec(&["arn:a", "arn:b"]));
        assert_eq!(Some(c.desired), c.observed);
    }

    #[test]
    fn a_new_name_replaces_and_a_new_threshold_updates() {
        let renamed = AlarmSpec {
            name: "other".into(),
            ..spec(&[])
        };
        assert_eq!(compared(&renamed, &spec(&[])).replace_reasons, vec!["name"]);
        let higher = AlarmSpec {
            threshold: 5.0,
            ..spec(&[])
        };
        let c = compared(&higher, &spec(&[]));
        assert!(c.replace_reasons.is_empty() && Some(c.desired) != c.observed);
    }
}
