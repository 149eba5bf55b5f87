//! The AWS calls dtr makes (`--stats`) as the IAM actions that authorise them, and the actions a
//! policy document of examples/ci/iam/ allows.

use std::collections::BTreeSet;

/// `(service, operation)` pairs from the `--stats` table on stderr ("   4  IAM GetRole").
pub fn calls(stderr: &str) -> BTreeSet<(String, String)> {
    if !stderr.contains("AWS API calls:") {
        return BTreeSet::new();
    }
    let (_, by_operation) = crate::common::stats_calls(stderr);
    by_operation
        .into_keys()
        .filter_map(|call| {
            let (service, op) = call.rsplit_once(' ')?;
            Some((service.to_string(), op.to_string()))
        })
        .collect()
}

/// The IAM actions one call needs (none for GetCallerIdentity, which cannot be denied). S3 and API
/// Gateway name their actions otherwise than their operations; the rest are `prefix:Operation`.
pub fn actions(service: &str, op: &str) -> Vec<String> {
    let s3 = |a: &str| vec![format!("s3:{a}")];
    match (service, op) {
        ("STS", "GetCallerIdentity") => vec![],
        ("S3", "HeadBucket") => s3("ListBucket"),
        ("S3", "HeadObject") => s3("GetObject"),
        ("S3", "GetBucketEncryption") => s3("GetEncryptionConfiguration"),
        ("S3", "PutBucketEncryption") => s3("PutEncryptionConfiguration"),
        ("S3", "GetPublicAccessBlock") => s3("GetBucketPublicAccessBlock"),
        ("S3", "PutPublicAccessBlock" | "DeletePublicAccessBlock") => {
            s3("PutBucketPublicAccessBlock")
        }
        ("S3", "GetBucketLifecycleConfiguration") => s3("GetLifecycleConfiguration"),
        ("S3", "PutBucketLifecycleConfiguration" | "DeleteBucketLifecycle") => {
            s3("PutLifecycleConfiguration")
        }
        ("S3", "DeleteBucketTagging") => s3("PutBucketTagging"),
        ("S3", "DeleteBucketOwnershipControls") => s3("PutBucketOwnershipControls"),
        ("S3", "ListObjectVersions") => s3("ListBucketVersions"),
        ("S3", "DeleteObjects") => vec!["s3:DeleteObject".into(), "s3:DeleteObjectVersion".into()],
        ("ApiGatewayV2", op) => {
            let verb = if op.starts_with("Get") {
                "GET"
            } else if op.starts_with("Create") || op == "TagResource" {
                "POST"
            } else if op.starts_with("Update") {
                "PATCH"
            } else if op.starts_with("Delete") || op == "UntagResource" {
                "DELETE"
            } else {
                "UNKNOWN"
            };
            vec![format!("apigateway:{verb}")]
        }
        // GetFunction returns the tags only with lambda:ListTags (its TagsError says so otherwise).
        ("Lambda", "GetFunction") => vec!["lambda:GetFunction".into(), "lambda:ListTags".into()],
        (service, op) => {
            let prefix = match service {
                "CloudWatch" => "cloudwatch",
                "CloudWatch Logs" => "logs",
                "DynamoDB" => "dynamodb",
                "IAM" => "iam",
                "Lambda" => "lambda",
                "S3" => "s3",
                "SNS" => "sns",
                "Scheduler" => "scheduler",
                "Resource Groups Tagging API" => "tag",
                other => other,
            };
            vec![format!("{prefix}:{op}")]
        }
    }
}

/// The actions a policy document allows (its Allow statements' `Action`s).
pub fn allowed(policy: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for statement in policy["Statement"].as_array().into_iter().flatten() {
        if statement["Effect"] != "Allow" {
            continue;
        }
        match &statement["Action"] {
            serde_json::Value::String(a) => {
                out.insert(a.clone());
            }
            serde_json::Value::Array(list) => {
                out.extend(list.iter().filter_map(|a| a.as_str().map(str::to_string)));
            }
            _ => {}
        }
    }
    out
}

/// The calls whose actions `allowed` lacks, as "Service Operation (needs action)".
pub fn uncovered(calls: &BTreeSet<(String, String)>, allowed: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for (service, op) in calls {
        for action in actions(service, op) {
            if !allowed.contains(&action) {
                out.push(format!("{service} {op} (needs {action})"));
            }
        }
    }
    out
}

/// Whether an action only reads: what a plan role may hold.
pub fn reads_only(action: &str) -> bool {
    let Some((prefix, name)) = action.split_once(':') else {
        return false;
    };
    if prefix == "apigateway" {
        return name == "GET";
    }
    ["Get", "List", "Describe"]
        .iter()
        .any(|verb| name.starts_with(verb))
}
