//! The plan for people: grouped by resource, attribute-level `before → after`, the reason for each
//! replace or delete, and a summary line. Colour only when asked for.

use super::lines::{self, Mark, Note};
use crate::plan::{Action, AttributeChange, Plan, ResourceChange};
use std::fmt::Write;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn action(&self, action: Action, text: &str) -> String {
        let code = match action {
            Action::Create => "32",
            Action::Update => "33",
            Action::Replace => "35",
            Action::Delete => "31",
            Action::Forget => "36",
            Action::NoOp => "0",
        };
        self.paint(code, text)
    }
}

/// Sensitive values are masked (see [`Plan::masked`]).
pub fn render(plan: &Plan, style: Style) -> String {
    let plan = &plan.masked();
    let mut out = String::new();
    let changed: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.record_in_state)
        .collect();
    if changed.is_empty() {
        let _ = writeln!(
            out,
            "No changes. {}/{} matches the configuration ({} resources checked).",
            plan.stack,
            plan.environment,
            plan.changes.len()
        );
        return out;
    }
    let _ = writeln!(
        out,
        "dtr will perform these actions on {}/{}:\n",
        plan.stack, plan.environment
    );
    render_drift(&mut out, &changed, style);
    for change in changed {
        render_change(&mut out, change, style);
    }
    let s = plan.summary();
    let _ = writeln!(
        out,
        "{} {} to add, {} to change, {} to replace, {} to destroy{}.",
        style.paint("1", "Plan:"),
        s.add,
        s.change,
        s.replace,
        s.destroy,
        s.extra()
    );
    out
}

