//! Apply a [`Plan`] as a dependency queue (cargo's `DependencyQueue`, Terraform's DAG walk): a change
//! starts once everything it depends on has finished, at most `parallelism` at a time; a failure skips
//! only what depends on it; every completed action is handed at once to the background state writer
//! ([`writer`]), which keeps the stored state close behind AWS without making actions wait for S3.
//! Progress goes to a [`Reporter`]; the engine never prints.

mod action;
mod guard;
mod queue;
mod report;
mod writer;

use crate::model::reference::value_has_resource_reference;
use crate::model::ResourceAddress;
use crate::plan::diff::resolve;
use crate::plan::{moves, Action, Plan, ResourceChange};
use crate::provider::aws::Clients;
use crate::provider::kind;
use crate::provider::stats;
use crate::provider::{registry, Observed, ResourceError};
use crate::state::{applied, ResourceState, State, StateStore};
use action::{Done, Work};
use queue::{DependencyQueue, Standing};
pub use report::{ApplyReport, ExecError, Failure};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use writer::StateWriter;

/// Told about each action as it starts and ends; implemented at the edge (terminal, CI log).
pub trait Reporter: Send + Sync {
    /// How many actions the apply will run (before any starts).
    fn planned(&self, _total: usize) {}
    fn started(&self, address: &ResourceAddress, action: Action);
    fn finished(
        &self,
        address: &ResourceAddress,
        action: Action,
        error: Option<&str>,
        elapsed: Duration,
    );
}

/// Why to stop starting new actions (interrupt, lock lost), checked before each one.
pub trait StopSignal: Send + Sync {
    fn stop_reason(&self) -> Option<String>;

    /// Asked of the outside world (the lock table) before actions start: why not to, if anything.
    /// Actions that start together share one answer.
    fn confirm_held(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async { None })
    }
}

pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// How many actions run at once, and reads of each kind, unless `--parallelism` says otherwise; it
/// is the limiter's bound on calls in flight to each service too, so it lives with the limiter.
pub use crate::provider::limit::DEFAULT_PARALLELISM;

pub struct Executor<'a> {
    pub clients: &'a Clients,
    pub store: &'a StateStore,
    pub reporter: &'a dyn Reporter,
    pub stop: &'a dyn StopSignal,
    pub parallelism: usize,
    /// What the plan read live, under the same lock: an update starts from it instead of reading
    /// the resource again (a resource absent here is read again).
    pub observed: &'a BTreeMap<ResourceAddress, Option<Observed>>,
}

