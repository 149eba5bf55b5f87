//! The environment lock: one item in the lock table, written only with conditions, holding a lease
//! that its holder renews while it works. A crashed holder blocks others for one lease, not forever.

use crate::provider::{aws_error, AwsError, ErrorClass};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The lock table's key attribute; the same name Terraform's S3 backend uses.
pub const LOCK_KEY_ATTRIBUTE: &str = "LockID";
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// Who holds a lock, for what, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockInfo {
    pub id: String,
    pub operation: String,
    pub who: String,
    pub version: String,
    pub created: String,
    /// Lease end, milliseconds since the Unix epoch.
    pub expires_ms: i64,
}

impl LockInfo {
    pub fn new(operation: &str, lease: Duration) -> Self {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: who_am_i(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: now_rfc3339(),
            expires_ms: now_ms() + lease.as_millis() as i64,
        }
    }

    pub fn is_expired(&self) -> bool {
        self.expires_ms < now_ms()
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let left = (self.expires_ms - now_ms()) as f64 / 1000.0;
        let lease = if left >= 0.0 {
            format!("lease ends in {left:.0}s")
        } else {
            format!("lease expired {:.0}s ago", -left)
        };
        write!(
            f,
            "id {}, {} by {} (dtr {}), since {}, {}",
            self.id, self.operation, self.who, self.version, self.created, lease
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the state is locked: {holder}\n  (wait with --lock-timeout <duration>; if the holder is gone, its lease expires on its own; if you are sure it is gone, `dtr force-unlock --env <env> {} --force`)", holder.id)]
    Held { holder: LockInfo },
    #[error("{reason} while waiting for the lock, held: {holder}; nothing was changed")]
    Stopped { reason: String, holder: LockInfo },
    #[error("timed out after {waited:?} waiting for the lock, still held: {holder}")]
    Timeout { waited: Duration, holder: LockInfo },
    #[error("lock id {given} does not match the lock held ({})", match held { Some(h) => h.to_string(), None => "no lock is held".into() })]
    Mismatch {
        given: String,
        held: Option<LockInfo>,
    },
    #[error("the lock item in {table} is malformed: {reason}")]
    Malformed { table: String, reason: String },
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// Terraform's `statemgr.Locker`, with a lease.
pub trait Locker {
    /// Take the lock for `info`; an expired lease is taken over and reported in the result.
    fn lock(
        &self,
        info: &LockInfo,
    ) -> impl std::future::Future<Output = Result<Acquired, LockError>> + Send;
    /// Release the lock, only if `id` holds it.
    fn unlock(&self, id: &str) -> impl std::future::Future<Output = Result<(), LockError>> + Send;
}

/// A lock taken, and the expired holder it replaced, if any.
#[derive(Debug, Clone)]
pub struct Acquired {
    pub info: LockInfo,
    pub took_over: Option<LockInfo>,
}

/// The lock of one state object, as an item of a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoLock {
    client: Client,
    table: String,
    lock_key: String,
    pub lease: Duration,
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

impl DynamoLock {
    pub fn new(client: Client, table: &str, state_bucket: &str, state_key: &str) -> Self {
        DynamoLock {
            client,
            table: table.to_string(),
            lock_key: format!("{state_bucket}/{state_key}"),
            lease: DEFAULT_LEASE,
        }
    }

    fn item(&self, info: &LockInfo) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (LOCK_KEY_ATTRIBUTE.to_string(), s(&self.lock_key)),
            ("Id".to_string(), s(&info.id)),
            ("Operation".to_string(), s(&info.operation)),
            ("Who".to_string(), s(&info.who)),
            ("Version".to_string(), s(&info.version)),
            ("Created".to_string(), s(&info.created)),
            (
                "Expires".to_string(),
                AttributeValue::N(info.expires_ms.to_string()),
            ),
        ])
    }

    fn what(&self) -> String {
        format!("lock {} in table {}", self.lock_key, self.table)
    }