fn render_change(out: &mut String, change: &ResourceChange, style: Style) {
    if let Some(from) = &change.moved_from {
        let _ = writeln!(
            out,
            "  {} {} has moved to {}",
            style.paint("36", "→"),
            style.paint("1", &from.to_string()),
            style.paint("1", &change.address.to_string())
        );
        if change.action == Action::NoOp {
            out.push('\n');
            return;
        }
    }
    let header = match change.action {
        Action::NoOp => "will be recorded in the state".to_string(),
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in place".to_string(),
        Action::Replace => "must be replaced".to_string(),
        Action::Delete => "will be deleted".to_string(),
        Action::Forget => "will be forgotten, not destroyed".to_string(),
    };
    let reason = change
        .reason
        .as_ref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let id = change
        .physical_id
        .as_ref()
        .filter(|_| change.action != Action::Create)
        .map(|id| format!(" [{id}]"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {} {}{} {}{}",
        style.action(change.action, change.action.symbol()),
        style.paint("1", &change.address.to_string()),
        id,
        header,
        reason
    );
    if let Some(loss) = &change.data_loss {
        let _ = writeln!(out, "    {}", style.paint("1;31", &format!("! {loss}")));
    }
    for attr in &change.attributes {
        render_attribute(out, attr, style);
    }
    out.push('\n');
}

fn render_attribute(out: &mut String, attr: &AttributeChange, style: Style) {
    let notes: String = lines::notes(attr)
        .into_iter()
        .map(|note| {
            let colour = match note {
                Note::ForcesReplacement => "31",
                Note::ChangedOutsideDtr => "36",
            };
            format!("  {}", style.paint(colour, note.text()))
        })
        .collect();
    for (i, line) in lines::attribute(attr).iter().enumerate() {
        let mark = match line.mark {
            Mark::Add => style.action(Action::Create, "+"),
            Mark::Remove => style.action(Action::Delete, "-"),
            Mark::Change => style.action(Action::Update, "~"),
            Mark::Keep => " ".to_string(),
        };
        let note = if i == 0 { notes.as_str() } else { "" };
        let _ = writeln!(
            out,
            "      {}{mark} {}{note}",
            "    ".repeat(line.depth),
            line.text
        );
    }
}

/// The resources whose live attributes were changed outside dtr, named before the changes (as
/// Terraform's "Objects have changed outside of Terraform"), so that a reviewer tells a correction
/// of drift from a change of configuration.
fn render_drift(out: &mut String, changes: &[&ResourceChange], style: Style) {
    let drifted: Vec<String> = changes
        .iter()
        .filter(|c| c.attributes.iter().any(|a| a.drift))
        .map(|c| format!("    {}", c.address))
        .collect();
    if drifted.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{} since dtr last applied them (marked `# changed outside dtr`; the apply puts them back):\n{}\n",
        style.paint("1", "Changed outside dtr"),
        drifted.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ActionReason, PLAN_FORMAT_VERSION};
    use serde_json::{json, Value};

    fn change(
        action: Action,
        attributes: Vec<AttributeChange>,
        reason: Option<ActionReason>,
    ) -> ResourceChange {
        ResourceChange {
            address: "dynamodb_table.tools".parse().unwrap(),
            action,
            reason,
            physical_id: Some("dtr-dev-tools".into()),
            record_in_state: false,
            attributes,
            desired: None,
            depends_on: vec![],
            outputs: Default::default(),
            sensitive: vec![],
            moved_from: None,
            data_loss: None,
        }
    }

    fn attr(
        path: &str,
        before: Option<Value>,
        after: Option<Value>,
        forces: bool,
    ) -> AttributeChange {
        AttributeChange {
            path: path.into(),
            before,
            after,
            after_unknown: false,
            forces_replacement: forces,
            drift: false,
        }
    }

    #[test]
    fn renders_every_action_and_the_summary() {
        let plan = Plan {
            format_version: PLAN_FORMAT_VERSION,
            stack: "dynamic-tool-runtime".into(),
            environment: "dev".into(),
            changes: vec![
                change(
                    Action::Create,
                    vec![attr("name", None, Some(json!("dtr-dev-tools")), false)],
                    None,
                ),
                change(
                    Action::Update,
                    vec![attr(
                        "point_in_time_recovery",
                        Some(json!(false)),
                        Some(json!(true)),
                        false,
                    )],
                    None,
                ),
                change(
                    Action::Replace,
                    vec![attr(
                        "hash_key",
                        Some(json!("tool_id")),
                        Some(json!("id")),
                        true,
                    )],
                    Some(ActionReason::ReplaceForced {
                        attributes: vec!["hash_key".into()],
                    }),
                ),
                change(
                    Action::Delete,
                    vec![],
                    Some(ActionReason::RemovedFromConfiguration),
                ),
                change(Action::NoOp, vec![], None),
            ],
        };
        insta::assert_snapshot!(render(&plan, Style { color: false }));
    }

    #[test]
    fn moves_forgets_and_data_loss_are_spelled_out() {
        let mut moved = change(Action::NoOp, vec![], None);
        moved.address = "log_group.new_logs".parse().unwrap();
        moved.moved_from = Some("log_group.old_logs".parse().unwrap());
        moved.record_in_state = true;
        let mut deleted = change(Action::Delete, vec![], None);
        deleted.data_loss = Some("deletes the table dtr-dev-tools and every item in it".into());
        let mut forgotten = change(
            Action::Forget,
            vec![],
            Some(ActionReason::RemovedWithoutDestroy),
        );
        forgotten.address = "log_group.kept".parse().unwrap();
        let plan = Plan {
            format_version: PLAN_FORMAT_VERSION,
            stack: "s".into(),
            environment: "dev".into(),
            changes: vec![moved, deleted, forgotten],
        };
        let text = render(&plan, Style { color: false });
        assert!(
            text.contains("log_group.old_logs has moved to log_group.new_logs"),
            "{text}"
        );
        assert!(
            !text.contains("log_group.new_logs [dtr-dev-tools] will be recorded"),
            "{text}"
        );
        assert!(
            text.contains("    ! deletes the table dtr-dev-tools and every item in it"),
            "{text}"
        );
        assert!(
            text.contains("log_group.kept [dtr-dev-tools] will be forgotten, not destroyed"),
            "{text}"
        );
        assert!(
            text.contains("0 to replace, 1 to destroy, 1 to forget, 1 to move."),
            "{text}"
        );
    }

    #[test]
    fn no_changes_says_so() {
        let plan = Plan {
            format_version: PLAN_FORMAT_VERSION,
            stack: "s".into(),
            environment: "dev".into(),
            changes: vec![change(Action::NoOp, vec![], None)],
        };
        assert!(render(&plan, Style { color: false }).starts_with("No changes."));
    }

    #[test]
    fn colour_only_when_asked() {
        let plan = Plan {
            format_version: PLAN_FORMAT_VERSION,
            stack: "s".into(),
            environment: "dev".into(),
            changes: vec![change(Action::Create, vec![], None)],
        };
        assert!(!render(&plan, Style { color: false }).contains('\x1b'));
        assert!(render(&plan, Style { color: true }).contains('\x1b'));
    }
}
