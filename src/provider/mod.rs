//! Live AWS: one module per service, each reading into the model's shapes and applying changes.
//! SDK errors are classified once, in [`error`], into [`ErrorClass`]; retries and the SDK's waiters
//! go through [`wait`].

pub mod adapter;
pub mod apigateway;
pub mod aws;
pub mod cloudwatch;
pub mod dynamodb;
mod error;
pub mod iam;
pub mod kind;
pub mod lambda;
pub mod limit;
pub mod limiter;
pub mod logs;
pub mod owner;
pub mod package;
pub mod registry;
pub mod s3;
pub mod scheduler;
pub mod sns;
pub mod stats;
pub mod tag_index;
mod wait;

pub use adapter::Resource;
pub use error::{
    aws_error, build_error, classify_code, found, ignore_not_found, AwsError, ErrorClass,
};
pub use kind::{Compared, Live, Observed, ResourceError, ResourceType};
pub use wait::{retry_aws, waiter_error, WaitError};

/// Bring a resource's tags from `have` to `want` with its service's own two calls: `untag` the keys
/// that went away, `tag` what is new or changed; a call with nothing to do is not made.
pub async fn converge_tags(
    want: &std::collections::BTreeMap<String, String>,
    have: &std::collections::BTreeMap<String, String>,
    untag: impl AsyncFnOnce(Vec<String>) -> Result<(), AwsError>,
    tag: impl AsyncFnOnce(std::collections::BTreeMap<String, String>) -> Result<(), AwsError>,
) -> Result<(), AwsError> {
    let changes = crate::model::tags::changes(want, have);
    if !changes.removed.is_empty() {
        untag(changes.removed).await?;
    }
    if !changes.set.is_empty() {
        tag(changes.set).await?;
    }
    Ok(())
}
