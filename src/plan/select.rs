//! `--target` and `--replace`: narrowing a plan to some resources (and what they depend on), and
//! forcing the replacement of others. Pure, applied to a computed plan.

use super::{Action, ActionReason, Plan};
use crate::model::{Desired, ResourceAddress};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub targets: Vec<ResourceAddress>,
    pub replace: Vec<ResourceAddress>,
}

pub fn apply(plan: Plan, desired: &Desired, selection: &Selection) -> Result<Plan, String> {
    let known: BTreeSet<&ResourceAddress> = plan.changes.iter().map(|c| &c.address).collect();
    for address in selection.targets.iter().chain(&selection.replace) {
        if !known.contains(address) {
            return Err(format!(
                "{address} is neither in the configuration nor in the state"
            ));
        }
    }
    let mut plan = plan;
    for change in &mut plan.changes {
        if selection.replace.contains(&change.address)
            && matches!(change.action, Action::NoOp | Action::Update)
        {
            change.action = Action::Replace;
            change.reason = Some(ActionReason::ReplaceRequested);
        }
    }
    if selection.targets.is_empty() {
        return Ok(plan);
    }
    // The targets and, transitively, everything they depend on.
    let mut wanted: BTreeSet<ResourceAddress> = BTreeSet::new();
    let mut queue: Vec<ResourceAddress> = selection.targets.clone();
    while let Some(address) = queue.pop() {
        if wanted.insert(address.clone()) {
            if let Some(r) = desired.resource(&address) {
                queue.extend(r.depends_on.iter().cloned());
            }
        }
    }
    plan.changes.retain(|c| wanted.contains(&c.address));
    Ok(plan)
}
