//! Desired vs observed → [`Plan`]. Pure: no I/O; everything it needs was read before.

use super::{data_loss, Action, ActionReason, Plan, ResourceChange, PLAN_FORMAT_VERSION};
use crate::model::reference::{find_references, Reference};
use crate::model::{Desired, ResourceAddress, TAG_ADDRESS, TAG_ENV, TAG_STACK};
use crate::provider::kind::force_destroy;
use crate::provider::{registry, Observed, ResourceError};
use crate::state::{ResourceState, State};
use serde_json::Value;
use std::collections::BTreeMap;

/// What the planner looks at: the configuration, the state, and what was read live for every address
/// in either (`None`: read, and not there).
pub struct Inputs<'a> {
    pub desired: &'a Desired,
    pub state: &'a State,
    pub observed: &'a BTreeMap<ResourceAddress, Option<Observed>>,
    /// Replace these even where they could be kept (`--replace`). Decided here, not after: what
    /// depends on a replaced resource sees its outputs as unknown until apply, and is planned so.
    pub replace: &'a [ResourceAddress],
    /// New address → the address the stored state records it under, for every `moved` entry
    /// applied to `state` (see [`super::moves`]).
    pub moved_from: &'a BTreeMap<ResourceAddress, ResourceAddress>,
    /// Not read: configured as last applied, so planned as no change with the outputs the state
    /// recorded (a targeted plan's dependencies, see `engine::as_applied`).
    pub as_applied: &'a std::collections::BTreeSet<ResourceAddress>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{address}: {physical_id} already exists but is not managed by this environment (its tags: {tags}); import it, delete it, or choose another name")]
    NotOwned {
        address: ResourceAddress,
        physical_id: String,
        tags: String,
    },
    /// An in-place change AWS would refuse (and a replacement would not be wanted for).
    #[error("{address}: {why}")]
    Unsupported {
        address: ResourceAddress,
        why: String,
    },
    #[error("{address}: {error}")]
    Invalid {
        address: ResourceAddress,
        error: ResourceError,
    },
    /// Declared under a new name while the state still records it under its old one.
    #[error("{address}: {physical_id} is {recorded_as} in this environment's state, which the configuration no longer declares; nothing was changed. To rename it without deleting and recreating it, add to the stack: `moved: [{{from: {recorded_as}, to: {address}}}]`")]
    RenamedWithoutMoved {
        address: ResourceAddress,
        physical_id: String,
        recorded_as: ResourceAddress,
    },
    #[error("{from} cannot move to {to}: the state records both ({from_id} and {to_id}), so they are two resources, not one renamed; nothing was changed. Drop the `moved` entry, and retire the one you no longer want with a `removed` entry")]
    MoveTargetTaken {
        from: ResourceAddress,
        to: ResourceAddress,
        from_id: String,
        to_id: String,
    },
}

