//! `dtr output`: the stack's outputs, from what the state recorded of each resource.

use super::common::Context;
use super::{Error, Outcome};
use crate::model::reference::substitute_resources;
use crate::model::sensitive::MASK;
use crate::model::Desired;
use crate::state::State;
use std::collections::{BTreeMap, BTreeSet};

/// The stack's outputs whose references are all known, and which of them a sensitive value flows to.
pub struct Outputs {
    pub values: BTreeMap<String, String>,
    pub sensitive: BTreeSet<String>,
}

/// Every output whose references are all known; the others are left out.
pub fn resolve_outputs(desired: &Desired, state: &State) -> Outputs {
    let by_name: BTreeMap<String, &BTreeMap<String, String>> = state
        .resources
        .iter()
        .map(|(address, r)| (address.reference(), &r.outputs))
        .collect();
    let lookup = |name: &str, attr: &str| by_name.get(name).and_then(|o| o.get(attr)).cloned();
    Outputs {
        values: desired
            .outputs
            .iter()
            .filter_map(|(k, template)| Some((k.clone(), substitute_resources(template, &lookup)?)))
            .collect(),
        sensitive: desired.sensitive_outputs.clone(),
    }
}

/// The outputs for people (sensitive ones masked), or as JSON for scripts (every value, as
/// Terraform's `output -json` does: a script asked for them).
pub fn print_outputs(outputs: &Outputs, json: bool) {
    if json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&outputs.values).unwrap_or_default()
        );
    } else {
        let width = outputs.values.keys().map(String::len).max().unwrap_or(0);
        for (k, v) in &outputs.values {
            let shown = match outputs.sensitive.contains(k) {
                true => MASK,
                false => v.as_str(),
            };
            crate::outln!("{k:width$} = {shown}");
        }
    }
}

pub async fn run(
    ctx: &Context,
    env: &str,
    name: Option<&str>,
    json: bool,
    raw: bool,
) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    let clients = ctx.connect(&desired).await?;
    let state = ctx
        .store(&clients, &desired)
        .load(&desired.stack, &desired.environment)
        .await?;
    let mut outputs = resolve_outputs(&desired, &state);
    let Some(name) = name else {
        print_outputs(&outputs, json);
        return Ok(Outcome::Done);
    };
    let Some(value) = outputs.values.remove(name) else {
        return Err(Error::NoSuchOutput {
            name: name.to_string(),
            known: desired
                .outputs
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    match (json, raw) {
        (true, _) => crate::outln!("{}", serde_json::Value::String(value)),
        (_, true) => crate::out!("{value}"),
        _ => {
            let sensitive = outputs.sensitive.contains(name);
            crate::outln!("{}", if sensitive { MASK } else { value.as_str() })
        }
    }
    Ok(Outcome::Done)
}
