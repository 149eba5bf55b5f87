//! `dtr plan --json`: the [`Plan`] value itself, versioned by `format_version`.

use crate::plan::Plan;

/// Sensitive values are masked as in the other renderings (this JSON goes to CI logs); the change's
/// `sensitive` list says which paths were masked. A plan saved with `--out` keeps the real values.
pub fn render(plan: &Plan) -> String {
    // A Plan holds only strings, numbers, maps and lists: serialising it cannot fail.
    serde_json::to_string_pretty(&plan.masked())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, ActionReason, AttributeChange, ResourceChange, PLAN_FORMAT_VERSION};

    #[test]
    fn the_json_plan_is_stable() {
        let plan = Plan {
            format_version: PLAN_FORMAT_VERSION,
            stack: "dynamic-tool-runtime".into(),
            environment: "dev".into(),
            changes: vec![ResourceChange {
                address: "dynamodb_table.tools_table".parse().unwrap(),
                action: Action::Replace,
                reason: Some(ActionReason::ReplaceForced {
                    attributes: vec!["hash_key".into()],
                }),
                physical_id: Some("dtr-dev-tools".into()),
                record_in_state: false,
                attributes: vec![AttributeChange {
                    path: "hash_key".into(),
                    before: Some(serde_json::json!("tool_id")),
                    after: Some(serde_json::json!("id")),
                    after_unknown: false,
                    forces_replacement: true,
                    drift: false,
                }],
                desired: None,
                depends_on: vec![],
                outputs: Default::default(),
                sensitive: vec![],
                moved_from: None,
                data_loss: None,
            }],
        };
        insta::assert_snapshot!(render(&plan));
    }
}