pub fn diff(inputs: &Inputs<'_>) -> Result<Plan, Vec<PlanError>> {
    let Inputs {
        desired,
        state,
        observed,
        replace,
        moved_from,
        as_applied,
    } = inputs;
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    // name → outputs known at plan time (None: known only after apply).
    let mut known: BTreeMap<String, Option<BTreeMap<String, String>>> = BTreeMap::new();

    for resource in &desired.resources {
        let address = &resource.address;
        let owned = state.resources.get(address);
        let in_state = owned.is_some();
        let pending = owned.is_some_and(|o| o.pending);
        let live = observed.get(address).cloned().flatten();
        let props = resolve(&resource.properties, &known);
        if let Some(owned) = owned.filter(|_| as_applied.contains(address)) {
            known.insert(address.reference(), Some(owned.outputs.clone()));
            changes.push(as_last_applied(resource, owned));
            continue;
        }
        let adopted = match (in_state, &live) {
            (true, Some(_)) if pending => Some(ActionReason::CreationInterrupted),
            (false, Some(o)) if owned_by(o, desired, address) => Some(ActionReason::AdoptedByTags),
            // Found inside the parent it references, which is ours (in the state, or adopted by its
            // tags; otherwise the parent's own NotOwned error stops the plan).
            (false, Some(_)) if address.kind.contained() && parent_owned(resource, inputs) => {
                Some(ActionReason::AdoptedFromParent)
            }
            // Without tags there is no mark of ownership: adopt only what is exactly as configured.
            (false, Some(o)) if !address.kind.taggable() && identical(address, &props, o) => {
                Some(ActionReason::AdoptedByTags)
            }
            (false, Some(o)) => {
                errors.push(not_owned(address, o, inputs));
                continue;
            }
            _ => None,
        };
        let adopt = adopted.is_some();
        let compared = match registry::of(address.kind).compare(&props, live.as_ref()) {
            Ok(c) => c,
            Err(error) => {
                errors.push(PlanError::Invalid {
                    address: address.clone(),
                    error,
                });
                continue;
            }
        };
        let (action, reason, attributes) = match &compared.observed {
            None => (
                Action::Create,
                (in_state && !pending).then_some(ActionReason::DeletedOutsideDtr),
                attribute_changes(None, &compared.desired, &[]),
            ),
            Some(before) => {
                let mut attrs =
                    attribute_changes(Some(before), &compared.desired, &compared.replace_reasons);
                if let Some(owned) = owned.filter(|o| !o.pending) {
                    let wanted = &compared.desired;
                    mark_drift(&mut attrs, owned, wanted, &resource.sensitive_paths);
                }
                if replace.contains(address) {
                    (Action::Replace, Some(ActionReason::ReplaceRequested), attrs)
                } else if !compared.replace_reasons.is_empty() {
                    let attributes = compared.replace_reasons.clone();
                    (
                        Action::Replace,
                        Some(ActionReason::ReplaceForced { attributes }),
                        attrs,
                    )
                } else if attrs.is_empty() {
                    (Action::NoOp, adopted.clone(), attrs)
                } else {
                    (Action::Update, adopted.clone(), attrs)
                }
            }
        };
        if let (Action::Update, Some(before)) = (action, &compared.observed) {
            if let Some(why) = registry::of(address.kind).update_refusal(&compared.desired, before)
            {
                errors.push(PlanError::Unsupported {
                    address: address.clone(),
                    why,
                });
                continue;
            }
        }
        let outputs = match (action, &live) {
            (Action::NoOp | Action::Update, Some(o)) => Some(o.outputs.clone()),
            _ => None,
        };
        known.insert(address.reference(), outputs.clone());
        let physical_id = live.as_ref().map(|o| o.physical_id.clone());
        let force = owned.is_some_and(|o| o.force_destroy) || force_destroy(&resource.properties);
        let moved = moved_from.get(address).cloned();
        changes.push(ResourceChange {
            address: address.clone(),
            action,
            reason,
            data_loss: physical_id.as_deref().and_then(|id| {
                let spec = live.as_ref().map(|o| &o.spec);
                data_loss::warning(address.kind, action, id, force, spec)
            }),
            physical_id,
            // A rename must reach the state even when nothing else changes.
            record_in_state: adopt || moved.is_some(),
            moved_from: moved,
            attributes,
            desired: Some(resource.properties.clone()),
            depends_on: resource.depends_on.clone(),
            outputs: outputs.unwrap_or_default(),
            sensitive: resource.sensitive_paths.clone(),
        });
    }

    // What the state owns and the configuration no longer declares: deleted, last-created first.
    for (address, owned) in state.resources.iter().rev() {
        if desired.resource(address).is_some() {
            continue;
        }
        let live = observed.get(address).cloned().flatten();
        let live_spec = live.as_ref().map(|o| o.spec.clone());
        let physical_id = live
            .map(|o| o.physical_id)
            .unwrap_or_else(|| owned.physical_id.clone());
        // A `removed` entry with `destroy: false`: dropped from the state, kept in AWS.
        let keep = desired
            .removed
            .iter()
            .any(|r| &r.from == address && !r.destroy);
        let (action, reason) = match keep {
            true => (Action::Forget, ActionReason::RemovedWithoutDestroy),
            false if desired.destroying => (Action::Delete, ActionReason::DestroyRequested),
            false => (Action::Delete, ActionReason::RemovedFromConfiguration),
        };
        changes.push(ResourceChange {
            address: address.clone(),
            action,
            reason: Some(reason),
            data_loss: data_loss::warning(
                address.kind,
                action,
                &physical_id,
                owned.force_destroy,
                live_spec.as_ref(),
            ),
            physical_id: Some(physical_id),
            moved_from: None,
            record_in_state: false,
            attributes: Vec::new(),
            desired: None,
            depends_on: owned.depends_on.clone(),
            outputs: BTreeMap::new(),
            sensitive: Vec::new(),
        });
    }

    if errors.is_empty() {
        Ok(Plan {
            format_version: PLAN_FORMAT_VERSION,
            stack: desired.stack.clone(),
            environment: desired.environment.clone(),
            changes,
        })
    } else {
        Err(errors)
    }
}

