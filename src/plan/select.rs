//! `--target` and `--replace`: narrowing a plan to some resources (and what they depend on), and
//! checking that what `--replace` names exists (the diff plans the replacement itself). Pure, applied
//! to a computed plan.

use super::Plan;
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
    // `--replace` itself is decided by the diff (see `diff::Inputs::replace`); here it is only checked.
    let mut plan = plan;
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
