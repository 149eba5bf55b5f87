//! S3's bucket owner condition for the backend: every request on the state bucket names the account
//! that must own it (`x-amz-expected-bucket-owner`, the SDK's `ExpectedBucketOwner`), so a bucket of
//! the same name in another account (a name taken first by someone else, a copied environment file)
//! answers 403 instead of being read, written or reconfigured. An interceptor rather than a parameter
//! on each call: no call on the state bucket can forget it.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html>

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

pub const HEADER: &str = "x-amz-expected-bucket-owner";

/// Operations that take no bucket owner condition: the bucket does not exist yet, or there is none.
const WITHOUT_OWNER: &[&str] = &["CreateBucket", "ListBuckets"];

#[derive(Debug, Clone)]
pub struct ExpectedBucketOwner {
    account: String,
}

impl ExpectedBucketOwner {
    pub fn new(account: &str) -> Self {
        ExpectedBucketOwner {
            account: account.to_string(),
        }
    }
}

impl Intercept for ExpectedBucketOwner {
    fn name(&self) -> &'static str {
        "dtr-expected-bucket-owner"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map(|m| m.name().to_string());
        if operation.is_some_and(|op| WITHOUT_OWNER.contains(&op.as_str())) {
            return Ok(());
        }
        let headers = context.request_mut().headers_mut();
        if !headers.contains_key(HEADER) {
            headers.insert(HEADER, self.account.clone());
        }
        Ok(())
    }
}
