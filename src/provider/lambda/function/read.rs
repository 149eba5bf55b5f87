//! Reading a function: GetFunction (configuration, tags, reserved concurrency) and, beside it,
//! GetFunctionEventInvokeConfig (the asynchronous-invocation settings).

use super::{invocation, what, LOGGING};
use crate::model::function::{Architecture, FunctionSpec, LogFormat, TracingMode};
use crate::provider::kind::Live;
use crate::provider::{aws_error, found, AwsError};
use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::types as lambda;
use aws_sdk_lambda::Client;

/// Two calls, made together: GetFunction and GetFunctionEventInvokeConfig.
pub(super) async fn read(
    client: &Client,
    name: &str,
) -> Result<Option<Live<FunctionSpec>>, AwsError> {
    let function = async {
        let r = client.get_function().function_name(name).send().await;
        found(r.map_err(|e| aws_error("GetFunction", what(name), e)))
    };
    let (function, event) = tokio::join!(function, invocation::read(client, name));
    let function = function?;
    if let Some(e) = function.as_ref().and_then(|out| tags_refused(name, out)) {
        return Err(e);
    }
    let Some(mut live) = function.and_then(|out| live(name, out)) else {
        return Ok(None);
    };
    event?.set_on(&mut live.spec);
    Ok(Some(live))
}

/// GetFunction answers without the tags, and says why in `TagsError`, when the caller may not
/// `lambda:ListTags`: read as untagged, the function would look unowned or short of its tags, so
/// that is an error naming the code AWS gave.
pub(super) fn tags_refused(name: &str, out: &GetFunctionOutput) -> Option<AwsError> {
    let e = out.tags_error.as_ref()?;
    Some(AwsError::unusable(
        "GetFunction",
        what(name),
        e.error_code(),
        format!("its tags could not be read: {}", e.message()),
    ))
}

/// The function as GetFunction describes it (its configuration and its tags).
pub(super) fn live(name: &str, out: GetFunctionOutput) -> Option<Live<FunctionSpec>> {
    let c = out.configuration?;
    let logging = c.logging_config.as_ref();
    let spec = FunctionSpec {
        name: c.function_name.clone().unwrap_or_else(|| name.to_string()),
        runtime: c
            .runtime
            .as_ref()
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        handler: c.handler.clone().unwrap_or_default(),
        source: String::new(),
        role_arn: c.role.clone().unwrap_or_default(),
        memory_mb: c.memory_size.unwrap_or(128),
        timeout_seconds: c.timeout.unwrap_or(3),
        environment: c
            .environment
            .as_ref()
            .and_then(|e| e.variables.clone())
            .unwrap_or_default()
            .into_iter()
            .collect(),
        log_group: logging.and_then(|l| l.log_group.clone()),
        log_format: match logging.and_then(|l| l.log_format.as_ref()) {
            Some(lambda::LogFormat::Text) => LogFormat::Text,
            _ => LogFormat::Json,
        },
        architecture: match c.architectures().first() {
            Some(lambda::Architecture::Arm64) => Architecture::Arm64,
            _ => Architecture::X86_64,
        },
        description: c.description.clone().filter(|d| !d.is_empty()),
        reserved_concurrency: out
            .concurrency
            .as_ref()
            .and_then(|c| c.reserved_concurrent_executions),
        tracing_mode: match c.tracing_config.as_ref().and_then(|t| t.mode.as_ref()) {
            Some(lambda::TracingMode::Active) => Some(TracingMode::Active),
            _ => None,
        },
        // Not in GetFunction's answer: `invocation::read` fills them in.
        on_failure_destination: None,
        maximum_retry_attempts: None,
        tags: out.tags.unwrap_or_default().into_iter().collect(),
        code_sha256: c.code_sha256.clone(),
    };
    let mut live = Live::named(name, spec, c.function_arn.clone().unwrap_or_default());
    if logging.is_none() {
        live.unreported.push(LOGGING);
    }
    Some(live)
}
