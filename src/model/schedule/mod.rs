//! `schedule_group` and `schedule`: EventBridge Scheduler, which invokes a target (the Monitoring
//! function) on a rate, a cron or once. Schedules take no tags; the group they live in does, and
//! carries dtr's ownership tags.

mod expression;

pub use expression::check_expression;

use super::reference::has_resource_reference;
use super::{FieldError, ResourceSpec, TagsOf};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A schedule group, known by its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleGroupSpec {
    pub name: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for ScheduleGroupSpec {
    const EXPORTS: &'static [&'static str] = &["name", "arn"];
    const TAGS: Option<TagsOf<Self>> = Some(|s| &mut s.tags);

    fn validate(&self) -> Vec<FieldError> {
        name_errors("name", &self.name)
    }
}

/// A schedule of a group, addressed `<group>/<name>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    pub name: String,
    /// The group it lives in (`${resource.<group>.name}`).
    pub group: String,
    /// `rate(5 minutes)`, `cron(0 8 * * ? *)` or `at(2030-01-01T00:00:00)`.
    pub schedule_expression: String,
    /// The IANA time zone the expression is read in; absent is UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default = "enabled")]
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How late, in minutes, an invocation may run; absent runs it on time (mode OFF).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flexible_window_minutes: Option<i32>,
    pub target: ScheduleTarget,
}

/// What a schedule invokes, with the role it invokes it as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleTarget {
    pub arn: String,
    /// A role that trusts `scheduler.amazonaws.com` and may invoke the target.
    pub role_arn: String,
    /// What the target receives: a JSON document (a mapping or a list) or a string sent as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    #[serde(default)]
    pub retry: ScheduleRetry,
    /// The SQS queue that receives the invocations that failed every retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_arn: Option<String>,
}

/// How long and how often a failed invocation is tried again; AWS's defaults when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRetry {
    #[serde(default = "max_attempts")]
    pub maximum_attempts: i32,
    #[serde(default = "max_event_age")]
    pub maximum_event_age_seconds: i32,
}

impl Default for ScheduleRetry {
    fn default() -> Self {
        ScheduleRetry {
            maximum_attempts: max_attempts(),
            maximum_event_age_seconds: max_event_age(),
        }
    }
}

fn enabled() -> String {
    "ENABLED".into()
}
fn max_attempts() -> i32 {
    185
}
fn max_event_age() -> i32 {
    86400
}

pub const STATES: &[&str] = &["ENABLED", "DISABLED"];

impl ResourceSpec for ScheduleSpec {
    const EXPORTS: &'static [&'static str] = &["name", "arn"];
    const PARENT: Option<&'static str> = Some("group");

    /// An input written as a mapping or a list is a document: its YAML types are kept.
    fn documents(&self) -> Vec<Vec<String>> {
        match &self.target.input {
            Some(input) if !input.is_string() => vec![vec!["target".into(), "input".into()]],
            _ => Vec::new(),
        }
    }

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = name_errors("name", &self.name);
        errors.extend(name_errors("group", &self.group));
        if let Err(why) = check_expression(&self.schedule_expression) {
            errors.push(FieldError::new(
                &["schedule_expression"],
                format!("`{}` {why}", self.schedule_expression),
            ));
        }
        if self
            .timezone
            .as_deref()
            .is_some_and(|tz| !valid_timezone(tz))
        {
            errors.push(FieldError::new(
                &["timezone"],
                "must be an IANA time zone such as UTC or Europe/Paris",
            ));
        }
        if !STATES.contains(&self.state.as_str()) {
            errors.push(FieldError::new(
                &["state"],
                format!("`{}` is not one of {}", self.state, STATES.join(", ")),
            ));
        }
        if self.description.as_ref().is_some_and(|d| d.len() > 512) {
            errors.push(FieldError::new(&["description"], "at most 512 characters"));
        }
        if self
            .flexible_window_minutes
            .is_some_and(|m| !(1..=1440).contains(&m))
        {
            errors.push(FieldError::new(
                &["flexible_window_minutes"],
                "must be 1-1440 (leave it out to invoke on time)",
            ));
        }
        errors.extend(self.target.validate());
        errors
    }
}

