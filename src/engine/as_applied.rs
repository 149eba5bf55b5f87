//! With `--target`, the dependencies of the targets whose configuration is what was last applied are
//! taken from the state instead of read live (as `terraform apply -target -refresh=false` and
//! `sam sync --code` do): a code-only update of one function then reads only the function. Drift on
//! such a dependency is seen by the next full plan, not by the targeted one.

use crate::model::{Desired, ResourceAddress, Target};
use crate::plan::diff::resolve;
use crate::provider::registry;
use crate::state::{applied, State};
use std::collections::{BTreeMap, BTreeSet};

/// The resources of `wanted` that no target names and `--replace` does not name whose configuration, resolved with the outputs the
/// state recorded, digests to what was last applied (see [`crate::state::applied`]), and the same
/// holds for everything they depend on. A resource without digests (recorded before state format 3,
/// imported, adopted), with a sensitive value (not digested), pending, renamed by `moved`, or absent
/// from the state is not one of them: it is read and planned as any other.
pub fn as_applied(
    desired: &Desired,
    state: &State,
    wanted: &BTreeSet<ResourceAddress>,
    targets: &[Target],
    replace: &[ResourceAddress],
    renamed: &BTreeMap<ResourceAddress, ResourceAddress>,
) -> BTreeSet<ResourceAddress> {
    let known: BTreeMap<String, Option<BTreeMap<String, String>>> = state
        .resources
        .iter()
        .map(|(address, owned)| (address.reference(), Some(owned.outputs.clone())))
        .collect();
    let mut unchanged = BTreeSet::new();
    // The configuration lists a resource after what it depends on, so one pass settles each.
    for resource in &desired.resources {
        let address = &resource.address;
        if !wanted.contains(address)
            || targets.iter().any(|t| t.matches(address))
            || replace.contains(address)
            || renamed.contains_key(address)
            || !resource.sensitive_paths.is_empty()
            || !resource.depends_on.iter().all(|d| unchanged.contains(d))
        {
            continue;
        }
        let Some(owned) = state.resources.get(address) else {
            continue;
        };
        if owned.pending || owned.applied.is_empty() {
            continue;
        }
        let props = resolve(&resource.properties, &known);
        // Digested as exec digests what it applies: in the form the provider compares.
        let now = registry::of(address.kind)
            .compare(&props, None)
            .map(|c| applied::digests(&c.desired, &[]));
        if now.is_ok_and(|now| now == owned.applied) {
            unchanged.insert(address.clone());
        }
    }
    unchanged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ResourceState;
    use serde_json::{json, Value};

    fn group(name: &str, days: u32) -> Value {
        json!({"name": name, "retention_days": days, "tags": {}})
    }

    fn address(text: &str) -> ResourceAddress {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn applied_state(desired: &Desired) -> State {
        let mut state = State::new("s", "dev");
        for r in &desired.resources {
            let c = registry::of(r.address.kind)
                .compare(&r.properties, None)
                .unwrap();
            state.resources.insert(
                r.address.clone(),
                ResourceState {
                    physical_id: "id".into(),
                    outputs: BTreeMap::from([("arn".into(), "arn:x".into())]),
                    force_destroy: false,
                    depends_on: r.depends_on.clone(),
                    pending: false,
                    applied: applied::digests(&c.desired, &[]),
                },
            );
        }
        state
    }

    #[test]
    fn only_untargeted_dependencies_configured_as_applied_are_taken_from_the_state() {
        let d = Desired::for_test(&[
            ("log_group.a", group("/a", 7)),
            ("log_group.b", group("/b", 7)),
        ]);
        let state = applied_state(&d);
        let wanted: BTreeSet<_> = [address("log_group.a"), address("log_group.b")].into();
        let targets = vec!["log_group.b".parse::<Target>().unwrap()];
        let none = BTreeMap::new();
        let taken = as_applied(&d, &state, &wanted, &targets, &[], &none);
        assert_eq!(taken, [address("log_group.a")].into(), "b is a target");

        // Its retention edited since: read and planned.
        let edited = Desired::for_test(&[
            ("log_group.a", group("/a", 14)),
            ("log_group.b", group("/b", 7)),
        ]);
        assert!(as_applied(&edited, &state, &wanted, &targets, &[], &none).is_empty());
        // Configured as applied, but it depends on one that is not: read, as its inputs may move.
        let mut chained = Desired::for_test(&[
            ("log_group.a", group("/a", 14)),
            ("log_group.c", group("/c", 7)),
            ("log_group.b", group("/b", 7)),
        ]);
        chained.resources[1].depends_on = vec![address("log_group.a")];
        let mut state_c = applied_state(&chained);
        state_c.resources.extend(state.resources.clone());
        let all: BTreeSet<_> = chained
            .resources
            .iter()
            .map(|r| r.address.clone())
            .collect();
        assert!(as_applied(&chained, &state_c, &all, &targets, &[], &none).is_empty());
        chained.resources[1].depends_on.clear();
        let taken = as_applied(&chained, &state_c, &all, &targets, &[], &none);
        assert_eq!(taken, [address("log_group.c")].into());

        // No digests (an older state, an import), or absent from the state: read.
        let mut old = state.clone();
        if let Some(a) = old.resources.get_mut(&address("log_group.a")) {
            a.applied.clear();
        }
        assert!(as_applied(&d, &old, &wanted, &targets, &[], &none).is_empty());
        let mut missing = state.clone();
        missing.resources.remove(&address("log_group.a"));
        assert!(as_applied(&d, &missing, &wanted, &targets, &[], &none).is_empty());
        // Replaced on request: planned (and what depends on it sees its outputs as unknown).
        let replace = [address("log_group.a")];
        assert!(as_applied(&d, &state, &wanted, &targets, &replace, &none).is_empty());
        // Outside the selection: not planned at all, so not taken either.
        let only_b: BTreeSet<_> = [address("log_group.b")].into();
        assert!(as_applied(&d, &state, &only_b, &targets, &[], &none).is_empty());
    }
}
