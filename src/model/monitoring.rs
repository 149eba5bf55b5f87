//! `lambda_permission`, `metric_alarm` and `dashboard`: the small resources around the functions.

use super::metric_math::{period_problem, MetricQuery};
use super::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Lets a service (API Gateway) invoke a function. AWS cannot change one in place: any change replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSpec {
    pub function_name: String,
    pub statement_id: String,
    #[serde(default = "invoke")]
    pub action: String,
    /// A service principal such as `apigateway.amazonaws.com`.
    pub principal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<String>,
}

fn invoke() -> String {
    "lambda:InvokeFunction".into()
}

impl super::ResourceSpec for PermissionSpec {
    const EXPORTS: &'static [&'static str] = &["id"];
    const PARENT: Option<&'static str> = Some("function_name");

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let ok = (1..=100).contains(&self.statement_id.len())
            && self
                .statement_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            errors.push(FieldError::new(
                &["statement_id"],
                "1-100 characters of a-z A-Z 0-9 - _",
            ));
        }
        if !self.action.starts_with("lambda:") {
            errors.push(FieldError::new(
                &["action"],
                "must be a lambda: action, e.g. lambda:InvokeFunction",
            ));
        }
        errors
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The one metric watched; absent when `metrics` (metric math) says what is watched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount`; or use `extended_statistic` (`p99`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    /// 300 when absent, for a single-metric alarm (see `canonical`); a metric-math alarm has its
    /// periods in `metrics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<i32>,
    /// Metric math (CloudWatch `Metrics`, MetricDataQuery): the metrics and expressions the alarm
    /// evaluates, exactly one of them returning data. Instead of the single-metric fields above.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricQuery>,
    #[serde(default = "one")]
    pub evaluation_periods: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<i32>,
    pub threshold: f64,
    pub comparison_operator: String,
    #[serde(default = "missing")]
    pub treat_missing_data: String,
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    #[serde(default)]
    pub ok_actions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insufficient_data_actions: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn one() -> i32 {
    1
}
fn missing() -> String {
    "missing".into()
}

const STATISTICS: &[&str] = &["Sum", "Average", "Minimum", "Maximum", "SampleCount"];
const OPERATORS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];
const MISSING_DATA: &[&str] = &["breaching", "notBreaching", "ignore", "missing"];

impl super::ResourceSpec for AlarmSpec {
    const EXPORTS: &'static [&'static str] = &["name", "arn"];
    const TAGS: Option<super::TagsOf<Self>> = Some(|s| &mut s.tags);

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = if self.metrics.is_empty() {
            self.single_metric_problems()
        } else {
            self.metric_math_problems()
        };
        if !OPERATORS.contains(&self.comparison_operator.as_str()) {
            errors.push(FieldError::new(
                &["comparison_operator"],
                format!("must be one of {}", OPERATORS.join(", ")),
            ));
        }
        if !MISSING_DATA.contains(&self.treat_missing_data.as_str()) {
            errors.push(FieldError::new(
                &["treat_missing_data"],
                format!("must be one of {}", MISSING_DATA.join(", ")),
            ));
        }
        if self.evaluation_periods < 1 {
            errors.push(FieldError::new(
                &["evaluation_periods"],
                "must be at least 1",
            ));
        }
        if self
            .datapoints_to_alarm
            .is_some_and(|d| d < 1 || d > self.evaluation_periods)
        {
            errors.push(FieldError::new(
                &["datapoints_to_alarm"],
                "must be between 1 and evaluation_periods",
            ));
        }
        errors
    }
}

