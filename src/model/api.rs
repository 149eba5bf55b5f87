//! API Gateway v2 HTTP API and its children (authorizer, integration, route, stage), each an addressed
//! resource of its own.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpApiSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    #[serde(default)]
    pub allow_origins: Vec<String>,
    #[serde(default)]
    pub allow_methods: Vec<String>,
    #[serde(default)]
    pub allow_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    #[serde(default)]
    pub max_age_seconds: i32,
    #[serde(default)]
    pub allow_credentials: bool,
}

/// A Lambda REQUEST authorizer (payload 2.0, simple responses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiAuthorizerSpec {
    pub api_id: String,
    pub name: String,
    pub function_arn: String,
    #[serde(default = "authorization_header")]
    pub identity_sources: Vec<String>,
    #[serde(default = "ttl")]
    pub result_ttl_seconds: i32,
}

fn authorization_header() -> Vec<String> {
    vec!["$request.header.Authorization".into()]
}
fn ttl() -> i32 {
    300
}

/// A Lambda proxy integration (payload 2.0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiIntegrationSpec {
    pub api_id: String,
    pub function_arn: String,
    #[serde(default = "thirty_seconds")]
    pub timeout_ms: i32,
}

fn thirty_seconds() -> i32 {
    30000
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiRouteSpec {
    pub api_id: String,
    /// `METHOD /path`, e.g. `GET /tools/{id}`.
    pub route_key: String,
    pub integration_id: String,
    /// Without one the route is open (e.g. `GET /health`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiStageSpec {
    pub api_id: String,
    #[serde(default = "default_stage")]
    pub name: String,
    #[serde(default = "yes")]
    pub auto_deploy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_group_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_format: Option<String>,
    /// Default route throttling (`DefaultRouteSettings`): absent, the account's limits apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling: Option<StageThrottling>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// Requests every route of the stage accepts: `rate_limit` a second on average, `burst_limit` at
/// once. Both are set together: one left out would be 0, which refuses every request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageThrottling {
    pub burst_limit: i32,
    pub rate_limit: f64,
}

fn default_stage() -> String {
    "$default".into()
}
fn yes() -> bool {
    true
}

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

impl super::ResourceSpec for HttpApiSpec {
    const EXPORTS: &'static [&'static str] = &["id", "endpoint", "execution_arn"];
    const TAGS: Option<super::TagsOf<Self>> = Some(|s| &mut s.tags);

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.name.is_empty() || self.name.len() > 128 {
            errors.push(FieldError::new(&["name"], "must be 1-128 characters"));
        }
        if let Some(cors) = &self.cors {
            for (i, m) in cors.allow_methods.iter().enumerate() {
                if m != "*" && !METHODS.contains(&m.as_str()) {
                    let i = i.to_string();
                    errors.push(FieldError::new(
                        &["cors", "allow_methods", &i],
                        format!("`{m}` is not an HTTP method"),
                    ));
                }
            }
            if cors.allow_credentials && cors.allow_origins.iter().any(|o| o == "*") {
                errors.push(FieldError::new(
                    &["cors", "allow_credentials"],
                    "cannot be true with the `*` origin",
                ));
            }
        }
        errors
    }
}

impl super::ResourceSpec for ApiRouteSpec {
    const EXPORTS: &'static [&'static str] = &["id"];
    const PARENT: Option<&'static str> = Some("api_id");

    fn validate(&self) -> Vec<FieldError> {
        let ok = self.route_key == "$default"
            || self
                .route_key
                .split_once(' ')
                .is_some_and(|(m, p)| METHODS.contains(&m) && p.starts_with('/'));
        if ok {
            Vec::new()
        } else {
            vec![FieldError::new(
                &["route_key"],
                format!("`{}` is not `METHOD /path` or `$default`", self.route_key),
            )]
        }
    }
}

impl super::ResourceSpec for ApiAuthorizerSpec {
    const EXPORTS: &'static [&'static str] = &["id"];
    const PARENT: Option<&'static str> = Some("api_id");

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !(0..=3600).contains(&self.result_ttl_seconds) {
            errors.push(FieldError::new(&["result_ttl_seconds"], "must be 0-3600"));
        }
        if self.identity_sources.iter().any(|s| !s.starts_with('$')) {
            errors.push(FieldError::new(
                &["identity_sources"],
                "each source is a selection expression such as $request.header.Authorization",
            ));
        }
        errors
    }
}

impl super::ResourceSpec for ApiIntegrationSpec {
    const EXPORTS: &'static [&'static str] = &["id"];
    const PARENT: Option<&'static str> = Some("api_id");

    fn validate(&self) -> Vec<FieldError> {
        if (50..=30000).contains(&self.timeout_ms) {
            Vec::new()
        } else {
            vec![FieldError::new(&["timeout_ms"], "must be 50-30000")]
        }
    }
}

impl super::ResourceSpec for ApiStageSpec {
    const EXPORTS: &'static [&'static str] = &["name"];
    const PARENT: Option<&'static str> = Some("api_id");
    const TAGS: Option<super::TagsOf<Self>> = Some(|s| &mut s.tags);

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.access_log_format.is_some() != self.access_log_group_arn.is_some() {
            errors.push(FieldError::new(
                &["access_log_format"],
                "access logs need both a log group ARN and a format",
            ));
        }
        if let Some(t) = &self.throttling {
            if t.burst_limit < 0 {
                errors.push(FieldError::new(
                    &["throttling", "burst_limit"],
                    "must be 0 or more (0 refuses every request)",
                ));
            }
            if !t.rate_limit.is_finite() || t.rate_limit < 0.0 {
                errors.push(FieldError::new(
                    &["throttling", "rate_limit"],
                    "must be 0 or more requests a second (0 refuses every request)",
                ));
            }
        }
        errors
    }
}
