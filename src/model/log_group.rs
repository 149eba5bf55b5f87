//! `log_group`: a CloudWatch Logs group with its retention.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroupSpec {
    pub name: String,
    /// Days to keep events; absent means forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The retention periods CloudWatch Logs accepts.
pub const RETENTION_DAYS: &[i32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

impl super::ResourceSpec for LogGroupSpec {
    const EXPORTS: &'static [&'static str] = &["name", "arn"];
    const TAGS: Option<super::TagsOf<Self>> = Some(|s| &mut s.tags);
    const HOLDS_DATA: Option<super::HeldData> = Some(super::HeldData {
        noun: "log group",
        contents: "every event in it",
        kept_without_force_destroy: false,
    });

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let name_ok = (1..=512).contains(&self.name.len())
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c));
        if !super::reference::has_resource_reference(&self.name) && !name_ok {
            errors.push(FieldError::new(
                &["name"],
                format!(
                    "`{}` is not a valid log group name: 1-512 characters of a-z A-Z 0-9 _-/.#",
                    self.name
                ),
            ));
        }
        if let Some(days) = self.retention_days {
            if !RETENTION_DAYS.contains(&days) {
                errors.push(FieldError::new(
                    &["retention_days"],
                    format!(
                        "{days} is not a retention CloudWatch Logs accepts ({RETENTION_DAYS:?})"
                    ),
                ));
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
    fn retention_must_be_one_cloudwatch_accepts() {
        let mut spec = LogGroupSpec {
            name: "/aws/lambda/dtr-dev-tool-manager".into(),
            retention_days: Some(14),
            kms_key_arn: None,
            tags: BTreeMap::new(),
        };
        assert!(spec.validate().is_empty());
        spec.retention_days = Some(10);
        assert_eq!(spec.validate()[0].path, vec!["retention_days"]);
    }
}