impl ScheduleTarget {
    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let known = |s: &str| !has_resource_reference(s);
        if known(&self.arn) && !self.arn.starts_with("arn:") {
            errors.push(FieldError::new(&["target", "arn"], "must be an ARN"));
        }
        if known(&self.role_arn) && !is_arn_of(&self.role_arn, "iam", "role/") {
            errors.push(FieldError::new(
                &["target", "role_arn"],
                "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
            ));
        }
        if let Some(dlq) = self.dead_letter_arn.as_deref() {
            if known(dlq) && !is_arn_of(dlq, "sqs", "") {
                errors.push(FieldError::new(
                    &["target", "dead_letter_arn"],
                    "must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>)",
                ));
            }
        }
        if self
            .input
            .as_ref()
            .is_some_and(|i| input_text(i).len() > 8192)
        {
            errors.push(FieldError::new(
                &["target", "input"],
                "at most 8192 characters",
            ));
        }
        if !(0..=185).contains(&self.retry.maximum_attempts) {
            errors.push(FieldError::new(
                &["target", "retry", "maximum_attempts"],
                "must be 0-185",
            ));
        }
        if !(60..=86400).contains(&self.retry.maximum_event_age_seconds) {
            errors.push(FieldError::new(
                &["target", "retry", "maximum_event_age_seconds"],
                "must be 60-86400",
            ));
        }
        errors
    }
}

/// The text a target receives: a string as is, a document as JSON.
pub fn input_text(input: &Value) -> String {
    match input {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Scheduler names (schedules and groups): 1-64 characters of a-z A-Z 0-9 - _ .
fn name_errors(field: &str, name: &str) -> Vec<FieldError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok || has_resource_reference(name) {
        Vec::new()
    } else {
        vec![FieldError::new(
            &[field],
            format!("`{name}` is not a valid name: 1-64 characters of a-z A-Z 0-9 - _ ."),
        )]
    }
}

fn is_arn_of(arn: &str, service: &str, resource_prefix: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == service
        && parts[5].len() > resource_prefix.len()
        && parts[5].starts_with(resource_prefix)
}

fn valid_timezone(tz: &str) -> bool {
    !tz.is_empty()
        && tz.len() <= 50
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schedule() -> ScheduleSpec {
        serde_json::from_value(json!({
            "name": "monitoring",
            "group": "${resource.schedules.name}",
            "schedule_expression": "rate(5 minutes)",
            "target": {
                "arn": "${resource.monitoring.arn}",
                "role_arn": "${resource.scheduler_role.arn}",
            },
        }))
        .expect("a schedule")
    }

    #[test]
    fn defaults_are_aws_defaults() {
        let s = schedule();
        assert_eq!(s.state, "ENABLED");
        assert_eq!(s.target.retry, ScheduleRetry::default());
        assert_eq!(s.target.retry.maximum_attempts, 185);
        assert_eq!(s.target.retry.maximum_event_age_seconds, 86400);
        assert!(s.validate().is_empty(), "{:?}", s.validate());
    }

    #[test]
    fn every_problem_is_located() {
        let mut s = schedule();
        s.name = "has space".into();
        s.schedule_expression = "rate(5 fortnights)".into();
        s.timezone = Some("Mars Time".into());
        s.state = "PAUSED".into();
        s.flexible_window_minutes = Some(0);
        s.target.arn = "monitoring".into();
        s.target.role_arn = "arn:aws:lambda:us-east-1:123456789012:function:x".into();
        s.target.dead_letter_arn = Some("arn:aws:sns:us-east-1:123456789012:t".into());
        s.target.retry.maximum_attempts = 200;
        s.target.retry.maximum_event_age_seconds = 10;
        let paths: Vec<String> = s.validate().into_iter().map(|e| e.path.join(".")).collect();
        assert_eq!(
            paths,
            [
                "name",
                "schedule_expression",
                "timezone",
                "state",
                "flexible_window_minutes",
                "target.arn",
                "target.role_arn",
                "target.dead_letter_arn",
                "target.retry.maximum_attempts",
                "target.retry.maximum_event_age_seconds",
            ]
        );
        let group = ScheduleGroupSpec {
            name: "a/b".into(),
            tags: BTreeMap::new(),
        };
        assert_eq!(group.validate()[0].path, ["name"]);
    }

    #[test]
    fn an_input_document_keeps_its_yaml_types_and_a_string_is_sent_as_is() {
        let mut s = schedule();
        assert!(s.documents().is_empty());
        s.target.input = Some(json!("ping"));
        assert!(s.documents().is_empty());
        assert_eq!(input_text(&json!("ping")), "ping");
        s.target.input = Some(json!({"source": "schedule", "depth": 2}));
        assert_eq!(s.documents(), [vec!["target", "input"]]);
        assert_eq!(
            input_text(s.target.input.as_ref().unwrap()),
            r#"{"source":"schedule","depth":2}"#
        );
    }
}
