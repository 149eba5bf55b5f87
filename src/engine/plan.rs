//! Making a plan: load the state, read live AWS, diff, narrow to the selection, and judge the result
//! by the security checks.

use super::{as_applied::as_applied, observe, EngineError};
use crate::model::{Desired, ResourceAddress};
use crate::plan::saved::{self, Fingerprints};
use crate::plan::select::{self, Selection};
use crate::plan::{diff, moves, Plan};
use crate::provider::aws::Clients;
use crate::provider::Observed;
use crate::state::{State, StateStore};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// A plan, the state it was made against, and fingerprints of its inputs.
pub struct Planned {
    pub plan: Plan,
    pub state: State,
    pub fingerprints: Fingerprints,
    /// What was read live for the plan, so the executor need not read it again.
    pub observed: BTreeMap<ResourceAddress, Option<Observed>>,
    /// Dependencies of the targets taken from the state as last applied, not read (see
    /// [`super::as_applied`]).
    pub as_applied: BTreeSet<ResourceAddress>,
}

/// Load the state, read live AWS, and compute the plan.
pub async fn make_plan(
    clients: &Clients,
    store: &StateStore,
    desired: &Desired,
    selection: &Selection,
    parallelism: usize,
) -> Result<Planned, EngineError> {
    let state = store.load(&desired.stack, &desired.environment).await?;
    // `moved` entries: read and compare each renamed resource under its new address.
    let renamed = moves::apply(&state, &desired.moved)?;
    // With --target, only the selection is read; the diff plans the rest as unread and the
    // selection then drops it.
    let known = desired
        .resources
        .iter()
        .map(|r| &r.address)
        .chain(renamed.state.resources.keys());
    let wanted = select::wanted(known, desired, &selection.targets)
        .map_err(|why| EngineError::Selection { why })?;
    let as_applied = match &wanted {
        Some(wanted) => as_applied(
            desired,
            &renamed.state,
            wanted,
            &selection.targets,
            &selection.replace,
            &renamed.moved_from,
        ),
        None => BTreeSet::new(),
    };
    let (read_desired, read_state) = match &wanted {
        Some(wanted) => {
            let read: BTreeSet<_> = wanted.difference(&as_applied).cloned().collect();
            let (d, s) = narrowed(desired, &renamed.state, &read);
            (Cow::Owned(d), Cow::Owned(s))
        }
        None => (Cow::Borrowed(desired), Cow::Borrowed(&renamed.state)),
    };
    // Reads are safe to abandon: a signal stops them at once, and the caller releases the lock.
    let observed =
        crate::interrupt::or_stop(observe(clients, &read_desired, &read_state, parallelism))
            .await
            .map_err(|reason| EngineError::Stopped { reason })??;
    let diff_with = |observed: &BTreeMap<ResourceAddress, Option<Observed>>| {
        diff::diff(&diff::Inputs {
            desired,
            state: &renamed.state,
            observed,
            replace: &selection.replace,
            moved_from: &renamed.moved_from,
            as_applied: &as_applied,
        })
    };
    let mut observed = observed;
    let mut plan = diff_with(&observed)?;
    // A change of tags read from the tagging API's index is read again for sure, then diffed again.
    let confirming = super::confirm::confirm(clients, &plan, &mut observed, parallelism);
    if crate::interrupt::or_stop(confirming)
        .await
        .map_err(|reason| EngineError::Stopped { reason })??
    {
        plan = diff_with(&observed)?;
    }
    let plan = select::apply(plan, wanted.as_ref(), &selection.replace)
        .map_err(|why| EngineError::Selection { why })?;
    refuse_forgotten(&plan, &state, &desired.environment)?;
    // Every path to the executor plans here: the checks judge what it would apply.
    let findings = crate::config::security_findings(desired, &plan);
    if !findings.is_empty() {
        return Err(EngineError::Security { findings });
    }
    let fingerprints = saved::fingerprints(desired, &state, &observed);
    Ok(Planned {
        plan,
        state,
        fingerprints,
        observed,
        as_applied,
    })
}

/// The configuration and the state cut down to `wanted`, for reading.
fn narrowed(
    desired: &Desired,
    state: &State,
    wanted: &BTreeSet<ResourceAddress>,
) -> (Desired, State) {
    let mut desired = desired.clone();
    desired.resources.retain(|r| wanted.contains(&r.address));
    let mut state = state.clone();
    state.resources.retain(|a, _| wanted.contains(a));
    (desired, state)
}

/// A declared resource the plan would adopt (by its tags or its parent) that `dtr state rm` forgot.
fn refuse_forgotten(plan: &Plan, state: &State, env: &str) -> Result<(), EngineError> {
    let resources: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.record_in_state)
        .filter_map(|c| {
            let id = c.physical_id.as_ref()?;
            state
                .was_forgotten(&c.address, id)
                .then(|| (c.address.clone(), id.clone()))
        })
        .collect();
    match resources.is_empty() {
        true => Ok(()),
        false => Err(EngineError::Forgotten {
            env: env.to_string(),
            resources,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ResourceState;

    fn adopting(address: &str, id: &str) -> Plan {
        serde_json::from_value(serde_json::json!({
            "format_version": 1, "stack": "s", "environment": "dev",
            "changes": [{"address": address, "action": "no_op", "reason": {"kind": "adopted_by_tags"},
                         "physical_id": id, "record_in_state": true, "attributes": [],
                         "depends_on": []}]
        }))
        .unwrap()
    }

    #[test]
    fn a_forgotten_resource_is_refused_not_adopted_again() {
        let address = "log_group.logs".parse().unwrap();
        let mut state = State::new("s", "dev");
        state.resources.insert(
            address,
            ResourceState {
                physical_id: "/logs".into(),
                outputs: Default::default(),
                force_destroy: false,
                depends_on: vec![],
                pending: false,
                applied: Default::default(),
            },
        );
        let plan = adopting("log_group.logs", "/logs");
        assert!(refuse_forgotten(&plan, &state, "dev").is_ok(), "owned");
        state.forget(&"log_group.logs".parse().unwrap());
        let err = refuse_forgotten(&plan, &state, "dev").unwrap_err();
        assert!(
            err.to_string()
                .contains("`dtr import --env dev log_group.logs /logs`"),
            "{err}"
        );
        let other = adopting("log_group.logs", "/another");
        assert!(
            refuse_forgotten(&other, &state, "dev").is_ok(),
            "not what was forgotten"
        );
    }
}
