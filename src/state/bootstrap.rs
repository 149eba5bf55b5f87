//! `dtr bootstrap`: the state bucket and the lock table, created or brought to the settings dtr requires,
//! idempotently. Settings already right are left alone and reported as such.

use super::lock::LOCK_KEY_ATTRIBUTE;
use crate::model::policy;
use crate::model::table::{AttributeDefinition, AttributeType, BillingMode, TableSpec};
use crate::model::{Backend, TAG_BACKEND};
use crate::provider::aws::Clients;
use crate::provider::dynamodb::table::{self as dynamodb, TableError};
use crate::provider::s3::{self as s3p, bucket as s3_bucket};
use crate::provider::AwsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Created,
    Updated,
    Unchanged,
}

/// One thing bootstrap looked at, and what it did about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub what: String,
    pub step: Step,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("the state bucket {bucket} exists but is not owned by account {account}, or these credentials may not use it (S3 answered 403 to a request naming that account as its owner); nothing was changed. Choose another backend.state_bucket, or check the credentials' S3 permissions on it")]
    ForeignBucket { bucket: String, account: String },
    #[error("lock table {table} exists with key schema {found}; dtr needs a string hash key named {LOCK_KEY_ATTRIBUTE} and nothing else")]
    WrongLockTable { table: String, found: String },
}

fn checked(what: impl Into<String>, step: Step) -> Checked {
    Checked {
        what: what.into(),
        step,
    }
}

/// Ensure `fix` has been applied when `is_right` says it is not.
async fn ensure<F, G>(
    report: &mut Vec<Checked>,
    what: String,
    is_right: F,
    fix: G,
) -> Result<(), AwsError>
where
    F: std::future::Future<Output = Result<bool, AwsError>>,
    G: std::future::Future<Output = Result<(), AwsError>>,
{
    if is_right.await? {
        report.push(checked(what, Step::Unchanged));
    } else {
        fix.await?;
        report.push(checked(what, Step::Updated));
    }
    Ok(())
}

/// The backend tag's value on each part of the backend.
const STATE_BUCKET_ROLE: &str = "state-bucket";
const LOCK_TABLE_ROLE: &str = "lock-table";

/// Uses the backend clients ([`Clients::backend_s3`] names `account` as the state bucket's owner on
/// every call): a bucket of that name in another account is refused before anything is changed.
pub async fn bootstrap(
    clients: &Clients,
    backend: &Backend,
    account: &str,
) -> Result<Vec<Checked>, BootstrapError> {
    let mut report = Vec::new();
    state_bucket(clients, &backend.state_bucket, account, &mut report).await?;
    lock_table(clients, &backend.lock_table, &mut report).await?;
    Ok(report)
}

