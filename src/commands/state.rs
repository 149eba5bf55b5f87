//! `dtr state list|show|rm`: what the state records, and forgetting an address without touching
//! AWS. They read the environment file alone (as `destroy` does): the state, not the stack, is what
//! they are about.

use super::common::Context;
use super::{Error, Outcome, StateCommandError};
use crate::cli::LockArgs;
use crate::model::{ResourceAddress, ResourceKind};
use crate::state::{ResourceState, State};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::IsTerminal;

/// Version of the JSON that `state list --json` and `state show --json` print.
const STATE_JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Listed<'a> {
    format_version: u32,
    stack: &'a str,
    environment: &'a str,
    resources: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    address: &'a ResourceAddress,
    kind: ResourceKind,
    physical_id: &'a str,
}

#[derive(Serialize)]
struct Shown<'a> {
    format_version: u32,
    address: &'a ResourceAddress,
    kind: ResourceKind,
    physical_id: &'a str,
    outputs: &'a BTreeMap<String, String>,
    depends_on: &'a [ResourceAddress],
    force_destroy: bool,
    /// Its creation was started and not seen to finish (an interrupted apply).
    pending: bool,
}

async fn load(ctx: &Context, env: &str) -> Result<State, Error> {
    let desired = ctx.load_environment(env)?;
    let clients = ctx.connect(&desired).await?;
    let store = ctx.store(&clients, &desired);
    Ok(store.load(&desired.stack, &desired.environment).await?)
}

fn json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value).map_err(Error::EncodeState)
}

/// The state's resources sorted by address as written (the map's own order is by kind, then name).
fn sorted(state: &State) -> Vec<(&ResourceAddress, &ResourceState)> {
    let mut resources: Vec<_> = state.resources.iter().collect();
    resources.sort_by_cached_key(|(address, _)| address.to_string());
    resources
}

pub async fn list(ctx: &Context, env: &str, as_json: bool) -> Result<Outcome, Error> {
    let state = load(ctx, env).await?;
    if as_json {
        let listed = Listed {
            format_version: STATE_JSON_VERSION,
            stack: &state.stack,
            environment: &state.environment,
            resources: sorted(&state)
                .into_iter()
                .map(|(address, owned)| Entry {
                    address,
                    kind: address.kind,
                    physical_id: &owned.physical_id,
                })
                .collect(),
        };
        crate::outln!("{}", json(&listed)?);
    } else {
        for (address, _) in sorted(&state) {
            crate::outln!("{address}");
        }
    }
    Ok(Outcome::Done)
}

pub async fn show(
    ctx: &Context,
    env: &str,
    address: &ResourceAddress,
    as_json: bool,
) -> Result<Outcome, Error> {
    let state = load(ctx, env).await?;
    let Some(owned) = state.resources.get(address) else {
        return Err(not_in_state(&state, vec![address.clone()], env));
    };
    let shown = Shown {
        format_version: STATE_JSON_VERSION,
        address,
        kind: address.kind,
        physical_id: &owned.physical_id,
        outputs: &owned.outputs,
        depends_on: &owned.depends_on,
        force_destroy: owned.force_destroy,
        pending: owned.pending,
    };
    match as_json {
        true => crate::outln!("{}", json(&shown)?),
        false => crate::out!("{}", human(address, owned)),
    }
    Ok(Outcome::Done)
}

fn human(address: &ResourceAddress, owned: &ResourceState) -> String {
    let mut out = format!("# {address}\nphysical_id   = {}\n", owned.physical_id);
    let deps: Vec<String> = owned.depends_on.iter().map(|d| d.to_string()).collect();
    out += &format!("depends_on    = [{}]\n", deps.join(", "));
    out += &format!("force_destroy = {}\n", owned.force_destroy);
    if owned.pending {
        out += "pending       = true (an interrupted apply started creating it)\n";
    }
    if !owned.outputs.is_empty() {
        out += "outputs:\n";
        let width = owned.outputs.keys().map(String::len).max().unwrap_or(0);
        for (k, v) in &owned.outputs {
            out += &format!("  {k:width$} = {v}\n");
        }
    }
    out
}

fn not_in_state(state: &State, missing: Vec<ResourceAddress>, env: &str) -> Error {
    StateCommandError::NotInState {
        missing,
        environment: state.environment.clone(),
        env: env.to_string(),
    }
    .into()
}

/// `dtr state rm`: under the lock, check every address is owned, confirm, then forget them all in
/// one conditional state write. Nothing in AWS is called but the lock and the state object.
pub async fn rm(
    ctx: &Context,
    env: &str,
    addresses: &[ResourceAddress],
    lock: &LockArgs,
    auto_approve: bool,
) -> Result<Outcome, Error> {
    if !auto_approve && !std::io::stdin().is_terminal() {
        return Err(Error::NoTerminal { verb: "state rm" });
    }
    let desired = ctx.load_environment(env)?;
    let clients = ctx.connect(&desired).await?;
    let forgotten = ctx
        .with_lock(&clients, &desired, "state rm", lock, async |guard| {
            let store = ctx.store(&clients, &desired);
            let mut state = store.load(&desired.stack, &desired.environment).await?;
            let missing: Vec<_> = addresses
                .iter()
                .filter(|a| !state.resources.contains_key(a))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(not_in_state(&state, missing, env));
            }
            let mut forgotten = Vec::new();
            for address in addresses {
                if let Some(owned) = state.forget(address) {
                    forgotten.push((address.clone(), owned.physical_id));
                }
            }
            for (address, id) in &forgotten {
                crate::errln!("  - {address} [{id}] will be forgotten (kept in AWS)");
            }
            if !auto_approve {
                super::apply::ask(
                    "Forget these in the state and leave them in AWS? Only 'yes' is accepted: ",
                )
                .await?;
                guard.verify().await?;
            }
            store.save(&mut state).await?;
            Ok(forgotten)
        })
        .await?;
    for (address, id) in &forgotten {
        crate::outln!("Forgot {address} ({id}).");
    }
    let (they, exist, them) = match forgotten.len() {
        1 => ("it", "exists", "it"),
        _ => ("they", "exist", "them"),
    };
    crate::outln!(
        "Nothing in AWS was touched: {they} still {exist} and dtr no longer manages {them}."
    );
    still_declared(ctx, env, &forgotten);
    Ok(Outcome::Done)
}

/// If the stack still declares a forgotten address, say what the next plan does about it.
fn still_declared(ctx: &Context, env: &str, forgotten: &[(ResourceAddress, String)]) {
    let Ok(desired) = ctx.load(env) else {
        return;
    };
    for (address, _) in forgotten {
        if desired.resource(address).is_some() {
            ctx.printer.warn(&format!(
                "{address} is still declared in the configuration: plans refuse it until you remove \
                 it from the configuration (to leave it unmanaged) or adopt it again with `dtr import`"
            ));
        }
    }
}
