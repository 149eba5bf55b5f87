//! The data-loss warning of a delete or a replace: what goes with the resource, decided per kind by
//! its spec's `HOLDS_DATA` (no kind is named here). Pure.

use super::Action;
use crate::model::ResourceKind;
use serde_json::Value;

/// What deleting (or replacing) the resource `id` of `kind` destroys with it, worded for a reviewer;
/// `None` when the action deletes nothing or the kind holds no data. `live` is the resource as read:
/// with `deletion_protection` on, AWS refuses the delete, and the warning says so before the apply
/// stops on it.
pub fn warning(
    kind: ResourceKind,
    action: Action,
    id: &str,
    force_destroy: bool,
    live: Option<&Value>,
) -> Option<String> {
    if !matches!(action, Action::Delete | Action::Replace) {
        return None;
    }
    let held = kind.holds_data()?;
    let mut text = if held.kept_without_force_destroy && !force_destroy {
        format!(
            "deletes the {} {id} if it is empty (force_destroy is off: AWS refuses while it holds \
             anything, and the apply stops there)",
            held.noun
        )
    } else {
        format!("deletes the {} {id} and {}", held.noun, held.contents)
    };
    if action == Action::Replace {
        text.push_str("; the new one starts empty");
    }
    let protected = live
        .and_then(|spec| spec.get("deletion_protection"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if protected {
        text.push_str(
            ". Deletion protection is on: AWS refuses the delete, and the apply stops there, until \
             an apply with `deletion_protection: false` has turned it off",
        );
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_protected_table_says_its_delete_will_be_refused() {
        let live = serde_json::json!({"name": "t", "deletion_protection": true});
        let text = warning(
            ResourceKind::DynamodbTable,
            Action::Delete,
            "t",
            false,
            Some(&live),
        );
        let text = text.expect("a warning");
        assert!(
            text.starts_with("deletes the table t and every item in it. Deletion protection is on"),
            "{text}"
        );
        let open = serde_json::json!({"name": "t", "deletion_protection": false});
        let text = warning(
            ResourceKind::DynamodbTable,
            Action::Delete,
            "t",
            false,
            Some(&open),
        );
        assert_eq!(
            text.as_deref(),
            Some("deletes the table t and every item in it")
        );
    }

    #[test]
    fn tables_buckets_and_log_groups_say_what_goes_with_them() {
        let table = warning(
            ResourceKind::DynamodbTable,
            Action::Delete,
            "dtr-dev-tools",
            false,
            None,
        );
        assert_eq!(
            table.as_deref(),
            Some("deletes the table dtr-dev-tools and every item in it")
        );
        let forced = warning(ResourceKind::S3Bucket, Action::Delete, "b", true, None);
        assert_eq!(
            forced.as_deref(),
            Some("deletes the bucket b and every object in it")
        );
        let guarded = warning(ResourceKind::S3Bucket, Action::Delete, "b", false, None).unwrap();
        assert!(
            guarded.starts_with("deletes the bucket b if it is empty"),
            "{guarded}"
        );
        let logs = warning(
            ResourceKind::LogGroup,
            Action::Replace,
            "/aws/lambda/x",
            false,
            None,
        );
        assert_eq!(
            logs.as_deref(),
            Some("deletes the log group /aws/lambda/x and every event in it; the new one starts empty")
        );
    }

    #[test]
    fn kinds_without_data_and_actions_that_keep_it_say_nothing() {
        assert_eq!(
            warning(ResourceKind::IamRole, Action::Delete, "r", false, None),
            None
        );
        for action in [Action::Create, Action::Update, Action::NoOp, Action::Forget] {
            assert_eq!(
                warning(ResourceKind::DynamodbTable, action, "t", false, None),
                None
            );
        }
    }
}
