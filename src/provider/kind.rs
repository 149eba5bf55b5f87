//! One trait for every resource kind, implemented once per kind in `provider/<service>/<kind>.rs`,
//! and the one adapter between its typed world and the engine's generic one.
//!
//! A kind's [`ResourceType`] works on its spec (the model's [`ResourceSpec`]) and a [`Live`] of it;
//! the planner and the executor work on JSON properties and [`Observed`] values through
//! `super::adapter::Resource`, which its `Adapter` implements for every kind; the registry
//! (`super::registry`) hands out the adapter of a kind.

use super::aws::Clients;
use super::{AwsError, WaitError};
use crate::model::ResourceSpec;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;

/// A live resource as its kind reads it: the spec as AWS reports it, and what references read.
#[derive(Debug, Clone, PartialEq)]
pub struct Live<S> {
    pub physical_id: String,
    pub spec: S,
    /// What references to it read (`name`, `arn`, …).
    pub outputs: BTreeMap<String, String>,
    /// Properties the endpoint did not report (moto omits a function's `LoggingConfig`): they cannot
    /// be compared, so the configured value is taken for them.
    pub unreported: Vec<&'static str>,
    /// Properties read from a source that may lag behind the resource (its tags from the tagging
    /// API's index: [`super::tag_index`]): a change of one is confirmed by a read of the resource's
    /// own before it is planned.
    pub provisional: Vec<&'static str>,
}

impl<S> Live<S> {
    /// A resource known by its name, whose references read `name` and `arn`.
    pub fn named(name: &str, spec: S, arn: String) -> Self {
        Live {
            physical_id: name.to_string(),
            spec,
            outputs: BTreeMap::from([
                ("name".to_string(), name.to_string()),
                ("arn".to_string(), arn),
            ]),
            unreported: Vec::new(),
            provisional: Vec::new(),
        }
    }

    /// A resource whose references read only `output`, with `value`.
    pub fn with_output(physical_id: &str, spec: S, output: &str, value: &str) -> Self {
        Live {
            physical_id: physical_id.to_string(),
            spec,
            outputs: BTreeMap::from([(output.to_string(), value.to_string())]),
            unreported: Vec::new(),
            provisional: Vec::new(),
        }
    }

    /// Its ARN, as its read reported it (empty when the kind has none).
    pub fn arn(&self) -> &str {
        self.outputs.get("arn").map(String::as_str).unwrap_or("")
    }
}

/// A live resource in the shape of its kind's spec, serialised like the desired properties.
pub type Observed = Live<Value>;

impl Observed {
    pub fn tags(&self) -> BTreeMap<String, String> {
        self.spec
            .get("tags")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_default()
    }
}

