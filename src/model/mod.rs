//! The desired stack as pure data: addresses, resource kinds and their typed specifications. No I/O.

pub mod address;
pub mod api;
pub mod bucket;
pub mod function;
pub mod kinds;
pub mod log_group;
pub mod metric_math;
pub mod monitoring;
pub mod policy;
pub mod reference;
pub mod role;
pub mod runtime;
pub mod schedule;
pub mod sensitive;
pub mod table;
pub mod tags;
pub mod topic;

pub use address::{ResourceAddress, ResourceKind, Target};

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Where a value came from, for diagnostics: `file:line:column` (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// The backend of an environment: where its state object and its lock live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backend {
    pub state_bucket: String,
    pub lock_table: String,
    pub state_key: String,
    /// Where the state bucket and the lock table live; the environment's region when not given.
    /// Fixed by the environment file, never by `--region`: every run of an environment must meet
    /// at the same lock.
    pub region: String,
}

/// One resource as the configuration wants it.
///
/// `properties` is the kind's spec serialised to JSON with every `${param.*}` already substituted and the
/// engine's `dtr:*` tags merged in. Strings may still contain `${resource.<name>.<attr>}` references,
/// which are resolved at apply time from the outputs of the resources they name (listed in `depends_on`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredResource {
    pub address: ResourceAddress,
    pub properties: serde_json::Value,
    pub depends_on: Vec<ResourceAddress>,
    pub location: SourceLocation,
    /// The property paths a `sensitive` parameter flows to (see [`sensitive`]): masked wherever the
    /// resource is shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_paths: Vec<String>,
    /// Security checks acknowledged on it (`acknowledge:`), so a plan about to be applied can be
    /// judged again with them.
    #[serde(default)]
    pub acknowledged: Vec<String>,
}

/// A whole environment of a stack, validated and ready to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub stack: String,
    pub environment: String,
    pub region: String,
    pub account_id: Option<String>,
    pub backend: Backend,
    /// In dependency order: every resource comes after everything it depends on.
    pub resources: Vec<DesiredResource>,
    /// Stack outputs: name → template string (may contain `${resource.*}` references).
    pub outputs: BTreeMap<String, String>,
    /// The files the desired state was read from, for messages and plan fingerprints.
    pub sources: Vec<PathBuf>,
    /// The outputs a `sensitive` parameter flows to: shown masked.
    pub sensitive_outputs: BTreeSet<String>,
    /// `moved:` entries: renames that keep the resource (validated: see `config::lifecycle`).
    pub moved: Vec<Moved>,
    /// `removed:` entries: what to do with resources no longer declared.
    pub removed: Vec<Removed>,
    /// Read from the environment file alone, to destroy everything the state owns
    /// (`config::load_environment`): every delete planned is the destroy asked for.
    pub destroying: bool,
    /// The string parameters that are not sensitive, with their values: for hints that name a
    /// parameter (a migration's name mismatch).
    pub parameters: BTreeMap<String, String>,
    /// Each parameter's value as shown (`(sensitive)` for a sensitive one) and where it came from
    /// (the environment file, `DTR_PARAM_<name>`, a `--param-file`, `--param`, or the stack's
    /// default), as `dtr validate` shows them.
    pub parameter_origins: BTreeMap<String, (String, String)>,
}

/// A `moved:` entry: what the state records at `from` is now declared at `to`, the same resource
/// (Terraform's `moved` block). A `from` the state does not hold is a no-op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub from: ResourceAddress,
    pub to: ResourceAddress,
}

/// A `removed:` entry: `from` is no longer declared; with `destroy: false` it is dropped from the
/// state and left in AWS (forgotten), with `destroy: true` it is deleted as usual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    pub from: ResourceAddress,
    pub destroy: bool,
}

/// What a resource holds that goes with it when it is deleted, for the plan's data-loss warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldData {
    /// What the resource is called in a sentence: `table`.
    pub noun: &'static str,
    /// What its deletion destroys with it: `every item in it`.
    pub contents: &'static str,
    /// Its contents go only with `force_destroy: true`; without it AWS refuses to delete it while it
    /// holds any (an S3 bucket).
    pub kept_without_force_destroy: bool,
}

