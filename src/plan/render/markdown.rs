//! A compact plan for a pull-request comment: a summary, a table of changes, attribute details folded.

use crate::plan::{Action, Plan};
use std::fmt::Write;

/// Sensitive values are masked (see [`Plan::masked`]).
pub fn render(plan: &Plan) -> String {
    let plan = &plan.masked();
    let mut out = String::new();
    let s = plan.summary();
    let _ = writeln!(
        out,
        "### dtr plan: `{}` / `{}`\n",
        plan.stack, plan.environment
    );
    let changed: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.record_in_state)
        .collect();
    if changed.is_empty() {
        let _ = writeln!(
            out,
            "**No changes.** {} resources match the configuration.",
            plan.changes.len()
        );
        return out;
    }
    let _ = writeln!(
        out,
        "**Plan:** {} to add, {} to change, {} to replace, {} to destroy.\n",
        s.add, s.change, s.replace, s.destroy
    );
    let _ = writeln!(out, "| | resource | action | why |\n|---|---|---|---|");
    for c in &changed {
        let why = c.reason.as_ref().map(|r| r.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} |",
            c.action.symbol(),
            c.address,
            c.action.describe(),
            why
        );
    }
    let _ = writeln!(
        out,
        "\n<details><summary>Attribute changes</summary>\n\n```diff"
    );
    for c in &changed {
        let _ = writeln!(out, "{} {}", c.action.symbol(), c.address);
        for a in &c.attributes {
            let before = a.before.as_ref().map(|v| v.to_string()).unwrap_or_default();
            let after = if a.after_unknown {
                "(known after apply)".to_string()
            } else {
                a.after.as_ref().map(|v| v.to_string()).unwrap_or_default()
            };
            let line = match (&a.before, &a.after) {
                (None, _) => format!("+   {} = {after}", a.path),
                (Some(_), None) => format!("-   {} = {before}", a.path),
                (Some(_), Some(_)) => format!("!   {}: {before} → {after}", a.path),
            };
            let _ = writeln!(
                out,
                "{line}{}",
                if a.forces_replacement {
                    "  # forces replacement"
                } else {
                    ""
                }
            );
        }
    }
    let _ = writeln!(out, "```\n</details>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{AttributeChange, ResourceChange, PLAN_FORMAT_VERSION};

    #[test]
    fn a_plan_becomes_a_compact_comment() {
        let plan = Plan {
            format_version: PLAN_FORMAT_VERSION,
            stack: "dynamic-tool-runtime".into(),
            environment: "dev".into(),
            changes: vec![ResourceChange {
                address: "log_group.api_access_logs".parse().unwrap(),
                action: Action::Update,
                reason: None,
                physical_id: Some("/aws/apigateway/x".into()),
                record_in_state: false,
                attributes: vec![AttributeChange {
                    path: "retention_days".into(),
                    before: Some(serde_json::json!(7)),
                    after: Some(serde_json::json!(30)),
                    after_unknown: false,
                    forces_replacement: false,
                }],
                desired: None,
                depends_on: vec![],
                outputs: Default::default(),
                sensitive: vec![],
            }],
        };
        insta::assert_snapshot!(render(&plan));
    }
}
