//! `lambda_function`'s reserved concurrency, X-Ray tracing mode and asynchronous-invocation settings
//! (on-failure destination, retries): applied, read back with no difference, drift made through the
//! SDK shown and repaired, and removing them from the configuration returns to AWS's defaults
//! (unreserved, PassThrough, no event-invoke configuration). A stack of its own, in env `settings`.
//! The harness patches three moto gaps these rely on (tests/harness/moto_launcher.py, patch_lambda).

mod common;

use aws_sdk_lambda::types::{DestinationConfig, OnFailure, TracingConfig, TracingMode};
use common::*;

const FUNCTION: &str = "dtr-settings-worker";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:dtr-settings-failures";

const ENVIRONMENT: &str = r#"name: settings
stack: settings
region: us-east-1
account_id: "123456789012"
backend:
  state_bucket: dtr-state-123456789012-settings
  lock_table: dtr-locks
  state_key: settings/settings.json
parameters: {}
"#;

/// A function (its role allowed to publish to the failures topic) with `settings` (YAML lines).
fn stack(settings: &str) -> String {
    format!(
        r#"stack: settings
resources:
  failures:
    type: sns_topic
    properties:
      name: dtr-settings-failures
  role:
    type: iam_role
    properties:
      name: dtr-settings-worker
      assume_role_policy:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: "sts:AssumeRole"}}
      inline_policies:
        failures:
          Version: "2012-10-17"
          Statement:
            - {{Effect: Allow, Action: "sns:Publish", Resource: "${{resource.failures.arn}}"}}
  worker:
    type: lambda_function
    properties:
      name: {FUNCTION}
      source: functions/worker
      role_arn: ${{resource.role.arn}}
{settings}
"#
    )
}

const SETTINGS: &str = "      reserved_concurrency: 0
      tracing_mode: Active
      on_failure_destination: ${resource.failures.arn}
      maximum_retry_attempts: 1";

fn project() -> Project {
    let project = Project::copy();
    project.write("environments/settings.yaml", ENVIRONMENT);
    project.write("stacks/settings/stack.yaml", &stack(SETTINGS));
    project.write(
        "stacks/settings/functions/worker/handler.py",
        "def handler(event, context):\n    return event\n",
    );
    project
}

/// What Lambda says of the function: (reserved concurrency, tracing mode, on-failure destination,
/// retries); the last two `None` when it has no event-invoke configuration.
async fn settings(moto: &Moto) -> (Option<i32>, String, Option<String>, Option<i32>) {
    let c = moto.clients().await;
    let concurrency = c
        .lambda
        .get_function_concurrency()
        .function_name(FUNCTION)
        .send()
        .await
        .expect("GetFunctionConcurrency")
        .reserved_concurrent_executions;
    let tracing = c
        .lambda
        .get_function_configuration()
        .function_name(FUNCTION)
        .send()
        .await
        .expect("GetFunctionConfiguration")
        .tracing_config
        .and_then(|t| t.mode)
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let (destination, retries) = match c
        .lambda
        .get_function_event_invoke_config()
        .function_name(FUNCTION)
        .send()
        .await
    {
        Ok(config) => (
            config
                .destination_config()
                .and_then(|d| d.on_failure())
                .and_then(|f| f.destination.clone()),
            config.maximum_retry_attempts,
        ),
        Err(_) => (None, None),
    };
    (concurrency, tracing, destination, retries)
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrency_tracing_and_failure_destination_converge_and_their_drift_is_repaired() {
    let moto = Moto::start();
    let project = project();
    bootstrap(&moto, &project, "settings");
    apply(&moto, &project, "settings");
    let configured = (
        Some(0),
        "Active".to_string(),
        Some(TOPIC.to_string()),
        Some(1),
    );
    assert_eq!(
        settings(&moto).await,
        configured,
        "0 is reserved, not unreserved"
    );
    assert_converged(&moto, &project, "settings", "after the cold apply");

    // Drift behind dtr's back, each setting through its own API.
    let c = moto.clients().await;
    c.lambda
        .put_function_concurrency()
        .function_name(FUNCTION)
        .reserved_concurrent_executions(7)
        .send()
        .await
        .expect("PutFunctionConcurrency");
    c.lambda
        .update_function_configuration()
        .function_name(FUNCTION)
        .tracing_config(
            TracingConfig::builder()
                .mode(TracingMode::PassThrough)
                .build(),
        )
        .send()
        .await
        .expect("UpdateFunctionConfiguration");
    let elsewhere = "arn:aws:sqs:us-east-1:123456789012:elsewhere";
    c.lambda
        .put_function_event_invoke_config()
        .function_name(FUNCTION)
        .destination_config(
            DestinationConfig::builder()
                .on_failure(OnFailure::builder().destination(elsewhere).build())
                .build(),
        )
        .maximum_retry_attempts(0)
        .send()
        .await
        .expect("PutFunctionEventInvokeConfig");
    let drift = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "settings", "--detailed-exitcode"],
    )
    .expect_code(2);
    for attribute in [
        "reserved_concurrency",
        "tracing_mode",
        "on_failure_destination",
        "maximum_retry_attempts",
    ] {
        assert!(
            drift.stdout.contains(attribute),
            "the plan shows {attribute}:\n{}",
            drift.stdout
        );
    }
    apply(&moto, &project, "settings");
    assert_eq!(settings(&moto).await, configured, "repaired");
    assert_converged(&moto, &project, "settings", "after the drift was repaired");

    // Removed from the configuration: AWS's defaults.
    project.write("stacks/settings/stack.yaml", &stack(""));
    apply(&moto, &project, "settings");
    assert_eq!(
        settings(&moto).await,
        (None, "PassThrough".to_string(), None, None)
    );
    assert_converged(
        &moto,
        &project,
        "settings",
        "after the settings were removed",
    );
}
