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
        if self.code_sha256.is_some() {
            errors.push(FieldError::new(
                &["code_sha256"],
                "is computed by dtr from `source`; remove it",
            ));
        }
        errors
    }
}