impl AlarmSpec {
    /// A single-metric alarm names its metric and exactly one statistic.
    fn single_metric_problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, value) in [
            ("namespace", &self.namespace),
            ("metric_name", &self.metric_name),
        ] {
            if value.is_none() {
                errors.push(FieldError::new(
                    &[field],
                    format!("`{field}` is required (or describe the alarm with `metrics`)"),
                ));
            }
        }
        match (&self.statistic, &self.extended_statistic) {
            (Some(s), None) if !STATISTICS.contains(&s.as_str()) => errors.push(FieldError::new(
                &["statistic"],
                format!("`{s}` is not one of {}", STATISTICS.join(", ")),
            )),
            (Some(_), Some(_)) | (None, None) => errors.push(FieldError::new(
                &["statistic"],
                "set exactly one of `statistic` and `extended_statistic`",
            )),
            _ => {}
        }
        if let Some(problem) = self.period_seconds.and_then(period_problem) {
            errors.push(FieldError::new(&["period_seconds"], problem));
        }
        errors
    }

    /// A metric-math alarm says everything in `metrics`: the single-metric fields are refused
    /// (PutMetricAlarm would), each where it is written.
    fn metric_math_problems(&self) -> Vec<FieldError> {
        let single = [
            ("namespace", self.namespace.is_some()),
            ("metric_name", self.metric_name.is_some()),
            ("statistic", self.statistic.is_some()),
            ("extended_statistic", self.extended_statistic.is_some()),
            ("dimensions", !self.dimensions.is_empty()),
            ("period_seconds", self.period_seconds.is_some()),
        ];
        let mut errors: Vec<FieldError> = single
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(field, _)| {
                FieldError::new(
                    &[field],
                    format!("`{field}` cannot be set with `metrics`: put the metric (and its period and stat) in a `metrics` entry"),
                )
            })
            .collect();
        errors.extend(super::metric_math::problems(&self.metrics));
        errors
    }
}

/// A CloudWatch dashboard; `body` is the dashboard JSON (compared as JSON, not as text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardSpec {
    pub name: String,
    pub body: Value,
}

impl super::ResourceSpec for DashboardSpec {
    const EXPORTS: &'static [&'static str] = &["name"];

    fn documents(&self) -> Vec<Vec<String>> {
        vec![vec!["body".to_string()]]
    }

    fn validate(&self) -> Vec<FieldError> {
        match self.body.get("widgets") {
            Some(Value::Array(_)) => Vec::new(),
            _ => vec![FieldError::new(
                &["body"],
                "a dashboard body needs a `widgets` list",
            )],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceSpec;

    fn alarm(extra: serde_json::Value) -> AlarmSpec {
        let mut v = serde_json::json!({
            "name": "a", "threshold": 1.0, "comparison_operator": "GreaterThanThreshold"
        });
        if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            v.extend(extra.clone());
        }
        serde_json::from_value(v).expect("an alarm spec")
    }

    fn paths(spec: &AlarmSpec) -> Vec<String> {
        spec.validate().iter().map(|e| e.path.join(".")).collect()
    }

    #[test]
    fn metrics_and_the_single_metric_fields_exclude_each_other_each_where_written() {
        let math = serde_json::json!([{"id": "total", "expression": "SUM(METRICS())"}]);
        assert!(paths(&alarm(serde_json::json!({"metrics": math}))).is_empty());
        let both = alarm(serde_json::json!({
            "metrics": math, "namespace": "AWS/Lambda", "statistic": "Sum",
            "period_seconds": 60, "dimensions": {"FunctionName": "f"}
        }));
        assert_eq!(
            paths(&both),
            vec!["namespace", "statistic", "dimensions", "period_seconds"]
        );
    }

    #[test]
    fn a_single_metric_alarm_needs_its_metric_and_a_statistic() {
        assert_eq!(
            paths(&alarm(serde_json::json!({}))),
            vec!["namespace", "metric_name", "statistic"]
        );
        let ok = alarm(serde_json::json!({
            "namespace": "AWS/Lambda", "metric_name": "Errors", "statistic": "Sum"
        }));
        assert!(paths(&ok).is_empty());
        let odd = AlarmSpec {
            period_seconds: Some(45),
            ..ok
        };
        assert_eq!(paths(&odd), vec!["period_seconds"]);
    }
}
