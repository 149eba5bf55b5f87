//! Reading live state for the planner: every resource the configuration declares or the state owns,
//! and the refusal of any that is a dtr backend.

use super::reads::{read, read_all, Lookup, Readers};
use super::EngineError;
use crate::model::{Backend, Desired, DesiredResource as Resource, ResourceAddress, ResourceKind};
use crate::plan::diff::resolve;
use crate::provider::aws::Clients;
use crate::provider::tag_index::{self, TagIndex};
use crate::provider::{registry, Observed};
use crate::state::State;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Read live every resource the configuration declares or the state owns, up to `parallelism` reads
/// at once; a kind that reads in batches reads all its resources of a round in batches
/// ([`crate::provider::ResourceType::read_batch`]).
///
/// A resource the state holds, or whose name decides its id, is read at once. One whose id AWS chose
/// and the state lacks (an apply interrupted between creating and recording it) is looked for once
/// what it references has been read, with those references resolved: a stage, a route or an
/// integration is looked for under its API, a Lambda permission under its function. So reads go in
/// rounds by dependency, but only for such resources; a plan of an applied environment takes one.
/// Results and the first error keep the configuration's order, so a failing plan names the same
/// resource every time.
pub async fn observe(
    clients: &Clients,
    desired: &Desired,
    state: &State,
    parallelism: usize,
) -> Result<BTreeMap<ResourceAddress, Option<Observed>>, EngineError> {
    let mut observed = BTreeMap::new();
    let indexed = indexed(clients, desired, state);
    let clients = &Readers {
        plain: clients,
        indexed: &indexed,
    };
    let declared: BTreeSet<_> = desired.resources.iter().map(|r| &r.address).collect();
    let orphans: Vec<Lookup> = state
        .resources
        .iter()
        .filter(|(address, _)| !declared.contains(address))
        .map(|(address, owned)| Lookup {
            address,
            id: Some(owned.physical_id.clone()),
            properties: None,
            indexed: true,
        })
        .collect();
    read_all(clients, orphans, parallelism, &mut observed).await?;

    let mut waiting: Vec<&Resource> = desired.resources.iter().collect();
    while !waiting.is_empty() {
        let known: BTreeMap<String, Option<BTreeMap<String, String>>> = observed
            .iter()
            .map(|(a, o)| (a.reference(), o.as_ref().map(|o| o.outputs.clone())))
            .collect();
        let settled = |r: &Resource| {
            state.resources.contains_key(&r.address)
                || registry::of(r.address.kind)
                    .physical_id(&r.properties)
                    .is_some()
                || r.depends_on.iter().all(|d| observed.contains_key(d))
        };
        let (mut ready, rest): (Vec<&Resource>, Vec<&Resource>) =
            waiting.into_iter().partition(|r| settled(r));
        if ready.is_empty() {
            // Only a dependency outside the configuration could hold them back: look with what is known.
            ready = rest;
            waiting = Vec::new();
        } else {
            waiting = rest;
        }
        let lookups = ready.into_iter().map(|resource| {
            let owned = state.resources.get(&resource.address);
            let properties = resolve(&resource.properties, &known);
            let id = match owned {
                Some(owned) => Some(owned.physical_id.clone()),
                None => registry::of(resource.address.kind).physical_id(&properties),
            };
            Lookup {
                address: &resource.address,
                id,
                properties: Some(properties),
                indexed: owned.is_some(),
            }
        });
        read_all(clients, lookups.collect(), parallelism, &mut observed).await?;
    }
    for (address, live) in &observed {
        if let Some(live) = live {
            refuse_backend(&desired.backend, address, live)?;
        }
    }
    Ok(observed)
}

/// The clients that read what the state owns: with the environment's tag index attached when the
/// state holds enough resources whose kinds take their tags from it to pay for its pages
/// ([`tag_index::WORTH_IT`]).
fn indexed(clients: &Clients, desired: &Desired, state: &State) -> Clients {
    let services: Vec<&str> = state
        .resources
        .keys()
        .filter_map(|a| registry::of(a.kind).tagging_service())
        .collect();
    if services.len() < tag_index::WORTH_IT {
        return clients.clone();
    }
    let distinct: BTreeSet<&str> = services.into_iter().collect();
    let services: Vec<&str> = distinct.into_iter().collect();
    let index = TagIndex::new(&desired.stack, &desired.environment, &services);
    clients.with_tag_index(index)
}

