//! Making a plan: load the state, read live AWS, diff, narrow to the selection, and judge the result
//! by the security checks.

use super::{observe, EngineError};
use crate::model::Desired;
use crate::plan::saved::{self, Fingerprints};
use crate::plan::select::{self, Selection};
use crate::plan::{diff, moves, Plan};
use crate::provider::aws::Clients;
use crate::state::{State, StateStore};

/// A plan, the state it was made against, and fingerprints of its inputs.
pub struct Planned {
    pub plan: Plan,
    pub state: State,
    pub fingerprints: Fingerprints,
}

/// Load the state, read live AWS, and compute the plan.
pub async fn make_plan(
    clients: &Clients,
    store: &StateStore,
    desired: &Desired,
    selection: &Selection,
    parallelism: usize,
) -> Result<Planned, EngineError> {
    let state = store.load(&desired.stack, &desired.environment).await?;
    // `moved` entries: read and compare each renamed resource under its new address.
    let renamed = moves::apply(&state, &desired.moved)?;
    // Reads are safe to abandon: a signal stops them at once, and the caller releases the lock.
    let observed =
        crate::interrupt::or_stop(observe(clients, desired, &renamed.state, parallelism))
            .await
            .map_err(|reason| EngineError::Stopped { reason })??;
    let plan = diff::diff(&diff::Inputs {
        desired,
        state: &renamed.state,
        observed: &observed,
        replace: &selection.replace,
        moved_from: &renamed.moved_from,
    })?;
    let plan =
        select::apply(plan, desired, selection).map_err(|why| EngineError::Selection { why })?;
    // Every path to the executor plans here: the checks judge what it would apply.
    let findings = crate::config::security_findings(desired, &plan);
    if !findings.is_empty() {
        return Err(EngineError::Security { findings });
    }
    let fingerprints = saved::fingerprints(desired, &state, &observed);
    Ok(Planned {
        plan,
        state,
        fingerprints,
    })
}
