//! `dtr output`: the stack's outputs, from what the state recorded of each resource.

use super::common::Context;
use super::{Error, Outcome};
use crate::model::reference::substitute_resources;
use crate::model::Desired;
use crate::state::State;
use std::collections::BTreeMap;

/// Every output whose references are all known; the others are left out.
pub fn resolve_outputs(desired: &Desired, state: &State) -> BTreeMap<String, String> {
    let by_name: BTreeMap<&str, &BTreeMap<String, String>> = state
        .resources
        .iter()
        .map(|(address, r)| (address.name.as_str(), &r.outputs))
        .collect();
    let lookup = |name: &str, attr: &str| by_name.get(name).and_then(|o| o.get(attr)).cloned();
    desired
        .outputs
        .iter()
        .filter_map(|(k, template)| Some((k.clone(), substitute_resources(template, &lookup)?)))
        .collect()
}

pub fn print_outputs(outputs: &BTreeMap<String, String>, json: bool) {
    if json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(outputs).unwrap_or_default()
        );
    } else {
        let width = outputs.keys().map(String::len).max().unwrap_or(0);
        for (k, v) in outputs {
            crate::outln!("{k:width$} = {v}");
        }
    }
}

pub async fn run(ctx: &Context, env: &str, json: bool) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    let clients = ctx.connect(&desired).await?;
    let state = ctx
        .store(&clients, &desired)
        .load(&desired.stack, &desired.environment)
        .await?;
    print_outputs(&resolve_outputs(&desired, &state), json);
    Ok(Outcome::Done)
}
