//! The state object: which addresses this environment owns and their physical ids. Live AWS stays the
//! source of truth for attributes; the state only says what is ours, so nothing unowned is touched.

use crate::model::ResourceAddress;
use crate::provider::{s3 as s3p, AwsError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The newest state format this build reads and writes. Format 2 adds `forgotten`, format 3 the
/// digests of what was applied (`applied`); a state without them is still written in the older format,
/// so a dtr that reads only that goes on reading it.
pub const STATE_FORMAT_VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub format_version: u32,
    /// Identifies one environment's history; a state with another lineage is another environment's.
    pub lineage: String,
    /// Bumped on every write.
    pub serial: u64,
    pub stack: String,
    pub environment: String,
    pub resources: BTreeMap<ResourceAddress, ResourceState>,
    /// What `dtr state rm` forgot, address → physical id: it still carries this environment's tags,
    /// so without this record the next plan would adopt it again as an interrupted apply's work.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub forgotten: BTreeMap<ResourceAddress, String>,
    /// The stored object's ETag when this copy was read or last written (`None`: no object yet).
    /// Every write is conditional on it, so a run whose lock was taken from it cannot overwrite
    /// what the new holder recorded: the state is fenced, not only the lock.
    #[serde(skip)]
    pub etag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceState {
    pub physical_id: String,
    /// What `${resource.<name>.<attr>}` reads, as last seen.
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
    /// Delete it even if it holds data (a bucket's objects): remembered for when its config is gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force_destroy: bool,
    /// What it depended on when last applied, so that its delete can wait for its dependants'.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<ResourceAddress>,
    /// Its creation was started but not seen to finish: written before asking AWS to create a
    /// resource that cannot carry its ownership tags from its first moment (an S3 bucket is tagged
    /// by a second call), so a crash between the two leaves a record, not an unclaimable bucket.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
    /// A digest of each top-level property as last applied (see [`super::applied`]): how the planner
    /// tells a change made outside dtr (drift) from a change of configuration. Empty for what was
    /// recorded before format 3, imported, or adopted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub applied: BTreeMap<String, String>,
}

impl State {
    /// Stop managing `address`, keeping a record of its physical id so that it is not adopted again.
    pub fn forget(&mut self, address: &ResourceAddress) -> Option<ResourceState> {
        let owned = self.resources.remove(address)?;
        self.forgotten
            .insert(address.clone(), owned.physical_id.clone());
        Some(owned)
    }

    /// The oldest format that holds everything in this state: a dtr that cannot read `forgotten`
    /// refuses the state as too new (and leaves it alone) rather than as corrupt.
    pub fn needed_format(&self) -> u32 {
        if self.resources.values().any(|r| !r.applied.is_empty()) {
            3
        } else if !self.forgotten.is_empty() {
            2
        } else {
            1
        }
    }

    /// Whether `physical_id` at `address` is what `dtr state rm` forgot (and nothing recorded since).
    pub fn was_forgotten(&self, address: &ResourceAddress, physical_id: &str) -> bool {
        !self.resources.contains_key(address)
            && self
                .forgotten
                .get(address)
                .is_some_and(|id| id == physical_id)
    }

    pub fn new(stack: &str, environment: &str) -> Self {
        State {
            format_version: 1,
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            stack: stack.to_string(),
            environment: environment.to_string(),
            resources: BTreeMap::new(),
            forgotten: BTreeMap::new(),
            etag: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("the state bucket {bucket} does not exist (NoSuchBucket); run `dtr bootstrap --env {environment}` first")]
    NoBucket {
        bucket: String,
        environment: String,
        source: AwsError,
    },
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("the state object s3://{bucket}/{key} is corrupt and was left untouched: {reason}")]
    Corrupt {
        bucket: String,
        key: String,
        reason: String,
    },
    #[error("the state object s3://{bucket}/{key} has format version {found}; this dtr reads up to {STATE_FORMAT_VERSION}. Upgrade dtr; the state was left untouched")]
    TooNew {
        bucket: String,
        key: String,
        found: u32,
    },
    #[error("the state object s3://{bucket}/{key} was written by another run since this one read it (its lock was taken over or force-unlocked); this run stops without overwriting it. Run plan again")]
    Fenced { bucket: String, key: String },
    #[error("the state object s3://{bucket}/{key} belongs to {found}, not {expected}; check the environment's backend.state_key")]
    WrongOwner {
        bucket: String,
        key: String,
        found: String,
        expected: String,
    },
}

/// Reads and writes one environment's state object. Give it the backend's S3 client
/// ([`crate::provider::aws::Clients::backend_s3`]), which names the account that must own the bucket on
/// every call, so a bucket of the same name in another account is never read or written.
#[derive(Debug, Clone)]
pub struct StateStore {
    client: aws_sdk_s3::Client,
    pub bucket: String,
    pub key: String,
}

impl StateStore {
    pub fn new(client: aws_sdk_s3::Client, bucket: &str, key: &str) -> Self {
        StateStore {
            client,
            bucket: bucket.to_string(),
            key: key.to_string(),
        }
    }

    /// The current state, or a fresh empty one when there is none yet.
    pub async fn load(&self, stack: &str, environment: &str) -> Result<State, StateError> {
        let read = s3p::get_object(&self.client, &self.bucket, &self.key).await;
        let read = read.map_err(|source| match source.code.as_deref() {
            // A fresh account: bootstrap has not run.
            Some("NoSuchBucket") => StateError::NoBucket {
                bucket: self.bucket.clone(),
                environment: environment.to_string(),
                source,
            },
            _ => StateError::Aws(source),
        })?;
        let Some((bytes, etag)) = read else {
            return Ok(State::new(stack, environment));
        };
        let mut state = self.parse(&bytes)?;
        state.etag = etag;
        let (found, expected) = (
            format!("{}/{}", state.stack, state.environment),
            format!("{stack}/{environment}"),
        );
        if found != expected {
            return Err(StateError::WrongOwner {
                bucket: self.bucket.clone(),
                key: self.key.clone(),
                found,
                expected,
            });
        }
        Ok(state)
    }

    fn corrupt(&self, reason: String) -> StateError {
        StateError::Corrupt {
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            reason,
        }
    }

    fn parse(&self, bytes: &[u8]) -> Result<State, StateError> {
        // Read the version first, so a newer format is refused as such rather than as "unknown field".
        let raw: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| self.corrupt(e.to_string()))?;
        let version = raw
            .get("format_version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| self.corrupt("no numeric format_version".into()))?;
        if version > u64::from(STATE_FORMAT_VERSION) {
            return Err(StateError::TooNew {
                bucket: self.bucket.clone(),
                key: self.key.clone(),
                found: u32::try_from(version).unwrap_or(u32::MAX),
            });
        }
        let state: State = serde_json::from_value(raw).map_err(|e| self.corrupt(e.to_string()))?;
        if state.serial == u64::MAX {
            // No write could follow it: refuse it now, before any change, not after the first one.
            return Err(self.corrupt(format!(
                "its serial is {}, the maximum, so it can never be written again",
                state.serial
            )));
        }
        Ok(state)
    }

    /// Write `state` with its serial bumped, only over the object it was read from (or written as
    /// last): if another run wrote the object since, nothing is written and the error is
    /// [`StateError::Fenced`]. A write whose answer was lost and whose retry then failed its
    /// condition is recognised by reading the object back: if it holds exactly what was sent, the
    /// write landed.
    pub async fn save(&self, state: &mut State) -> Result<(), StateError> {
        let serial = state.serial.checked_add(1).ok_or_else(|| {
            self.corrupt(format!(
                "its serial {} is at the maximum and cannot be bumped",
                state.serial
            ))
        })?;
        let mut next = state.clone();
        next.serial = serial;
        next.format_version = state.needed_format();
        let mut body = serde_json::to_vec_pretty(&next).map_err(|e| self.corrupt(e.to_string()))?;
        body.push(b'\n');
        let replacing = match &state.etag {
            Some(etag) => s3p::Replacing::Version(etag),
            None => s3p::Replacing::Nothing,
        };
        // S3 answers 409 ConditionalRequestConflict while another conditional write to the key is
        // in progress, and asks for a retry: the retry then meets the condition's real answer.
        let mut attempt = 0;
        let written = loop {
            let written = s3p::put_object(
                &self.client,
                &self.bucket,
                &self.key,
                body.clone(),
                replacing,
            )
            .await;
            match written {
                Err(e) if e.is_concurrent_conditional_write() && attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
                }
                other => break other,
            }
        };
        let answered = match written {
            Ok(etag) => etag,
            // The condition failed: another run wrote, or this write landed and its answer was lost
            // (the SDK's retry then met its own write).
            Err(e) if e.class == crate::provider::ErrorClass::Conflict => None,
            Err(e) => return Err(e.into()),
        };
        let etag = match answered {
            Some(etag) => Some(etag),
            // What is stored says whether this write landed, and gives its ETag.
            None => match s3p::get_object(&self.client, &self.bucket, &self.key).await? {
                Some((stored, etag)) if stored == body => etag,
                _ => {
                    return Err(StateError::Fenced {
                        bucket: self.bucket.clone(),
                        key: self.key.clone(),
                    })
                }
            },
        };
        state.serial = serial;
        state.format_version = next.format_version;
        state.etag = etag;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> StateStore {
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .build();
        StateStore::new(aws_sdk_s3::Client::from_conf(conf), "b", "k")
    }

    #[test]
    fn round_trips() {
        let mut s = State::new("stack", "dev");
        s.resources.insert(
            "dynamodb_table.tools".parse().unwrap(),
            ResourceState {
                physical_id: "t".into(),
                outputs: BTreeMap::new(),
                force_destroy: false,
                depends_on: vec![],
                pending: false,
                applied: Default::default(),
            },
        );
        let bytes = serde_json::to_vec(&s).unwrap();
        assert_eq!(store().parse(&bytes).unwrap(), s);
    }

    #[test]
    fn a_forgotten_address_is_remembered_until_recorded_again() {
        let mut s = State::new("stack", "dev");
        let address: ResourceAddress = "log_group.logs".parse().unwrap();
        let owned = ResourceState {
            physical_id: "/logs".into(),
            outputs: BTreeMap::new(),
            force_destroy: false,
            depends_on: vec![],
            pending: false,
            applied: Default::default(),
        };
        s.resources.insert(address.clone(), owned.clone());
        assert!(!s.was_forgotten(&address, "/logs"));
        assert_eq!(s.forget(&address), Some(owned.clone()));
        assert!(s.forget(&address).is_none(), "forgotten once");
        assert!(s.was_forgotten(&address, "/logs"));
        assert!(
            !s.was_forgotten(&address, "/other"),
            "another resource there is not"
        );
        assert_eq!(
            s.needed_format(),
            2,
            "a dtr reading only format 1 would drop it"
        );
        s.format_version = s.needed_format();
        let bytes = serde_json::to_vec(&s).unwrap();
        assert_eq!(
            store().parse(&bytes).unwrap(),
            s,
            "the record survives a write"
        );
        s.resources.insert(address.clone(), owned);
        assert!(!s.was_forgotten(&address, "/logs"), "owned again");
        s.forgotten.clear();
        assert_eq!(s.needed_format(), 1, "nothing format 1 cannot hold");
    }

    #[test]
    fn newer_format_is_refused_as_such() {
        let err = store()
            .parse(br#"{"format_version": 99, "something_new": true}"#)
            .unwrap_err();
        assert!(matches!(err, StateError::TooNew { found: 99, .. }), "{err}");
    }

    #[test]
    fn a_serial_at_its_maximum_is_corrupt_not_a_panic() {
        let mut s = State::new("stack", "dev");
        s.serial = u64::MAX;
        let bytes = serde_json::to_vec(&s).unwrap();
        let err = store().parse(&bytes).unwrap_err();
        assert!(err.to_string().contains("maximum"), "{err}");
        // Past u64 it does not even parse.
        let text = String::from_utf8(bytes)
            .unwrap()
            .replace(&u64::MAX.to_string(), "18446744073709551616");
        assert!(matches!(
            store().parse(text.as_bytes()).unwrap_err(),
            StateError::Corrupt { .. }
        ));
    }

    #[test]
    fn edited_digests_of_the_wrong_shape_are_corrupt_not_dropped() {
        let mut s = State::new("stack", "dev");
        let owned = ResourceState {
            physical_id: "/logs".into(),
            outputs: BTreeMap::new(),
            force_destroy: false,
            depends_on: vec![],
            pending: false,
            applied: BTreeMap::from([("retention_days".into(), "0a1b".into())]),
        };
        s.resources.insert("log_group.logs".parse().unwrap(), owned);
        s.format_version = s.needed_format();
        assert_eq!(s.format_version, 3);
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(store().parse(text.as_bytes()).unwrap(), s, "round trip");
        for edited in [
            text.replace(r#""0a1b""#, "7"),
            text.replace(r#"{"retention_days":"0a1b"}"#, r#"["0a1b"]"#),
        ] {
            assert!(
                matches!(
                    store().parse(edited.as_bytes()).unwrap_err(),
                    StateError::Corrupt { .. }
                ),
                "{edited}"
            );
        }
    }

    #[test]
    fn garbage_is_corrupt() {
        assert!(matches!(
            store().parse(b"{not json").unwrap_err(),
            StateError::Corrupt { .. }
        ));
        assert!(matches!(
            store().parse(br#"{"format_version": 1}"#).unwrap_err(),
            StateError::Corrupt { .. }
        ));
    }
}
