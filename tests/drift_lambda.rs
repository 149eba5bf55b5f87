//! Every managed attribute of a function and of a function permission, changed outside dtr, is in
//! the next plan as drift (issue 15: drift coverage must not shrink as reads are batched).
//!
//! Not covered, and why:
//! - lambda_function `name`: it is the function's identity (force-new); a renamed function is another one.
//! - lambda_function `source`: dtr's own (where the code comes from); the code itself is `code_sha256`.
//! - lambda_function `log_group`, `log_format`: moto 5.2.5 keeps no LoggingConfig (neither on create
//!   nor on UpdateFunctionConfiguration), so dtr takes them as asked (`unreported`).
//! - lambda_permission `function_name`, `statement_id`: its identity; another pair is another permission.

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types as lambda;
use common::drift::{assert_drift, plan_json};
use common::{deployed, Moto};
use std::io::Write;

const FUNCTION: &str = "dtr-local-monitoring";

/// A package other than the one dtr uploaded.
fn other_package() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("handler.py", options).unwrap();
    zip.write_all(b"def handler(event, context):\n    return 'by hand'\n")
        .unwrap();
    zip.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_function_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.lambda;
    // Made again by hand (moto changes the architecture no other way), keeping dtr's own tags so
    // that it is still the environment's function.
    let before = c
        .get_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    let mut tags = before.tags.unwrap_or_default();
    tags.insert("owner".into(), "someone-else".into());
    c.delete_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    let variables = [("BY_HAND".to_string(), "1".to_string())];
    c.create_function()
        .function_name(FUNCTION)
        .code(
            lambda::FunctionCode::builder()
                .zip_file(Blob::new(other_package()))
                .build(),
        )
        .runtime(lambda::Runtime::Python311)
        .handler("other.handler")
        .role("arn:aws:iam::123456789012:role/dtr-local-authorizer")
        .memory_size(512)
        .timeout(30)
        .architectures(lambda::Architecture::Arm64)
        .environment(
            lambda::Environment::builder()
                .set_variables(Some(variables.into_iter().collect()))
                .build(),
        )
        .description("changed by hand")
        .tracing_config(
            lambda::TracingConfig::builder()
                .mode(lambda::TracingMode::PassThrough)
                .build(),
        )
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
    c.put_function_concurrency()
        .function_name(FUNCTION)
        .reserved_concurrent_executions(7)
        .send()
        .await
        .unwrap();
    let elsewhere = "arn:aws:sqs:us-east-1:123456789012:elsewhere";
    c.put_function_event_invoke_config()
        .function_name(FUNCTION)
        .destination_config(
            lambda::DestinationConfig::builder()
                .on_failure(lambda::OnFailure::builder().destination(elsewhere).build())
                .build(),
        )
        .maximum_retry_attempts(0)
        .send()
        .await
        .unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "module.monitoring.lambda_function.function",
        &[
            "code_sha256",
            "architecture",
            "runtime",
            "handler",
            "role_arn",
            "memory_mb",
            "timeout_seconds",
            "environment",
            "description",
            "tracing_mode",
            "reserved_concurrency",
            "on_failure_destination",
            "maximum_retry_attempts",
            "tags",
        ],
    );
}

/// A permission cannot be edited: replaced by hand under the same statement id with another action,
/// principal and source, each is drift.
#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_permission_changed_outside_dtr_is_drift() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.lambda;
    let function = "dtr-local-tool-manager";
    let sid = "allow-api-gateway";
    c.remove_permission()
        .function_name(function)
        .statement_id(sid)
        .send()
        .await
        .unwrap();
    c.add_permission()
        .function_name(function)
        .statement_id(sid)
        .action("lambda:GetFunction")
        .principal("events.amazonaws.com")
        .source_arn("arn:aws:events:us-east-1:123456789012:rule/by-hand")
        .send()
        .await
        .unwrap();

    let (plan, _) = plan_json(&moto, &project, 2);
    assert_drift(
        &plan,
        "module.api.lambda_permission.invoke_tool_manager",
        &["action", "principal", "source_arn"],
    );
}
