//! `s3_bucket` as a resource: read a live bucket into a [`BucketSpec`], create, update, delete.
//! A read is 8 calls, made concurrently after the existence check: head, versioning, encryption,
//! public-access block, ownership controls, policy, lifecycle, tagging.

use crate::model::bucket::{BucketEncryption, BucketSpec, BucketSse, LifecycleRule, Transition};
use crate::model::policy;
use crate::provider::aws::Clients;
use crate::provider::kind::{reread, Live, ResourceError, ResourceType, Result};
use crate::provider::s3 as s3p;
use crate::provider::{aws_error, build_error, found, ignore_not_found, AwsError};
use aws_sdk_s3::types as s3;
use aws_sdk_s3::Client;
use std::collections::BTreeMap;

impl ResourceType for BucketSpec {
    const FORCE_NEW: &'static [&'static str] = &["name"];
    const TAGGED_AFTER_CREATE: bool = true;

    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        let spec = read(&clients.s3, name).await?;
        Ok(spec.map(|spec| Live::named(name, spec, format!("arn:aws:s3:::{name}"))))
    }

    async fn create(clients: &Clients, spec: &Self) -> Result<Live<Self>> {
        create(&clients.s3, spec, &clients.region).await?;
        reread(clients, &spec.name).await
    }

    async fn update(clients: &Clients, desired: &Self, live: &Live<Self>) -> Result<Live<Self>> {
        update(&clients.s3, desired, &live.spec).await?;
        reread(clients, &desired.name).await
    }

    async fn delete(clients: &Clients, name: &str, force_destroy: bool) -> Result<()> {
        delete(&clients.s3, name, force_destroy)
            .await
            .map_err(|e| match e {
                DeleteError::Aws(e) => ResourceError::Aws(e),
                refused => ResourceError::Refused(refused.to_string()),
            })
    }

    /// Sorted lifecycle rules, so order in the file is not a difference.
    fn canonical(mut self) -> Self {
        self.lifecycle_rules.sort_by(|a, b| a.id.cmp(&b.id));
        self
    }

    /// `force_destroy` is dtr's own setting, not AWS's; an unnamed KMS key means the AWS-managed one.
    fn normalize(have: &mut Self, want: &Self, _: &[&'static str]) {
        have.force_destroy = want.force_destroy;
        if want.encryption.kind == BucketSse::Kms && want.encryption.kms_key_arn.is_none() {
            have.encryption.kms_key_arn = None;
        }
    }
}

/// The policy dtr writes when `tls_only` is on: exactly the TLS-only deny.
fn tls_only_policy(bucket: &str) -> serde_json::Value {
    serde_json::json!({"Version": "2012-10-17", "Statement": [s3p::deny_insecure_transport(bucket)]})
}

