//! `lambda_function`: code packaged from the repository, runtime, sizing, environment, logging.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    pub name: String,
    #[serde(default = "default_runtime")]
    pub runtime: String,
    #[serde(default = "default_handler")]
    pub handler: String,
    /// Directory of the function's code, relative to the stack file; zipped deterministically.
    pub source: String,
    pub role_arn: String,
    #[serde(default = "default_memory")]
    pub memory_mb: i32,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: i32,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Log group the function writes to (CloudWatch Logs `LoggingConfig`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    #[serde(default)]
    pub log_format: LogFormat,
    #[serde(default)]
    pub architecture: Architecture,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Concurrent executions reserved for the function (PutFunctionConcurrency); absent: it draws on
    /// the account's unreserved pool. 0 is legal and throttles every invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<i32>,
    /// X-Ray tracing (`TracingConfig`); absent is AWS's default, `PassThrough`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing_mode: Option<TracingMode>,
    /// Where an asynchronous invocation that failed every attempt is sent (an SQS queue, SNS topic,
    /// Lambda function or EventBridge bus ARN): the event-invoke configuration's
    /// `DestinationConfig.OnFailure`. The function's role must be allowed to send there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure_destination: Option<String>,
    /// Retries of a failed asynchronous invocation, 0-2; absent is AWS's default, 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<i32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Computed by dtr: base64 SHA-256 of the package, as Lambda reports it. Not to be set by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_sha256: Option<String>,
}

fn default_runtime() -> String {
    "python3.12".into()
}
fn default_handler() -> String {
    "handler.handler".into()
}
fn default_memory() -> i32 {
    128
}
fn default_timeout() -> i32 {
    3
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogFormat {
    #[default]
    #[serde(rename = "JSON")]
    Json,
    #[serde(rename = "Text")]
    Text,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Json => "JSON",
            LogFormat::Text => "Text",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TracingMode {
    #[default]
    PassThrough,
    Active,
}

impl TracingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TracingMode::PassThrough => "PassThrough",
            TracingMode::Active => "Active",
        }
    }
}

/// What AWS does when `maximum_retry_attempts` is absent.
pub const DEFAULT_RETRY_ATTEMPTS: i32 = 2;

impl super::ResourceSpec for FunctionSpec {
    const EXPORTS: &'static [&'static str] = &["name", "arn"];
    const TAGS: Option<super::TagsOf<Self>> = Some(|s| &mut s.tags);

    fn code_source(&self) -> Option<&str> {
        Some(&self.source)
    }

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let name_ok = (1..=64).contains(&self.name.len())
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !super::reference::has_resource_reference(&self.name) && !name_ok {
            errors.push(FieldError::new(
                &["name"],
                format!(
                    "`{}` is not a valid function name: 1-64 of a-z A-Z 0-9 - _",
                    self.name
                ),
            ));
        }
        if !(128..=10240).contains(&self.memory_mb) {
            errors.push(FieldError::new(&["memory_mb"], "must be 128-10240"));
        }
        if !(1..=900).contains(&self.timeout_seconds) {
            errors.push(FieldError::new(&["timeout_seconds"], "must be 1-900"));
        }
        if !self.handler.contains('.') {
            errors.push(FieldError::new(
                &["handler"],
                "must be <module>.<function>, e.g. handler.handler",
            ));
        }
        for key in self.environment.keys() {
            let ok = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                errors.push(FieldError::new(
                    &["environment", key],
                    "environment variable names are letters, digits and _, starting with a letter",
                ));
            }
        }
        if let Some(problem) = super::runtime::problem(&self.runtime, &super::runtime::today()) {
            errors.push(FieldError::new(&["runtime"], problem));
        }
        if self.reserved_concurrency.is_some_and(|n| n < 0) {
            errors.push(FieldError::new(
                &["reserved_concurrency"],
                "must be 0 or more (0 throttles every invocation; leave it out for unreserved)",
            ));
        }
        if self
            .maximum_retry_attempts
            .is_some_and(|n| !(0..=2).contains(&n))
        {
            errors.push(FieldError::new(&["maximum_retry_attempts"], "must be 0-2"));
        }
        if let Some(arn) = &self.on_failure_destination {
            if !super::reference::has_resource_reference(arn) && !arn.starts_with("arn:") {
                errors.push(FieldError::new(
                    &["on_failure_destination"],
                    format!("`{arn}` is not an ARN (an SQS queue, SNS topic, Lambda function or EventBridge bus)"),
                ));
            }
        }
        if self.code_sha256.is_some() {
            errors.push(FieldError::new(
                &["code_sha256"],
                "is computed by dtr from `source`; remove it",
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceSpec;

    fn function(extra: serde_json::Value) -> FunctionSpec {
        let mut v =
            serde_json::json!({"name": "f", "source": "s", "role_arn": "arn:aws:iam::1:role/r"});
        if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            v.extend(extra.clone());
        }
        serde_json::from_value(v).expect("a function spec")
    }

    fn paths(spec: &FunctionSpec) -> Vec<String> {
        spec.validate().iter().map(|e| e.path.join(".")).collect()
    }

    #[test]
    fn concurrency_retries_and_destination_are_checked_each_where_written() {
        let ok = function(serde_json::json!({
            "reserved_concurrency": 0, "tracing_mode": "Active", "maximum_retry_attempts": 0,
            "on_failure_destination": "${resource.failures.arn}"
        }));
        assert_eq!(paths(&ok), Vec::<String>::new());
        let bad = function(serde_json::json!({
            "reserved_concurrency": -1, "maximum_retry_attempts": 3,
            "on_failure_destination": "failures"
        }));
        assert_eq!(
            paths(&bad),
            vec![
                "reserved_concurrency",
                "maximum_retry_attempts",
                "on_failure_destination"
            ]
        );
        let r: Result<FunctionSpec, _> =
            serde_json::from_value(serde_json::json!({"name": "f", "source": "s",
                "role_arn": "r", "tracing_mode": "active"}));
        assert!(r.is_err(), "tracing modes are spelt as AWS spells them");
    }
}
