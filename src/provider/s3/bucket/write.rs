//! Each setting's put, and delete.

use crate::model::bucket::{BucketEncryption, BucketSpec};
use crate::provider::kind::Result;
use crate::provider::s3 as s3p;
use crate::provider::{aws_error, build_error, ignore_not_found, AwsError};
use aws_sdk_s3::types as s3;
use aws_sdk_s3::Client;
use std::collections::BTreeMap;

/// Replace the bucket's tags with `tags` (none: delete the tag set).
pub async fn put_tags(
    client: &Client,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    if tags.is_empty() {
        client
            .delete_bucket_tagging()
            .bucket(name)
            .send()
            .await
            .map_err(|e| aws_error("DeleteBucketTagging", format!("bucket {name}"), e))?;
        return Ok(());
    }
    let tags = tags
        .iter()
        .map(|(k, v)| {
            s3::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| build_error("tags", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tagging = s3::Tagging::builder()
        .set_tag_set(Some(tags))
        .build()
        .map_err(|e| build_error("tags", e))?;
    client
        .put_bucket_tagging()
        .bucket(name)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| aws_error("PutBucketTagging", format!("bucket {name}"), e))?;
    Ok(())
}

/// Default encryption with an S3 bucket key (SSE-S3, or SSE-KMS with the given or AWS-managed key).
pub async fn put_encryption(
    client: &Client,
    name: &str,
    encryption: &BucketEncryption,
) -> Result<(), AwsError> {
    let default = s3::ServerSideEncryptionByDefault::builder()
        .sse_algorithm(s3::ServerSideEncryption::from(encryption.kind.as_str()))
        .set_kms_master_key_id(encryption.kms_key_arn.clone())
        .build()
        .map_err(|e| build_error("encryption", e))?;
    let config = s3::ServerSideEncryptionConfiguration::builder()
        .rules(
            s3::ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(default)
                .bucket_key_enabled(true)
                .build(),
        )
        .build()
        .map_err(|e| build_error("encryption", e))?;
    client
        .put_bucket_encryption()
        .bucket(name)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .map_err(|e| aws_error("PutBucketEncryption", format!("bucket {name}"), e))?;
    Ok(())
}

pub(super) async fn put_lifecycle(client: &Client, spec: &BucketSpec) -> Result<(), AwsError> {
    let name = &spec.name;
    if spec.lifecycle_rules.is_empty() {
        client
            .delete_bucket_lifecycle()
            .bucket(name)
            .send()
            .await
            .map_err(|e| aws_error("DeleteBucketLifecycle", format!("bucket {name}"), e))?;
        return Ok(());
    }
    let mut rules = Vec::new();
    for r in &spec.lifecycle_rules {
        let mut b = s3::LifecycleRule::builder()
            .id(&r.id)
            .status(if r.enabled {
                s3::ExpirationStatus::Enabled
            } else {
                s3::ExpirationStatus::Disabled
            })
            .filter(s3::LifecycleRuleFilter::builder().prefix(&r.prefix).build());
        if let Some(days) = r.expiration_days {
            b = b.expiration(s3::LifecycleExpiration::builder().days(days).build());
        }
        if let Some(days) = r.noncurrent_version_expiration_days {
            b = b.noncurrent_version_expiration(
                s3::NoncurrentVersionExpiration::builder()
                    .noncurrent_days(days)
                    .build(),
            );
        }
        if let Some(days) = r.abort_incomplete_multipart_upload_days {
            b = b.abort_incomplete_multipart_upload(
                s3::AbortIncompleteMultipartUpload::builder()
                    .days_after_initiation(days)
                    .build(),
            );
        }
        for t in &r.transitions {
            b = b.transitions(
                s3::Transition::builder()
                    .days(t.days)
                    .storage_class(s3::TransitionStorageClass::from(t.storage_class.as_str()))
                    .build(),
            );
        }
        rules.push(b.build().map_err(|e| build_error("lifecycle rule", e))?);
    }
    let config = s3::BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| build_error("lifecycle", e))?;
    client
        .put_bucket_lifecycle_configuration()
        .bucket(name)
        .lifecycle_configuration(config)
        .send()
        .await
        .map_err(|e| {
            aws_error(
                "PutBucketLifecycleConfiguration",
                format!("bucket {name}"),
                e,
            )
        })?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub(super) enum DeleteError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(
        "bucket {0} is not empty; set `force_destroy: true` to delete it with every object version"
    )]
    NotEmpty(String),
}

/// Delete the bucket; with `force_destroy`, every object version and delete marker first.
pub(super) async fn delete(
    client: &Client,
    name: &str,
    force_destroy: bool,
) -> Result<(), DeleteError> {
    if !s3p::exists(client, name).await? {
        return Ok(());
    }
    loop {
        let page = client
            .list_object_versions()
            .bucket(name)
            .max_keys(1000)
            .send()
            .await
            .map_err(|e| aws_error("ListObjectVersions", format!("bucket {name}"), e))?;
        let mut ids = Vec::new();
        for v in page.versions() {
            ids.push((v.key.clone().unwrap_or_default(), v.version_id.clone()));
        }
        for m in page.delete_markers() {
            ids.push((m.key.clone().unwrap_or_default(), m.version_id.clone()));
        }
        if ids.is_empty() {
            break;
        }
        if !force_destroy {
            return Err(DeleteError::NotEmpty(name.to_string()));
        }
        let objects = ids
            .into_iter()
            .map(|(key, version)| {
                s3::ObjectIdentifier::builder()
                    .key(key)
                    .set_version_id(version)
                    .build()
                    .map_err(|e| build_error("delete objects", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let delete = s3::Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| build_error("delete objects", e))?;
        client
            .delete_objects()
            .bucket(name)
            .delete(delete)
            .send()
            .await
            .map_err(|e| aws_error("DeleteObjects", format!("bucket {name}"), e))?;
    }
    let r = client.delete_bucket().bucket(name).send().await;
    Ok(ignore_not_found(r.map_err(|e| {
        aws_error("DeleteBucket", format!("bucket {name}"), e)
    }))?)
}
