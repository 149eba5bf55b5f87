//! Masking by flow: what a plan shows of the values a `sensitive` parameter flows to. A render-time
//! concern: the plan (and the file `plan --out` saves) keeps the real values it applies.

use super::{Plan, ResourceChange};
use crate::model::sensitive;

impl Plan {
    /// A copy fit to show: what lies at or under each change's sensitive paths, on both sides of
    /// every attribute and in the desired properties, becomes `(sensitive)`, whatever its type.
    /// Nothing else is touched. The plan itself (saved with `--out`) keeps the real values.
    pub fn masked(&self) -> Plan {
        let mut plan = self.clone();
        for change in &mut plan.changes {
            change.mask();
        }
        plan
    }
}

impl ResourceChange {
    fn mask(&mut self) {
        let sensitive = &self.sensitive;
        if sensitive.is_empty() {
            return;
        }
        for attr in &mut self.attributes {
            let path = attr.path.as_str();
            for side in [&mut attr.before, &mut attr.after].into_iter().flatten() {
                sensitive::mask_at(side, path, sensitive);
            }
            // A key removed from a map that holds a sensitive value may have held one itself (a
            // variable renamed): its old value is masked.
            let sibling = path
                .rsplit_once('.')
                .is_some_and(|(map, _)| sensitive.iter().any(|s| sensitive::is_under(s, map)));
            if sibling && attr.after.is_none() {
                if let Some(before) = &mut attr.before {
                    *before = serde_json::Value::String(sensitive::MASK.to_string());
                }
            }
        }
        // A resource named from a sensitive value is shown by that name nowhere.
        if sensitive::exports_sensitive(sensitive, "name") && self.physical_id.is_some() {
            self.physical_id = Some(sensitive::MASK.to_string());
        }
        if let Some(desired) = &mut self.desired {
            sensitive::mask_at(desired, "", sensitive);
        }
        for (attribute, value) in &mut self.outputs {
            if sensitive::exports_sensitive(sensitive, attribute) {
                *value = sensitive::MASK.to_string();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::render::{human, json, markdown};
    use crate::plan::{Action, AttributeChange, PLAN_FORMAT_VERSION};
    use serde_json::{json, Value};
    use std::collections::BTreeMap;

    fn attr(path: &str, before: Value, after: Value) -> AttributeChange {
        AttributeChange {
            path: path.into(),
            before: Some(before),
            after: Some(after),
            after_unknown: false,
            forces_replacement: false,
            drift: false,
        }
    }

    /// A function whose key rotates, whose memory (a number) and origins (a list) are sensitive, and
    /// whose name, tags and ARN hold the same text as a sensitive value (`dev`) without coming from it.
    fn rotation() -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            stack: "s".into(),
            environment: "dev".into(),
            changes: vec![ResourceChange {
                address: "lambda_function.authorizer".parse().unwrap(),
                action: Action::Update,
                reason: None,
                physical_id: Some("dtr-dev-authorizer".into()),
                record_in_state: false,
                attributes: vec![
                    attr(
                        "cors",
                        json!({"origins": ["old-origin"]}),
                        json!({"origins": ["new-origin"]}),
                    ),
                    attr("environment.API_KEY", json!("old-key"), json!("new-key")),
                    attr("memory_mb", json!(1024), json!(2048)),
                    attr("tags.environment", json!("staging"), json!("dev")),
                    attr("tags.token", json!({"a": 1}), json!({"a": 2})),
                ],
                desired: Some(json!({
                    "name": "dtr-dev-authorizer",
                    "memory_mb": 2048,
                    "cors": {"origins": ["new-origin"], "max_age": 300},
                    "environment": {"API_KEY": "new-key", "MODE": "dev"},
                    "tags": {"environment": "dev", "token": {"a": 2}}
                })),
                depends_on: vec![],
                outputs: BTreeMap::from([(
                    "arn".to_string(),
                    "arn:aws:lambda:us-east-1:1:function:dtr-dev-authorizer".to_string(),
                )]),
                sensitive: vec![
                    "cors.origins".into(),
                    "environment.API_KEY".into(),
                    "memory_mb".into(),
                    "tags.token".into(),
                ],
                moved_from: None,
                data_loss: None,
            }],
        }
    }

    const SECRETS: &[&str] = &[
        "old-key",
        "new-key",
        "1024",
        "2048",
        "old-origin",
        "new-origin",
        "\"a\"",
    ];

    #[test]
    fn both_sides_of_every_sensitive_attribute_are_masked_whatever_the_type() {
        let plan = rotation().masked();
        let change = &plan.changes[0];
        let sides = |path: &str| {
            let a = change.attributes.iter().find(|a| a.path == path).unwrap();
            (a.before.clone().unwrap(), a.after.clone().unwrap())
        };
        for path in ["environment.API_KEY", "memory_mb", "tags.token"] {
            assert_eq!(sides(path), (json!(MASK_TEXT), json!(MASK_TEXT)), "{path}");
        }
        let inside = json!({"origins": MASK_TEXT});
        assert_eq!(sides("cors"), (inside.clone(), inside), "the piece inside");
        assert_eq!(sides("tags.environment"), (json!("staging"), json!("dev")));
        let desired = change.desired.as_ref().unwrap();
        assert_eq!(
            desired["environment"],
            json!({"API_KEY": MASK_TEXT, "MODE": "dev"})
        );
        assert_eq!(
            desired["cors"],
            json!({"origins": MASK_TEXT, "max_age": 300})
        );
        assert_eq!(desired["memory_mb"], json!(MASK_TEXT));
        assert_eq!(
            desired["name"], "dtr-dev-authorizer",
            "same text, not from it"
        );
        assert_eq!(desired["tags"]["environment"], "dev");
        assert!(change.outputs["arn"].ends_with("dtr-dev-authorizer"));
    }

    const MASK_TEXT: &str = sensitive::MASK;

    #[test]
    fn every_rendering_hides_the_old_and_the_new_value() {
        let plan = rotation();
        let shown = [
            human::render(&plan, human::Style { color: false }),
            markdown::render(&plan),
            json::render(&plan),
        ];
        for text in shown {
            for secret in SECRETS {
                assert!(!text.contains(secret), "{secret} shown in:\n{text}");
            }
            assert!(text.contains("(sensitive)"), "{text}");
            assert!(text.contains("\"staging\""), "the rest is shown: {text}");
        }
    }

    #[test]
    fn a_renamed_sensitive_variable_hides_its_old_value_and_a_sensitive_name_its_id() {
        let mut change = rotation().changes[0].clone();
        change.sensitive = vec!["environment.API_TOKEN".into()];
        change.attributes = vec![
            AttributeChange {
                path: "environment.API_KEY".into(),
                before: Some(json!("old-secret")),
                after: None,
                after_unknown: false,
                forces_replacement: false,
                drift: false,
            },
            attr("environment.API_TOKEN", json!("x"), json!("old-secret")),
            attr("memory_mb", json!(128), json!(256)),
        ];
        change.physical_id = Some("fn-name".into());
        let mut masked = change.clone();
        masked.mask();
        let text = serde_json::to_string(&masked).unwrap();
        assert!(!text.contains("old-secret"), "{text}");
        assert!(text.contains("256"), "nothing else is masked: {text}");
        assert_eq!(masked.physical_id.as_deref(), Some("fn-name"));

        change.sensitive = vec!["name".into()];
        change.mask();
        assert_eq!(change.physical_id.as_deref(), Some(sensitive::MASK));
    }

    #[test]
    fn the_plan_itself_keeps_the_real_values() {
        let plan = rotation();
        let text = serde_json::to_string(&plan).unwrap();
        assert!(text.contains("new-key") && text.contains("\"sensitive\""));
        let back: Plan = serde_json::from_str(&text).unwrap();
        assert_eq!(back, plan, "a saved plan round-trips");
    }
}
