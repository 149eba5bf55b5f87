//! A Terraform state file, as `terraform state pull` prints it (format version 4, Terraform 0.12 and
//! later), read as input to a migration: every managed resource instance with its Terraform address,
//! type and attributes. Nothing here trusts the file: its version is checked before anything else,
//! and what is not a managed AWS resource is listed, never guessed at.
//! <https://developer.hashicorp.com/terraform/language/state> (the format is internal to Terraform;
//! version 4 has been stable since 0.12).

use serde::Deserialize;
use serde_json::Value;

/// The only state format version dtr reads.
pub const FORMAT_VERSION: u64 = 4;

/// One managed resource instance of a Terraform state.
#[derive(Debug, Clone, PartialEq)]
pub struct TfInstance {
    /// Its Terraform address: `module.api.aws_apigatewayv2_route.routes["GET /tools"]`.
    pub address: String,
    /// Its Terraform resource type: `aws_dynamodb_table`.
    pub resource_type: String,
    /// Its attributes as the provider wrote them.
    pub attributes: Value,
}

/// A Terraform state, what a migration needs of it.
#[derive(Debug, Clone, PartialEq)]
pub struct TfState {
    pub terraform_version: String,
    pub serial: u64,
    pub lineage: String,
    pub instances: Vec<TfInstance>,
    /// Data sources: read by Terraform, owned by nobody, never migrated.
    pub data_sources: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TfStateError {
    #[error("{what} is not JSON (line {line}, column {column}): {message}")]
    NotJson {
        what: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{what} is a Terraform state of format version {found}; dtr reads version {FORMAT_VERSION} \
         (Terraform 0.12 and later). Upgrade the state with a current Terraform and `terraform state pull` it again"
    )]
    Version { what: String, found: u64 },
    #[error("{what} is not a Terraform state: {message}")]
    Malformed { what: String, message: String },
}

#[derive(Deserialize)]
struct Versioned {
    version: Option<u64>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    terraform_version: String,
    #[serde(default)]
    serial: u64,
    #[serde(default)]
    lineage: String,
    #[serde(default)]
    resources: Vec<RawResource>,
}

#[derive(Deserialize)]
struct RawResource {
    #[serde(default)]
    module: Option<String>,
    mode: String,
    #[serde(rename = "type")]
    resource_type: String,
    name: String,
    #[serde(default)]
    instances: Vec<RawInstance>,
}

#[derive(Deserialize)]
struct RawInstance {
    #[serde(default)]
    index_key: Option<Value>,
    #[serde(default)]
    attributes: Value,
}

/// Parse the state in `text`; `what` names where it came from, for messages.
pub fn parse(text: &str, what: &str) -> Result<TfState, TfStateError> {
    let not_json = |e: serde_json::Error| TfStateError::NotJson {
        what: what.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let malformed = |message: String| TfStateError::Malformed {
        what: what.to_string(),
        message,
    };
    let versioned: Versioned = serde_json::from_str(text).map_err(not_json)?;
    match versioned.version {
        Some(FORMAT_VERSION) => {}
        Some(found) => {
            return Err(TfStateError::Version {
                what: what.to_string(),
                found,
            })
        }
        None => return Err(malformed("it has no `version`".into())),
    }
    let raw: Raw = serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
    let mut instances = Vec::new();
    let mut data_sources = Vec::new();
    for resource in raw.resources {
        let base = match &resource.module {
            Some(module) => format!("{module}.{}.{}", resource.resource_type, resource.name),
            None => format!("{}.{}", resource.resource_type, resource.name),
        };
        match resource.mode.as_str() {
            "managed" => {}
            "data" => {
                data_sources.push(base);
                continue;
            }
            other => return Err(malformed(format!("{base} has mode `{other}`"))),
        }
        for instance in resource.instances {
            if !instance.attributes.is_object() {
                return Err(malformed(format!(
                    "{base} has an instance without attributes"
                )));
            }
            let address = match &instance.index_key {
                None => base.clone(),
                Some(Value::Number(n)) => format!("{base}[{n}]"),
                Some(Value::String(s)) => format!("{base}[{}]", Value::String(s.clone())),
                Some(other) => return Err(malformed(format!("{base} has index key {other}"))),
            };
            instances.push(TfInstance {
                address,
                resource_type: resource.resource_type.clone(),
                attributes: instance.attributes,
            });
        }
    }
    Ok(TfState {
        terraform_version: raw.terraform_version,
        serial: raw.serial,
        lineage: raw.lineage,
        instances,
        data_sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(resources: Value) -> String {
        json!({
            "version": 4, "terraform_version": "1.9.8", "serial": 7,
            "lineage": "3f1c", "outputs": {}, "resources": resources
        })
        .to_string()
    }

    #[test]
    fn managed_instances_are_addressed_as_terraform_does_and_data_sources_set_apart() {
        let text = state(json!([
            {"mode": "managed", "type": "aws_dynamodb_table", "name": "tools",
             "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
             "instances": [{"schema_version": 1, "attributes": {"name": "dtr-dev-tools"}}]},
            {"module": "module.api", "mode": "managed", "type": "aws_apigatewayv2_route", "name": "routes",
             "instances": [
                {"index_key": "GET /tools", "attributes": {"id": "r1", "api_id": "a1"}},
                {"index_key": "POST /tools", "attributes": {"id": "r2", "api_id": "a1"}}]},
            {"mode": "managed", "type": "aws_iam_role_policy_attachment", "name": "att",
             "instances": [{"index_key": 0, "attributes": {"role": "r"}}]},
            {"mode": "data", "type": "aws_caller_identity", "name": "me",
             "instances": [{"attributes": {"account_id": "1"}}]}
        ]));
        let parsed = parse(&text, "t.tfstate").unwrap();
        let addresses: Vec<&str> = parsed
            .instances
            .iter()
            .map(|i| i.address.as_str())
            .collect();
        assert_eq!(
            addresses,
            [
                "aws_dynamodb_table.tools",
                "module.api.aws_apigatewayv2_route.routes[\"GET /tools\"]",
                "module.api.aws_apigatewayv2_route.routes[\"POST /tools\"]",
                "aws_iam_role_policy_attachment.att[0]",
            ]
        );
        assert_eq!(parsed.data_sources, ["aws_caller_identity.me"]);
        assert_eq!(parsed.instances[0].attributes["name"], "dtr-dev-tools");
        assert_eq!((parsed.serial, parsed.lineage.as_str()), (7, "3f1c"));
    }

    #[test]
    fn another_format_version_is_refused_by_number() {
        let v3 = json!({"version": 3, "modules": []}).to_string();
        let e = parse(&v3, "old.tfstate").unwrap_err();
        assert!(matches!(e, TfStateError::Version { found: 3, .. }), "{e}");
        assert!(e.to_string().contains("old.tfstate"), "{e}");
    }

    #[test]
    fn what_is_not_a_state_says_where() {
        let e = parse("{\"version\": 4,\n  \"resources\": [", "s3://b/k").unwrap_err();
        assert!(matches!(e, TfStateError::NotJson { line: 2, .. }), "{e}");
        let e = parse("{\"serial\": 1}", "f").unwrap_err();
        assert!(matches!(e, TfStateError::Malformed { .. }), "{e}");
        let bad = state(
            json!([{"mode": "managed", "type": "aws_s3_bucket", "name": "b",
                                  "instances": [{"attributes": null}]}]),
        );
        assert!(matches!(
            parse(&bad, "f"),
            Err(TfStateError::Malformed { .. })
        ));
    }
}