/// A live resource that is a dtr backend is never planned for, imported or deleted, whatever address
/// names it: this environment's state bucket or lock table (by name, even if it was bootstrapped
/// before backends were tagged), or any backend `dtr bootstrap` tagged `dtr:backend` (another
/// environment's too).
pub fn refuse_backend(
    backend: &Backend,
    address: &ResourceAddress,
    live: &Observed,
) -> Result<(), EngineError> {
    let own = match address.kind {
        ResourceKind::S3Bucket => live.physical_id == backend.state_bucket,
        ResourceKind::DynamodbTable => live.physical_id == backend.lock_table,
        _ => false,
    };
    let role = match live.tags().get(crate::model::TAG_BACKEND) {
        Some(role) => BackendRole::Tagged(role.clone()),
        None if own => BackendRole::Own,
        None => return Ok(()),
    };
    Err(EngineError::Backend {
        address: address.clone(),
        physical_id: live.physical_id.clone(),
        role,
    })
}

/// Why a live resource is a backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendRole {
    /// `dtr bootstrap` tagged it `dtr:backend=<role>` (this environment's or another's).
    Tagged(String),
    /// This environment's state bucket or lock table by name, untagged.
    Own,
}

impl fmt::Display for BackendRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendRole::Tagged(role) => write!(
                f,
                "{role}, tagged {}={role} by `dtr bootstrap`",
                crate::model::TAG_BACKEND
            ),
            BackendRole::Own => f.write_str("this environment's own backend"),
        }
    }
}

/// One resource read by its physical id, for `dtr import`: absent is `None`, a backend is refused.
pub async fn read_one(
    clients: &Clients,
    backend: &Backend,
    address: &ResourceAddress,
    id: &str,
) -> Result<Option<Observed>, EngineError> {
    let live = read(clients, address, id).await?;
    if let Some(live) = &live {
        refuse_backend(backend, address, live)?;
    }
    Ok(live)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn backend() -> Backend {
        Backend {
            state_bucket: "state".into(),
            lock_table: "locks".into(),
            state_key: "s/dev.json".into(),
            region: "us-east-1".into(),
        }
    }

    fn live(id: &str, tags: serde_json::Value) -> Observed {
        Observed::named(id, json!({ "tags": tags }), format!("arn:{id}"))
    }

    fn address(text: &str) -> ResourceAddress {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_own_backend_is_refused_by_name_even_untagged() {
        let refused = refuse_backend(
            &backend(),
            &address("s3_bucket.b"),
            &live("state", json!({})),
        );
        assert!(
            matches!(
                refused,
                Err(EngineError::Backend {
                    role: BackendRole::Own,
                    ..
                })
            ),
            "{refused:?}"
        );
        let table = address("dynamodb_table.t");
        assert!(refuse_backend(&backend(), &table, &live("locks", json!({}))).is_err());
    }

    #[test]
    fn a_tagged_backend_is_refused_under_any_address_and_names_its_role() {
        let tagged = live("other", json!({ crate::model::TAG_BACKEND: "state" }));
        let refused = refuse_backend(&backend(), &address("log_group.g"), &tagged);
        let Err(error) = refused else {
            panic!("a tagged backend was let through");
        };
        assert!(
            error.to_string().starts_with(
                "log_group.g is other (state, tagged dtr:backend=state by `dtr bootstrap`)"
            ),
            "{error}"
        );
    }

    #[test]
    fn anything_else_passes_even_with_a_backend_name_under_another_kind() {
        let plain = live("state", json!({ "team": "agents" }));
        assert!(refuse_backend(&backend(), &address("log_group.g"), &plain).is_ok());
        assert!(refuse_backend(&backend(), &address("s3_bucket.b"), &live("x", json!({}))).is_ok());
    }
}
