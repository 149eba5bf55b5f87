//! `dtr validate`: configuration checks only, no AWS calls.

use super::common::Context;
use super::{Error, Outcome};
use crate::model::ResourceKind;
use crate::provider::package;

pub fn run(ctx: &Context, env: &str, json: bool) -> Result<Outcome, Error> {
    let desired = match ctx.load(env) {
        Ok(desired) => desired,
        Err(Error::Config(problems)) if json => {
            crate::outln!("{}", report(None, &problems.0, &[]));
            return Err(Error::Config(problems));
        }
        Err(e) => return Err(e),
    };
    let mut warnings = Vec::new();
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
            let line = format!(
                "{}: {}: properties.source: {warning}",
                resource.location, resource.address
            );
            crate::errln!("warning: {line}");
            warnings.push(line);
        }
    }
    if json {
        crate::outln!("{}", report(Some(&desired), &[], &warnings));
        return Ok(Outcome::Done);
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

/// `validate --json`: whether the configuration is valid, its problems (file, line, column, field,
/// message), its warnings, and when valid the resources and every parameter with its origin.
fn report(
    desired: Option<&crate::model::Desired>,
    problems: &[crate::config::Diagnostic],
    warnings: &[String],
) -> String {
    let mut sorted = problems.to_vec();
    sorted.sort();
    sorted.dedup();
    let problems: Vec<serde_json::Value> = sorted
        .iter()
        .map(|d| {
            serde_json::json!({
                "file": d.file.display().to_string(),
                "line": d.line,
                "column": d.column,
                "field": d.field,
                "message": d.message,
            })
        })
        .collect();
    let mut doc = serde_json::json!({
        "format_version": 1,
        "valid": desired.is_some(),
        "problems": problems,
        "warnings": warnings,
    });
    if let Some(desired) = desired {
        doc["stack"] = desired.stack.clone().into();
        doc["environment"] = desired.environment.clone().into();
        doc["resources"] = desired
            .resources
            .iter()
            .map(|r| serde_json::Value::String(r.address.to_string()))
            .collect();
        doc["parameters"] = desired
            .parameter_origins
            .iter()
            .map(|(name, (value, origin))| {
                (
                    name.clone(),
                    serde_json::json!({"value": value, "origin": origin}),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
