//! `lambda_permission`, `metric_alarm` and `dashboard`: the small resources around the functions.

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
    pub namespace: String,
    pub metric_name: String,
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount`; or use `extended_statistic` (`p99`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    #[serde(default = "five_minutes")]
    pub period_seconds: i32,
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
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn five_minutes() -> i32 {
    300
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
        let mut errors = Vec::new();
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
        if self.period_seconds < 10 || (self.period_seconds > 30 && self.period_seconds % 60 != 0) {
            errors.push(FieldError::new(
                &["period_seconds"],
                "must be 10, 20, 30 or a multiple of 60",
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
