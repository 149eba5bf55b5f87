//! `dynamodb_table`: the tool-metadata table's specification and its own validation rules.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    pub name: String,
    #[serde(default)]
    pub billing_mode: BillingMode,
    /// Required with PROVISIONED billing, forbidden with PAY_PER_REQUEST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_capacity: Option<i64>,
    pub hash_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_key: Option<String>,
    /// Every attribute used by the table's or an index's key schema, and no other.
    pub attributes: Vec<AttributeDefinition>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_attribute: Option<String>,
    #[serde(default)]
    pub point_in_time_recovery: bool,
    #[serde(default)]
    pub server_side_encryption: ServerSideEncryption,
    #[serde(default)]
    pub deletion_protection: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillingMode {
    #[default]
    #[serde(rename = "PAY_PER_REQUEST")]
    PayPerRequest,
    #[serde(rename = "PROVISIONED")]
    Provisioned,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::PayPerRequest => "PAY_PER_REQUEST",
            BillingMode::Provisioned => "PROVISIONED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDefinition {
    pub name: String,
    #[serde(rename = "type")]
    pub attribute_type: AttributeType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AttributeType {
    S,
    N,
    B,
}

impl AttributeType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::S => "S",
            AttributeType::N => "N",
            AttributeType::B => "B",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalSecondaryIndex {
    pub name: String,
    pub hash_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_key: Option<String>,
    #[serde(default)]
    pub projection: Projection,
    /// Only with `projection: INCLUDE`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_key_attributes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_capacity: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Projection {
    #[default]
    #[serde(rename = "ALL")]
    All,
    #[serde(rename = "KEYS_ONLY")]
    KeysOnly,
    #[serde(rename = "INCLUDE")]
    Include,
}

impl Projection {
    pub fn as_str(self) -> &'static str {
        match self {
            Projection::All => "ALL",
            Projection::KeysOnly => "KEYS_ONLY",
            Projection::Include => "INCLUDE",
        }
    }
}

/// `AWS_OWNED` is DynamoDB's default (no SSE description); `KMS` uses the AWS-managed key unless
/// `kms_key_arn` names a customer-managed one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSideEncryption {
    #[serde(default, rename = "type")]
    pub kind: SseKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SseKind {
    #[default]
    #[serde(rename = "AWS_OWNED")]
    AwsOwned,
    #[serde(rename = "KMS")]
    Kms,
}

/// DynamoDB table and index names: 3–255 characters of `a-z A-Z 0-9 _ - .`.
pub fn valid_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

impl super::ResourceSpec for TableSpec {
    const EXPORTS: &'static [&'static str] = &["name", "arn"];
    const TAGS: Option<super::TagsOf<Self>> = Some(|s| &mut s.tags);
    const TAG_RULES: super::tags::TagRules = super::tags::TagRules::DYNAMODB;
    const HOLDS_DATA: Option<super::HeldData> = Some(super::HeldData {
        noun: "table",
        contents: "every item in it",
        kept_without_force_destroy: false,
    });

    /// Rules DynamoDB enforces (or that would make a table unusable), checked before any AWS call.
    /// Values still holding a `${resource.*}` reference are not checked: they are known only at apply.
    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let unresolved = super::reference::has_resource_reference;
        if !unresolved(&self.name) && !valid_table_name(&self.name) {
            errors.push(FieldError::new(
                &["name"],
                format!(
                    "`{}` is not a valid DynamoDB table name: 3-255 characters of a-z, A-Z, 0-9, `_`, `-`, `.`",
                    self.name
                ),
            ));
        }
        self.validate_capacity(&mut errors);
        self.validate_keys(&mut errors);
        if let Some(ttl) = &self.ttl_attribute {
            if ttl.is_empty() || ttl.len() > 255 {
                errors.push(FieldError::new(
                    &["ttl_attribute"],
                    "must be 1-255 characters",
                ));
            }
        }
        if self.server_side_encryption.kind == SseKind::AwsOwned
            && self.server_side_encryption.kms_key_arn.is_some()
        {
            errors.push(FieldError::new(
                &["server_side_encryption", "kms_key_arn"],
                "is only allowed with `type: KMS`",
            ));
        }
        errors
    }
}

impl TableSpec {
    fn validate_capacity(&self, errors: &mut Vec<FieldError>) {
        let provisioned = self.billing_mode == BillingMode::Provisioned;
        let mut check = |path: &[&str], value: Option<i64>| match (provisioned, value) {
            (true, None) => errors.push(FieldError::new(
                path,
                "is required when billing_mode is PROVISIONED",
            )),
            (true, Some(v)) if v < 1 => errors.push(FieldError::new(path, "must be at least 1")),
            (false, Some(_)) => errors.push(FieldError::new(
                path,
                "is only allowed when billing_mode is PROVISIONED",
            )),
            _ => {}
        };
        check(&["read_capacity"], self.read_capacity);
        check(&["write_capacity"], self.write_capacity);
        for (i, gsi) in self.global_secondary_indexes.iter().enumerate() {
            let i = i.to_string();
            check(
                &["global_secondary_indexes", &i, "read_capacity"],
                gsi.read_capacity,
            );
            check(
                &["global_secondary_indexes", &i, "write_capacity"],
                gsi.write_capacity,
            );
        }
    }

