//! What an apply reports: what completed, failed, was skipped or moved, and the one error that
//! stops it (the state could not be saved).

use crate::model::ResourceAddress;
use crate::plan::Action;
use crate::provider::ResourceError;

#[derive(Debug)]
pub struct Failure {
    pub address: ResourceAddress,
    pub action: Action,
    pub error: ResourceError,
}

#[derive(Debug, Default)]
pub struct ApplyReport {
    pub completed: Vec<(ResourceAddress, Action)>,
    pub failed: Vec<Failure>,
    /// Not attempted, and why.
    pub skipped: Vec<(ResourceAddress, String)>,
    /// Renamed in the state by `moved` entries (from, to); nothing live was touched for them.
    pub moved: Vec<(ResourceAddress, ResourceAddress)>,
}

impl ApplyReport {
    pub fn count(&self, action: Action) -> usize {
        self.completed.iter().filter(|(_, a)| *a == action).count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Actions happened in AWS but the state could not record them: nothing more was started.
    #[error("the state could not be saved ({reason}); these completed in AWS but are not recorded, and the next plan finds them again by name or tags: {}", list(.unrecorded))]
    StateWrite {
        unrecorded: Vec<ResourceAddress>,
        reason: String,
    },
}

fn list(addresses: &[ResourceAddress]) -> String {
    let names: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(", ")
    }
}