#[cfg(test)]
impl Desired {
    /// An environment `dev` of stack `s` declaring `resources` (address, properties) in that order,
    /// with nothing else set: the fixture of the planner's and the migration's unit tests.
    pub fn for_test(resources: &[(&str, serde_json::Value)]) -> Desired {
        Desired {
            stack: "s".into(),
            environment: "dev".into(),
            region: "us-east-1".into(),
            account_id: None,
            backend: Backend {
                state_bucket: "b".into(),
                lock_table: "l".into(),
                state_key: "k".into(),
                region: "us-east-1".into(),
            },
            resources: resources
                .iter()
                .map(|(address, properties)| DesiredResource {
                    address: address.parse().expect("a test address"),
                    properties: properties.clone(),
                    depends_on: Vec::new(),
                    location: SourceLocation {
                        file: "stack.yaml".into(),
                        line: 1,
                        column: 1,
                    },
                    sensitive_paths: Vec::new(),
                    acknowledged: Vec::new(),
                })
                .collect(),
            outputs: BTreeMap::new(),
            sources: Vec::new(),
            sensitive_outputs: BTreeSet::new(),
            moved: Vec::new(),
            removed: Vec::new(),
            destroying: false,
            parameters: BTreeMap::new(),
            parameter_origins: BTreeMap::new(),
        }
    }
}

impl Desired {
    pub fn resource(&self, address: &ResourceAddress) -> Option<&DesiredResource> {
        self.resources.iter().find(|r| &r.address == address)
    }
}

/// The tags the engine puts on every taggable resource.
pub const TAG_STACK: &str = "dtr:stack";
pub const TAG_ENV: &str = "dtr:env";
pub const TAG_ADDRESS: &str = "dtr:address";
/// On the state bucket and the lock table (set by `dtr bootstrap`): dtr's own backend, which no
/// environment may manage, import or delete under any address.
pub const TAG_BACKEND: &str = "dtr:backend";

/// A problem found in one field of a spec by its own validation, located by a path of keys and indices
/// relative to the resource's `properties` (e.g. `["global_secondary_indexes", "0", "name"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: Vec<String>,
    pub message: String,
}

impl FieldError {
    pub fn new(path: &[&str], message: impl Into<String>) -> Self {
        FieldError {
            path: path.iter().map(|s| s.to_string()).collect(),
            message: message.into(),
        }
    }
}

/// Where a spec keeps its tags.
pub type TagsOf<S> = fn(&mut S) -> &mut BTreeMap<String, String>;

/// What every resource kind's spec declares: the facts the configuration loader and the planner need
/// about a kind without asking AWS. Implemented once, in the kind's own spec file; the kind is listed
/// once, in [`kinds`], and everything else is derived from these.
pub trait ResourceSpec: serde::Serialize + serde::de::DeserializeOwned {
    /// The attributes `${resource.<name>.<attr>}` may read from a resource of this kind.
    const EXPORTS: &'static [&'static str];
    /// The property naming the resource this one lives inside (an API's children, a function's
    /// permissions), which is found again only by looking inside that parent.
    const PARENT: Option<&'static str> = None;
    /// Where the spec keeps its tags, if the service takes tags (and so dtr's `dtr:*` ownership
    /// tags, which the engine adds there).
    const TAGS: Option<TagsOf<Self>> = None;
    /// The service's rules for those tags.
    const TAG_RULES: tags::TagRules = tags::TagRules::GENERAL;
    /// What deleting a resource of this kind destroys with it (a table's items, a log group's
    /// events), said in every plan that deletes or replaces one.
    const HOLDS_DATA: Option<HeldData> = None;
    /// The kind's own rules (naming, consistency between fields); every problem, not just the first.
    fn validate(&self) -> Vec<FieldError>;
    /// Paths of free-form JSON documents among its properties (policies, a dashboard body), which
    /// keep the types they were written with in YAML.
    fn documents(&self) -> Vec<Vec<String>> {
        Vec::new()
    }
    /// The directory its code is packaged from (a function's `source`), relative to the stack.
    fn code_source(&self) -> Option<&str> {
        None
    }
}
