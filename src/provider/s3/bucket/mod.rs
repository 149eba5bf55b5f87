//! `s3_bucket` as a resource: read a live bucket into a [`BucketSpec`], create, update, delete.
//! A read is 8 calls, made concurrently after the existence check: head, versioning, encryption,
//! public-access block, ownership controls, policy, lifecycle, tagging.
//! A folder by concern: `read` (a live bucket into a spec), `write` (each setting's put, and delete).

mod read;
mod write;

pub use read::read_tags;
pub use write::{put_encryption, put_tags};

use crate::model::bucket::{BucketSpec, BucketSse};
use crate::provider::aws::Clients;
use crate::provider::kind::{
    reread, tf_attr, Folded, Live, ResourceError, ResourceType, Result, Terraform,
};
use crate::provider::s3 as s3p;
use crate::provider::{aws_error, AwsError};
use aws_sdk_s3::types as s3;
use aws_sdk_s3::Client;
use read::read;
use std::collections::BTreeMap;
use write::{delete, put_lifecycle, DeleteError};

/// A bucket's ARN: S3 puts neither Region nor account in it.
fn arn(name: &str) -> String {
    format!("arn:aws:s3:::{name}")
}

impl ResourceType for BucketSpec {
    const FORCE_NEW: &'static [&'static str] = &["name"];
    const TERRAFORM: Option<Terraform> = Some(Terraform {
        resource: "aws_s3_bucket",
        physical_id: |a| tf_attr(a, "bucket"),
        folded: &[
            Folded {
                resource: "aws_s3_bucket_versioning",
                parent_attribute: "bucket",
            },
            Folded {
                resource: "aws_s3_bucket_server_side_encryption_configuration",
                parent_attribute: "bucket",
            },
            Folded {
                resource: "aws_s3_bucket_public_access_block",
                parent_attribute: "bucket",
            },
            Folded {
                resource: "aws_s3_bucket_ownership_controls",
                parent_attribute: "bucket",
            },
            Folded {
                resource: "aws_s3_bucket_policy",
                parent_attribute: "bucket",
            },
            Folded {
                resource: "aws_s3_bucket_lifecycle_configuration",
                parent_attribute: "bucket",
            },
        ],
    });
    const TAGGED_AFTER_CREATE: bool = true;
    const TAGGING_SERVICE: Option<&'static str> = Some("s3");

    async fn read(clients: &Clients, name: &str) -> Result<Option<Live<Self>>> {
        let mut provisional = Vec::new();
        let spec = read(clients, name, &mut provisional).await?;
        Ok(spec.map(|spec| Live {
            provisional,
            ..Live::named(name, spec, arn(name))
        }))
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

#[cfg(test)]
mod tests;
