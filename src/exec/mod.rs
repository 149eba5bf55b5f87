//! Apply a [`Plan`]: each change in order, skipping what depends on a failure, recording every completed
//! action in the state at once so an interrupted apply leaves a true record. Progress goes to a
//! [`Reporter`]; the engine itself never prints.

pub mod retry;

use crate::model::reference::value_has_resource_reference;
use crate::model::ResourceAddress;
use crate::plan::diff::resolve;
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::aws::Clients;
use crate::provider::resources::{self, Observed, ResourceError};
use crate::state::{ResourceState, State, StateError, StateStore};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Told about each action as it starts and ends; implemented at the edge (terminal, CI log).
pub trait Reporter: Send + Sync {
    fn started(&self, address: &ResourceAddress, action: Action);
    fn finished(
        &self,
        address: &ResourceAddress,
        action: Action,
        error: Option<&str>,
        elapsed: Duration,
    );
}

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
}

impl ApplyReport {
    pub fn count(&self, action: Action) -> usize {
        self.completed.iter().filter(|(_, a)| *a == action).count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The action happened in AWS but the state could not record it: stop everything.
    #[error("{address}: {action} succeeded but the state could not be saved: {source}")]
    StateWrite {
        address: ResourceAddress,
        action: &'static str,
        source: StateError,
    },
}

/// Why to stop starting new actions (interrupt, lock lost), checked before each one.
pub trait StopSignal: Send + Sync {
    fn stop_reason(&self) -> Option<String>;
}

pub struct Executor<'a> {
    pub clients: &'a Clients,
    pub store: &'a StateStore,
    pub reporter: &'a dyn Reporter,
    pub stop: &'a dyn StopSignal,
}

impl Executor<'_> {
    pub async fn apply(&self, plan: &Plan, state: &mut State) -> Result<ApplyReport, ExecError> {
        let mut report = ApplyReport::default();
        let mut broken: BTreeSet<ResourceAddress> = BTreeSet::new();
        let mut known: BTreeMap<String, Option<BTreeMap<String, String>>> = plan
            .changes
            .iter()
            .map(|c| {
                (
                    c.address.name.clone(),
                    (!c.outputs.is_empty()).then(|| c.outputs.clone()),
                )
            })
            .collect();

        for change in &plan.changes {
            if change.action == Action::NoOp && !change.record_in_state {
                continue;
            }
            if let Some(dep) = change.depends_on.iter().find(|d| broken.contains(*d)) {
                broken.insert(change.address.clone());
                report.skipped.push((
                    change.address.clone(),
                    format!("it depends on {dep}, which did not complete"),
                ));
                continue;
            }
            if let Some(why) = self.stop.stop_reason() {
                broken.insert(change.address.clone());
                report.skipped.push((change.address.clone(), why));
                continue;
            }
            self.reporter.started(&change.address, change.action);
            let start = Instant::now();
            let result = self.one(change, &known, state).await?;
            let error = result.as_ref().err().map(|e| e.to_string());
            self.reporter.finished(
                &change.address,
                change.action,
                error.as_deref(),
                start.elapsed(),
            );
            match result {
                Ok(outputs) => {
                    known.insert(change.address.name.clone(), outputs);
                    report
                        .completed
                        .push((change.address.clone(), change.action));
                }
                Err(error) => {
                    broken.insert(change.address.clone());
                    report.failed.push(Failure {
                        address: change.address.clone(),
                        action: change.action,
                        error,
                    });
                }
            }
        }
        Ok(report)
    }

    /// One change. The outer error is fatal (state not saved); the inner one is this resource's failure.
    async fn one(
        &self,
        change: &ResourceChange,
        known: &BTreeMap<String, Option<BTreeMap<String, String>>>,
        state: &mut State,
    ) -> Result<Result<Option<BTreeMap<String, String>>, ResourceError>, ExecError> {
        let kind = change.address.kind;
        let props = change.desired.as_ref().map(|p| resolve(p, known));
        if let Some(p) = &props {
            if value_has_resource_reference(p) {
                return Ok(Err(ResourceError::Invalid(
                    "a reference could not be resolved: the resource it names has no outputs"
                        .into(),
                )));
            }
        }
        let props = props.unwrap_or(serde_json::Value::Null);
        match change.action {
            Action::NoOp => {
                let observed = Observed {
                    physical_id: change.physical_id.clone().unwrap_or_default(),
                    properties: props,
                    outputs: change.outputs.clone(),
                };
                self.record(state, change, &observed).await?;
                Ok(Ok(Some(observed.outputs)))
            }
            Action::Create => Ok(match resources::create(self.clients, kind, &props).await {
                Ok(observed) => {
                    self.record(state, change, &observed).await?;
                    Ok(Some(observed.outputs))
                }
                Err(e) => Err(e),
            }),
            Action::Update => {
                let id = change.physical_id.clone().unwrap_or_default();
                let live = match resources::read(self.clients, kind, &id).await {
                    Ok(Some(live)) => live,
                    Ok(None) => {
                        return Ok(Err(ResourceError::Refused(format!(
                            "{id} disappeared since the plan was made"
                        ))))
                    }
                    Err(e) => return Ok(Err(e)),
                };
                Ok(
                    match resources::update(self.clients, kind, &props, &live).await {
                        Ok(observed) => {
                            self.record(state, change, &observed).await?;
                            Ok(Some(observed.outputs))
                        }
                        Err(e) => Err(e),
                    },
                )
            }
            Action::Replace => {
                let id = change.physical_id.clone().unwrap_or_default();
                let force =
                    self.owned_force_destroy(state, change) || resources::force_destroy(&props);
                if let Err(e) = resources::delete(self.clients, kind, &id, force).await {
                    return Ok(Err(e));
                }
                self.forget(state, &change.address, "delete").await?;
                Ok(match resources::create(self.clients, kind, &props).await {
                    Ok(observed) => {
                        self.record(state, change, &observed).await?;
                        Ok(Some(observed.outputs))
                    }
                    Err(e) => Err(e),
                })
            }
            Action::Delete => {
                let id = change.physical_id.clone().unwrap_or_default();
                let force = self.owned_force_destroy(state, change);
                if let Err(e) = resources::delete(self.clients, kind, &id, force).await {
                    return Ok(Err(e));
                }
                self.forget(state, &change.address, "delete").await?;
                Ok(Ok(None))
            }
        }
    }

    fn owned_force_destroy(&self, state: &State, change: &ResourceChange) -> bool {
        state
            .resources
            .get(&change.address)
            .is_some_and(|r| r.force_destroy)
    }

    async fn record(
        &self,
        state: &mut State,
        change: &ResourceChange,
        observed: &Observed,
    ) -> Result<(), ExecError> {
        state.resources.insert(
            change.address.clone(),
            ResourceState {
                physical_id: observed.physical_id.clone(),
                outputs: observed.outputs.clone(),
                force_destroy: change
                    .desired
                    .as_ref()
                    .is_some_and(resources::force_destroy),
            },
        );
        self.store
            .save(state)
            .await
            .map_err(|source| ExecError::StateWrite {
                address: change.address.clone(),
                action: change.action.describe(),
                source,
            })
    }

    async fn forget(
        &self,
        state: &mut State,
        address: &ResourceAddress,
        action: &'static str,
    ) -> Result<(), ExecError> {
        if state.resources.remove(address).is_some() {
            self.store
                .save(state)
                .await
                .map_err(|source| ExecError::StateWrite {
                    address: address.clone(),
                    action,
                    source,
                })?;
        }
        Ok(())
    }
}
