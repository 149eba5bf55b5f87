//! `dtr validate`: configuration checks only, no AWS calls.

use super::common::Context;
use super::{Error, Outcome};
use crate::model::ResourceKind;
use crate::provider::package;

pub fn run(ctx: &Context, env: &str) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    for resource in &desired.resources {
        if resource.address.kind != ResourceKind::LambdaFunction {
            continue;
        }
        // Loading packaged every function already (refusing what must not be packaged); this builds
        // the package again to know its size.
        let Some(source) = resource.properties["source"].as_str() else {
            continue;
        };
        let size = package::build(std::path::Path::new(source))
            .map(|p| p.bytes.len() as u64)
            .map_err(|source| Error::Package {
                location: resource.location.clone(),
                source,
            })?;
        if let Some(warning) = package::direct_upload_warning(size) {
            crate::errln!(
                "warning: {}: {}: properties.source: {warning}",
                resource.location,
                resource.address
            );
        }
    }
    crate::outln!(
        "{}/{}: configuration is valid ({} resources).",
        desired.stack,
        desired.environment,
        desired.resources.len()
    );
    crate::outln!("{}", parameters(&desired));
    Ok(Outcome::Done)
}

/// Each parameter with its value (masked when sensitive) and where it came from. Precedence, lowest first: the stack's default, DTR_PARAM_<name>, the environment
/// file, each --param-file, each --param.
fn parameters(desired: &crate::model::Desired) -> String {
    let width = desired
        .parameter_origins
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(0);
    let mut out = vec![format!(
        "Parameters (lowest precedence first: the stack's default, {}<name>, the environment file, --param-file, --param):",
        crate::config::ENV_PREFIX
    )];
    for (name, (value, origin)) in &desired.parameter_origins {
        out.push(format!("  {name:<width$}  {value}  ({origin})"));
    }
    out.join("\n")
}
