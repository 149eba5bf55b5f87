use super::*;
use crate::model::function::{Architecture, LogFormat};
use crate::provider::adapter::compared;

fn spec() -> FunctionSpec {
    serde_json::from_value(serde_json::json!({
        "name": "dtr-dev-tool", "source": "functions/tool",
        "role_arn": "arn:aws:iam::1:role/tool", "log_group": "/aws/lambda/dtr-dev-tool",
        "log_format": "JSON", "code_sha256": "abc="
    }))
    .expect("a function spec")
}

/// As a read sees it: no source (dtr's own), and what the endpoint reports.
fn read_back(log_group: Option<&str>, log_format: LogFormat) -> FunctionSpec {
    FunctionSpec {
        source: String::new(),
        log_group: log_group.map(str::to_string),
        log_format,
        ..spec()
    }
}

#[test]
fn the_source_directory_is_dtrs_own_and_never_a_difference() {
    let have = read_back(spec().log_group.as_deref(), LogFormat::Json);
    let c = compared(&spec(), &have);
    assert_eq!(Some(c.desired), c.observed);
}

#[test]
fn unreported_logging_is_taken_as_asked_and_reported_logging_is_compared() {
    let mut have = read_back(None, LogFormat::Text);
    FunctionSpec::normalize(&mut have, &spec(), &[LOGGING]);
    assert_eq!(have, spec());
    let mut have = read_back(None, LogFormat::Text);
    FunctionSpec::normalize(&mut have, &spec(), &[]);
    assert_ne!(have, spec());
}

#[test]
fn a_new_name_replaces_and_new_code_or_memory_updates() {
    let have = read_back(spec().log_group.as_deref(), LogFormat::Json);
    let renamed = FunctionSpec {
        name: "other".into(),
        ..spec()
    };
    assert_eq!(compared(&renamed, &have).replace_reasons, vec!["name"]);
    for changed in [
        FunctionSpec {
            memory_mb: 512,
            ..spec()
        },
        FunctionSpec {
            code_sha256: Some("def=".into()),
            ..spec()
        },
    ] {
        let c = compared(&changed, &have);
        assert!(c.replace_reasons.is_empty() && Some(c.desired) != c.observed);
    }
}

#[test]
fn update_sets_the_configuration_whole_less_code_tags_and_architecture() {
    let tagged = FunctionSpec {
        tags: BTreeMap::from([("team".into(), "a".into())]),
        architecture: Architecture::Arm64,
        code_sha256: Some("def=".into()),
        ..spec()
    };
    assert_eq!(configuration(&tagged), configuration(&spec()));
    let described = FunctionSpec {
        description: Some("tools".into()),
        ..spec()
    };
    assert_ne!(configuration(&described), configuration(&spec()));
}

#[test]
fn passthrough_tracing_and_two_retries_are_aws_defaults_and_no_difference() {
    let have = read_back(spec().log_group.as_deref(), LogFormat::Json);
    let defaults = FunctionSpec {
        tracing_mode: Some(TracingMode::PassThrough),
        maximum_retry_attempts: Some(2),
        ..spec()
    };
    let c = compared(&defaults, &have);
    assert_eq!(Some(c.desired), c.observed);
    let active = FunctionSpec {
        tracing_mode: Some(TracingMode::Active),
        ..spec()
    };
    let c = compared(&active, &have);
    assert!(c.replace_reasons.is_empty() && Some(c.desired) != c.observed);
    assert_ne!(configuration(&active), configuration(&spec()));
    assert_eq!(configuration(&defaults), configuration(&spec()));
}

#[test]
fn zero_reserved_concurrency_is_not_unreserved() {
    let have = read_back(spec().log_group.as_deref(), LogFormat::Json);
    let throttled = FunctionSpec {
        reserved_concurrency: Some(0),
        ..spec()
    };
    let c = compared(&throttled, &have);
    assert_ne!(Some(c.desired.clone()), c.observed);
    assert_eq!(c.desired["reserved_concurrency"], 0);
    let c = compared(&spec(), &FunctionSpec { ..throttled });
    assert_ne!(Some(c.desired), c.observed, "removing it is a change");
}

#[test]
fn concurrency_and_invocation_settings_are_not_the_configuration_update() {
    let asynchronous = FunctionSpec {
        reserved_concurrency: Some(5),
        on_failure_destination: Some("arn:aws:sqs:us-east-1:1:failed".into()),
        maximum_retry_attempts: Some(0),
        ..spec()
    };
    assert_eq!(configuration(&asynchronous), configuration(&spec()));
    let c = compared(&asynchronous, &spec());
    assert_ne!(Some(c.desired), c.observed);
}

#[test]
fn tags_that_could_not_be_read_are_an_error_not_an_untagged_function() {
    use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
    let fine = GetFunctionOutput::builder().build();
    assert!(read::tags_refused("f", &fine).is_none());
    let refused = GetFunctionOutput::builder()
        .tags_error(
            aws_sdk_lambda::types::TagsError::builder()
                .error_code("AccessDeniedException")
                .message("not authorized to perform: lambda:ListTags")
                .build()
                .expect("a tags error"),
        )
        .build();
    let e = read::tags_refused("f", &refused).expect("refused");
    assert_eq!(e.code.as_deref(), Some("AccessDeniedException"));
    assert!(e.to_string().contains("lambda:ListTags"), "{e}");
}
