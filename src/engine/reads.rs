//! One round of live reads: resources of a kind that reads in batches are read a batch at a time
//! (then each completed with what only its own call reads), every other one alone; at most
//! `parallelism` of these tasks at once per kind, and an id a batch did not answer is read alone.
//!
//! Per kind, not for the round as a whole: each service's calls are paced by its own limit
//! (`provider::limiter`), so reads waiting on a slow or throttled service (CloudWatch at its quota)
//! must not hold the slots that reads of other services need.

use super::EngineError;
use crate::model::{ResourceAddress, ResourceKind};
use crate::provider::aws::Clients;
use crate::provider::{registry, stats, Observed};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// One live read: by physical id when it is known (state or a deterministic name), else by discovery.
pub(super) struct Lookup<'a> {
    pub address: &'a ResourceAddress,
    pub id: Option<String>,
    pub properties: Option<serde_json::Value>,
    /// Read with the round's indexed clients (tags from the tagging API's index, provisionally):
    /// only what the state owns, so that no adoption rests on the index.
    pub indexed: bool,
}

impl Lookup<'_> {
    async fn run(&self, clients: &Clients) -> Result<Option<Observed>, EngineError> {
        match (&self.id, &self.properties) {
            (Some(id), _) => read(clients, self.address, id).await,
            (None, Some(properties)) => registry::of(self.address.kind)
                .discover(clients, properties)
                .await
                .map_err(|source| EngineError::Discover {
                    address: self.address.clone(),
                    source,
                }),
            (None, None) => Ok(None),
        }
    }

    fn failed(&self, source: crate::provider::ResourceError) -> EngineError {
        EngineError::Read {
            address: self.address.clone(),
            id: self.id.clone().unwrap_or_default(),
            source,
        }
    }
}

/// The clients a round reads with: `indexed` for the lookups marked so, `plain` for the rest.
pub(super) struct Readers<'a> {
    pub plain: &'a Clients,
    pub indexed: &'a Clients,
}

impl Readers<'_> {
    fn of(&self, lookup: &Lookup<'_>) -> &Clients {
        match lookup.indexed {
            true => self.indexed,
            false => self.plain,
        }
    }
}

/// What a task does; indices are positions in the round's lookups.
enum Task {
    /// Read these lookups (one kind, each with an id) with one `read_batch`.
    Batch(Vec<usize>),
    Single(usize),
    /// Add to what a batch read of this lookup found what only its own calls read.
    Complete(usize, Observed),
}

impl Task {
    /// The position of its first lookup.
    fn first(&self) -> usize {
        match self {
            Task::Batch(members) => members.first().copied().unwrap_or_default(),
            Task::Single(index) | Task::Complete(index, _) => *index,
        }
    }
}

enum Done {
    Batch(Vec<usize>, BTreeMap<String, Option<Observed>>),
    Read(usize, Option<Observed>),
    /// Not started: a lookup before it failed.
    Skipped,
}

/// Read every lookup into `observed`, and add the round's longest chain of calls to the critical
/// path. Once a read fails, only reads of lookups before it in the configuration's order still start,
/// and the error reported is that of the first lookup that failed, so a failing plan names the same
/// resource every time.
pub(super) async fn read_all(
    clients: &Readers<'_>,
    lookups: Vec<Lookup<'_>>,
    parallelism: usize,
    observed: &mut BTreeMap<ResourceAddress, Option<Observed>>,
) -> Result<(), EngineError> {
    let permits: BTreeMap<ResourceKind, Semaphore> = lookups
        .iter()
        .map(|l| (l.address.kind, Semaphore::new(parallelism.max(1))))
        .collect();
    let first_failed = AtomicUsize::new(usize::MAX);
    let start = |task: Task, before: u64| {
        let (lookups, permits, first_failed) = (&lookups, &permits, &first_failed);
        async move {
            let kind = lookups[task.first()].address.kind;
            let _permit = match permits.get(&kind) {
                Some(permits) => permits.acquire().await.ok(),
                None => None,
            };
            if task.first() > first_failed.load(Ordering::Relaxed) {
                return (Ok(Done::Skipped), before);
            }
            let (done, calls) = stats::scope(run(clients, lookups, task)).await;
            if let Err((index, _)) = &done {
                first_failed.fetch_min(*index, Ordering::Relaxed);
            }
            (done, before + calls)
        }
    };
    let mut running: FuturesUnordered<_> =
        tasks(&lookups).into_iter().map(|t| start(t, 0)).collect();
    let mut results: Vec<Option<Option<Observed>>> = vec![None; lookups.len()];
    let mut errors = Vec::new();
    let mut longest = 0;
    while let Some((done, chain)) = running.next().await {
        longest = longest.max(chain);
        match done {
            Err(error) => errors.push(error),
            Ok(Done::Read(index, live)) => results[index] = Some(live),
            Ok(Done::Skipped) => {}
            Ok(Done::Batch(members, answer)) => {
                for index in members {
                    let id = lookups[index].id.as_deref().unwrap_or_default();
                    match answer.get(id) {
                        Some(None) => results[index] = Some(None),
                        Some(Some(found)) => {
                            running.push(start(Task::Complete(index, found.clone()), chain))
                        }
                        None => running.push(start(Task::Single(index), chain)),
                    }
                }
            }
        }
    }
    if let Some((_, error)) = errors.into_iter().min_by_key(|(index, _)| *index) {
        return Err(error);
    }
    for (lookup, live) in lookups.iter().zip(results) {
        if let Some(live) = live {
            observed.insert(lookup.address.clone(), live);
        }
    }
    clients.plain.calls.add_to_critical_path(longest);
    Ok(())
}

