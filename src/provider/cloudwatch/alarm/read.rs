//! Reading alarms: DescribeAlarms for up to a hundred names at once, then each alarm's tags.

use crate::model::metric_math::{five_minutes, MetricQuery, MetricStat};
use crate::model::monitoring::AlarmSpec;
use crate::provider::aws_error;
use crate::provider::kind::Live;
use crate::provider::AwsError;
use aws_sdk_cloudwatch::types as cw;
use aws_sdk_cloudwatch::Client;
use std::collections::BTreeMap;

/// The most names one DescribeAlarms takes.
pub const NAMES_PER_CALL: usize = 100;

/// The metric alarms named `names` (one DescribeAlarms per hundred names and page of results),
/// without their tags: each name asked is in the answer, `None` when no such alarm exists.
pub async fn describe(
    client: &Client,
    names: &[String],
) -> Result<BTreeMap<String, Option<Live<AlarmSpec>>>, AwsError> {
    let mut found: BTreeMap<String, Option<Live<AlarmSpec>>> = BTreeMap::new();
    for chunk in names.chunks(NAMES_PER_CALL) {
        let mut token = None;
        loop {
            let out = client
                .describe_alarms()
                .set_alarm_names(Some(chunk.to_vec()))
                .max_records(NAMES_PER_CALL as i32)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| aws_error("DescribeAlarms", what(chunk), e))?;
            for alarm in out.metric_alarms() {
                if let Some(name) = alarm
                    .alarm_name
                    .as_deref()
                    .filter(|n| chunk.iter().any(|c| c == n))
                {
                    found.insert(name.to_string(), Some(spec_of(name, alarm)));
                }
            }
            token = out.next_token.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
    }
    for name in names {
        found.entry(name.clone()).or_insert(None);
    }
    Ok(found)
}

fn what(names: &[String]) -> String {
    match names {
        [one] => format!("alarm {one}"),
        [first, rest @ ..] => format!("alarms {first} and {} more", rest.len()),
        [] => "no alarm".to_string(),
    }
}

/// An alarm's tags (ListTagsForResource: CloudWatch reads them only one alarm at a time).
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
        .map_err(|e| aws_error("ListTagsForResource", format!("alarm {name}"), e))?
        .tags
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| Some((t.key?, t.value?)))
        .collect())
}

/// An alarm as DescribeAlarms reports it, with no tags yet.
fn spec_of(name: &str, a: &cw::MetricAlarm) -> Live<AlarmSpec> {
    let arn = a.alarm_arn.clone().unwrap_or_default();
    let mut alarm_actions = a.alarm_actions.clone().unwrap_or_default();
    alarm_actions.sort();
    let mut ok_actions = a.ok_actions.clone().unwrap_or_default();
    ok_actions.sort();
    let mut insufficient_data_actions = a.insufficient_data_actions.clone().unwrap_or_default();
    insufficient_data_actions.sort();
    let spec = AlarmSpec {
        name: name.to_string(),
        description: a.alarm_description.clone().filter(|d| !d.is_empty()),
        namespace: a.namespace.clone().filter(|n| !n.is_empty()),
        metric_name: a.metric_name.clone().filter(|n| !n.is_empty()),
        dimensions: dimensions_of(a.dimensions()),
        statistic: a.statistic.as_ref().map(|s| s.as_str().to_string()),
        extended_statistic: a.extended_statistic.clone(),
        period_seconds: a.period,
        metrics: a.metrics().iter().map(query_of).collect(),
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
        insufficient_data_actions,
        tags: BTreeMap::new(),
    };
    Live::named(name, spec, arn)
}

pub fn dimensions_of(dimensions: &[cw::Dimension]) -> BTreeMap<String, String> {
    dimensions
        .iter()
        .map(|d| {
            (
                d.name.clone().unwrap_or_default(),
                d.value.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// A metric-math query as DescribeAlarms reports it; an unreported ReturnData is AWS's default, true.
pub fn query_of(q: &cw::MetricDataQuery) -> MetricQuery {
    MetricQuery {
        id: q.id.clone().unwrap_or_default(),
        expression: q.expression.clone().filter(|e| !e.is_empty()),
        metric: q.metric_stat.as_ref().map(|s| {
            let metric = s.metric.as_ref();
            MetricStat {
                namespace: metric.and_then(|m| m.namespace.clone()).unwrap_or_default(),
                metric_name: metric
                    .and_then(|m| m.metric_name.clone())
                    .unwrap_or_default(),
                dimensions: metric
                    .map(|m| dimensions_of(m.dimensions()))
                    .unwrap_or_default(),
                period_seconds: s.period.unwrap_or_else(five_minutes),
                stat: s.stat.clone().unwrap_or_default(),
                unit: s.unit.as_ref().map(|u| u.as_str().to_string()),
            }
        }),
        label: q.label.clone().filter(|l| !l.is_empty()),
        return_data: q.return_data.unwrap_or(true),
    }
}