/// No change for a resource taken from the state as last applied (not read): its outputs are the
/// ones the state recorded.
fn as_last_applied(
    resource: &crate::model::DesiredResource,
    owned: &ResourceState,
) -> ResourceChange {
    ResourceChange {
        address: resource.address.clone(),
        action: Action::NoOp,
        reason: None,
        data_loss: None,
        physical_id: Some(owned.physical_id.clone()),
        record_in_state: false,
        moved_from: None,
        attributes: Vec::new(),
        desired: Some(resource.properties.clone()),
        depends_on: resource.depends_on.clone(),
        outputs: owned.outputs.clone(),
        sensitive: resource.sensitive_paths.clone(),
    }
}

/// Why a live resource cannot be planned at `address`: the state records it under an address the
/// configuration no longer declares (a rename that needs a `moved` entry), or it is not ours at all.
fn not_owned(address: &ResourceAddress, live: &Observed, inputs: &Inputs<'_>) -> PlanError {
    let recorded = inputs.state.resources.iter().find(|(a, r)| {
        a.kind == address.kind
            && r.physical_id == live.physical_id
            && inputs.desired.resource(a).is_none()
    });
    match recorded {
        Some((recorded_as, _)) => PlanError::RenamedWithoutMoved {
            address: address.clone(),
            physical_id: live.physical_id.clone(),
            recorded_as: recorded_as.clone(),
        },
        None => PlanError::NotOwned {
            address: address.clone(),
            physical_id: live.physical_id.clone(),
            tags: format!("{:?}", live.tags()),
        },
    }
}

/// A live resource is this environment's if its `dtr:*` tags say so: the trace an interrupted apply
/// leaves when it created something but could not record it.
fn owned_by(observed: &Observed, desired: &Desired, address: &ResourceAddress) -> bool {
    let tags = observed.tags();
    tags.get(TAG_STACK) == Some(&desired.stack)
        && tags.get(TAG_ENV) == Some(&desired.environment)
        && tags.get(TAG_ADDRESS) == Some(&address.tag_value())
}

/// Whether the parent a contained resource was found in (the resource its `api_id` or
/// `function_name` references) is this environment's: recorded in the state, or found live carrying
/// this environment's tags for its address. A literal parent id is someone else's: no.
fn parent_owned(resource: &crate::model::DesiredResource, inputs: &Inputs<'_>) -> bool {
    let Some(key) = resource.address.kind.parent_property() else {
        return false;
    };
    let Some(text) = resource.properties.get(key).and_then(Value::as_str) else {
        return false;
    };
    let parents: Vec<&ResourceAddress> = find_references(text)
        .into_iter()
        .filter_map(|(_, r)| match r {
            Reference::Resource { name, .. } => inputs
                .desired
                .resources
                .iter()
                .find(|d| d.address.reference() == name)
                .map(|d| &d.address),
            _ => None,
        })
        .collect();
    !parents.is_empty()
        && parents.iter().all(|parent| {
            inputs.state.resources.contains_key(*parent)
                || inputs
                    .observed
                    .get(*parent)
                    .and_then(Option::as_ref)
                    .is_some_and(|o| owned_by(o, inputs.desired, parent))
        })
}

fn identical(address: &ResourceAddress, props: &Value, observed: &Observed) -> bool {
    registry::of(address.kind)
        .compare(props, Some(observed))
        .is_ok_and(|c| c.replace_reasons.is_empty() && c.observed.as_ref() == Some(&c.desired))
}

mod attributes;
use attributes::mark_drift;
pub use attributes::{attribute_changes, resolve};

#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod tests;
