//! `dtr import`: adopt an existing resource (one Terraform created, say) into this environment's state,
//! so the next plan shows only the real differences between it and the configuration.

use super::common::Context;
use super::{Error, ImportError, Outcome};
use crate::cli::LockArgs;
use crate::engine;
use crate::model::ResourceAddress;
use crate::provider::kind;
use crate::state::{ResourceState, State};

/// Refuse a physical id another address of this kind already owns (the same name may be a role's
/// and a function's, so only the same kind counts).
fn refuse_owned_elsewhere(
    state: &State,
    address: &ResourceAddress,
    physical_id: &str,
    env: &str,
) -> Result<(), ImportError> {
    let owner = state
        .resources
        .iter()
        .find(|(a, owned)| a.kind == address.kind && owned.physical_id == physical_id);
    match owner {
        Some((owner, _)) => Err(ImportError::OwnedElsewhere {
            address: address.clone(),
            physical_id: physical_id.to_string(),
            owner: owner.clone(),
            env: env.to_string(),
        }),
        None => Ok(()),
    }
}

pub async fn run(
    ctx: &Context,
    env: &str,
    address: &ResourceAddress,
    physical_id: &str,
    lock: &LockArgs,
) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    let Some(resource) = desired.resource(address) else {
        return Err(ImportError::NotDeclared {
            address: address.clone(),
            env: desired.environment.clone(),
        }
        .into());
    };
    let clients = ctx.connect(&desired).await?;
    ctx.with_lock(&clients, &desired, "import", lock, async |_| {
        let store = ctx.store(&clients, &desired);
        let mut state = store.load(&desired.stack, &desired.environment).await?;
        if let Some(owned) = state.resources.get(address) {
            return Err(ImportError::AlreadyManaged {
                address: address.clone(),
                physical_id: owned.physical_id.clone(),
            }
            .into());
        }
        refuse_owned_elsewhere(&state, address, physical_id, env)?;
        let live = engine::read_one(&clients, &desired.backend, address, physical_id)
            .await?
            .ok_or_else(|| ImportError::NotFound {
                kind: address.kind,
                id: physical_id.to_string(),
            })?;
        // The id as AWS reports it may be spelled otherwise than given (an ARN for a name, say).
        refuse_owned_elsewhere(&state, address, &live.physical_id, env)?;
        state.forgotten.remove(address);
        state.resources.insert(
            address.clone(),
            ResourceState {
                physical_id: live.physical_id.clone(),
                outputs: live.outputs.clone(),
                force_destroy: kind::force_destroy(&resource.properties),
                depends_on: resource.depends_on.clone(),
                pending: false,
                applied: Default::default(),
            },
        );
        store.save(&mut state).await?;
        crate::outln!("Imported {address} ({}). Run `dtr plan --env {env}` to see how it differs from the configuration.", live.physical_id);
        Ok(Outcome::Done)
    })
    .await
}
