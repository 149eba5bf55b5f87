//! `moved:` entries applied to the state before anything is read or compared: what the state
//! recorded at a `from` is planned at its `to`, as the same resource (Terraform's `moved` block).
//! Pure; the executor then rewrites the stored entry, and nothing live is touched.

use super::diff::PlanError;
use crate::model::{Moved, ResourceAddress};
use crate::state::State;
use std::collections::BTreeMap;

/// The state as the configuration names it now.
#[derive(Debug, Clone)]
pub struct Renamed {
    pub state: State,
    /// New address → the address the state recorded it under.
    pub moved_from: BTreeMap<ResourceAddress, ResourceAddress>,
}

/// Every entry the state records at a `moved` entry's `from`, moved to its `to`. A `from` the state
/// does not hold is a no-op (the entry stays harmless in the file once the rename is applied); a
/// `to` the state already holds as well is refused: those are two resources, not one renamed.
pub fn apply(state: &State, moved: &[Moved]) -> Result<Renamed, Vec<PlanError>> {
    let mut renamed = state.clone();
    let mut moved_from = BTreeMap::new();
    let mut errors = Vec::new();
    for Moved { from, to } in moved {
        let Some(entry) = state.resources.get(from) else {
            continue;
        };
        if let Some(taken) = state.resources.get(to) {
            errors.push(PlanError::MoveTargetTaken {
                from: from.clone(),
                to: to.clone(),
                from_id: entry.physical_id.clone(),
                to_id: taken.physical_id.clone(),
            });
            continue;
        }
        renamed.resources.remove(from);
        renamed.resources.insert(to.clone(), entry.clone());
        moved_from.insert(to.clone(), from.clone());
    }
    if errors.is_empty() {
        Ok(Renamed {
            state: renamed,
            moved_from,
        })
    } else {
        Err(errors)
    }
}

/// The rename a change carries, made in `state` (the executor's copy, which it then writes): its
/// entry moves from the old address to the new one. False when there was nothing to move.
pub fn rename_in(state: &mut State, from: &ResourceAddress, to: &ResourceAddress) -> bool {
    if state.resources.contains_key(to) {
        return false;
    }
    match state.resources.remove(from) {
        Some(entry) => {
            state.resources.insert(to.clone(), entry);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ResourceState;

    fn owning(entries: &[(&str, &str)]) -> State {
        let mut state = State::new("s", "dev");
        for (address, id) in entries {
            state.resources.insert(
                address.parse().unwrap(),
                ResourceState {
                    physical_id: id.to_string(),
                    outputs: Default::default(),
                    force_destroy: false,
                    depends_on: vec![],
                    pending: false,
                    applied: Default::default(),
                },
            );
        }
        state
    }

    fn moved(from: &str, to: &str) -> Moved {
        Moved {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
        }
    }

    #[test]
    fn a_recorded_from_is_planned_at_its_to_and_an_unrecorded_one_is_a_no_op() {
        let state = owning(&[("log_group.old", "/l/old"), ("log_group.other", "/l/o")]);
        let entries = [
            moved("log_group.old", "log_group.new"),
            moved("log_group.gone", "log_group.there"),
        ];
        let renamed = apply(&state, &entries).unwrap();
        let addresses: Vec<String> = renamed
            .state
            .resources
            .keys()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(addresses, ["log_group.new", "log_group.other"]);
        assert_eq!(
            renamed.state.resources[&"log_group.new".parse().unwrap()].physical_id,
            "/l/old"
        );
        assert_eq!(
            renamed.moved_from,
            BTreeMap::from([(
                "log_group.new".parse().unwrap(),
                "log_group.old".parse().unwrap()
            )])
        );
        // Applied already: the entry stays in the file and does nothing.
        let again = apply(&renamed.state, &entries).unwrap();
        assert!(again.moved_from.is_empty());
        assert_eq!(again.state.resources, renamed.state.resources);
    }

    #[test]
    fn a_to_the_state_already_holds_is_refused_naming_both() {
        let state = owning(&[("log_group.old", "/l/old"), ("log_group.new", "/l/new")]);
        let errors = apply(&state, &[moved("log_group.old", "log_group.new")]).unwrap_err();
        let text = errors[0].to_string();
        assert!(text.contains("/l/old") && text.contains("/l/new"), "{text}");
    }

    #[test]
    fn the_executor_rename_keeps_the_entry_and_never_overwrites() {
        let mut state = owning(&[("log_group.old", "/l/old")]);
        let (old, new) = (
            "log_group.old".parse().unwrap(),
            "log_group.new".parse().unwrap(),
        );
        assert!(rename_in(&mut state, &old, &new));
        assert_eq!(state.resources[&new].physical_id, "/l/old");
        assert!(!state.resources.contains_key(&old));
        assert!(!rename_in(&mut state, &old, &new), "already moved");
    }
}
