//! `lambda_permission`: one statement of a function's resource policy. Read through GetPolicy; any
//! change replaces it (RemovePermission, AddPermission).

use crate::model::monitoring::PermissionSpec;
use crate::provider::aws::Clients;
use crate::provider::kind::{
    known_str, reread, tf_attr, Live, ResourceError, ResourceType, Result, Terraform,
};
use crate::provider::{aws_error, found, ignore_not_found, AwsError};
use aws_sdk_lambda::Client;
use serde_json::Value;

impl ResourceType for PermissionSpec {
    /// Every attribute: a permission cannot be edited.
    const FORCE_NEW: &'static [&'static str] = &[
        "function_name",
        "statement_id",
        "action",
        "principal",
        "source_arn",
    ];
    const IDENTITY: &'static [&'static str] = &["function_name", "statement_id"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_lambda_permission",
        physical_id: |a| {
            Some(format!(
                "{}/{}",
                tf_attr(a, "function_name")?,
                tf_attr(a, "statement_id")?
            ))
        },
        folded: &[],
    });

    /// `<function>/<statement id>`.
    fn physical_id(props: &Value) -> Option<String> {
        Some(format!(
            "{}/{}",
            known_str(props, "function_name")?,
            known_str(props, "statement_id")?
        ))
    }

    async fn read(clients: &Clients, id: &str) -> Result<Option<Live<Self>>> {
        let spec = read(&clients.lambda, id).await?;
        Ok(spec.map(|spec| Live::with_output(id, spec, "id", id)))
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        create(&clients.lambda, spec).await?;
        let id = format!("{}/{}", spec.function_name, spec.statement_id);
        reread(clients, &id).await
    }

    async fn update(_: &Clients, _: &Self, _: &Live<Self>) -> Result<Live<Self>> {
        Err(ResourceError::Refused(
            "a permission cannot be changed in place; it is replaced".into(),
        ))
    }

    async fn delete(clients: &Clients, id: &str, _force: bool) -> Result<()> {
        Ok(delete(&clients.lambda, id).await?)
    }

    /// The policy names the function by ARN; a name or an ARN in the configuration mean the same.
    fn normalize(have: &mut Self, want: &Self, _: &[&'static str]) {
        let tail = |s: &str| s.rsplit(':').next().unwrap_or(s).to_string();
        if tail(&have.function_name) == tail(&want.function_name) {
            have.function_name = want.function_name.clone();
        }
    }
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

async fn read(client: &Client, id: &str) -> Result<Option<PermissionSpec>, AwsError> {
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

async fn create(client: &Client, spec: &PermissionSpec) -> Result<(), AwsError> {
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

async fn delete(client: &Client, id: &str) -> Result<(), AwsError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::adapter::compared;

    fn spec(function_name: &str) -> PermissionSpec {
        PermissionSpec {
            function_name: function_name.into(),
            statement_id: "api".into(),
            action: "lambda:InvokeFunction".into(),
            principal: "apigateway.amazonaws.com".into(),
            source_arn: Some("arn:aws:execute-api:us-east-1:1:abc/*".into()),
        }
    }

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:dtr-dev-tool";

    #[test]
    fn a_function_named_by_name_or_by_arn_is_the_same_function() {
        let c = compared(&spec("dtr-dev-tool"), &spec(ARN));
        assert_eq!(Some(c.desired), c.observed);
        assert!(c.replace_reasons.is_empty());
    }

    #[test]
    fn another_function_or_source_replaces_the_permission() {
        let c = compared(&spec("dtr-dev-other"), &spec(ARN));
        assert_eq!(c.replace_reasons, vec!["function_name"]);
        let narrower = PermissionSpec {
            source_arn: Some("arn:aws:execute-api:us-east-1:1:abc/GET/*".into()),
            ..spec("dtr-dev-tool")
        };
        assert_eq!(
            compared(&narrower, &spec(ARN)).replace_reasons,
            vec!["source_arn"]
        );
    }
}
