//! The engine: read live AWS for a configuration and compute the plan. Commands parse, call it and
//! render; it prints nothing and knows nothing of the command line.

mod as_applied;
mod confirm;
mod observe;
mod plan;
mod reads;

pub use observe::{observe, read_one, refuse_backend, BackendRole};
pub use plan::{make_plan, Planned};

use crate::interrupt::Reason;
use crate::model::ResourceAddress;
use crate::plan::diff::PlanError;
use crate::provider::ResourceError;
use crate::state::StateError;

/// Why the engine could not read live state or make a plan.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("reading {address} ({id}): {source}")]
    Read {
        address: ResourceAddress,
        id: String,
        source: ResourceError,
    },
    #[error("looking for {address}: {source}")]
    Discover {
        address: ResourceAddress,
        source: ResourceError,
    },
    #[error(
        "{address} is {physical_id} ({role}): dtr never manages, imports or deletes its own backend \
         under any address; nothing was changed. Point {address} at another name"
    )]
    Backend {
        address: ResourceAddress,
        physical_id: String,
        role: BackendRole,
    },
    #[error("{}", lines(.0))]
    Diff(Vec<PlanError>),
    /// `--target` or `--replace` names what neither the configuration nor the state has.
    #[error("{why}")]
    Selection { why: String },
    #[error(
        "the security checks refuse what this plan would apply; nothing was changed:\n  {}",
        .findings.join("\n  ")
    )]
    Security { findings: Vec<String> },
    /// Live resources `dtr state rm` forgot, still declared: they carry this environment's tags, but
    /// adopting them again would undo the `state rm`, and creating them would collide with them.
    #[error("{}", forgotten(.env, .resources))]
    Forgotten {
        env: String,
        resources: Vec<(ResourceAddress, String)>,
    },
    #[error("{reason} while reading live AWS; nothing was changed")]
    Stopped { reason: Reason },
}

impl From<Vec<PlanError>> for EngineError {
    fn from(errors: Vec<PlanError>) -> Self {
        EngineError::Diff(errors)
    }
}

fn forgotten(env: &str, resources: &[(ResourceAddress, String)]) -> String {
    resources
        .iter()
        .map(|(address, id)| {
            format!(
                "{address}: {id} was forgotten by `dtr state rm` and still exists, so dtr neither \
                 adopts it again nor creates it; nothing was changed. Remove {address} from the \
                 configuration to leave it unmanaged, or adopt it again with \
                 `dtr import --env {env} {address} {id}`"
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn lines(errors: &[PlanError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
