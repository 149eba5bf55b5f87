//! What a function's configuration does not hold, each behind its own API: its reserved concurrency
//! (Put/DeleteFunctionConcurrency; GetFunction reports it) and its asynchronous-invocation settings
//! (Put/Get/DeleteFunctionEventInvokeConfig: the on-failure destination and the retry count).

use crate::model::function::{FunctionSpec, DEFAULT_RETRY_ATTEMPTS};
use crate::provider::{aws_error, found, ignore_not_found, AwsError};
use aws_sdk_lambda::types as lambda;
use aws_sdk_lambda::Client;

fn what(name: &str) -> String {
    format!("function {name}")
}

/// The asynchronous-invocation settings as dtr compares them: AWS's default retry count is no
/// setting, and no setting at all is no configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventConfig {
    pub on_failure_destination: Option<String>,
    pub maximum_retry_attempts: Option<i32>,
}

impl EventConfig {
    pub fn of(spec: &FunctionSpec) -> Self {
        EventConfig {
            on_failure_destination: spec.on_failure_destination.clone(),
            maximum_retry_attempts: spec
                .maximum_retry_attempts
                .filter(|n| *n != DEFAULT_RETRY_ATTEMPTS),
        }
    }

    pub fn set_on(self, spec: &mut FunctionSpec) {
        spec.on_failure_destination = self.on_failure_destination;
        spec.maximum_retry_attempts = self.maximum_retry_attempts;
    }

    fn is_empty(&self) -> bool {
        *self == EventConfig::default()
    }

    fn from_aws(
        destination: Option<&lambda::DestinationConfig>,
        retries: Option<i32>,
    ) -> EventConfig {
        EventConfig {
            on_failure_destination: destination
                .and_then(|d| d.on_failure())
                .and_then(|f| f.destination.clone())
                .filter(|d| !d.is_empty()),
            maximum_retry_attempts: retries.filter(|n| *n != DEFAULT_RETRY_ATTEMPTS),
        }
    }
}

/// The function's event-invoke configuration (one call); none is the empty one.
pub async fn read(client: &Client, name: &str) -> Result<EventConfig, AwsError> {
    let r = client
        .get_function_event_invoke_config()
        .function_name(name)
        .send()
        .await
        .map_err(|e| aws_error("GetFunctionEventInvokeConfig", what(name), e));
    Ok(found(r)?
        .map(|o| EventConfig::from_aws(o.destination_config(), o.maximum_retry_attempts()))
        .unwrap_or_default())
}

/// Bring the reserved concurrency and the event-invoke configuration from `have` to `want`, calling
/// only for what differs; `want` and `have` are set to what AWS answered, so no read follows.
pub async fn converge(
    client: &Client,
    name: &str,
    want: &FunctionSpec,
    have: &mut FunctionSpec,
) -> Result<(), AwsError> {
    if want.reserved_concurrency != have.reserved_concurrency {
        have.reserved_concurrency = match want.reserved_concurrency {
            Some(n) => client
                .put_function_concurrency()
                .function_name(name)
                .reserved_concurrent_executions(n)
                .send()
                .await
                .map_err(|e| aws_error("PutFunctionConcurrency", what(name), e))?
                .reserved_concurrent_executions(),
            None => {
                let r = client
                    .delete_function_concurrency()
                    .function_name(name)
                    .send()
                    .await;
                ignore_not_found(
                    r.map_err(|e| aws_error("DeleteFunctionConcurrency", what(name), e)),
                )?;
                None
            }
        };
    }
    let (wanted, had) = (EventConfig::of(want), EventConfig::of(have));
    if wanted != had {
        let now = if wanted.is_empty() {
            let r = client
                .delete_function_event_invoke_config()
                .function_name(name)
                .send()
                .await;
            ignore_not_found(
                r.map_err(|e| aws_error("DeleteFunctionEventInvokeConfig", what(name), e)),
            )?;
            EventConfig::default()
        } else {
            // Put replaces the whole configuration (Update would merge into the old one).
            let destination = wanted.on_failure_destination.as_ref().map(|arn| {
                lambda::DestinationConfig::builder()
                    .on_failure(lambda::OnFailure::builder().destination(arn).build())
                    .build()
            });
            let out = client
                .put_function_event_invoke_config()
                .function_name(name)
                .set_destination_config(destination)
                .set_maximum_retry_attempts(wanted.maximum_retry_attempts)
                .send()
                .await
                .map_err(|e| aws_error("PutFunctionEventInvokeConfig", what(name), e))?;
            EventConfig::from_aws(out.destination_config(), out.maximum_retry_attempts())
        };
        now.set_on(have);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_retry_count_and_an_empty_destination_are_no_configuration() {
        let failure = lambda::DestinationConfig::builder()
            .on_failure(lambda::OnFailure::builder().destination("").build())
            .build();
        assert_eq!(
            EventConfig::from_aws(Some(&failure), Some(DEFAULT_RETRY_ATTEMPTS)),
            EventConfig::default()
        );
        let kept = EventConfig::from_aws(None, Some(0));
        assert_eq!(kept.maximum_retry_attempts, Some(0));
        assert!(!kept.is_empty());
    }
}
