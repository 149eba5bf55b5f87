//! `s3_bucket`: the code-artifacts bucket's specification and its own validation rules.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketSpec {
    pub name: String,
    #[serde(default = "yes")]
    pub versioning: bool,
    #[serde(default)]
    pub encryption: BucketEncryption,
    /// All four public-access blocks; dtr only knows "all on" or "all off" (off needs a reason, later).
    #[serde(default = "yes")]
    pub block_public_access: bool,
    /// `BucketOwnerEnforced`: ACLs disabled, the bucket owner owns every object.
    #[serde(default = "yes")]
    pub owner_enforced: bool,
    /// A bucket policy statement denying any request not made over TLS.
    #[serde(default = "yes")]
    pub tls_only: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lifecycle_rules: Vec<LifecycleRule>,
    /// Delete a non-empty bucket (every object version) when the bucket is deleted.
    #[serde(default)]
    pub force_destroy: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketEncryption {
    #[serde(default, rename = "type")]
    pub kind: BucketSse,
    /// Only with `aws:kms`; without it the AWS-managed key is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BucketSse {
    #[default]
    #[serde(rename = "AES256")]
    Aes256,
    #[serde(rename = "aws:kms")]
    Kms,
}

impl BucketSse {
    pub fn as_str(self) -> &'static str {
        match self {
            BucketSse::Aes256 => "AES256",
            BucketSse::Kms => "aws:kms",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRule {
    pub id: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Key prefix the rule applies to; empty means the whole bucket.
    #[serde(default)]
    pub prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_multipart_upload_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub days: i32,
    pub storage_class: String,
}

const STORAGE_CLASSES: &[&str] = &[
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "GLACIER_IR",
    "DEEP_ARCHIVE",
];

/// S3 bucket naming rules (general purpose buckets).
pub fn bucket_name_problem(name: &str) -> Option<&'static str> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&name.len()) {
        Some("must be 3-63 characters long")
    } else if !ok_chars {
        Some("may contain only lowercase letters, digits, `-` and `.`")
    } else if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        Some("must start and end with a letter or digit")
    } else if name.contains("..") {
        Some("must not contain two adjacent periods")
    } else if name.parse::<std::net::Ipv4Addr>().is_ok() {
        Some("must not be formatted as an IP address")
    } else if name.starts_with("xn--") || name.starts_with("sthree-") {
        Some("must not start with `xn--` or `sthree-`")
    } else if name.ends_with("-s3alias") || name.ends_with("--ol-s3") {
        Some("must not end with `-s3alias` or `--ol-s3`")
    } else {
        None
    }
}

impl super::ResourceSpec for BucketSpec {
    const EXPORTS: &'static [&'static str] = &["name", "arn"];
    const TAGS: Option<super::TagsOf<Self>> = Some(|s| &mut s.tags);
    const HOLDS_DATA: Option<super::HeldData> = Some(super::HeldData {
        noun: "bucket",
        contents: "every object in it",
        kept_without_force_destroy: true,
    });

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !super::reference::has_resource_reference(&self.name) {
            if let Some(problem) = bucket_name_problem(&self.name) {
                errors.push(FieldError::new(
                    &["name"],
                    format!(
                        "`{}` is not a valid S3 bucket name: it {problem}",
                        self.name
                    ),
                ));
            }
        }
        if self.encryption.kind == BucketSse::Aes256 && self.encryption.kms_key_arn.is_some() {
            errors.push(FieldError::new(
                &["encryption", "kms_key_arn"],
                "is only allowed with `type: aws:kms`",
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, rule) in self.lifecycle_rules.iter().enumerate() {
            let i = i.to_string();
            if rule.id.is_empty() || rule.id.len() > 255 {
                errors.push(FieldError::new(
                    &["lifecycle_rules", &i, "id"],
                    "must be 1-255 characters",
                ));
            }
            if !ids.insert(rule.id.as_str()) {
                errors.push(FieldError::new(
                    &["lifecycle_rules", &i, "id"],
                    format!("rule `{}` is defined twice", rule.id),
                ));
            }
            let days = [
                ("expiration_days", rule.expiration_days),
                (
                    "noncurrent_version_expiration_days",
                    rule.noncurrent_version_expiration_days,
                ),
                (
                    "abort_incomplete_multipart_upload_days",
                    rule.abort_incomplete_multipart_upload_days,
                ),
            ];
            for (field, value) in days {
                if value.is_some_and(|d| d < 1) {
                    errors.push(FieldError::new(
                        &["lifecycle_rules", &i, field],
                        "must be at least 1 day",
                    ));
                }
            }
            if days.iter().all(|(_, v)| v.is_none()) && rule.transitions.is_empty() {
                errors.push(FieldError::new(
                    &["lifecycle_rules", &i],
                    "a rule needs at least one action (expiration, transition or abort)",
                ));
            }
            for (j, t) in rule.transitions.iter().enumerate() {
                let j = j.to_string();
                if !STORAGE_CLASSES.contains(&t.storage_class.as_str()) {
                    errors.push(FieldError::new(
                        &["lifecycle_rules", &i, "transitions", &j, "storage_class"],
                        format!(
                            "`{}` is not one of {}",
                            t.storage_class,
                            STORAGE_CLASSES.join(", ")
                        ),
                    ));
                }
                if t.days < 0 {
                    errors.push(FieldError::new(
                        &["lifecycle_rules", &i, "transitions", &j, "days"],
                        "must not be negative",
                    ));
                }
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceSpec;

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert_eq!(bucket_name_problem("dtr-dev-artifacts-123456789012"), None);
        for bad in [
            "ab",
            "Upper",
            "-start",
            "end-",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "x-s3alias",
            "under_score",
        ] {
            assert!(bucket_name_problem(bad).is_some(), "{bad} accepted");
        }
    }

    #[test]
    fn defaults_are_secure_and_rules_are_checked() {
        let spec: BucketSpec = serde_json::from_value(serde_json::json!({
            "name": "dtr-dev-artifacts",
            "lifecycle_rules": [{"id": "r"}, {"id": "r", "transitions": [{"days": 30, "storage_class": "COLD"}]}]
        }))
        .unwrap();
        assert!(
            spec.versioning && spec.block_public_access && spec.owner_enforced && spec.tls_only
        );
        let paths: Vec<String> = spec
            .validate()
            .into_iter()
            .map(|e| e.path.join("."))
            .collect();
        assert_eq!(
            paths,
            vec![
                "lifecycle_rules.0",
                "lifecycle_rules.1.id",
                "lifecycle_rules.1.transitions.0.storage_class"
            ]
        );
    }
}
