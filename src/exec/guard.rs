//! Deletes only ever target what the state owns. The planner never plans anything else; this guard,
//! checked before each action's first AWS call, stops a bug or a plan that did not come from the
//! planner from deleting what this environment does not own.

use crate::plan::{Action, ResourceChange};
use crate::provider::ResourceError;
use crate::state::State;

/// A Delete, or the delete half of a Replace, whose physical id is not the state's record for its
/// address is refused.
pub fn owned_target(change: &ResourceChange, state: &State) -> Result<(), ResourceError> {
    if !matches!(change.action, Action::Delete | Action::Replace) {
        return Ok(());
    }
    let owned = state.resources.get(&change.address);
    match (owned, change.physical_id.as_deref()) {
        (Some(owned), Some(target)) if owned.physical_id == target => Ok(()),
        // Adopted this run by its tags or its owned parent (an interrupted apply made it), so not yet
        // recorded: the planner proved it ours from what it read live.
        (None, Some(_)) if change.action == Action::Replace && change.record_in_state => Ok(()),
        (owned, target) => Err(ResourceError::Refused(format!(
            "refusing to {} {}: the state records {} for this address, so dtr does not own it \
             (a bug, or a plan that was edited); nothing was called",
            change.action.describe(),
            target.unwrap_or("(no physical id)"),
            owned.map_or("nothing".to_string(), |o| o.physical_id.clone()),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ResourceState;
    use serde_json::json;

    fn aimed(action: &str, address: &str, id: Option<&str>, adopted: bool) -> ResourceChange {
        serde_json::from_value(json!({
            "address": address, "action": action, "physical_id": id,
            "record_in_state": adopted, "attributes": [], "depends_on": []
        }))
        .unwrap()
    }

    #[test]
    fn deletes_and_replaces_only_target_the_physical_id_the_state_owns() {
        let mut state = State::new("s", "dev");
        let ours: ResourceState = serde_json::from_value(json!({"physical_id": "ours"})).unwrap();
        state.resources.insert("log_group.a".parse().unwrap(), ours);
        for action in ["delete", "replace"] {
            let check = |address, id| owned_target(&aimed(action, address, id, false), &state);
            assert!(check("log_group.a", Some("ours")).is_ok());
            let err = check("log_group.a", Some("theirs")).unwrap_err();
            assert!(err.to_string().contains("the state records ours"), "{err}");
            assert!(check("log_group.b", Some("theirs")).is_err());
            assert!(check("log_group.a", None).is_err());
        }
        // An update deletes nothing; an adopted replace was proven ours by the planner, an adopted
        // delete does not exist.
        assert!(owned_target(&aimed("update", "log_group.b", Some("x"), false), &state).is_ok());
        assert!(owned_target(&aimed("replace", "log_group.b", Some("x"), true), &state).is_ok());
        assert!(owned_target(&aimed("delete", "log_group.b", Some("x"), true), &state).is_err());
    }
}
