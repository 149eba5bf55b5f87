//! S3 buckets and objects: the settings dtr enforces on a bucket, and the state object's reads/writes.

pub mod bucket;

use crate::provider::{aws_error, build_error, found, AwsError, ErrorClass};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types as s3;
use aws_sdk_s3::Client;

/// Whether the bucket exists and we may use it. A 403 means someone else owns the name.
pub async fn exists(client: &Client, bucket: &str) -> Result<bool, AwsError> {
    let r = client.head_bucket().bucket(bucket).send().await;
    Ok(found(r.map_err(|e| aws_error("HeadBucket", format!("bucket {bucket}"), e)))?.is_some())
}

/// What a `HeadBucket` says of a bucket name to these credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketAccess {
    Usable,
    Missing,
    /// 403: the bucket exists but is another account's (or, with an owner condition on the
    /// request, not owned by the expected account).
    Forbidden,
}

pub async fn access(client: &Client, bucket: &str) -> Result<BucketAccess, AwsError> {
    match client.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(BucketAccess::Usable),
        Err(aws_sdk_s3::error::SdkError::ServiceError(e)) if e.raw().status().as_u16() == 403 => {
            Ok(BucketAccess::Forbidden)
        }
        Err(e) => Ok(
            match found(Err(aws_error("HeadBucket", format!("bucket {bucket}"), e)))? {
                Some(()) => BucketAccess::Usable,
                None => BucketAccess::Missing,
            },
        ),
    }
}

pub async fn create(client: &Client, bucket: &str, region: &str) -> Result<(), AwsError> {
    let mut req = client.create_bucket().bucket(bucket);
    // us-east-1 is the one region that refuses an explicit location constraint.
    if region != "us-east-1" {
        req = req.create_bucket_configuration(
            s3::CreateBucketConfiguration::builder()
                .location_constraint(s3::BucketLocationConstraint::from(region))
                .build(),
        );
    }
    req.send()
        .await
        .map_err(|e| aws_error("CreateBucket", format!("bucket {bucket}"), e))?;
    Ok(())
}

pub async fn versioning_enabled(client: &Client, bucket: &str) -> Result<bool, AwsError> {
    let out = client
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| aws_error("GetBucketVersioning", format!("bucket {bucket}"), e))?;
    Ok(out.status == Some(s3::BucketVersioningStatus::Enabled))
}

pub async fn enable_versioning(client: &Client, bucket: &str) -> Result<(), AwsError> {
    client
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            s3::VersioningConfiguration::builder()
                .status(s3::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("PutBucketVersioning", format!("bucket {bucket}"), e))?;
    Ok(())
}

/// The default encryption algorithm (`AES256`, `aws:kms`, …), if any.
pub async fn default_encryption(client: &Client, bucket: &str) -> Result<Option<String>, AwsError> {
    let r = client
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| aws_error("GetBucketEncryption", format!("bucket {bucket}"), e));
    Ok(found(r)?.and_then(|out| {
        out.server_side_encryption_configuration?
            .rules
            .into_iter()
            .find_map(|r| r.apply_server_side_encryption_by_default)
            .map(|d| d.sse_algorithm.as_str().to_string())
    }))
}

/// True when all four public-access blocks are on.
pub async fn public_access_blocked(client: &Client, bucket: &str) -> Result<bool, AwsError> {
    let r = client
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| aws_error("GetPublicAccessBlock", format!("bucket {bucket}"), e));
    Ok(found(r)?
        .and_then(|out| out.public_access_block_configuration)
        .is_some_and(|c| {
            [
                c.block_public_acls,
                c.ignore_public_acls,
                c.block_public_policy,
                c.restrict_public_buckets,
            ]
            .iter()
            .all(|b| *b == Some(true))
        }))
}

pub async fn block_public_access(client: &Client, bucket: &str) -> Result<(), AwsError> {
    client
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            s3::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("PutPublicAccessBlock", format!("bucket {bucket}"), e))?;
    Ok(())
}