impl Executor<'_> {
    pub async fn apply(&self, plan: &Plan, state: &mut State) -> Result<ApplyReport, ExecError> {
        let changes: Vec<&ResourceChange> = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp || c.record_in_state)
            .collect();
        let mut queue = DependencyQueue::new(&changes);
        self.reporter.planned(changes.len());
        let mut report = ApplyReport::default();
        let mut known: BTreeMap<String, Option<BTreeMap<String, String>>> = plan
            .changes
            .iter()
            .map(|c| {
                (
                    c.address.reference(),
                    (!c.outputs.is_empty()).then(|| c.outputs.clone()),
                )
            })
            .collect();
        let mut running = tokio::task::JoinSet::new();
        let mut tasks: BTreeMap<tokio::task::Id, usize> = BTreeMap::new();
        let mut writer = StateWriter::start(self.store.clone(), state);
        let mut chain: Vec<u64> = vec![0; changes.len()];
        // The writer's version that holds each completed action.
        let mut handed: Vec<(u64, ResourceAddress)> = Vec::new();
        // `moved` entries first, in one write: the state follows the renames whatever else happens.
        for change in &changes {
            if let Some(from) = &change.moved_from {
                if moves::rename_in(state, from, &change.address) {
                    report.moved.push((from.clone(), change.address.clone()));
                }
            }
        }
        if !report.moved.is_empty() {
            let version = writer.send(state);
            handed.extend(report.moved.iter().map(|(_, to)| (version, to.clone())));
        }

        loop {
            // The lock is confirmed once per round of starts, before the first of them.
            let mut confirmed = false;
            // Start (or skip) everything whose dependencies are settled.
            for (i, change) in changes.iter().enumerate() {
                match queue.standing(i) {
                    Standing::Settled | Standing::Waiting => continue,
                    Standing::Blocked(dep) => {
                        let why = format!(
                            "it depends on {}, which did not complete",
                            changes[dep].address
                        );
                        queue.give_up(i);
                        report.skipped.push((change.address.clone(), why));
                        continue;
                    }
                    Standing::Ready if running.len() >= self.parallelism.max(1) => continue,
                    Standing::Ready => {}
                }
                let mut stop = match writer.failed() {
                    true => Some("the state could not be saved, so nothing more is started".into()),
                    false => self.stop.stop_reason(),
                };
                if stop.is_none() && !confirmed {
                    stop = self.stop.confirm_held().await;
                    confirmed = stop.is_none();
                }
                if let Some(why) = stop {
                    queue.give_up(i);
                    report.skipped.push((change.address.clone(), why));
                    continue;
                }
                let work = match self.work(change, &known, state) {
                    Ok(work) => work,
                    Err(error) => {
                        queue.give_up(i);
                        report.failed.push(Failure {
                            address: change.address.clone(),
                            action: change.action,
                            error,
                        });
                        continue;
                    }
                };
                if change.action == Action::Create
                    && registry::of(change.address.kind).tagged_after_create()
                {
                    if let Err(why) = write_intent(state, change, &work, &mut writer).await {
                        queue.give_up(i);
                        report.skipped.push((change.address.clone(), why));
                        continue;
                    }
                }
                queue.start(i);
                self.reporter.started(&change.address, change.action);
                let clients = self.clients.clone();
                // Digested in the form the planner compares (canonical, typed), as it will be read.
                let applied = registry::of(change.address.kind)
                    .compare(&work.props, None)
                    .map(|c| applied::digests(&c.desired, &change.sensitive))
                    .unwrap_or_default();
                let handle = running.spawn(async move {
                    let start = Instant::now();
                    let (result, calls) = stats::scope(action::run(clients, work)).await;
                    (i, result, start.elapsed(), calls, applied)
                });
                tasks.insert(handle.id(), i);
            }
            // Wait for one to finish; none running means everything is settled.
            let Some(joined) = running.join_next().await else {
                break;
            };
            let (i, result, elapsed, calls, applied) = match joined {
                Ok(done) => done,
                Err(panic) => {
                    // A panic is a bug: this change failed; the others still finish and are recorded.
                    let i = tasks.get(&panic.id()).copied().unwrap_or_default();
                    let error = ResourceError::Refused(format!("internal error: {panic}"));
                    (i, Err(error), Duration::ZERO, 0, BTreeMap::new())
                }
            };
            let change = changes[i];
            // The costliest chain of calls ending here: this action's, after its dependencies' chains.
            chain[i] = calls
                + queue
                    .waits_for(i)
                    .iter()
                    .map(|d| chain[*d])
                    .max()
                    .unwrap_or(0);
            let error = match result {
                Ok(Done::Exists(observed)) => {
                    record(state, change, &observed, applied);
                    handed.push((writer.send(state), change.address.clone()));
                    known.insert(change.address.reference(), Some(observed.outputs));
                    None
                }
                // `removed` with `destroy: false`: kept in AWS, and remembered as forgotten, as
                // `dtr state rm` does, so its dtr tags cannot make a later plan adopt it again.
                Ok(Done::Forgotten) => {
                    if state.forget(&change.address).is_some() {
                        handed.push((writer.send(state), change.address.clone()));
                    }
                    None
                }
                Ok(Done::Gone) => {
                    drop_from_state(state, &change.address, &mut writer, &mut handed);
                    None
                }
                Ok(Done::GoneThenFailed(e)) => {
                    drop_from_state(state, &change.address, &mut writer, &mut handed);
                    Some(e)
                }
                Err(e) => {
                    // Refused by the creating call itself, it left nothing to find: drop its intent.
                    // Failing later (tagging, settings), it left a resource the intent now claims.
                    let refused = e.aws().is_some_and(|a| a.operation.starts_with("Create"));
                    if refused
                        && state
                            .resources
                            .get(&change.address)
                            .is_some_and(|r| r.pending)
                    {
                        drop_from_state(state, &change.address, &mut writer, &mut handed);
                    }
                    Some(e)
                }
            };
            self.reporter.finished(
                &change.address,
                change.action,
                error.as_ref().map(|e| e.to_string()).as_deref(),
                elapsed,
            );
            match error {
                None => {
                    queue.finish(i);
                    report
                        .completed
                        .push((change.address.clone(), change.action));
                }
                Some(error) => {
                    queue.give_up(i);
                    report.failed.push(Failure {
                        address: change.address.clone(),
                        action: change.action,
                        error,
                    });
                }
            }
        }
        self.clients
            .calls
            .add_to_critical_path(chain.iter().copied().max().unwrap_or(0));
        match writer.finish().await {
            Ok((serial, etag)) => {
                state.serial = serial;
                state.etag = etag;
                Ok(report)
            }
            Err(failed) => Err(ExecError::StateWrite {
                unrecorded: handed
                    .into_iter()
                    .filter(|(version, _)| *version > failed.written)
                    .map(|(_, address)| address)
                    .collect(),
                reason: failed.reason,
            }),
        }
    }

    /// The owned inputs of one change, its references resolved from what is known now.
    fn work(
        &self,
        change: &ResourceChange,
        known: &BTreeMap<String, Option<BTreeMap<String, String>>>,
        state: &State,
    ) -> Result<Work, ResourceError> {
        guard::owned_target(change, state)?;
        let props = change
            .desired
            .as_ref()
            .map(|p| resolve(p, known))
            .unwrap_or(serde_json::Value::Null);
        if value_has_resource_reference(&props) {
            return Err(ResourceError::Invalid(
                "a reference could not be resolved: the resource it names has no outputs".into(),
            ));
        }
        let owned_force = state
            .resources
            .get(&change.address)
            .is_some_and(|r| r.force_destroy);
        Ok(Work {
            address: change.address.clone(),
            action: change.action,
            physical_id: change.physical_id.clone(),
            force_destroy: owned_force || kind::force_destroy(&props),
            props,
            outputs: change.outputs.clone(),
            live: match change.action {
                Action::Update => self.observed.get(&change.address).cloned().flatten(),
                _ => None,
            },
        })
    }
}