async fn state_bucket(
    clients: &Clients,
    bucket: &str,
    account: &str,
    report: &mut Vec<Checked>,
) -> Result<(), BootstrapError> {
    let c = &clients.backend_s3;
    let name = format!("state bucket {bucket}");
    match s3p::access(c, bucket).await? {
        s3p::BucketAccess::Usable => report.push(checked(name.clone(), Step::Unchanged)),
        s3p::BucketAccess::Missing => {
            s3p::create(c, bucket, &clients.backend_region).await?;
            report.push(checked(name.clone(), Step::Created));
        }
        s3p::BucketAccess::Forbidden => {
            return Err(BootstrapError::ForeignBucket {
                bucket: bucket.to_string(),
                account: account.to_string(),
            })
        }
    }
    let mut tags = s3_bucket::read_tags(c, bucket).await?;
    if tags.get(TAG_BACKEND).map(String::as_str) == Some(STATE_BUCKET_ROLE) {
        report.push(checked(
            format!("{name}: {TAG_BACKEND} tag"),
            Step::Unchanged,
        ));
    } else {
        tags.insert(TAG_BACKEND.to_string(), STATE_BUCKET_ROLE.to_string());
        s3_bucket::put_tags(c, bucket, &tags).await?;
        report.push(checked(format!("{name}: {TAG_BACKEND} tag"), Step::Updated));
    }
    ensure(
        report,
        format!("{name}: versioning"),
        s3p::versioning_enabled(c, bucket),
        s3p::enable_versioning(c, bucket),
    )
    .await?;
    ensure(
        report,
        format!("{name}: default encryption"),
        async { Ok(s3p::default_encryption(c, bucket).await?.is_some()) },
        s3_bucket::put_encryption(c, bucket, &Default::default()),
    )
    .await?;
    ensure(
        report,
        format!("{name}: public access block"),
        s3p::public_access_blocked(c, bucket),
        s3p::block_public_access(c, bucket),
    )
    .await?;
    ensure(
        report,
        format!("{name}: BucketOwnerEnforced"),
        s3p::owner_enforced(c, bucket),
        s3p::enforce_owner(c, bucket),
    )
    .await?;

    // Add the TLS-only statement to whatever policy is there, never replacing other statements.
    let ours = s3p::deny_insecure_transport(bucket);
    let live = s3p::policy(c, bucket).await?;
    let statements: Vec<serde_json::Value> = match live.as_ref().and_then(|p| p.get("Statement")) {
        Some(serde_json::Value::Array(list)) => list.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    };
    let wrap = |s: &serde_json::Value| serde_json::json!({ "Statement": [s] });
    let has_ours = statements.iter().any(|s| {
        let mut s = s.clone();
        if let Some(obj) = s.as_object_mut() {
            obj.remove("Sid");
        }
        let mut want = ours.clone();
        if let Some(obj) = want.as_object_mut() {
            obj.remove("Sid");
        }
        policy::equivalent(&wrap(&s), &wrap(&want))
    });
    if has_ours {
        report.push(checked(
            format!("{name}: TLS-only bucket policy"),
            Step::Unchanged,
        ));
    } else {
        let mut statements = statements;
        statements.push(ours);
        let document = serde_json::json!({ "Version": "2012-10-17", "Statement": statements });
        s3p::put_policy(c, bucket, &document).await?;
        report.push(checked(
            format!("{name}: TLS-only bucket policy"),
            Step::Updated,
        ));
    }
    Ok(())
}

async fn lock_table(
    clients: &Clients,
    table: &str,
    report: &mut Vec<Checked>,
) -> Result<(), BootstrapError> {
    let c = &clients.backend_dynamodb;
    let name = format!("lock table {table}");
    let want = |mut spec: TableSpec| {
        spec.billing_mode = BillingMode::PayPerRequest;
        spec.read_capacity = None;
        spec.write_capacity = None;
        spec.point_in_time_recovery = true;
        spec.deletion_protection = true;
        spec.tags
            .insert(TAG_BACKEND.to_string(), LOCK_TABLE_ROLE.to_string());
        spec
    };
    match dynamodb::read(c, table).await? {
        None => {
            let spec = want(TableSpec {
                name: table.to_string(),
                billing_mode: BillingMode::PayPerRequest,
                read_capacity: None,
                write_capacity: None,
                hash_key: LOCK_KEY_ATTRIBUTE.to_string(),
                range_key: None,
                attributes: vec![AttributeDefinition {
                    name: LOCK_KEY_ATTRIBUTE.to_string(),
                    attribute_type: AttributeType::S,
                }],
                global_secondary_indexes: Vec::new(),
                ttl_attribute: None,
                point_in_time_recovery: true,
                server_side_encryption: Default::default(),
                deletion_protection: true,
                tags: Default::default(),
            });
            dynamodb::create(c, &spec).await?;
            report.push(checked(name, Step::Created));
        }
        Some(live) => {
            if live.spec.hash_key != LOCK_KEY_ATTRIBUTE || live.spec.range_key.is_some() {
                return Err(BootstrapError::WrongLockTable {
                    table: table.to_string(),
                    found: format!(
                        "hash {} range {:?}",
                        live.spec.hash_key, live.spec.range_key
                    ),
                });
            }
            let desired = want(live.spec.clone());
            if desired == live.spec {
                report.push(checked(name, Step::Unchanged));
            } else {
                dynamodb::update(c, &desired, &live).await?;
                report.push(checked(name, Step::Updated));
            }
        }
    }
    Ok(())
}