pub async fn owner_enforced(client: &Client, bucket: &str) -> Result<bool, AwsError> {
    let r = client
        .get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| aws_error("GetBucketOwnershipControls", format!("bucket {bucket}"), e));
    Ok(found(r)?
        .and_then(|out| out.ownership_controls)
        .is_some_and(|c| {
            c.rules
                .iter()
                .any(|r| r.object_ownership == s3::ObjectOwnership::BucketOwnerEnforced)
        }))
}

pub async fn enforce_owner(client: &Client, bucket: &str) -> Result<(), AwsError> {
    let rule = s3::OwnershipControlsRule::builder()
        .object_ownership(s3::ObjectOwnership::BucketOwnerEnforced)
        .build()
        .map_err(|e| build_error("ownership controls", e))?;
    let controls = s3::OwnershipControls::builder()
        .rules(rule)
        .build()
        .map_err(|e| build_error("ownership controls", e))?;
    client
        .put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(controls)
        .send()
        .await
        .map_err(|e| aws_error("PutBucketOwnershipControls", format!("bucket {bucket}"), e))?;
    Ok(())
}

/// The bucket policy as JSON, if there is one.
pub async fn policy(client: &Client, bucket: &str) -> Result<Option<serde_json::Value>, AwsError> {
    let r = client
        .get_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| aws_error("GetBucketPolicy", format!("bucket {bucket}"), e));
    let Some(text) = found(r)?.and_then(|out| out.policy) else {
        return Ok(None);
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        AwsError::unusable(
            "GetBucketPolicy",
            format!("bucket {bucket}"),
            "MalformedPolicy",
            format!("the live policy is not JSON: {e}"),
        )
    })
}

pub async fn put_policy(
    client: &Client,
    bucket: &str,
    policy: &serde_json::Value,
) -> Result<(), AwsError> {
    client
        .put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .map_err(|e| aws_error("PutBucketPolicy", format!("bucket {bucket}"), e))?;
    Ok(())
}

/// The standard statement denying any request not made over TLS.
pub fn deny_insecure_transport(bucket: &str) -> serde_json::Value {
    serde_json::json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    })
}

/// An object's bytes and ETag, or `None` when there is no such key.
pub async fn get_object(
    client: &Client,
    bucket: &str,
    key: &str,
) -> Result<Option<(Vec<u8>, Option<String>)>, AwsError> {
    let what = format!("s3://{bucket}/{key}");
    let r = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| aws_error("GetObject", &what, e));
    // Only a missing key is "no object": a missing bucket means the backend was never bootstrapped.
    let out = match r {
        Ok(out) => out,
        Err(e) if e.is_missing_object() => return Ok(None),
        Err(e) => return Err(e),
    };
    let etag = out.e_tag.clone();
    let bytes = out.body.collect().await.map_err(|e| AwsError {
        operation: "GetObject".into(),
        resource: what.clone(),
        class: ErrorClass::Transient,
        code: None,
        message: format!("reading the body failed: {e}"),
        request_id: None,
    })?;
    Ok(Some((bytes.into_bytes().to_vec(), etag)))
}

/// What a conditional write requires of the object it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacing<'a> {
    /// There must be no object yet (`If-None-Match: *`).
    Nothing,
    /// The object must still be the one with this ETag (`If-Match`).
    Version(&'a str),
}

/// Write an object only if the one it replaces is still `replacing` (S3 conditional writes: a
/// failed condition is a 412 `PreconditionFailed`, classed as a conflict). Returns the new ETag.
pub async fn put_object(
    client: &Client,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    replacing: Replacing<'_>,
) -> Result<Option<String>, AwsError> {
    let req = client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/json")
        .body(ByteStream::from(body));
    let req = match replacing {
        Replacing::Nothing => req.if_none_match("*"),
        Replacing::Version(etag) => req.if_match(etag),
    };
    let out = req
        .send()
        .await
        .map_err(|e| aws_error("PutObject", format!("s3://{bucket}/{key}"), e))?;
    Ok(out.e_tag)
}