async fn read(client: &Client, name: &str) -> Result<Option<BucketSpec>, AwsError> {
    if !s3p::exists(client, name).await? {
        return Ok(None);
    }
    let (versioning, encryption, blocked, owner, live_policy, lifecycle, tags) = tokio::join!(
        s3p::versioning_enabled(client, name),
        read_encryption(client, name),
        s3p::public_access_blocked(client, name),
        s3p::owner_enforced(client, name),
        s3p::policy(client, name),
        read_lifecycle(client, name),
        read_tags(client, name),
    );
    let tls_only = live_policy?.is_some_and(|p| policy::equivalent(&p, &tls_only_policy(name)));
    Ok(Some(BucketSpec {
        name: name.to_string(),
        versioning: versioning?,
        encryption: encryption?,
        block_public_access: blocked?,
        owner_enforced: owner?,
        tls_only,
        lifecycle_rules: lifecycle?,
        force_destroy: false,
        tags: tags?,
    }))
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

async fn create(client: &Client, spec: &BucketSpec, region: &str) -> Result<(), AwsError> {
    s3p::create(client, &spec.name, region).await?;
    // Tags first: a crash right after creation leaves a bucket dtr can recognise as its own.
    let empty = BucketSpec {
        tags: BTreeMap::new(),
        ..spec.clone()
    };
    let mut before = empty.clone();
    before.versioning = false;
    before.block_public_access = false;
    before.owner_enforced = false;
    before.tls_only = false;
    before.lifecycle_rules.clear();
    // Encryption is written explicitly: reads report AWS's default (SSE-S3) when none was set.
    put_encryption(client, &spec.name, &spec.encryption).await?;
    update(client, spec, &before).await
}

async fn update(
    client: &Client,
    desired: &BucketSpec,
    current: &BucketSpec,
) -> Result<(), AwsError> {
    let name = &desired.name;
    if desired.tags != current.tags {
        put_tags(client, name, &desired.tags).await?;
    }
    if desired.versioning != current.versioning {
        if desired.versioning {
            s3p::enable_versioning(client, name).await?;
        } else {
            let config = s3::VersioningConfiguration::builder()
                .status(s3::BucketVersioningStatus::Suspended)
                .build();
            client
                .put_bucket_versioning()
                .bucket(name)
                .versioning_configuration(config)
                .send()
                .await
                .map_err(|e| aws_error("PutBucketVersioning", format!("bucket {name}"), e))?;
        }
    }
    if desired.encryption != current.encryption {
        put_encryption(client, &desired.name, &desired.encryption).await?;
    }
    if desired.block_public_access != current.block_public_access {
        if desired.block_public_access {
            s3p::block_public_access(client, name).await?;
        } else {
            client
                .delete_public_access_block()
                .bucket(name)
                .send()
                .await
                .map_err(|e| aws_error("DeletePublicAccessBlock", format!("bucket {name}"), e))?;
        }
    }
    if desired.owner_enforced != current.owner_enforced {
        if desired.owner_enforced {
            s3p::enforce_owner(client, name).await?;
        } else {
            client
                .delete_bucket_ownership_controls()
                .bucket(name)
                .send()
                .await
                .map_err(|e| {
                    aws_error("DeleteBucketOwnershipControls", format!("bucket {name}"), e)
                })?;
        }
    }
    if desired.tls_only != current.tls_only {
        if desired.tls_only {
            s3p::put_policy(client, name, &tls_only_policy(name)).await?;
        } else {
            client
                .delete_bucket_policy()
                .bucket(name)
                .send()
                .await
                .map_err(|e| aws_error("DeleteBucketPolicy", format!("bucket {name}"), e))?;
        }
    }
    if desired.lifecycle_rules != current.lifecycle_rules {
        put_lifecycle(client, desired).await?;
    }
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

async fn put_lifecycle(client: &Client, spec: &BucketSpec) -> Result<(), AwsError> {
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
enum DeleteError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(
        "bucket {0} is not empty; set `force_destroy: true` to delete it with every object version"
    )]
    NotEmpty(String),
}

/// Delete the bucket; with `force_destroy`, every object version and delete marker first.
async fn delete(client: &Client, name: &str, force_destroy: bool) -> Result<(), DeleteError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::kind::compared;

    fn spec() -> BucketSpec {
        serde_json::from_value(serde_json::json!({
            "name": "artifacts",
            "lifecycle_rules": [{"id": "b", "expiration_days": 30}, {"id": "a", "expiration_days": 7}]
        }))
        .expect("a bucket spec")
    }

    #[test]
    fn force_destroy_is_dtrs_own_and_never_a_difference() {
        let want = BucketSpec {
            force_destroy: true,
            ..spec()
        };
        let c = compared(&want, &spec());
        assert_eq!(Some(c.desired), c.observed);
    }

    #[test]
    fn an_unnamed_kms_key_is_the_aws_managed_one_but_a_named_one_is_compared() {
        let kms = |arn: Option<&str>| BucketSpec {
            encryption: BucketEncryption {
                kind: BucketSse::Kms,
                kms_key_arn: arn.map(str::to_string),
            },
            ..spec()
        };
        let c = compared(&kms(None), &kms(Some("arn:aws:kms:us-east-1:1:key/aws")));
        assert_eq!(Some(c.desired), c.observed);
        let c = compared(
            &kms(Some("arn:aws:kms:us-east-1:1:key/mine")),
            &kms(Some("arn:aws:kms:us-east-1:1:key/aws")),
        );
        assert_ne!(Some(c.desired), c.observed);
        assert!(c.replace_reasons.is_empty(), "{:?}", c.replace_reasons);
    }

    #[test]
    fn lifecycle_rule_order_is_not_a_difference() {
        let mut reversed = spec();
        reversed.lifecycle_rules.reverse();
        let c = compared(&spec(), &reversed);
        assert_eq!(Some(c.desired), c.observed);
    }

    #[test]
    fn a_new_name_replaces_and_a_setting_updates() {
        let renamed = BucketSpec {
            name: "other".into(),
            ..spec()
        };
        assert_eq!(compared(&renamed, &spec()).replace_reasons, vec!["name"]);
        let unversioned = BucketSpec {
            versioning: false,
            ..spec()
        };
        let c = compared(&unversioned, &spec());
        assert!(c.replace_reasons.is_empty() && Some(c.desired) != c.observed);
    }
}
