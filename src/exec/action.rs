//! One change carried out against AWS, with owned inputs so it can run as its own task. It never
//! touches the state: it says what happened, and the executor records it.

use crate::model::ResourceAddress;
use crate::plan::Action;
use crate::provider::aws::Clients;
use crate::provider::resources::{self, Observed, ResourceError};
use serde_json::Value;

/// Everything one action needs, owned.
pub struct Work {
    pub address: ResourceAddress,
    pub action: Action,
    pub physical_id: Option<String>,
    /// Desired properties with every reference resolved.
    pub props: Value,
    pub force_destroy: bool,
    /// Outputs known from the plan (for a no-op that only records).
    pub outputs: std::collections::BTreeMap<String, String>,
}

/// What happened in AWS.
pub enum Done {
    /// The resource exists as observed: record it.
    Exists(Observed),
    /// The resource is gone: forget it.
    Gone,
    /// A replace deleted the old resource, then failed to create the new one: forget the old one,
    /// and report the failure.
    GoneThenFailed(ResourceError),
}

pub async fn run(clients: Clients, work: Work) -> Result<Done, ResourceError> {
    let kind = work.address.kind;
    let id = work.physical_id.clone().unwrap_or_default();
    match work.action {
        Action::NoOp => Ok(Done::Exists(Observed {
            physical_id: id,
            properties: work.props,
            outputs: work.outputs,
        })),
        Action::Create => Ok(Done::Exists(
            resources::create(&clients, kind, &work.props).await?,
        )),
        Action::Update => {
            let live = resources::read(&clients, kind, &id).await?.ok_or_else(|| {
                ResourceError::Refused(format!("{id} disappeared since the plan was made"))
            })?;
            Ok(Done::Exists(
                resources::update(&clients, kind, &work.props, &live).await?,
            ))
        }
        Action::Replace => {
            resources::delete(&clients, kind, &id, work.force_destroy).await?;
            match resources::create(&clients, kind, &work.props).await {
                Ok(observed) => Ok(Done::Exists(observed)),
                Err(e) => Ok(Done::GoneThenFailed(e)),
            }
        }
        Action::Delete => {
            resources::delete(&clients, kind, &id, work.force_destroy).await?;
            Ok(Done::Gone)
        }
    }
}
