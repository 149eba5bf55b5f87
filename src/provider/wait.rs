//! Retrying AWS calls and waiting with the SDK's waiters, on top of the neutral [`crate::retry`].

use super::error::{aws_error, build_error, AwsError, ErrorClass};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use std::fmt;

/// A wait for an AWS resource's state that timed out or whose look failed.
pub type WaitError = crate::retry::WaitError<AwsError>;

/// Call, and call again under `policy` while `when` says time will cure the error; a request that
/// could not even be built ([`ErrorClass::Construction`]) is a bug and is never retried.
pub async fn retry_aws<T, F, Fut>(
    policy: &crate::retry::Retry,
    when: fn(&AwsError) -> bool,
    call: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsError>>,
{
    policy
        .run(
            |e: &AwsError| e.class != ErrorClass::Construction && when(e),
            call,
        )
        .await
}

/// An SDK waiter's failure as a [`WaitError`]: out of time, a state that will never come (its
/// `describe`d last answer), or a look that failed (classified like any call).
pub fn waiter_error<O, E>(
    operation: &str,
    resource: impl fmt::Display,
    what: &str,
    describe: impl FnOnce(&O) -> String,
    err: aws_smithy_runtime_api::client::waiters::error::WaiterError<O, E>,
) -> WaitError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    use aws_smithy_runtime_api::client::waiters::error::WaiterError as W;
    match err {
        W::ExceededMaxWait(e) => WaitError::Timeout {
            what: what.to_string(),
            waited: e.elapsed(),
            last: format!("{} polls", e.poll_count()),
        },
        W::FailureState(state) => {
            let (code, message) = match state.final_poll().as_result() {
                Ok(output) => (None, describe(output)),
                Err(e) => (
                    e.code().map(str::to_string),
                    e.message().unwrap_or("").into(),
                ),
            };
            WaitError::Failed(AwsError {
                operation: operation.to_string(),
                resource: resource.to_string(),
                class: ErrorClass::Fatal,
                code: code.or_else(|| Some("FailureState".into())),
                message: format!("waiting for {what} ended in a failed state: {message}"),
                request_id: None,
            })
        }
        W::OperationFailed(failed) => {
            WaitError::Failed(aws_error(operation, resource, failed.into_error()))
        }
        W::ConstructionFailure(e) => WaitError::Failed(build_error(what, format!("{e:?}"))),
        _ => WaitError::Failed(AwsError::unusable(
            operation,
            resource,
            "WaiterError",
            format!("waiting for {what} failed"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(code: &str, message: &str) -> AwsError {
        AwsError {
            code: Some(code.into()),
            message: message.into(),
            ..build_error("thing", "")
        }
    }

    /// Retries that give up at once, so a test that retried would still end quickly.
    const QUICK: crate::retry::Retry = crate::retry::Retry {
        backoff: crate::retry::Backoff {
            initial: std::time::Duration::from_millis(1),
            max: std::time::Duration::from_millis(2),
            multiplier: 1.0,
        },
        timeout: std::time::Duration::from_millis(50),
    };

    async fn calls_made(error: AwsError) -> u32 {
        let calls = std::sync::atomic::AtomicU32::new(0);
        let r = retry_aws(
            &QUICK,
            |_| true,
            || async {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Err::<(), _>(error.clone())
            },
        )
        .await;
        assert!(r.is_err());
        calls.into_inner()
    }

    #[tokio::test]
    async fn a_request_that_could_not_be_built_is_never_retried() {
        assert_eq!(
            calls_made(build_error("function f", "missing name")).await,
            1
        );
        // Even when the caller's predicate would take anything: the rule is the provider's.
        let throttled = AwsError {
            class: ErrorClass::Throttled,
            ..answered("ThrottlingException", "")
        };
        assert!(calls_made(throttled).await > 1);
    }

    #[test]
    fn a_waiter_out_of_time_is_a_timeout_and_a_failed_state_is_fatal() {
        use aws_sdk_lambda::operation::get_function::{GetFunctionError, GetFunctionOutput};
        use aws_smithy_runtime_api::client::waiters::error::{
            ExceededMaxWait, FailureState, WaiterError,
        };
        use aws_smithy_runtime_api::client::waiters::FinalPoll;
        use std::time::Duration;
        let out_of_time: WaiterError<GetFunctionOutput, GetFunctionError> =
            WaiterError::ExceededMaxWait(ExceededMaxWait::new(
                Duration::from_secs(60),
                Duration::from_secs(61),
                7,
            ));
        let e = waiter_error(
            "GetFunction",
            "function f",
            "f to be active",
            |_| String::new(),
            out_of_time,
        );
        assert!(matches!(e, WaitError::Timeout { .. }), "{e}");
        let failed: WaiterError<GetFunctionOutput, GetFunctionError> = WaiterError::FailureState(
            FailureState::new(FinalPoll::new(Ok(GetFunctionOutput::builder().build()))),
        );
        let e = waiter_error(
            "GetFunction",
            "function f",
            "f to be active",
            |_| "state Failed".into(),
            failed,
        );
        match e {
            WaitError::Failed(aws) => {
                assert_eq!(aws.class, ErrorClass::Fatal);
                assert!(aws.message.contains("state Failed"), "{}", aws.message);
            }
            other => panic!("{other}"),
        }
    }
}