/// Desired and observed put side by side, normalised so that equal means equal.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    pub desired: Value,
    pub observed: Option<Value>,
    /// Attributes (top-level keys) whose change forces a replacement.
    pub replace_reasons: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Wait(#[from] WaitError),
    /// What AWS would refuse, or dtr will not do, with why and what to do instead.
    #[error("{0}")]
    Refused(String),
    #[error("invalid properties: {0}")]
    Invalid(String),
    #[error(transparent)]
    Package(#[from] super::package::PackageError),
}

impl ResourceError {
    /// The AWS error behind this failure, for codes and request ids in summaries.
    pub fn aws(&self) -> Option<&AwsError> {
        match self {
            ResourceError::Aws(e) | ResourceError::Wait(WaitError::Failed(e)) => Some(e),
            _ => None,
        }
    }
}

pub type Result<T, E = ResourceError> = std::result::Result<T, E>;

/// How the Terraform AWS provider records a kind, for `dtr migrate terraform`: its resource type, the
/// physical id dtr knows it by (read from that resource's attributes in a Terraform state), and the
/// resources Terraform models apart that dtr folds into this kind (a bucket's versioning).
#[derive(Debug, Clone, Copy)]
pub struct Terraform {
    pub resource: &'static str,
    pub physical_id: fn(&Value) -> Option<String>,
    pub folded: &'static [Folded],
}

/// A Terraform resource dtr models as part of another kind, and the attribute of it that holds
/// the physical id of the resource it belongs to (a bucket's versioning names its `bucket`).
#[derive(Debug, Clone, Copy)]
pub struct Folded {
    pub resource: &'static str,
    pub parent_attribute: &'static str,
}

/// A non-empty string attribute of a Terraform resource.
pub fn tf_attr(attributes: &Value, key: &str) -> Option<String> {
    attributes
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// One kind of AWS resource: how to read, find, create, update and delete it, and how its desired and
/// live specs compare. Implemented on the kind's spec type, in `provider/<service>/<kind>.rs`.
pub trait ResourceType: ResourceSpec + Clone + Send + Sync + 'static {
    /// Top-level attributes whose change AWS cannot apply in place (the provider schema's ForceNew):
    /// data, compared by value, never by hand.
    const FORCE_NEW: &'static [&'static str];
    /// Created by one call and tagged by another (S3), so for a moment it exists without the tags
    /// that mark it as dtr's: its creation is written to the state as an intent first.
    const TAGGED_AFTER_CREATE: bool = false;
    /// The properties that tell one resource of this kind from another in an account (its name; an
    /// API child's API and key): how a resource found elsewhere (a Terraform state) is matched to an
    /// address. Compared after normalisation, as the planner compares.
    const IDENTITY: &'static [&'static str] = &["name"];
    /// How the Terraform AWS provider records this kind.
    const TERRAFORM: Option<Terraform> = None;
    /// The service under which the Resource Groups Tagging API lists this kind (its
    /// `ResourceTypeFilters`), for a kind whose tags cost a read of their own and which takes them
    /// from [`super::tag_index`] when the index holds them; `None` for the rest.
    const TAGGING_SERVICE: Option<&'static str> = None;

    /// The id a resource with these properties would have, when they decide it: its `name` unless
    /// the kind says otherwise (`None` while a reference in it is unresolved, or when AWS picks it).
    fn physical_id(props: &Value) -> Option<String> {
        known_str(props, "name")
    }

    /// The live resource, `None` when it does not exist.
    fn read(clients: &Clients, id: &str)
        -> impl Future<Output = Result<Option<Live<Self>>>> + Send;

    /// How many ids one [`ResourceType::read_batch`] takes; 0 (the default) when the kind reads one
    /// resource at a time.
    const BATCH: usize = 0;

    /// Read up to [`ResourceType::BATCH`] resources in fewer calls than one read each, where AWS
    /// allows it (alarms by a hundred names, log groups by pages of a shared prefix): for each id it
    /// truly asked about, the resource without what [`ResourceType::complete`] adds, or `None` when
    /// it does not exist. An id left out of the answer is read alone.
    fn read_batch(
        _clients: &Clients,
        _ids: &[String],
    ) -> impl Future<Output = Result<BTreeMap<String, Option<Live<Self>>>>> + Send {
        async { Ok(BTreeMap::new()) }
    }

    /// Add to a resource [`ResourceType::read_batch`] found what only a call of its own reads (its
    /// tags): with it, the resource is what [`ResourceType::read`] would have read.
    fn complete(
        _clients: &Clients,
        live: Live<Self>,
    ) -> impl Future<Output = Result<Live<Self>>> + Send {
        async { Ok(live) }
    }

    /// Find a resource whose id AWS chose and the state does not hold (an apply interrupted between
    /// creating and recording it): its id, if found. `props` has the references known so far
    /// resolved. Kinds whose properties decide their id need none.
    fn discover(
        _clients: &Clients,
        _props: &Value,
    ) -> impl Future<Output = Result<Option<String>>> + Send {
        async { Ok(None) }
    }

    fn create(clients: &Clients, spec: &Self) -> impl Future<Output = Result<Live<Self>>> + Send;

    /// Bring `live` to `desired`; what to change follows from comparing the two.
    fn update(
        clients: &Clients,
        desired: &Self,
        live: &Live<Self>,
    ) -> impl Future<Output = Result<Live<Self>>> + Send;

    /// Delete; `force_destroy` allows deleting what still holds data (a bucket's objects). A target
    /// already gone is deleted.
    fn delete(
        clients: &Clients,
        id: &str,
        force_destroy: bool,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The canonical form of a spec (sorted lists, canonical documents), applied to both sides.
    fn canonical(self) -> Self {
        self
    }

    /// Make the observed spec comparable with the desired one where AWS merely spells a thing
    /// differently, or does not report it (`unreported`).
    fn normalize(_have: &mut Self, _want: &Self, _unreported: &[&'static str]) {}

    /// Reasons beyond [`ResourceType::FORCE_NEW`] that a change replaces (a key attribute's type).
    fn replacement_reasons(_want: &Self, _have: &Self) -> Vec<String> {
        Vec::new()
    }

    /// Why an in-place update from `have` to `want` is one AWS would refuse, if it is. Such a change
    /// is not planned: the message says how to make it.
    fn update_refusal(_want: &Self, _have: &Self) -> Option<String> {
        None
    }
}

/// Read back what was just written, so the state and outputs reflect AWS, not our request.
pub async fn reread<T: ResourceType>(clients: &Clients, id: &str) -> Result<Live<T>> {
    T::read(clients, id).await?.ok_or_else(|| {
        ResourceError::Refused(format!("{id} is not there right after it was written"))
    })
}

/// A string property whose value is known now (no unresolved reference).
pub fn known_str(props: &Value, key: &str) -> Option<String> {
    props
        .get(key)
        .and_then(Value::as_str)
        .filter(|n| !crate::model::reference::has_resource_reference(n))
        .map(str::to_string)
}

/// The `force_destroy` setting of a resource's properties (false when absent).
pub fn force_destroy(props: &Value) -> bool {
    props
        .get("force_destroy")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}