/// The round's first tasks, in the lookups' order: the lookups with an id of a kind that reads in
/// batches go in batches of its size, each placed where its first member is; the rest alone.
fn tasks(lookups: &[Lookup<'_>]) -> Vec<Task> {
    let mut tasks = Vec::new();
    let mut open: BTreeMap<ResourceKind, usize> = BTreeMap::new();
    for (index, lookup) in lookups.iter().enumerate() {
        let kind = lookup.address.kind;
        let size = registry::of(kind).batch_size();
        if lookup.id.is_none() || size == 0 {
            tasks.push(Task::Single(index));
            continue;
        }
        match open.get(&kind).map(|&t| &mut tasks[t]) {
            Some(Task::Batch(members)) if members.len() < size => members.push(index),
            _ => {
                open.insert(kind, tasks.len());
                tasks.push(Task::Batch(vec![index]));
            }
        }
    }
    tasks
}

async fn run(
    clients: &Readers<'_>,
    lookups: &[Lookup<'_>],
    task: Task,
) -> Result<Done, (usize, EngineError)> {
    match task {
        Task::Single(index) => match lookups[index].run(clients.of(&lookups[index])).await {
            Ok(live) => Ok(Done::Read(index, live)),
            Err(error) => Err((index, error)),
        },
        Task::Complete(index, found) => {
            let lookup = &lookups[index];
            match registry::of(lookup.address.kind)
                .complete(clients.of(lookup), found)
                .await
            {
                Ok(live) => Ok(Done::Read(index, Some(live))),
                Err(source) => Err((index, lookup.failed(source))),
            }
        }
        Task::Batch(members) => {
            let first = members.first().copied().unwrap_or_default();
            let lead = &lookups[first];
            let ids: Vec<String> = members
                .iter()
                .filter_map(|&index| lookups[index].id.clone())
                .collect();
            match registry::of(lead.address.kind)
                .read_batch(clients.plain, &ids)
                .await
            {
                Ok(answer) => Ok(Done::Batch(members, answer)),
                Err(source) => Err((first, lead.failed(source))),
            }
        }
    }
}

pub(super) async fn read(
    clients: &Clients,
    address: &ResourceAddress,
    id: &str,
) -> Result<Option<Observed>, EngineError> {
    registry::of(address.kind)
        .read(clients, id)
        .await
        .map_err(|source| EngineError::Read {
            address: address.clone(),
            id: id.to_string(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(address: &'a ResourceAddress, id: Option<&str>) -> Lookup<'a> {
        Lookup {
            address,
            id: id.map(str::to_string),
            properties: None,
            indexed: false,
        }
    }

    fn shape(tasks: &[Task]) -> Vec<String> {
        tasks
            .iter()
            .map(|t| match t {
                Task::Batch(members) => format!("batch {members:?}"),
                Task::Single(index) => format!("single {index}"),
                Task::Complete(index, _) => format!("complete {index}"),
            })
            .collect()
    }

    #[test]
    fn a_batching_kind_goes_in_batches_of_its_size_where_its_first_member_is() {
        let parse =
            |text: &str| -> ResourceAddress { text.parse().unwrap_or_else(|e| panic!("{e}")) };
        let alarms: Vec<ResourceAddress> = (0..102)
            .map(|i| parse(&format!("metric_alarm.a{i}")))
            .collect();
        let (bucket, group) = (parse("s3_bucket.b"), parse("log_group.g"));
        let mut lookups = vec![lookup(&bucket, Some("b")), lookup(&alarms[0], Some("a0"))];
        lookups.push(lookup(&group, None));
        lookups.extend(alarms[1..].iter().map(|a| lookup(a, Some("a"))));
        let shape = shape(&tasks(&lookups));
        assert_eq!(shape.len(), 4, "{shape:?}");
        assert_eq!(shape[0], "single 0");
        assert!(shape[1].starts_with("batch [1, 3, 4,"), "{}", shape[1]);
        assert_eq!(
            shape[2], "single 2",
            "a group AWS names is looked for alone"
        );
        assert_eq!(
            shape[3], "batch [102, 103]",
            "the hundred-and-first alarm on"
        );
    }
}
