//! Confirming a plan's changes of what was read provisionally (tags from the tagging API's index,
//! which lags: [`crate::provider::tag_index`]): every resource whose planned change touches such a
//! property is read again with its own calls, so a stale index costs calls, never a change that is
//! not there.

use super::EngineError;
use crate::model::ResourceAddress;
use crate::plan::Plan;
use crate::provider::aws::Clients;
use crate::provider::{registry, stats, Observed};
use futures_util::stream::{self, StreamExt};
use std::collections::BTreeMap;

/// The resources whose planned change touches a property their read marked provisional.
pub fn unconfirmed<'a>(
    plan: &'a Plan,
    observed: &BTreeMap<ResourceAddress, Option<Observed>>,
) -> Vec<&'a ResourceAddress> {
    plan.changes
        .iter()
        .filter(|change| {
            let Some(Some(live)) = observed.get(&change.address) else {
                return false;
            };
            change.attributes.iter().any(|attribute| {
                let key = attribute.path.split('.').next().unwrap_or_default();
                live.provisional.contains(&key)
            })
        })
        .map(|change| &change.address)
        .collect()
}

/// Read again, with each resource's own calls (no index), every resource of `plan` whose change
/// touches a provisional property, into `observed`; whether any was. The caller diffs again.
pub async fn confirm(
    clients: &Clients,
    plan: &Plan,
    observed: &mut BTreeMap<ResourceAddress, Option<Observed>>,
    parallelism: usize,
) -> Result<bool, EngineError> {
    let doubtful: Vec<(ResourceAddress, Observed)> = unconfirmed(plan, observed)
        .into_iter()
        .filter_map(|address| Some((address.clone(), observed.get(address)?.clone()?)))
        .collect();
    if doubtful.is_empty() {
        return Ok(false);
    }
    tracing::debug!(
        "confirming {} change(s) of provisional tags",
        doubtful.len()
    );
    let reads = stream::iter(doubtful)
        .map(|(address, live)| async move {
            let (read, calls) = stats::scope(reread(clients, &address, live)).await;
            (address, read, calls)
        })
        .buffered(parallelism.max(1));
    let mut longest = 0;
    for (address, read, calls) in reads.collect::<Vec<_>>().await {
        longest = longest.max(calls);
        observed.insert(address, read?);
    }
    clients.calls.add_to_critical_path(longest);
    Ok(true)
}

/// `live` read again with the resource's own calls: a kind that reads in batches reads again only
/// what its [`crate::provider::ResourceType::complete`] adds (its tags, all the index provides);
/// any other kind is read whole.
async fn reread(
    clients: &Clients,
    address: &ResourceAddress,
    mut live: Observed,
) -> Result<Option<Observed>, EngineError> {
    let kind = registry::of(address.kind);
    let id = live.physical_id.clone();
    let read = match kind.batch_size() {
        0 => kind.read(clients, &id).await,
        _ => {
            live.provisional.clear();
            kind.complete(clients, live).await.map(Some)
        }
    };
    read.map_err(|source| EngineError::Read {
        address: address.clone(),
        id,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan(paths: &[&str]) -> Plan {
        let attributes: Vec<_> = paths.iter().map(|p| json!({"path": p})).collect();
        serde_json::from_value(json!({
            "format_version": 1, "stack": "s", "environment": "dev",
            "changes": [{"address": "log_group.g", "action": "update", "physical_id": "/g",
                         "attributes": attributes, "depends_on": []}]
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn observed(provisional: &[&'static str]) -> BTreeMap<ResourceAddress, Option<Observed>> {
        let mut live = Observed::named("/g", json!({}), "arn:g".into());
        live.provisional = provisional.to_vec();
        let address = "log_group.g".parse().unwrap_or_else(|e| panic!("{e}"));
        BTreeMap::from([(address, Some(live))])
    }

    #[test]
    fn a_change_of_a_provisional_property_is_unconfirmed() {
        let plan = plan(&["tags.team", "retention_days"]);
        assert_eq!(unconfirmed(&plan, &observed(&["tags"])).len(), 1);
    }

    #[test]
    fn changes_of_properties_read_for_sure_need_no_confirmation() {
        let retention = plan(&["retention_days"]);
        assert!(unconfirmed(&retention, &observed(&["tags"])).is_empty());
        let tags = plan(&["tags.team"]);
        assert!(unconfirmed(&tags, &observed(&[])).is_empty());
    }
}
