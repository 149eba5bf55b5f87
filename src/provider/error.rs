//! SDK errors, classified once, here, into [`ErrorClass`]: by code, by HTTP status where there is no
//! code, and by the few predicates that need more ([`AwsError::is_role_propagation`]). Nothing
//! outside this file reads an error's code or message to decide what to do.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_types::request_id::RequestId;
use std::fmt;

/// What a caller may do about a failed AWS call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The thing does not exist.
    NotFound,
    /// What a create would make exists already (perhaps made by this very create, whose answer
    /// was lost).
    AlreadyExists,
    /// A condition or a concurrent change stood in the way (conditional check, resource in use).
    Conflict,
    /// AWS asked us to slow down.
    Throttled,
    /// Network trouble or a 5xx; the request may or may not have reached AWS.
    Transient,
    /// Anything else: retrying will not help.
    Fatal,
    /// dtr could not even build the request (a required field missing): a bug in dtr, never
    /// retried, never taken for an answer from AWS.
    Construction,
}

/// A failed AWS call, with what it was doing, on what, and AWS's own words for it.
#[derive(Debug, Clone)]
pub struct AwsError {
    pub operation: String,
    pub resource: String,
    pub class: ErrorClass,
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {} failed", self.operation, self.resource)?;
        if let Some(code) = &self.code {
            write!(f, ": {code}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsError {}

const NOT_FOUND: &[&str] = &[
    "ResourceNotFoundException",
    "NoSuchBucket",
    "NoSuchKey",
    "NotFound",
    "NoSuchEntity",
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
    "NoSuchTagSet",
    "TableNotFoundException",
    "NoSuchLifecycleConfiguration",
    "NotFoundException",
    "ResourceNotFound",
    "DashboardNotFoundError",
];
const ALREADY_EXISTS: &[&str] = &[
    "EntityAlreadyExists",
    "ResourceAlreadyExistsException",
    "BucketAlreadyOwnedByYou",
    "ResourceConflictException",
    "TableAlreadyExistsException",
];
const CONFLICT: &[&str] = &[
    "ConditionalCheckFailedException",
    "ResourceInUseException",
    "TransactionConflictException",
    "OperationAborted",
    "PreconditionFailed",
    "ConditionalRequestConflict",
    "ConflictException",
];
const THROTTLED: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "SlowDown",
    "RequestThrottled",
    // SNS's ThrottledException (https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html).
    "Throttled",
];
const TRANSIENT: &[&str] = &[
    "InternalServerError",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Classify an AWS error code; `None` (no code at all) means the call never got a proper answer.
pub fn classify_code(code: Option<&str>) -> ErrorClass {
    match code {
        None => ErrorClass::Transient,
        Some(c) if NOT_FOUND.contains(&c) => ErrorClass::NotFound,
        Some(c) if ALREADY_EXISTS.contains(&c) => ErrorClass::AlreadyExists,
        Some(c) if CONFLICT.contains(&c) => ErrorClass::Conflict,
        Some(c) if THROTTLED.contains(&c) => ErrorClass::Throttled,
        Some(c) if TRANSIENT.contains(&c) => ErrorClass::Transient,
        Some(_) => ErrorClass::Fatal,
    }
}

/// Turn any SDK error into an [`AwsError`] naming the operation and the resource.
pub fn aws_error<E>(
    operation: &str,
    resource: impl fmt::Display,
    err: SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let request_id = err.request_id().map(str::to_string);
    let status = match &err {
        SdkError::ServiceError(e) => Some(e.raw().status().as_u16()),
        _ => None,
    };
    let code = err.code().map(str::to_string);
    if let SdkError::ConstructionFailure(_) = &err {
        return AwsError {
            operation: operation.to_string(),
            resource: resource.to_string(),
            class: ErrorClass::Construction,
            code: None,
            message: error_chain(&err),
            request_id: None,
        };
    }
    let mut class = classify_code(code.as_deref());
    // A service error without a recognised code: decide by HTTP status (S3 HEAD answers have no body).
    if code.is_none() {
        class = match status {
            Some(404) => ErrorClass::NotFound,
            Some(409) | Some(412) => ErrorClass::Conflict,
            Some(429) => ErrorClass::Throttled,
            Some(s) if s >= 500 => ErrorClass::Transient,
            Some(_) => ErrorClass::Fatal,
            None => ErrorClass::Transient,
        };
    }
    let message = match (&err, err.message()) {
        (_, Some(m)) => m.to_string(),
        (SdkError::ServiceError(_), None) => match status {
            Some(s) => format!("HTTP {s}"),
            None => String::new(),
        },
        (other, None) => error_chain(other),
    };
    AwsError {
        operation: operation.to_string(),
        resource: resource.to_string(),
        class,
        code: code.or_else(|| status.map(|s| format!("HTTP{s}"))),
        message,
        request_id,
    }
}

/// An SDK builder refusing a request for a missing required field: a bug in dtr, reported, not panicked.
pub fn build_error(what: &str, e: impl fmt::Display) -> AwsError {
    AwsError {
        operation: "build request".into(),
        resource: what.to_string(),
        class: ErrorClass::Construction,
        code: None,
        message: e.to_string(),
        request_id: None,
    }
}

impl AwsError {
    /// An error dtr makes itself for what AWS answered but dtr cannot use (a document that is not
    /// JSON): retrying will not help.
    pub fn unusable(
        operation: &str,
        resource: impl fmt::Display,
        code: &str,
        message: String,
    ) -> Self {
        AwsError {
            operation: operation.to_string(),
            resource: resource.to_string(),
            class: ErrorClass::Fatal,
            code: Some(code.to_string()),
            message,
            request_id: None,
        }
    }

    /// A role just created or changed that the service cannot assume yet: IAM has not propagated it
    /// (Lambda: InvalidParameterValueException, "The role defined for the function cannot be
    /// assumed by Lambda"; EventBridge Scheduler: ValidationException, "The execution role you
    /// provide must allow AWS EventBridge Scheduler to assume the role."). Time cures it.
    pub fn is_role_propagation(&self) -> bool {
        let message = self.message.to_lowercase();
        match self.code.as_deref() {
            Some("InvalidParameterValueException") => message.contains("cannot be assumed"),
            Some("ValidationException") => {
                message.contains("execution role") && message.contains("to assume the role")
            }
            _ => false,
        }
    }

    /// The resource is still busy with an earlier change (Lambda answers an update made while
    /// another is in progress with ResourceConflictException). Time cures it. On a create the same
    /// code means the resource exists, which is why it classifies as [`ErrorClass::AlreadyExists`].
    pub fn is_busy(&self) -> bool {
        self.code.as_deref() == Some("ResourceConflictException")
    }

    /// S3 answered 409 to a conditional write: another conditional write to the same key was in
    /// flight. Unlike a failed precondition (412), nothing was decided: retry after a moment.
    /// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html>
    pub fn is_concurrent_conditional_write(&self) -> bool {
        self.code.as_deref() == Some("ConditionalRequestConflict")
    }

    /// The caller is not allowed this call (IAM answers AccessDenied; JSON services
    /// AccessDeniedException). For a call that only saves others, the others are the way around it.
    pub fn is_access_denied(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some("AccessDenied" | "AccessDeniedException")
        )
    }

    /// Only a missing object, as opposed to a missing bucket (both are NotFound).
    pub fn is_missing_object(&self) -> bool {
        self.code.as_deref() == Some("NoSuchKey")
    }
}

/// A delete whose target is already gone did what it was asked: `Ok` for NotFound too.
pub fn ignore_not_found<T>(result: Result<T, AwsError>) -> Result<(), AwsError> {
    found(result).map(drop)
}

/// `Some` for what was found, `None` for NotFound, the error otherwise.
pub fn found<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.class == ErrorClass::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// `a: b: c` from an error and its sources, for dispatch and timeout failures.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.dedup();
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(class: ErrorClass) -> Result<(), AwsError> {
        Err(AwsError {
            operation: "DeleteThing".into(),
            resource: "thing t".into(),
            class,
            code: None,
            message: String::new(),
            request_id: None,
        })
    }

    #[test]
    fn a_delete_of_what_is_gone_succeeds_and_nothing_else_is_swallowed() {
        assert!(ignore_not_found(failed(ErrorClass::NotFound)).is_ok());
        assert!(ignore_not_found(Ok::<u8, AwsError>(1)).is_ok());
        for class in [
            ErrorClass::Conflict,
            ErrorClass::Throttled,
            ErrorClass::Fatal,
        ] {
            assert!(ignore_not_found(failed(class)).is_err());
        }
    }

    fn answered(code: &str, message: &str) -> AwsError {
        AwsError {
            code: Some(code.into()),
            message: message.into(),
            ..build_error("thing", "")
        }
    }

    #[test]
    fn role_propagation_and_a_busy_function_are_told_apart_by_the_classifier() {
        let role = answered(
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        );
        assert!(role.is_role_propagation() && !role.is_busy());
        let other = answered("InvalidParameterValueException", "Unzipped size too large");
        assert!(!other.is_role_propagation());
        let scheduler = answered(
            "ValidationException",
            "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.",
        );
        assert!(scheduler.is_role_propagation());
        let invalid = answered(
            "ValidationException",
            "Invalid Schedule Expression rate(5).",
        );
        assert!(!invalid.is_role_propagation());
        let busy = answered("ResourceConflictException", "An update is in progress");
        assert!(busy.is_busy() && !busy.is_role_propagation());
        // A construction failure carries no code: it is neither.
        let bug = build_error("function f", "missing name");
        assert!(!bug.is_busy() && !bug.is_role_propagation());
    }

    #[test]
    fn a_request_the_sdk_could_not_build_is_a_construction_failure_not_a_transient_one() {
        use aws_sdk_lambda::operation::get_function::GetFunctionError;
        let err: SdkError<GetFunctionError, aws_smithy_runtime_api::http::Response> =
            SdkError::construction_failure("function_name was not specified");
        let e = aws_error("GetFunction", "function f", err);
        assert_eq!(e.class, ErrorClass::Construction);
        assert!(e.message.contains("function_name"), "{}", e.message);
    }

    #[test]
    fn classifies_the_codes_that_matter() {
        assert_eq!(
            classify_code(Some("ResourceNotFoundException")),
            ErrorClass::NotFound
        );
        assert_eq!(
            classify_code(Some("ConditionalCheckFailedException")),
            ErrorClass::Conflict
        );
        assert_eq!(
            classify_code(Some("ThrottlingException")),
            ErrorClass::Throttled
        );
        assert_eq!(
            classify_code(Some("Throttled")),
            ErrorClass::Throttled,
            "SNS's throttling code"
        );
        assert_eq!(
            classify_code(Some("ValidationException")),
            ErrorClass::Fatal
        );
        assert_eq!(classify_code(None), ErrorClass::Transient);
    }
}
