//! A compact plan for a pull-request comment: a summary, a table of changes, attribute details folded,
//! and never more than a GitHub comment holds (65,536 characters): what does not fit is left out
//! with a note pointing at the full plan.

use super::lines::{self, Mark};
use crate::plan::{Action, Plan};
use std::fmt::Write;

/// The most characters a GitHub issue or pull-request comment holds (GitLab's notes hold more).
pub const COMMENT_LIMIT: usize = 65_536;

/// Room kept for the closing lines and the truncation note.
const RESERVE: usize = 1_024;

/// Sensitive values are masked (see [`Plan::masked`]). At most [`COMMENT_LIMIT`] bytes (so at most
/// as many characters).
pub fn render(plan: &Plan) -> String {
    render_within(plan, COMMENT_LIMIT)
}

fn render_within(plan: &Plan, limit: usize) -> String {
    let budget = limit.saturating_sub(RESERVE);
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
        "**Plan:** {} to add, {} to change, {} to replace, {} to destroy{}.\n",
        s.add,
        s.change,
        s.replace,
        s.destroy,
        s.extra()
    );
    // Moves and data loss first, where a reviewer reads before the table.
    for c in &changed {
        if let Some(from) = &c.moved_from {
            let _ = writeln!(out, "- `{from}` has moved to `{}`", c.address);
        }
    }
    for c in changed
        .iter()
        .filter_map(|c| c.data_loss.as_ref().map(|l| (c, l)))
    {
        let _ = writeln!(out, "- :warning: **`{}` {loss}**", c.0.address, loss = c.1);
    }
    if changed
        .iter()
        .any(|c| c.moved_from.is_some() || c.data_loss.is_some())
    {
        out.push('\n');
    }
    let _ = writeln!(out, "| | resource | action | why |\n|---|---|---|---|");
    let mut rows_left_out = 0;
    for c in &changed {
        if out.len() > budget / 2 {
            rows_left_out += 1;
            continue;
        }
        let mut why = c.reason.as_ref().map(|r| r.to_string()).unwrap_or_default();
        if let Some(from) = &c.moved_from {
            why = join_why(&why, &format!("moved from `{from}`"));
        }
        if let Some(loss) = &c.data_loss {
            why = join_why(&why, &format!("**{loss}**"));
        }
        if c.attributes.iter().any(|a| a.drift) {
            why = join_why(&why, "changed outside dtr (drift)");
        }
        let action = match (c.action, &c.moved_from) {
            (Action::NoOp, Some(_)) => "move (state only)",
            (action, _) => action.describe(),
        };
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} |",
            c.action.symbol(),
            c.address,
            action,
            why
        );
    }
    if rows_left_out > 0 {
        let _ = writeln!(
            out,
            "| | … | | {rows_left_out} more changes, left out to fit a comment |"
        );
    }
    let _ = writeln!(
        out,
        "\n<details><summary>Attribute changes</summary>\n\n```diff"
    );
    let mut details_left_out = 0;
    for c in &changed {
        let block = details(c);
        if out.len() + block.len() > budget {
            details_left_out += 1;
            continue;
        }
        out.push_str(&block);
    }
    let _ = writeln!(out, "```\n</details>");
    if rows_left_out + details_left_out > 0 {
        let _ = writeln!(
            out,
            "\n:scissors: **Truncated to fit a comment ({COMMENT_LIMIT} characters):** the attribute \
             changes of {details_left_out} resources are not shown here. The full plan is in the plan \
             artifact (`dtr plan --out`, or `dtr plan --json`)."
        );
    }
    out
}

/// One resource's attribute changes, as lines of a `diff` block (`!` marks a change, which GitHub
/// colours apart from additions and removals).
fn details(c: &crate::plan::ResourceChange) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", c.action.symbol(), c.address);
    for a in &c.attributes {
        let notes: String = lines::notes(a)
            .into_iter()
            .map(|note| format!("  {}", note.text()))
            .collect();
        for (i, line) in lines::attribute(a).iter().enumerate() {
            let mark = match line.mark {
                Mark::Add => '+',
                Mark::Remove => '-',
                Mark::Change => '!',
                Mark::Keep => ' ',
            };
            let note = if i == 0 { notes.as_str() } else { "" };
            let indent = "    ".repeat(line.depth);
            let _ = writeln!(out, "{mark}   {indent}{}{note}", line.text);
        }
    }
    out
}

fn join_why(a: &str, b: &str) -> String {
    match a.is_empty() {
        true => b.to_string(),
        false => format!("{a}; {b}"),
    }
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

    #[test]
    fn moves_and_data_loss_come_first_and_in_the_table() {
        let mut plan: Plan = serde_json::from_value(serde_json::json!({
            "format_version": PLAN_FORMAT_VERSION, "stack": "s", "environment": "dev",
            "changes": [
                {"address": "log_group.new_logs", "action": "no_op", "record_in_state": true,
                 "moved_from": "log_group.old_logs", "attributes": [], "depends_on": []},
                {"address": "dynamodb_table.tools", "action": "delete", "attributes": [],
                 "depends_on": [], "data_loss": "deletes the table t and every item in it"}
            ]
        }))
        .unwrap();
        let text = render(&plan);
        assert!(
            text.contains("- `log_group.old_logs` has moved to `log_group.new_logs`"),
            "{text}"
        );
        assert!(
            text.contains(
                "- :warning: **`dynamodb_table.tools` deletes the table t and every item in it**"
            ),
            "{text}"
        );
        assert!(
            text.contains("| move (state only) | moved from `log_group.old_logs` |"),
            "{text}"
        );
        assert!(text.contains("1 to destroy, 1 to move."), "{text}");
        assert!(!text.contains("Truncated"), "{text}");
        plan.changes.clear();
        assert!(render(&plan).contains("No changes"));
    }

    #[test]
    fn a_plan_too_long_for_a_comment_is_cut_with_a_note() {
        let change = |i: usize| {
            serde_json::json!({
                "address": format!("log_group.group_{i}"), "action": "create", "depends_on": [],
                "attributes": [{"path": "name", "after": "x".repeat(200), "after_unknown": false,
                                "forces_replacement": false}],
            })
        };
        let plan: Plan = serde_json::from_value(serde_json::json!({
            "format_version": PLAN_FORMAT_VERSION, "stack": "s", "environment": "dev",
            "changes": (0..2000).map(change).collect::<Vec<_>>(),
        }))
        .unwrap();
        let text = render(&plan);
        assert!(text.len() <= COMMENT_LIMIT, "{}", text.len());
        assert!(text.starts_with("### dtr plan: `s` / `dev`"));
        assert!(
            text.contains("**Plan:** 2000 to add"),
            "the summary is always whole"
        );
        assert!(text.contains("| `+` | `log_group.group_0` |"));
        assert!(text.contains("more changes, left out to fit a comment"));
        assert!(text.contains(":scissors: **Truncated to fit a comment (65536 characters):**"));
        assert!(
            text.trim_end().ends_with("`dtr plan --json`)."),
            "{}",
            &text[text.len() - 300..]
        );
        assert!(text.contains("```\n</details>"), "the fold is closed");
    }
}
