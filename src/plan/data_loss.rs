//! The data-loss warning of a delete or a replace: what goes with the resource, decided per kind by
//! its spec's `HOLDS_DATA` (no kind is named here). Pure.

use super::Action;
use crate::model::ResourceKind;

/// What deleting (or replacing) the resource `id` of `kind` destroys with it, worded for a reviewer;
/// `None` when the action deletes nothing or the kind holds no data.
pub fn warning(
    kind: ResourceKind,
    action: Action,
    id: &str,
    force_destroy: bool,
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
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_buckets_and_log_groups_say_what_goes_with_them() {
        let table = warning(
            ResourceKind::DynamodbTable,
            Action::Delete,
            "dtr-dev-tools",
            false,
        );
        assert_eq!(
            table.as_deref(),
            Some("deletes the table dtr-dev-tools and every item in it")
        );
        let forced = warning(ResourceKind::S3Bucket, Action::Delete, "b", true);
        assert_eq!(
            forced.as_deref(),
            Some("deletes the bucket b and every object in it")
        );
        let guarded = warning(ResourceKind::S3Bucket, Action::Delete, "b", false).unwrap();
        assert!(
            guarded.starts_with("deletes the bucket b if it is empty"),
            "{guarded}"
        );
        let logs = warning(
            ResourceKind::LogGroup,
            Action::Replace,
            "/aws/lambda/x",
            false,
        );
        assert_eq!(
            logs.as_deref(),
            Some("deletes the log group /aws/lambda/x and every event in it; the new one starts empty")
        );
    }

    #[test]
    fn kinds_without_data_and_actions_that_keep_it_say_nothing() {
        assert_eq!(
            warning(ResourceKind::IamRole, Action::Delete, "r", false),
            None
        );
        for action in [Action::Create, Action::Update, Action::NoOp, Action::Forget] {
            assert_eq!(
                warning(ResourceKind::DynamodbTable, action, "t", false),
                None
            );
        }
    }
}
