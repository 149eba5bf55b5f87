//! The security checks, run again on a plan about to be applied: they judge what is sent to AWS (each
//! change's desired properties), not only the configuration at load, so no path to the executor
//! (a plan computed now, or one read from a file) carries what the checks refuse.

use super::security;
use crate::model::Desired;
use crate::plan::Plan;

/// One line per unacknowledged finding in the properties `plan` would apply, acknowledgements taken
/// from `desired` (the configuration the plan is applied with). Empty when the plan passes.
pub fn security_findings(desired: &Desired, plan: &Plan) -> Vec<String> {
    let mut found = Vec::new();
    for change in &plan.changes {
        let Some(props) = &change.desired else {
            continue;
        };
        let configured = desired.resource(&change.address);
        let acknowledged = configured
            .map(|r| r.acknowledged.as_slice())
            .unwrap_or_default();
        // Where sensitive values flow is the configuration's to say, never the plan's.
        let sensitive = configured
            .map(|r| r.sensitive_paths.as_slice())
            .unwrap_or_default();
        for finding in security::check(change.address.kind, props, sensitive) {
            if !acknowledged.iter().any(|a| a == finding.check) {
                found.push(format!(
                    "{}: {}: {} [{}]",
                    change.address,
                    finding.path.join("."),
                    finding.message,
                    finding.check
                ));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, ResourceChange};
    use serde_json::json;

    fn change(address: &str, desired: serde_json::Value) -> ResourceChange {
        ResourceChange {
            address: address.parse().unwrap(),
            action: Action::Update,
            reason: None,
            physical_id: Some("x".into()),
            record_in_state: false,
            attributes: vec![],
            desired: Some(desired),
            depends_on: vec![],
            outputs: Default::default(),
            sensitive: vec![],
            moved_from: None,
            data_loss: None,
        }
    }

    #[test]
    fn a_plan_is_judged_on_the_properties_it_applies_with_the_configurations_acknowledgements() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let desired = crate::config::load("dev", root).unwrap();
        // The monitoring role acknowledges `iam-wildcard-resource`, not `iam-wildcard-action`.
        let role = desired
            .resources
            .iter()
            .find(|r| !r.acknowledged.is_empty())
            .unwrap();
        let plan = |desired_props: serde_json::Value| -> Plan {
            serde_json::from_value(json!({
                "format_version": 1, "stack": "s", "environment": "dev",
                "changes": [serde_json::to_value(change(&role.address.to_string(), desired_props)).unwrap()],
            }))
            .unwrap()
        };
        assert!(security_findings(&desired, &plan(role.properties.clone())).is_empty());
        let wild = json!({"inline_policies": {"p": {"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}
        ]}}});
        let found = security_findings(&desired, &plan(wild));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("iam-wildcard-action"), "{found:?}");
    }
}
