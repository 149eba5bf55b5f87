//! `iam_role`: one role per function, its trust policy, inline policies and managed attachments.

use super::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    pub name: String,
    #[serde(default = "root_path")]
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The trust policy document.
    pub assume_role_policy: Value,
    /// Inline policies: name → document.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, Value>,
    #[serde(default)]
    pub managed_policy_arns: Vec<String>,
    #[serde(default = "one_hour")]
    pub max_session_duration: i32,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn root_path() -> String {
    "/".to_string()
}

fn one_hour() -> i32 {
    3600
}

fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

fn check_document(errors: &mut Vec<FieldError>, path: &[&str], doc: &Value) {
    let Some(obj) = doc.as_object() else {
        errors.push(FieldError::new(path, "a policy document must be a mapping"));
        return;
    };
    match obj.get("Statement") {
        Some(Value::Array(s)) if !s.is_empty() => {
            for (i, st) in s.iter().enumerate() {
                let effect = st.get("Effect").and_then(Value::as_str);
                if !matches!(effect, Some("Allow" | "Deny")) {
                    let i = i.to_string();
                    let mut p: Vec<&str> = path.to_vec();
                    p.extend(["Statement", &i, "Effect"]);
                    errors.push(FieldError::new(&p, "must be Allow or Deny"));
                }
            }
        }
        Some(Value::Object(_)) => {}
        _ => errors.push(FieldError::new(path, "needs a non-empty `Statement`")),
    }
}

impl super::ResourceSpec for RoleSpec {
    const EXPORTS: &'static [&'static str] = &["name", "arn"];
    const TAGS: Option<super::TagsOf<Self>> = Some(|s| &mut s.tags);
    const TAG_RULES: super::tags::TagRules = super::tags::TagRules::IAM;

    fn documents(&self) -> Vec<Vec<String>> {
        let inline = self.inline_policies.keys();
        std::iter::once(vec!["assume_role_policy".to_string()])
            .chain(inline.map(|name| vec!["inline_policies".to_string(), name.clone()]))
            .collect()
    }

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !super::reference::has_resource_reference(&self.name) && !valid_role_name(&self.name) {
            errors.push(FieldError::new(
                &["name"],
                format!(
                    "`{}` is not a valid IAM role name: 1-64 characters of a-z A-Z 0-9 +=,.@_-",
                    self.name
                ),
            ));
        }
        if !(self.path.starts_with('/') && self.path.ends_with('/')) {
            errors.push(FieldError::new(&["path"], "must start and end with `/`"));
        }
        if !(3600..=43200).contains(&self.max_session_duration) {
            errors.push(FieldError::new(
                &["max_session_duration"],
                "must be 3600-43200 seconds",
            ));
        }
        check_document(
            &mut errors,
            &["assume_role_policy"],
            &self.assume_role_policy,
        );
        for (name, doc) in &self.inline_policies {
            check_document(&mut errors, &["inline_policies", name], doc);
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceSpec;
    use serde_json::json;

    #[test]
    fn documents_and_names_are_checked() {
        let spec: RoleSpec = serde_json::from_value(json!({
            "name": "bad name!",
            "assume_role_policy": {"Statement": []},
            "inline_policies": {"p": {"Statement": [{"Effect": "Maybe"}]}}
        }))
        .unwrap();
        let paths: Vec<String> = spec
            .validate()
            .into_iter()
            .map(|e| e.path.join("."))
            .collect();
        assert_eq!(
            paths,
            vec![
                "name",
                "assume_role_policy",
                "inline_policies.p.Statement.0.Effect"
            ]
        );
    }
}
