//! Security checks `dtr validate` (and every command) runs on the resolved configuration. Each finding
//! can be acknowledged on its resource, with a reason:
//!
//! ```yaml
//! acknowledge:
//!   iam-wildcard-resource: PutMetricData has no resource-level permissions
//! ```

use super::diagnostics::Collector;
use super::yaml;
use crate::model::sensitive::is_under;
use crate::model::{DesiredResource, ResourceKind};
use marked_yaml::Node;
use serde_json::Value;

/// The checks, by the name an acknowledgement uses.
pub const CHECKS: &[&str] = &[
    "iam-wildcard-action",
    "iam-wildcard-resource",
    "bucket-public-access",
    "bucket-not-tls-only",
    "secret-in-environment",
];

/// One finding: which check, where (a path below `properties`), and why it matters.
pub struct Finding {
    pub check: &'static str,
    pub path: Vec<String>,
    pub message: String,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn policy_findings(doc: &Value, path: &[&str], found: &mut Vec<Finding>) {
    let statements = match doc.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    };
    for (i, st) in statements.iter().enumerate() {
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let at = |field: &str| {
            let mut p: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            p.extend(["Statement".to_string(), i.to_string(), field.to_string()]);
            p
        };
        if strings(st.get("Action"))
            .iter()
            .any(|a| a == "*" || a.ends_with(":*"))
        {
            found.push(Finding {
                check: "iam-wildcard-action",
                path: at("Action"),
                message: "allows every action of a service (`*`); grant exactly the actions needed"
                    .into(),
            });
        }
        if strings(st.get("Resource")).iter().any(|r| r == "*") {
            found.push(Finding {
                check: "iam-wildcard-resource",
                path: at("Resource"),
                message: "allows any resource (`*`); name the ARNs (a `${resource.<name>.arn}` reference)".into(),
            });
        }
    }
}

const SECRET_WORDS: &[&str] = &[
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "TOKEN",
    "PRIVATE_KEY",
    "API_KEY",
    "CREDENTIAL",
];

/// Findings for one resource's resolved properties. `sensitive` holds the paths a `sensitive`
/// parameter flows to: an environment value there is not a plain secret, whatever its text.
pub fn check(kind: ResourceKind, props: &Value, sensitive: &[String]) -> Vec<Finding> {
    let mut found = Vec::new();
    match kind {
        ResourceKind::IamRole => {
            if let Some(Value::Object(policies)) = props.get("inline_policies") {
                for (name, doc) in policies {
                    policy_findings(doc, &["inline_policies", name], &mut found);
                }
            }
        }
        ResourceKind::S3Bucket => {
            if props.get("block_public_access") == Some(&Value::Bool(false)) {
                found.push(Finding {
                    check: "bucket-public-access",
                    path: vec!["block_public_access".into()],
                    message: "the public-access blocks are off".into(),
                });
            }
            if props.get("tls_only") == Some(&Value::Bool(false)) {
                found.push(Finding {
                    check: "bucket-not-tls-only",
                    path: vec!["tls_only".into()],
                    message: "the bucket accepts requests without TLS".into(),
                });
            }
        }
        ResourceKind::LambdaFunction => {
            if let Some(Value::Object(env)) = props.get("environment") {
                for (key, value) in env {
                    let upper = key.to_uppercase();
                    let text = value.as_str().unwrap_or_default();
                    let at = format!("environment.{key}");
                    let from_sensitive = sensitive.iter().any(|s| is_under(&at, s));
                    let looks_secret = SECRET_WORDS.iter().any(|w| upper.contains(w))
                        && !upper.ends_with("_SHA256");
                    if looks_secret
                        && !text.is_empty()
                        && !from_sensitive
                        && !text.starts_with("arn:")
                    {
                        found.push(Finding {
                            check: "secret-in-environment",
                            path: vec!["environment".into(), key.clone()],
                            message: format!(
                                "`{key}` looks like a secret in plain text; take it from a `sensitive` parameter or a secrets manager ARN"
                            ),
                        });
                    }
                }
            }
        }
        _ => {}
    }
    found
}

/// The security findings on a resource that it does not acknowledge, as diagnostics.
pub fn report(resource: &DesiredResource, properties: &Node, field: &str, c: &mut Collector) {
    let kind = resource.address.kind;
    let findings = check(kind, &resource.properties, &resource.sensitive_paths);
    for finding in findings {
        if resource.acknowledged.iter().any(|a| a == finding.check) {
            continue;
        }
        let at = *yaml::locate(properties, &finding.path).span();
        let path: Vec<&str> = finding.path.iter().map(String::as_str).collect();
        c.at(
            &at,
            yaml::join(&[field, &path.join(".")]),
            format!(
                "{} [{}; acknowledge it on the resource with a reason if intended]",
                finding.message, finding.check
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_public_buckets_and_plain_secrets_are_found() {
        let role = json!({"inline_policies": {"p": {"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"}
        ]}}});
        let checks: Vec<&str> = check(ResourceKind::IamRole, &role, &[])
            .iter()
            .map(|f| f.check)
            .collect();
        assert_eq!(checks, vec!["iam-wildcard-action", "iam-wildcard-resource"]);
        let bucket = json!({"block_public_access": false, "tls_only": true});
        assert_eq!(check(ResourceKind::S3Bucket, &bucket, &[]).len(), 1);
        let function = json!({"environment": {"DB_PASSWORD": "hunter2", "API_TOKEN": "from-param", "KEY_SHA256": "abc"}});
        let found = check(
            ResourceKind::LambdaFunction,
            &function,
            &["environment.API_TOKEN".to_string()],
        );
        assert_eq!(
            found.iter().map(|f| f.path.join(".")).collect::<Vec<_>>(),
            vec!["environment.DB_PASSWORD"]
        );
    }

    #[test]
    fn a_plain_secret_is_found_even_when_it_contains_a_sensitive_value() {
        // The sensitive parameter (value `dev`) flows elsewhere; this text only contains it.
        let function = json!({"environment": {"DB_PASSWORD": "dev-hunter2", "MODE": "dev"}});
        let found = check(
            ResourceKind::LambdaFunction,
            &function,
            &["environment.MODE".to_string()],
        );
        assert_eq!(
            found.iter().map(|f| f.path.join(".")).collect::<Vec<_>>(),
            vec!["environment.DB_PASSWORD"]
        );
    }
}
