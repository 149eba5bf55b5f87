//! A plan is a plain value: what to do to each resource and why. `diff` computes it (pure),
//! `render` prints it, serde saves it, `exec` applies it.

pub mod data_loss;
pub mod diff;
mod mask;
pub mod moves;
pub mod render;
pub mod saved;
pub mod select;

use crate::model::ResourceAddress;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Version of the plan's JSON form (`dtr plan --json`); bumped on any incompatible change.
pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub stack: String,
    pub environment: String,
    /// Every resource in the configuration or the state, in the order they will be applied:
    /// creates and updates in dependency order, then deletes in reverse dependency order.
    pub changes: Vec<ResourceChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    Replace,
    Delete,
    /// Dropped from the state and left in AWS (a `removed` entry with `destroy: false`).
    Forget,
}

impl Action {
    /// Terraform's symbols: `+`, `~`, `-/+`, `-`.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Forget => ".",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Action::NoOp => "no changes",
            Action::Create => "create",
            Action::Update => "update in place",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Forget => "forget (kept in AWS)",
        }
    }
}

/// Why an action was chosen, where that is not obvious from the attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionReason {
    /// These attributes cannot be changed in place.
    ReplaceForced { attributes: Vec<String> },
    /// The state owns it but it no longer exists: it was deleted outside dtr.
    DeletedOutsideDtr,
    /// It is in the state but no longer in the configuration.
    RemovedFromConfiguration,
    /// `dtr destroy` (or `plan --destroy`) asked for everything the state owns to go.
    DestroyRequested,
    /// `--replace` asked for it.
    ReplaceRequested,
    /// It is no longer in the configuration, and a `removed` entry says `destroy: false`.
    RemovedWithoutDestroy,
    /// Found live with this environment's `dtr:*` tags but missing from the state (an interrupted
    /// apply): adopted rather than created twice.
    AdoptedByTags,
    /// Found inside a parent this environment owns (an API's child, a function's permission) but
    /// missing from the state (an interrupted apply): adopted rather than created twice.
    AdoptedFromParent,
    /// The state records that its creation started but not that it finished (an interrupted apply);
    /// found live, so it is recorded now (and brought to the configuration) rather than created twice.
    CreationInterrupted,
}

impl std::fmt::Display for ActionReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionReason::ReplaceForced { attributes } => {
                write!(f, "{} cannot be changed in place", attributes.join(", "))
            }
            ActionReason::DeletedOutsideDtr => f.write_str("it was deleted outside dtr"),
            ActionReason::ReplaceRequested => f.write_str("--replace asked for it"),
            ActionReason::RemovedFromConfiguration => {
                f.write_str("it is no longer in the configuration")
            }
            ActionReason::DestroyRequested => f.write_str("the environment is being destroyed"),
            ActionReason::RemovedWithoutDestroy => f.write_str(
                "a `removed` entry with `destroy: false`: it stays in AWS, no longer managed by dtr",
            ),
            ActionReason::AdoptedByTags => f.write_str(
                "found live with this environment's tags but missing from the state; adopting it",
            ),
            ActionReason::AdoptedFromParent => f.write_str(
                "found live inside a parent this environment owns but missing from the state; adopting it",
            ),
            ActionReason::CreationInterrupted => f.write_str(
                "an interrupted apply started creating it; found live, recording it",
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: ResourceAddress,
    pub action: Action,
    /// The address the state recorded it under before a `moved` entry renamed it (Terraform's
    /// `previous_address`): applying rewrites the state's entry, and touches nothing live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<ResourceAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ActionReason>,
    /// The live resource's id (for a table, its name), if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_id: Option<String>,
    /// The state must learn of this resource even if nothing changes (adoption).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub record_in_state: bool,
    pub attributes: Vec<AttributeChange>,
    /// The desired properties (references unresolved), what exec creates or updates to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<Value>,
    pub depends_on: Vec<ResourceAddress>,
    /// What references to this resource read, when known now (it exists and is not being replaced).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, String>,
    /// The property paths a `sensitive` value flows to (`environment.API_KEY`): every attribute at,
    /// under or holding one is shown masked, on both sides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive: Vec<String>,
    /// What the action destroys besides the resource itself, in words a reviewer cannot miss
    /// (`deletes the table dtr-dev-tools and every item in it`): set on every delete or replace of a
    /// resource that holds data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_loss: Option<String>,
}

/// One attribute's change. `before`/`after` absent means the attribute is absent on that side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeChange {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// The after value depends on a resource not yet created or replaced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_unknown: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
    /// The live value no longer matches what dtr last applied here, and the configuration of this
    /// attribute has not changed since: someone changed it outside dtr, and the apply puts it back.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drift: bool,
}

/// How many of each action, for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
    /// Dropped from the state, kept in AWS.
    pub forget: usize,
    /// Renamed in the state by a `moved` entry.
    pub moved: usize,
}

impl Summary {
    /// `, 1 to forget, 1 to move` when there are any, appended to the summary line.
    pub fn extra(&self) -> String {
        let mut out = String::new();
        if self.forget > 0 {
            out.push_str(&format!(", {} to forget", self.forget));
        }
        if self.moved > 0 {
            out.push_str(&format!(", {} to move", self.moved));
        }
        out
    }
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.destroy += 1,
                Action::Forget => s.forget += 1,
                Action::NoOp => {}
            }
            if c.moved_from.is_some() {
                s.moved += 1;
            }
        }
        s
    }

    /// True when applying would change anything, in AWS or in the state.
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.action != Action::NoOp || c.record_in_state)
    }
}