    fn validate_keys(&self, errors: &mut Vec<FieldError>) {
        let defined: BTreeMap<&str, usize> = self
            .attributes
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.as_str(), i))
            .collect();
        for (i, a) in self.attributes.iter().enumerate() {
            if defined.get(a.name.as_str()) != Some(&i) {
                let i = i.to_string();
                errors.push(FieldError::new(
                    &["attributes", &i, "name"],
                    format!("attribute `{}` is defined twice", a.name),
                ));
            }
        }
        let mut used = std::collections::BTreeSet::new();
        let mut key = |path: &[&str], name: &str, errors: &mut Vec<FieldError>| {
            used.insert(name.to_string());
            if !defined.contains_key(name) {
                errors.push(FieldError::new(
                    path,
                    format!("key attribute `{name}` is not listed in `attributes`"),
                ));
            }
        };
        key(&["hash_key"], &self.hash_key, errors);
        if let Some(range) = &self.range_key {
            key(&["range_key"], range, errors);
        }
        let mut index_names = std::collections::BTreeSet::new();
        for (i, gsi) in self.global_secondary_indexes.iter().enumerate() {
            let i = i.to_string();
            if !valid_table_name(&gsi.name) {
                errors.push(FieldError::new(
                    &["global_secondary_indexes", &i, "name"],
                    format!("`{}` is not a valid index name: 3-255 characters of a-z, A-Z, 0-9, `_`, `-`, `.`", gsi.name),
                ));
            }
            if !index_names.insert(gsi.name.as_str()) {
                errors.push(FieldError::new(
                    &["global_secondary_indexes", &i, "name"],
                    format!("index `{}` is defined twice", gsi.name),
                ));
            }
            key(
                &["global_secondary_indexes", &i, "hash_key"],
                &gsi.hash_key,
                errors,
            );
            if let Some(range) = &gsi.range_key {
                key(
                    &["global_secondary_indexes", &i, "range_key"],
                    range,
                    errors,
                );
            }
            let include = gsi.projection == Projection::Include;
            if include == gsi.non_key_attributes.is_empty() {
                errors.push(FieldError::new(
                    &["global_secondary_indexes", &i, "non_key_attributes"],
                    "is required with `projection: INCLUDE` and forbidden otherwise",
                ));
            }
        }
        if self.global_secondary_indexes.len() > 20 {
            errors.push(FieldError::new(
                &["global_secondary_indexes"],
                "DynamoDB allows at most 20 global secondary indexes",
            ));
        }
        for (i, a) in self.attributes.iter().enumerate() {
            if !used.contains(&a.name) {
                let i = i.to_string();
                errors.push(FieldError::new(
                    &["attributes", &i, "name"],
                    format!(
                        "attribute `{}` is not used by any key; DynamoDB only accepts key attributes here",
                        a.name
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceSpec;

    fn spec() -> TableSpec {
        serde_json::from_value(serde_json::json!({
            "name": "dtr-dev-tools",
            "hash_key": "tool_id",
            "attributes": [
                {"name": "tool_id", "type": "S"},
                {"name": "agent_id", "type": "S"}
            ],
            "global_secondary_indexes": [{"name": "by-agent", "hash_key": "agent_id"}]
        }))
        .unwrap()
    }

    #[test]
    fn a_good_spec_has_no_errors() {
        assert_eq!(spec().validate(), vec![]);
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let mut s = spec();
        s.name = "x".into();
        s.billing_mode = BillingMode::Provisioned;
        s.hash_key = "missing".into();
        let paths: Vec<String> = s.validate().into_iter().map(|e| e.path.join(".")).collect();
        assert_eq!(
            paths,
            vec![
                "name",
                "read_capacity",
                "write_capacity",
                "global_secondary_indexes.0.read_capacity",
                "global_secondary_indexes.0.write_capacity",
                "hash_key",
                "attributes.0.name",
            ]
        );
    }

    #[test]
    fn unresolved_names_are_not_checked() {
        let mut s = spec();
        s.name = "${resource.other.name}".into();
        assert_eq!(s.validate(), vec![]);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_value::<TableSpec>(serde_json::json!({
            "name": "abc", "hash_key": "a", "attributes": [], "billing": "x"
        }))
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `billing`"), "{err}");
    }
}
