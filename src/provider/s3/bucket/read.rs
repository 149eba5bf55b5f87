//! A live bucket, read into a [`BucketSpec`].

use super::tls_only_policy;
use crate::model::bucket::{BucketEncryption, BucketSpec, BucketSse, LifecycleRule, Transition};
use crate::model::policy;
use crate::provider::aws::Clients;
use crate::provider::s3 as s3p;
use crate::provider::{aws_error, found, AwsError};
use aws_sdk_s3::types as s3;
use aws_sdk_s3::Client;
use std::collections::BTreeMap;

/// 7 calls at once (6 when the tag index holds its tags). No HeadBucket first: GetBucketVersioning, which answers for a bucket without a
/// versioning configuration too, says whether the bucket exists (NoSuchBucket), and what the other
/// calls answered for a missing bucket is then dropped.
///
/// Its tags come from the environment's tag index when it holds them (then `"tags"` joins
/// `provisional`), else from GetBucketTagging.
pub(super) async fn read(
    clients: &Clients,
    name: &str,
    provisional: &mut Vec<&'static str>,
) -> Result<Option<BucketSpec>, AwsError> {
    let client = &clients.s3;
    let arn = super::arn(name);
    let (versioning, encryption, blocked, owner, live_policy, lifecycle, tags) = tokio::join!(
        versioning(client, name),
        read_encryption(client, name),
        s3p::public_access_blocked(client, name),
        s3p::owner_enforced(client, name),
        s3p::policy(client, name),
        read_lifecycle(client, name),
        clients.tags_of(&arn, provisional, read_tags(client, name)),
    );
    let Some(versioning) = versioning? else {
        return Ok(None);
    };
    let tls_only = live_policy?.is_some_and(|p| policy::equivalent(&p, &tls_only_policy(name)));
    Ok(Some(BucketSpec {
        name: name.to_string(),
        versioning,
        encryption: encryption?,
        block_public_access: blocked?,
        owner_enforced: owner?,
        tls_only,
        lifecycle_rules: lifecycle?,
        force_destroy: false,
        tags: tags?,
    }))
}

/// Whether versioning is enabled; `None` when the bucket does not exist.
async fn versioning(client: &Client, name: &str) -> Result<Option<bool>, AwsError> {
    let r = client.get_bucket_versioning().bucket(name).send().await;
    let out = found(r.map_err(|e| aws_error("GetBucketVersioning", format!("bucket {name}"), e)))?;
    Ok(out.map(|o| o.status == Some(s3::BucketVersioningStatus::Enabled)))
}

async fn read_encryption(client: &Client, name: &str) -> Result<BucketEncryption, AwsError> {
    let r = client.get_bucket_encryption().bucket(name).send().await;
    let out = found(r.map_err(|e| aws_error("GetBucketEncryption", format!("bucket {name}"), e)))?;
    let default = out
        .and_then(|o| o.server_side_encryption_configuration)
        .and_then(|c| {
            c.rules
                .into_iter()
                .find_map(|r| r.apply_server_side_encryption_by_default)
        });
    Ok(match default {
        Some(d) if d.sse_algorithm == s3::ServerSideEncryption::AwsKms => BucketEncryption {
            kind: BucketSse::Kms,
            kms_key_arn: d.kms_master_key_id,
        },
        _ => BucketEncryption::default(),
    })
}

async fn read_lifecycle(client: &Client, name: &str) -> Result<Vec<LifecycleRule>, AwsError> {
    let r = client
        .get_bucket_lifecycle_configuration()
        .bucket(name)
        .send()
        .await;
    let out = found(r.map_err(|e| {
        aws_error(
            "GetBucketLifecycleConfiguration",
            format!("bucket {name}"),
            e,
        )
    }))?;
    let mut rules: Vec<LifecycleRule> = out
        .map(|o| o.rules.unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            #[allow(deprecated)]
            let legacy_prefix = r.prefix.clone();
            LifecycleRule {
                id: r.id.clone().unwrap_or_default(),
                enabled: r.status == s3::ExpirationStatus::Enabled,
                prefix: r
                    .filter
                    .as_ref()
                    .and_then(|f| f.prefix.clone())
                    .or(legacy_prefix)
                    .unwrap_or_default(),
                expiration_days: r.expiration.as_ref().and_then(|e| e.days),
                noncurrent_version_expiration_days: r
                    .noncurrent_version_expiration
                    .as_ref()
                    .and_then(|e| e.noncurrent_days),
                abort_incomplete_multipart_upload_days: r
                    .abort_incomplete_multipart_upload
                    .as_ref()
                    .and_then(|a| a.days_after_initiation),
                transitions: r
                    .transitions()
                    .iter()
                    .map(|t| Transition {
                        days: t.days.unwrap_or_default(),
                        storage_class: t
                            .storage_class
                            .as_ref()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rules)
}

pub async fn read_tags(client: &Client, name: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let r = client.get_bucket_tagging().bucket(name).send().await;
    let out = found(r.map_err(|e| aws_error("GetBucketTagging", format!("bucket {name}"), e)))?;
    Ok(out
        .map(|o| o.tag_set.into_iter().map(|t| (t.key, t.value)).collect())
        .unwrap_or_default())
}
