//! `lambda_permission`: one statement of a function's resource policy. Read through GetPolicy; any
//! change replaces it (RemovePermission, AddPermission).

use super::{aws_error, found, ignore_not_found, AwsError};
use crate::model::monitoring::PermissionSpec;
use aws_sdk_lambda::Client;
use serde_json::Value;

/// `<function>/<statement id>`.
pub fn physical_id(spec_function: &str, statement_id: &str) -> String {
    format!("{spec_function}/{statement_id}")
}

fn split(id: &str) -> (&str, &str) {
    id.rsplit_once('/').unwrap_or((id, ""))
}

/// The principal as a service name, whether the policy says `"x"` or `{"Service": "x"}`.
fn principal(statement: &Value) -> String {
    match statement.get("Principal") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(p)) => p
            .get("Service")
            .or_else(|| p.values().next())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

pub async fn read(client: &Client, id: &str) -> Result<Option<PermissionSpec>, AwsError> {
    let (function, sid) = split(id);
    let r = client.get_policy().function_name(function).send().await;
    let Some(out) =
        found(r.map_err(|e| aws_error("GetPolicy", format!("function {function}"), e)))?
    else {
        return Ok(None);
    };
    let policy: Value =
        serde_json::from_str(out.policy.as_deref().unwrap_or("{}")).unwrap_or(Value::Null);
    let statements = match policy.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    };
    let Some(st) = statements
        .into_iter()
        .find(|s| s.get("Sid").and_then(Value::as_str) == Some(sid))
    else {
        return Ok(None);
    };
    let source_arn = st
        .pointer("/Condition/ArnLike/AWS:SourceArn")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Some(PermissionSpec {
        function_name: function.to_string(),
        statement_id: sid.to_string(),
        action: st
            .get("Action")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        principal: principal(&st),
        source_arn,
    }))
}

/// The policy names the function by ARN; a name or an ARN in the configuration mean the same.
pub fn normalize_observed(observed: &mut PermissionSpec, desired: &PermissionSpec) {
    let tail = |s: &str| s.rsplit(':').next().unwrap_or(s).to_string();
    if tail(&observed.function_name) == tail(&desired.function_name) {
        observed.function_name = desired.function_name.clone();
    }
}

/// Every attribute forces a replacement: permissions cannot be edited.
pub fn replacement_reasons(desired: &PermissionSpec, observed: &PermissionSpec) -> Vec<String> {
    let mut reasons = Vec::new();
    let fields = [
        (
            "function_name",
            desired.function_name != observed.function_name,
        ),
        (
            "statement_id",
            desired.statement_id != observed.statement_id,
        ),
        ("action", desired.action != observed.action),
        ("principal", desired.principal != observed.principal),
        ("source_arn", desired.source_arn != observed.source_arn),
    ];
    for (name, differs) in fields {
        if differs {
            reasons.push(name.to_string());
        }
    }
    reasons
}

pub async fn create(client: &Client, spec: &PermissionSpec) -> Result<(), AwsError> {
    client
        .add_permission()
        .function_name(&spec.function_name)
        .statement_id(&spec.statement_id)
        .action(&spec.action)
        .principal(&spec.principal)
        .set_source_arn(spec.source_arn.clone())
        .send()
        .await
        .map_err(|e| {
            aws_error(
                "AddPermission",
                format!(
                    "function {} permission {}",
                    spec.function_name, spec.statement_id
                ),
                e,
            )
        })?;
    Ok(())
}

pub async fn delete(client: &Client, id: &str) -> Result<(), AwsError> {
    let (function, sid) = split(id);
    let r = client
        .remove_permission()
        .function_name(function)
        .statement_id(sid)
        .send()
        .await;
    ignore_not_found(r.map_err(|e| {
        aws_error(
            "RemovePermission",
            format!("function {function} permission {sid}"),
            e,
        )
    }))
}
