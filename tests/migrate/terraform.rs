//! The Terraform state `tests/migrate.rs` migrates from: for each dtr resource, the resources the
//! seed's Terraform would have recorded for it, in the shape the AWS provider writes them.

use serde_json::{json, Value};

/// A Terraform resource instance: module, type, name, `for_each` key and attributes.
struct Instance {
    module: String,
    ty: &'static str,
    name: String,
    key: Option<String>,
    attributes: Value,
}

/// A dtr address's parts: module instance, kind, name, `for_each` key.
pub fn parts(address: &str) -> (Option<&str>, &str, &str, Option<&str>) {
    let (module, rest) = match address.strip_prefix("module.") {
        Some(rest) => {
            let (module, rest) = rest.split_once('.').unwrap();
            (Some(module), rest)
        }
        None => (None, address),
    };
    let (kind, name) = rest.split_once('.').unwrap();
    let (name, key) = match name.split_once("[\"") {
        Some((name, key)) => (name, Some(key.strip_suffix("\"]").unwrap())),
        None => (name, None),
    };
    (module, kind, name, key)
}

/// The Terraform resource type, module and identifying attributes of a dtr resource, as the seed's
/// Terraform (`terraform/modules/<module>`) would have recorded it: a resource in a dtr module is in
/// the Terraform module of the same name (`module.api.api_route.tool["register"]` was
/// `module.api.aws_apigatewayv2_route.tool["register"]`), the others in the module of their service.
fn terraform_instances(address: &str, record: &Value) -> Vec<Instance> {
    let id = record["physical_id"].as_str().unwrap();
    let arn = record["outputs"]["arn"].as_str().unwrap_or(id);
    let (module, kind, name, key) = parts(address);
    let (api, child) = id.split_once('/').unwrap_or((id, ""));
    let one = |service: &str, ty: &'static str, attributes: Value| Instance {
        module: module.unwrap_or(service).to_string(),
        ty,
        name: name.to_string(),
        key: key.map(str::to_string),
        attributes,
    };
    match kind {
        "dynamodb_table" => vec![one(
            "dynamodb",
            "aws_dynamodb_table",
            json!({"id": id, "name": id}),
        )],
        "s3_bucket" => {
            let mut all = vec![one("s3", "aws_s3_bucket", json!({"id": id, "bucket": id}))];
            for part in [
                "aws_s3_bucket_versioning",
                "aws_s3_bucket_server_side_encryption_configuration",
                "aws_s3_bucket_public_access_block",
            ] {
                all.push(one("s3", part, json!({"id": id, "bucket": id})));
            }
            all
        }
        "iam_role" => vec![
            one("iam", "aws_iam_role", json!({"id": id, "name": id})),
            one(
                "iam",
                "aws_iam_role_policy",
                json!({"id": format!("{id}:access"), "role": id, "name": "access"}),
            ),
        ],
        "log_group" => vec![one(
            "cloudwatch",
            "aws_cloudwatch_log_group",
            json!({"id": id, "name": id}),
        )],
        "metric_alarm" => vec![one(
            "cloudwatch",
            "aws_cloudwatch_metric_alarm",
            json!({"id": id, "alarm_name": id}),
        )],
        "dashboard" => vec![one(
            "cloudwatch",
            "aws_cloudwatch_dashboard",
            json!({"id": id, "dashboard_name": id}),
        )],
        "lambda_function" => vec![one(
            "lambda",
            "aws_lambda_function",
            json!({"id": id, "function_name": id}),
        )],
        "lambda_permission" => vec![one(
            "lambda",
            "aws_lambda_permission",
            json!({"id": child, "function_name": api, "statement_id": child}),
        )],
        "http_api" => vec![one(
            "api_gateway",
            "aws_apigatewayv2_api",
            json!({"id": id}),
        )],
        "api_authorizer" => vec![one(
            "api_gateway",
            "aws_apigatewayv2_authorizer",
            json!({"id": child, "api_id": api}),
        )],
        "api_integration" => vec![one(
            "api_gateway",
            "aws_apigatewayv2_integration",
            json!({"id": child, "api_id": api}),
        )],
        "api_route" => vec![one(
            "api_gateway",
            "aws_apigatewayv2_route",
            json!({"id": child, "api_id": api}),
        )],
        "api_stage" => vec![one(
            "api_gateway",
            "aws_apigatewayv2_stage",
            json!({"id": child, "api_id": api, "name": child}),
        )],
        // The provider's id of a topic is its ARN; its name identifies it.
        "sns_topic" => vec![one(
            "alerts",
            "aws_sns_topic",
            json!({"id": arn, "arn": arn, "name": id}),
        )],
        "sns_subscription" => vec![one(
            "alerts",
            "aws_sns_topic_subscription",
            json!({"id": id, "arn": id}),
        )],
        "schedule_group" => vec![one(
            "scheduler",
            "aws_scheduler_schedule_group",
            json!({"id": id, "name": id, "arn": arn}),
        )],
        // `<group>/<name>`, as the provider's id of a schedule is.
        "schedule" => vec![one(
            "scheduler",
            "aws_scheduler_schedule",
            json!({"id": id, "group_name": api, "name": child}),
        )],
        other => panic!("no Terraform shape for {other}"),
    }
}

/// A Terraform state (format 4) naming what `records` holds (address → state record), plus what a
/// real one also has: a data source, a resource type dtr does not model, and a log group deleted
/// behind Terraform's back. A resource's `for_each` instances are one resource with `index_key`s.
pub fn terraform_state(records: &serde_json::Map<String, Value>) -> Value {
    let mut resources: Vec<Value> = Vec::new();
    for instance in records
        .iter()
        .flat_map(|(address, r)| terraform_instances(address, r))
    {
        let module = format!("module.{}", instance.module);
        let mut attributes = json!({"schema_version": 0, "attributes": instance.attributes,
                                    "sensitive_attributes": []});
        if let Some(key) = &instance.key {
            attributes["index_key"] = json!(key);
        }
        let same = resources.iter_mut().find(|r| {
            r["module"] == module.as_str()
                && r["type"] == instance.ty
                && r["name"] == instance.name.as_str()
        });
        match same {
            Some(resource) => resource["instances"]
                .as_array_mut()
                .unwrap()
                .push(attributes),
            None => resources.push(
                json!({"module": module, "mode": "managed", "type": instance.ty, "name": instance.name,
                       "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                       "instances": [attributes]}),
            ),
        }
    }
    resources.push(
        json!({"mode": "data", "type": "aws_caller_identity", "name": "current",
                          "instances": [{"attributes": {"account_id": "1"}}]}),
    );
    resources.push(json!({"mode": "managed", "type": "aws_sqs_queue", "name": "alerts",
                          "instances": [{"attributes": {"id": "https://sqs.us-east-1.amazonaws.com/1/alerts", "name": "alerts"}}]}));
    resources.push(json!({"module": "module.cloudwatch", "mode": "managed", "type": "aws_cloudwatch_log_group",
                          "name": "gone", "instances": [{"attributes": {"id": "/gone", "name": "/gone"}}]}));
    json!({"version": 4, "terraform_version": "1.9.8", "serial": 42, "lineage": "5e0c",
           "outputs": {}, "resources": resources})
}
