//! `--target` and `--replace`: narrowing a plan to some resources (and what they depend on), and
//! checking that what `--replace` names exists (the diff plans the replacement itself). Pure, applied
//! to a computed plan; what the targets select is worked out before the reads (only it is read).

use super::Plan;
use crate::model::{Desired, ResourceAddress, Target};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Resources, `for_each` resources or module instances (see [`Target`]).
    pub targets: Vec<Target>,
    pub replace: Vec<ResourceAddress>,
}

/// Check that what `--replace` names is in the plan, and narrow the plan to `wanted` (see
/// [`wanted`]; `None`: everything).
pub fn apply(
    plan: Plan,
    wanted: Option<&BTreeSet<ResourceAddress>>,
    replace: &[ResourceAddress],
) -> Result<Plan, String> {
    for address in replace {
        if !plan.changes.iter().any(|c| &c.address == address) {
            return Err(format!(
                "{address} is neither in the configuration nor in the state"
            ));
        }
    }
    // `--replace` itself is decided by the diff (see `diff::Inputs::replace`); here it is only checked.
    let Some(wanted) = wanted else {
        return Ok(plan);
    };
    let mut plan = plan;
    plan.changes.retain(|c| wanted.contains(&c.address));
    Ok(plan)
}

/// What a selection plans, among `known` (the addresses in the configuration or the state): the
/// targets and, transitively, everything they depend on. `None` without targets: everything. The
/// planner reads only these, so a targeted plan costs what its targets cost, not the whole stack.
pub fn wanted<'a>(
    known: impl Iterator<Item = &'a ResourceAddress>,
    desired: &Desired,
    targets: &[Target],
) -> Result<Option<BTreeSet<ResourceAddress>>, String> {
    if targets.is_empty() {
        return Ok(None);
    }
    let known: Vec<&ResourceAddress> = known.collect();
    let mut queue: Vec<ResourceAddress> = Vec::new();
    for target in targets {
        let hits: Vec<ResourceAddress> = known
            .iter()
            .filter(|a| target.matches(a))
            .map(|a| (*a).clone())
            .collect();
        if hits.is_empty() {
            return Err(format!(
                "{target} is neither in the configuration nor in the state"
            ));
        }
        queue.extend(hits);
    }
    let mut wanted: BTreeSet<ResourceAddress> = BTreeSet::new();
    while let Some(address) = queue.pop() {
        if wanted.insert(address.clone()) {
            if let Some(r) = desired.resource(&address) {
                queue.extend(r.depends_on.iter().cloned());
            }
        }
    }
    Ok(Some(wanted))
}
