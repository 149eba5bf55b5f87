//! Matching what another tool created to this configuration's addresses (pure): each live resource
//! a Terraform state names is given to the address whose identity it has (a table's name; an API
//! child's API and key), in dependency order, so a reference such as an API child's `api_id` is
//! resolved from the resource matched before it. Identity is compared as the planner compares:
//! canonical and normalised (a function named by name or by ARN is the same function).

use crate::model::reference::value_has_resource_reference;
use crate::model::{Desired, ResourceAddress, ResourceKind};
use crate::plan::diff::resolve;
use crate::provider::{registry, Observed};
use serde_json::Value;
use std::collections::BTreeMap;

/// A live resource a Terraform state names, in dtr's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Its Terraform address.
    pub from: String,
    pub kind: ResourceKind,
    pub live: Observed,
}

/// A Terraform resource given to a dtr address.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    pub from: String,
    pub address: ResourceAddress,
    pub live: Observed,
    /// Attributes whose difference would make the next plan replace it, if any: said before
    /// anything is written.
    pub replace_reasons: Vec<String>,
}

/// An address with no Terraform counterpart, and the nearest Terraform resource of its kind that
/// matched nothing: what dtr expects of it against what Terraform has.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmatched {
    pub address: ResourceAddress,
    /// The identity the configuration gives it (`name = dtr-dev-tools`); empty while a reference in
    /// it names a resource that matched nothing.
    pub expected: Vec<(String, String)>,
    /// A Terraform resource of the same kind that matched nothing, and its identity.
    pub nearest: Option<(String, Vec<(String, String)>)>,
    /// A parameter, and the value that would make the configuration name that resource.
    pub hint: Option<(String, String)>,
}

/// The outcome of matching, before anything is written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    pub matched: Vec<Matched>,
    /// Declared, with no Terraform counterpart: the next apply creates them.
    pub unmatched: Vec<Unmatched>,
    /// Live, of a kind dtr models, but no address has their identity: left to Terraform.
    pub unclaimed: Vec<Candidate>,
}

/// Match `candidates` to `desired`'s addresses.
pub fn map(desired: &Desired, candidates: Vec<Candidate>) -> Mapping {
    let mut free: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
    let mut known: BTreeMap<String, Option<BTreeMap<String, String>>> = BTreeMap::new();
    let mut mapping = Mapping::default();
    for resource in &desired.resources {
        let kind = resource.address.kind;
        let props = resolve(&resource.properties, &known);
        let expected = identity(kind, &props);
        let found = match value_has_resource_reference(&props) {
            true => None,
            false => free.iter().position(|c| {
                c.as_ref()
                    .is_some_and(|c| c.kind == kind && same_identity(kind, &props, &c.live))
            }),
        };
        let Some(candidate) = found.and_then(|i| free[i].take()) else {
            known.insert(resource.address.reference(), None);
            mapping.unmatched.push(Unmatched {
                address: resource.address.clone(),
                expected: if value_has_resource_reference(&props) {
                    Vec::new()
                } else {
                    expected
                },
                nearest: None,
                hint: None,
            });
            continue;
        };
        let replace_reasons = registry::of(kind)
            .compare(&props, Some(&candidate.live))
            .map(|c| c.replace_reasons)
            .unwrap_or_default();
        known.insert(
            resource.address.reference(),
            Some(candidate.live.outputs.clone()),
        );
        mapping.matched.push(Matched {
            from: candidate.from,
            address: resource.address.clone(),
            live: candidate.live,
            replace_reasons,
        });
    }
    mapping.unclaimed = free.into_iter().flatten().collect();
    for unmatched in &mut mapping.unmatched {
        let kind = unmatched.address.kind;
        unmatched.nearest = mapping
            .unclaimed
            .iter()
            .find(|c| c.kind == kind)
            .map(|c| (c.from.clone(), identity(kind, &c.live.spec)));
        if let Some((_, theirs)) = &unmatched.nearest {
            unmatched.hint = unmatched.expected.iter().find_map(|(key, want)| {
                let (_, have) = theirs.iter().find(|(k, _)| k == key)?;
                parameter_hint(want, have, &desired.parameters)
            });
        }
    }
    mapping
}

/// The parameter whose value, changed, would turn `expected` into `theirs`: the part where they
/// differ lies inside that parameter's value where it appears in `expected`
/// (`name_prefix: dtr-dev` in `dtr-dev-tools` against Terraform's `x-dev-tools` gives `x-dev`).
pub fn parameter_hint(
    expected: &str,
    theirs: &str,
    parameters: &BTreeMap<String, String>,
) -> Option<(String, String)> {
    let (e, t): (Vec<char>, Vec<char>) = (expected.chars().collect(), theirs.chars().collect());
    let pre = e.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let max_suf = e.len().min(t.len()) - pre;
    let suf = e
        .iter()
        .rev()
        .zip(t.iter().rev())
        .take(max_suf)
        .take_while(|(a, b)| a == b)
        .count();
    let (e_end, t_end) = (e.len() - suf, t.len() - suf);
    if e == t {
        return None;
    }
    parameters.iter().find_map(|(name, value)| {
        let v: Vec<char> = value.chars().collect();
        if v.is_empty() || v.len() > e.len() {
            return None;
        }
        (0..=e.len() - v.len())
            .filter(|&i| e[i..i + v.len()] == v[..])
            .find(|&i| i <= pre && i + v.len() >= e_end)
            .map(|i| {
                let suggested: String = v[..pre - i]
                    .iter()
                    .chain(&t[pre..t_end])
                    .chain(&v[e_end - i..])
                    .collect();
                (name.clone(), suggested)
            })
    })
}

/// Whether `live` has the identity `props` gives a resource of `kind`, compared normalised.
fn same_identity(kind: ResourceKind, props: &Value, live: &Observed) -> bool {
    let resource = registry::of(kind);
    let Ok(compared) = resource.compare(props, Some(live)) else {
        return false;
    };
    let Some(observed) = compared.observed else {
        return false;
    };
    resource.identity().iter().all(|key| {
        let want = compared.desired.get(*key);
        want.is_some() && want == observed.get(*key)
    })
}

/// The identity properties of `kind` in `props`, as text, for messages.
fn identity(kind: ResourceKind, props: &Value) -> Vec<(String, String)> {
    registry::of(kind)
        .identity()
        .iter()
        .filter_map(|key| {
            let value = props.get(*key)?;
            let text = value
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string());
            Some((key.to_string(), text))
        })
        .collect()
}

#[cfg(test)]
mod tests;
