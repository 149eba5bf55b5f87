//! Masking by flow: what a plan shows of the values a `sensitive` parameter flows to. A render-time
//! concern: the plan (and the file `plan --out` saves) keeps the real values it applies.

use super::{Plan, ResourceChange};
use crate::model::{sensitive, Desired};

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

    /// Mark each change with the sensitive paths the configuration gives its resource (besides the
    /// ones it carries): a plan read back from a file cannot unmask what the configuration masks.
    pub fn mark_sensitive(&mut self, desired: &Desired) {
        for change in &mut self.changes {
            if let Some(resource) = desired.resource(&change.address) {
                change
                    .sensitive
                    .extend(resource.sensitive_paths.iter().cloned());
                change.sensitive.sort();
                change.sensitive.dedup();
            }
        }
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
    fn the_plan_itself_keeps_the_real_values_and_a_file_cannot_unmask() {
        let plan = rotation();
        let text = serde_json::to_string(&plan).unwrap();
        assert!(text.contains("new-key") && text.contains("\"sensitive\""));
        let mut back: Plan = serde_json::from_str(&text).unwrap();
        assert_eq!(back, plan, "a saved plan round-trips");

        back.changes[0].sensitive.clear();
        let desired = crate::model::Desired {
            stack: "s".into(),
            environment: "dev".into(),
            region: "us-east-1".into(),
            account_id: None,
            backend: crate::model::Backend {
                state_bucket: "b".into(),
                lock_table: "l".into(),
                state_key: "k".into(),
                region: "us-east-1".into(),
            },
            resources: vec![crate::model::DesiredResource {
                address: "lambda_function.authorizer".parse().unwrap(),
                properties: json!({}),
                depends_on: vec![],
                location: crate::model::SourceLocation {
                    file: "stack.yaml".into(),
                    line: 1,
                    column: 1,
                },
                sensitive_paths: vec!["environment.API_KEY".into()],
                acknowledged: vec![],
            }],
            outputs: Default::default(),
            sources: vec![],
            sensitive_outputs: Default::default(),
        };
        back.mark_sensitive(&desired);
        assert_eq!(back.changes[0].sensitive, vec!["environment.API_KEY"]);
        assert!(!json::render(&back).contains("new-key"));
    }
}
