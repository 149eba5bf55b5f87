//! `metric_alarm`: PutMetricAlarm is an upsert, so create and update are one call each, plus tags.

use crate::model::metric_math::{five_minutes, MetricQuery};
use crate::model::monitoring::AlarmSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, tf_attr, Live, ResourceType, Result, Terraform};
use crate::provider::{aws_error, converge_tags, ignore_not_found, AwsError};
use aws_sdk_cloudwatch::types as cw;
use aws_sdk_cloudwatch::Client;
use std::collections::BTreeMap;

mod read;

impl ResourceType for AlarmSpec {
    const FORCE_NEW: &'static [&'static str] = &["name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_cloudwatch_metric_alarm",
        physical_id: |a| tf_attr(a, "alarm_name"),
        folded: &[],
    });
    const TAGGING_SERVICE: Option<&'static str> = Some("cloudwatch");

    const BATCH: usize = read::NAMES_PER_CALL;

    /// 2 calls: DescribeAlarms, ListTagsForResource.
    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        let found = read::describe(&clients.cloudwatch, &[name.to_string()]).await?;
        match found.into_iter().find_map(|(_, live)| live) {
            Some(live) => Ok(Some(Self::complete(clients, live).await?)),
            None => Ok(None),
        }
    }

    /// One DescribeAlarms per hundred alarms; their tags follow one call each ([`Self::complete`]).
    async fn read_batch(
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Option<Live<Self>>>> {
        Ok(read::describe(&clients.cloudwatch, names).await?)
    }

    /// Its tags: from the environment's tag index when it holds them, else ListTagsForResource.
    async fn complete(clients: &Clients, mut live: Live<Self>) -> Result<Live<Self>> {
        let (name, arn) = (live.physical_id.clone(), live.arn().to_string());
        let native = read::tags(&clients.cloudwatch, &name, &arn);
        live.spec.tags = clients.tags_of(&arn, &mut live.provisional, native).await?;
        Ok(live)
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

    /// Actions are sets; a single-metric alarm's period defaults to five minutes.
    fn canonical(mut self) -> Self {
        self.alarm_actions.sort();
        self.ok_actions.sort();
        self.insufficient_data_actions.sort();
        if self.metrics.is_empty() && self.period_seconds.is_none() {
            self.period_seconds = Some(five_minutes());
        }
        self
    }
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
    // A metric-math alarm sends `Metrics` and none of the single-metric fields (AWS refuses both).
    let single = spec.metrics.is_empty();
    client
        .put_metric_alarm()
        .alarm_name(name)
        .set_alarm_description(spec.description.clone())
        .set_namespace(spec.namespace.clone())
        .set_metric_name(spec.metric_name.clone())
        .set_dimensions(single.then(|| dimensions(&spec.dimensions)))
        .set_statistic(spec.statistic.as_deref().map(cw::Statistic::from))
        .set_extended_statistic(spec.extended_statistic.clone())
        .set_period(single.then(|| spec.period_seconds.unwrap_or_else(five_minutes)))
        .set_metrics((!single).then(|| spec.metrics.iter().map(query).collect()))
        .evaluation_periods(spec.evaluation_periods)
        .set_datapoints_to_alarm(spec.datapoints_to_alarm)
        .threshold(spec.threshold)
        .comparison_operator(cw::ComparisonOperator::from(
            spec.comparison_operator.as_str(),
        ))
        .treat_missing_data(&spec.treat_missing_data)
        .set_alarm_actions(Some(spec.alarm_actions.clone()))
        .set_ok_actions(Some(spec.ok_actions.clone()))
        .set_insufficient_data_actions(Some(spec.insufficient_data_actions.clone()))
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

fn dimensions(dimensions: &BTreeMap<String, String>) -> Vec<cw::Dimension> {
    dimensions
        .iter()
        .map(|(k, v)| cw::Dimension::builder().name(k).value(v).build())
        .collect()
}

/// A metric-math query as PutMetricAlarm takes it.
fn query(q: &MetricQuery) -> cw::MetricDataQuery {
    let stat = q.metric.as_ref().map(|m| {
        cw::MetricStat::builder()
            .metric(
                cw::Metric::builder()
                    .namespace(&m.namespace)
                    .metric_name(&m.metric_name)
                    .set_dimensions(Some(dimensions(&m.dimensions)))
                    .build(),
            )
            .period(m.period_seconds)
            .stat(&m.stat)
            .set_unit(m.unit.as_deref().map(cw::StandardUnit::from))
            .build()
    });
    cw::MetricDataQuery::builder()
        .id(&q.id)
        .set_expression(q.expression.clone())
        .set_metric_stat(stat)
        .set_label(q.label.clone())
        .return_data(q.return_data)
        .build()
}

/// DeleteAlarms answers ResourceNotFound when a named alarm does not exist: gone is deleted.
async fn delete(client: &Client, name: &str) -> Result<(), AwsError> {
    let r = client.delete_alarms().alarm_names(name).send().await;
    ignore_not_found(r.map_err(|e| aws_error("DeleteAlarms", format!("alarm {name}"), e)))
}

#[cfg(test)]
mod tests {
    use super::read::query_of;
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

    /// The stack's throttle alarm: ThrottledRequests per TableName + Operation, summed.
    fn throttles() -> AlarmSpec {
        let per_operation = |id: &str, op: &str| {
            serde_json::json!({"id": id, "return_data": false, "metric": {
                "namespace": "AWS/DynamoDB", "metric_name": "ThrottledRequests",
                "dimensions": {"TableName": "tools", "Operation": op},
                "period_seconds": 300, "stat": "Sum"}})
        };
        serde_json::from_value(serde_json::json!({
            "name": "throttles", "threshold": 1.0,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            "metrics": [per_operation("puts", "PutItem"), per_operation("gets", "GetItem"),
                {"id": "total", "expression": "SUM([puts, gets])", "label": "Throttled"}]
        }))
        .expect("a metric-math alarm spec")
    }

    #[test]
    fn a_metric_math_alarm_read_back_as_sent_is_no_difference() {
        let want = throttles();
        let mut have = want.clone();
        have.metrics = want
            .metrics
            .iter()
            .map(query)
            .map(|q| query_of(&q))
            .collect();
        let c = compared(&want, &have);
        assert_eq!(Some(c.desired.clone()), c.observed);
        assert_eq!(
            c.desired.get("period_seconds"),
            None,
            "no alarm-level period"
        );
        // AWS may leave ReturnData out where it is true, its default.
        let mut unreported = query(&want.metrics[2]);
        unreported.return_data = None;
        assert_eq!(query_of(&unreported), want.metrics[2]);
    }

    #[test]
    fn a_changed_query_or_insufficient_data_action_is_an_update() {
        let mut changed = throttles();
        if let Some(m) = changed.metrics[0].metric.as_mut() {
            m.stat = "Maximum".into();
        }
        let c = compared(&changed, &throttles());
        assert!(c.replace_reasons.is_empty() && Some(c.desired) != c.observed);
        let notified = AlarmSpec {
            insufficient_data_actions: vec!["arn:topic".into()],
            ..spec(&[])
        };
        let c = compared(&notified, &spec(&[]));
        assert!(Some(c.desired) != c.observed);
    }

    #[test]
    fn a_single_metric_alarm_without_a_period_has_five_minutes() {
        let mut read = spec(&[]);
        read.period_seconds = Some(300);
        let c = compared(&spec(&[]), &read);
        assert_eq!(Some(c.desired), c.observed);
    }
}