/// Record that `change` is about to create its resource, and wait until that is stored: see
/// [`crate::provider::ResourceType::TAGGED_AFTER_CREATE`].
async fn write_intent(
    state: &mut State,
    change: &ResourceChange,
    work: &Work,
    writer: &mut StateWriter,
) -> Result<(), String> {
    let Some(physical_id) = registry::of(change.address.kind).physical_id(&work.props) else {
        return Ok(());
    };
    state.resources.insert(
        change.address.clone(),
        ResourceState {
            physical_id,
            outputs: BTreeMap::new(),
            force_destroy: work.force_destroy,
            depends_on: change.depends_on.clone(),
            pending: true,
            applied: Default::default(),
        },
    );
    let version = writer.send(state);
    match writer.written(version).await {
        true => Ok(()),
        false => Err("the state could not be saved, so its creation was not started".into()),
    }
}

/// Drop `address` from the state, if it is there, and hand the change to the writer.
fn drop_from_state(
    state: &mut State,
    address: &ResourceAddress,
    writer: &mut StateWriter,
    handed: &mut Vec<(u64, ResourceAddress)>,
) {
    if state.resources.remove(address).is_some() {
        handed.push((writer.send(state), address.clone()));
    }
}

/// Put what an action left in AWS into the in-memory state.
/// `applied`: the digests of the properties it was brought to (see [`crate::state::applied`]).
fn record(
    state: &mut State,
    change: &ResourceChange,
    observed: &Observed,
    applied: BTreeMap<String, String>,
) {
    state.forgotten.remove(&change.address);
    state.resources.insert(
        change.address.clone(),
        ResourceState {
            physical_id: observed.physical_id.clone(),
            outputs: observed.outputs.clone(),
            force_destroy: change.desired.as_ref().is_some_and(kind::force_destroy),
            depends_on: change.depends_on.clone(),
            pending: false,
            applied,
        },
    );
}