    /// The lock as it stands, if anyone holds it.
    pub async fn current(&self) -> Result<Option<LockInfo>, LockError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(LOCK_KEY_ATTRIBUTE, s(&self.lock_key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error("GetItem", self.what(), e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        let malformed = |reason: &str| LockError::Malformed {
            table: self.table.clone(),
            reason: reason.to_string(),
        };
        Ok(Some(LockInfo {
            id: text("Id").ok_or_else(|| malformed("no Id"))?,
            operation: text("Operation").unwrap_or_default(),
            who: text("Who").unwrap_or_default(),
            version: text("Version").unwrap_or_default(),
            created: text("Created").unwrap_or_default(),
            // A lock without a lease (e.g. written by Terraform) never expires by itself.
            expires_ms: item
                .get("Expires")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or(i64::MAX),
        }))
    }

    async fn put(&self, info: &LockInfo, replacing: Option<&LockInfo>) -> Result<bool, LockError> {
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.item(info)));
        req = match replacing {
            None => req
                .condition_expression("attribute_not_exists(#k)")
                .expression_attribute_names("#k", LOCK_KEY_ATTRIBUTE),
            Some(old) => req
                .condition_expression("#id = :old_id AND #exp = :old_exp")
                .expression_attribute_names("#id", "Id")
                .expression_attribute_names("#exp", "Expires")
                .expression_attribute_values(":old_id", s(&old.id))
                .expression_attribute_values(
                    ":old_exp",
                    AttributeValue::N(old.expires_ms.to_string()),
                ),
        };
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                let e = aws_error("PutItem", self.what(), e);
                if e.class == ErrorClass::Conflict {
                    Ok(false)
                } else {
                    Err(e.into())
                }
            }
        }
    }

    /// Keep trying until `timeout`, calling `waiting` with the holder each time it is still held.
    pub async fn lock_with_timeout(
        &self,
        info: &LockInfo,
        timeout: Duration,
        waiting: &(dyn Fn(&LockInfo) + Sync),
    ) -> Result<Acquired, LockError> {
        let start = std::time::Instant::now();
        let backoff = crate::retry::Backoff {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(5),
            multiplier: 1.5,
        };
        let mut attempt = 0;
        loop {
            // The lease runs from when the lock is taken, not from when waiting began: a waiter that
            // waited longer than a lease must not write a lock that is already expired.
            let mut info = info.clone();
            info.expires_ms = now_ms() + self.lease.as_millis() as i64;
            match self.lock(&info).await {
                Err(LockError::Held { holder }) => {
                    if start.elapsed() >= timeout {
                        return if timeout.is_zero() {
                            Err(LockError::Held { holder })
                        } else {
                            Err(LockError::Timeout {
                                waited: start.elapsed(),
                                holder,
                            })
                        };
                    }
                    waiting(&holder);
                    let left = timeout.saturating_sub(start.elapsed());
                    // A signal while waiting ends the wait: nothing is held yet, nothing to undo.
                    let pause = tokio::time::sleep(backoff.delay(attempt).min(left));
                    if let Err(reason) = crate::interrupt::or_stop(pause).await {
                        return Err(LockError::Stopped {
                            reason: reason.to_string(),
                            holder,
                        });
                    }
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// A conditional write on our lock id that failed: `Mismatch` (naming who holds it now) when the
    /// condition did not hold, the AWS error otherwise.
    async fn not_ours(&self, id: &str, e: AwsError) -> LockError {
        if e.class != ErrorClass::Conflict {
            return e.into();
        }
        match self.current().await {
            Ok(held) => LockError::Mismatch {
                given: id.to_string(),
                held,
            },
            Err(other) => other,
        }
    }

    /// Push the lease end forward; fails with `Mismatch` if the lock is no longer ours.
    pub async fn renew(&self, id: &str) -> Result<(), LockError> {
        let expires = now_ms() + self.lease.as_millis() as i64;
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(LOCK_KEY_ATTRIBUTE, s(&self.lock_key))
            .update_expression("SET #exp = :exp")
            .condition_expression("#id = :id")
            .expression_attribute_names("#exp", "Expires")
            .expression_attribute_names("#id", "Id")
            .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()))
            .expression_attribute_values(":id", s(id))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) => Err(self
                .not_ours(id, aws_error("UpdateItem", self.what(), e))
                .await),
        }
    }
}

impl Locker for DynamoLock {
    async fn lock(&self, info: &LockInfo) -> Result<Acquired, LockError> {
        if self.put(info, None).await? {
            return Ok(Acquired {
                info: info.clone(),
                took_over: None,
            });
        }
        let Some(holder) = self.current().await? else {
            // Released between our two calls: try once more from the top.
            return if self.put(info, None).await? {
                Ok(Acquired {
                    info: info.clone(),
                    took_over: None,
                })
            } else {
                Err(LockError::Held {
                    holder: self.current().await?.unwrap_or_else(|| info.clone()),
                })
            };
        };
        // A retried PutItem whose first attempt did reach DynamoDB finds our own lock: it is ours.
        if holder.id == info.id {
            return Ok(Acquired {
                info: info.clone(),
                took_over: None,
            });
        }
        if holder.is_expired() && self.put(info, Some(&holder)).await? {
            return Ok(Acquired {
                info: info.clone(),
                took_over: Some(holder),
            });
        }
        Err(LockError::Held { holder })
    }

    async fn unlock(&self, id: &str) -> Result<(), LockError> {
        let r = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(LOCK_KEY_ATTRIBUTE, s(&self.lock_key))
            .condition_expression("#id = :id")
            .expression_attribute_names("#id", "Id")
            .expression_attribute_values(":id", s(id))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) => Err(self
                .not_ours(id, aws_error("DeleteItem", self.what(), e))
                .await),
        }
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `user@host`, from the environment and the kernel, as best they say.
fn who_am_i() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    format!("{user}@{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_expiry_is_judged_against_now() {
        let mut info = LockInfo::new("apply", Duration::from_secs(60));
        assert!(!info.is_expired());
        info.expires_ms = now_ms() - 1;
        assert!(info.is_expired());
        assert!(info.to_string().contains("expired"), "{info}");
    }
}
