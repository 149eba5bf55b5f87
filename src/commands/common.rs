//! What several verbs share: loading the configuration, connecting, the account guard, taking the
//! lock, and reading live state for the planner.

use super::progress::Printer;
use super::Error;
use crate::cli::{GlobalArgs, LockArgs};
use crate::model::{Desired, DesiredResource as Resource, ResourceAddress};
use crate::plan::diff::resolve;
use crate::provider::aws::{AwsOptions, Clients};
use crate::provider::stats;
use crate::provider::ErrorClass;
use crate::provider::{registry, Observed};
use crate::state::lock::{DynamoLock, LockInfo, Locker};
use crate::state::{LockError, LockGuard, State, StateStore};
use futures_util::stream::{self, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub struct Context {
    pub root: PathBuf,
    pub aws: AwsOptions,
    pub printer: Printer,
}

impl Context {
    /// Work from the project directory (`--chdir`), as `terraform -chdir` does: every relative path in
    /// the configuration (function sources included) is relative to it.
    pub fn new(global: &GlobalArgs) -> Result<Self, Error> {
        std::env::set_current_dir(&global.chdir).map_err(|e| {
            Error::Refused(format!(
                "cannot use {} as the project directory: {e}",
                global.chdir.display()
            ))
        })?;
        Ok(Context {
            root: PathBuf::from("."),
            aws: AwsOptions {
                endpoint_url: global.endpoint_url.clone(),
                region: global.region.clone(),
                profile: global.profile.clone(),
                ca_bundle: global.ca_bundle.clone(),
                calls: Default::default(),
            },
            printer: Printer::detect(global.quiet),
        })
    }

    pub fn load(&self, env: &str) -> Result<Desired, Error> {
        crate::config::load(env, &self.root).map_err(Error::Config)
    }

    /// The environment file alone, for `destroy` (see [`crate::config::load_environment`]).
    pub fn load_environment(&self, env: &str) -> Result<Desired, Error> {
        crate::config::load_environment(env, &self.root).map_err(Error::Config)
    }

    /// Connect, and refuse to go on if `--region` contradicts the environment's region or the
    /// environment pins an account and the credentials are another's. The backend clients go to the
    /// backend's region and name the account as the state bucket's expected owner.
    pub async fn connect(&self, desired: &Desired) -> Result<Clients, Error> {
        if let Some(region) = self.aws.region.as_deref().filter(|r| *r != desired.region) {
            // One environment, one region: the state, the lock and the global IAM roles are shared,
            // so the same environment applied to a second region would duplicate it and rewrite
            // the roles of the first. Another region is another environment.
            return Err(Error::Refused(format!(
                "--region {region} contradicts environment {}, which deploys to {} (its `region`); nothing was touched. \
                 To deploy to {region}, make an environment for it (its own file, names and backend.state_key)",
                desired.environment, desired.region
            )));
        }
        let clients = Clients::connect(&self.aws, &desired.region).await?;
        let actual = clients.account_id().await?;
        if let Some(pinned) = &desired.account_id {
            if &actual != pinned {
                return Err(Error::Refused(format!(
                    "environment {} is pinned to account {pinned}, but the credentials belong to account {actual}; nothing was touched",
                    desired.environment
                )));
            }
        }
        Ok(clients
            .with_backend(&self.aws, &desired.backend.region, &actual)
            .await?)
    }

    pub fn store(&self, clients: &Clients, desired: &Desired) -> StateStore {
        StateStore::new(
            clients.backend_s3.clone(),
            &desired.backend.state_bucket,
            &desired.backend.state_key,
        )
    }

    pub fn locker(&self, clients: &Clients, desired: &Desired) -> DynamoLock {
        let b = &desired.backend;
        DynamoLock::new(
            clients.backend_dynamodb.clone(),
            &b.lock_table,
            &b.state_bucket,
            &b.state_key,
        )
    }

    /// Take the lock (waiting up to `--lock-timeout`), saying loudly when an expired lease is taken over.
    pub async fn lock(
        &self,
        clients: &Clients,
        desired: &Desired,
        operation: &str,
        args: &LockArgs,
    ) -> Result<LockGuard, Error> {
        let mut locker = self.locker(clients, desired);
        locker.lease = args.lock_lease;
        let info = LockInfo::new(operation, locker.lease);
        let printer = &self.printer;
        let waiting = |holder: &LockInfo| {
            printer.info(&format!("waiting for the state lock, held: {holder}"))
        };
        let acquired = if args.lock_timeout.is_zero() {
            locker.lock(&info).await
        } else {
            locker
                .lock_with_timeout(&info, args.lock_timeout, &waiting)
                .await
        };
        let acquired = acquired.map_err(|e| match e {
            LockError::Aws(aws) if aws.class == ErrorClass::NotFound => Error::Refused(format!(
                "the lock table {} does not exist ({}); run `dtr bootstrap --env {}` first",
                desired.backend.lock_table,
                aws.code.unwrap_or_default(),
                desired.environment
            )),
            other => Error::Lock(other),
        })?;
        if let Some(old) = &acquired.took_over {
            printer.warn(&format!(
                "TOOK OVER AN EXPIRED LOCK. Its holder stopped renewing its lease and may have crashed mid-run: {old}. \
                 The plan below reads live AWS, so anything it half-did is accounted for."
            ));
        }
        printer.info(&format!("state lock acquired (id {})", acquired.info.id));
        let guard = LockGuard::start(locker, acquired.info);
        crate::interrupt::release_on_exit(guard.releaser());
        Ok(guard)
    }

    /// Take the lock, run `work` holding it, release it whatever `work` returned. From just before
    /// the lock is taken until it is released, a signal stops the command instead of ending dtr.
    pub async fn with_lock<T>(
        &self,
        clients: &Clients,
        desired: &Desired,
        operation: &str,
        args: &LockArgs,
        work: impl AsyncFnOnce(&LockGuard) -> Result<T, Error>,
    ) -> Result<T, Error> {
        crate::interrupt::arm();
        let guard = match self.lock(clients, desired, operation, args).await {
            Ok(guard) => guard,
            Err(e) => {
                crate::interrupt::disarm();
                return Err(e);
            }
        };
        let result = work(&guard).await;
        release(&self.printer, guard).await;
        result
    }
}

/// Read live every resource the configuration declares or the state owns, up to `parallelism` reads
/// at once.
///
/// A resource the state holds, or whose name decides its id, is read at once. One whose id AWS chose
/// and the state lacks (an apply interrupted between creating and recording it) is looked for once
/// what it references has been read, with those references resolved: a stage, a route or an
/// integration is looked for under its API, a Lambda permission under its function. So reads go in
/// rounds by dependency, but only for such resources; a plan of an applied environment takes one.
/// Results and the first error keep the configuration's order, so a failing plan names the same
/// resource every time.
pub async fn observe(
    clients: &Clients,
    desired: &Desired,
    state: &State,
    parallelism: usize,
) -> Result<BTreeMap<ResourceAddress, Option<Observed>>, Error> {
    let mut observed = BTreeMap::new();
    let declared: BTreeSet<_> = desired.resources.iter().map(|r| &r.address).collect();
    let orphans: Vec<Lookup> = state
        .resources
        .iter()
        .filter(|(address, _)| !declared.contains(address))
        .map(|(address, owned)| Lookup {
            address,
            id: Some(owned.physical_id.clone()),
            properties: None,
        })
        .collect();
    read_all(clients, orphans, parallelism, &mut observed).await?;

    let mut waiting: Vec<&Resource> = desired.resources.iter().collect();
    while !waiting.is_empty() {
        let known: BTreeMap<String, Option<BTreeMap<String, String>>> = observed
            .iter()
            .map(|(a, o)| (a.name.clone(), o.as_ref().map(|o| o.outputs.clone())))
            .collect();
        let settled = |r: &Resource| {
            state.resources.contains_key(&r.address)
                || registry::of(r.address.kind)
                    .physical_id(&r.properties)
                    .is_some()
                || r.depends_on.iter().all(|d| observed.contains_key(d))
        };
        let (mut ready, rest): (Vec<&Resource>, Vec<&Resource>) =
            waiting.into_iter().partition(|r| settled(r));
        if ready.is_empty() {
            // Only a dependency outside the configuration could hold them back: look with what is known.
            ready = rest;
            waiting = Vec::new();
        } else {
            waiting = rest;
        }
        let lookups = ready.into_iter().map(|resource| {
            let owned = state.resources.get(&resource.address);
            let properties = resolve(&resource.properties, &known);
            let id = match owned {
                Some(owned) => Some(owned.physical_id.clone()),
                None => registry::of(resource.address.kind).physical_id(&properties),
            };
            Lookup {
                address: &resource.address,
                id,
                properties: Some(properties),
            }
        });
        read_all(clients, lookups.collect(), parallelism, &mut observed).await?;
    }
    for (address, live) in &observed {
        if let Some(live) = live {
            refuse_backend(&desired.backend, address, live)?;
        }
    }
    Ok(observed)
}

/// A live resource that is a dtr backend is never planned for, imported or deleted, whatever address
/// names it: this environment's state bucket or lock table (by name, even if it was bootstrapped
/// before backends were tagged), or any backend `dtr bootstrap` tagged `dtr:backend` (another
/// environment's too).
pub fn refuse_backend(
    backend: &crate::model::Backend,
    address: &ResourceAddress,
    live: &Observed,
) -> Result<(), Error> {
    use crate::model::ResourceKind;
    let own = match address.kind {
        ResourceKind::S3Bucket => live.physical_id == backend.state_bucket,
        ResourceKind::DynamodbTable => live.physical_id == backend.lock_table,
        _ => false,
    };
    let role = match live.tags().get(crate::model::TAG_BACKEND) {
        Some(role) => format!(
            "{role}, tagged {}={role} by `dtr bootstrap`",
            crate::model::TAG_BACKEND
        ),
        None if own => "this environment's own backend".to_string(),
        None => return Ok(()),
    };
    Err(Error::Refused(format!(
        "{address} is {} ({role}): dtr never manages, imports or deletes its own backend under any address; nothing was changed. Point {address} at another name",
        live.physical_id
    )))
}

async fn read_all(
    clients: &Clients,
    lookups: Vec<Lookup<'_>>,
    parallelism: usize,
    observed: &mut BTreeMap<ResourceAddress, Option<Observed>>,
) -> Result<(), Error> {
    let mut reads = stream::iter(lookups)
        .map(|lookup| async move {
            let (live, calls) = stats::scope(lookup.run(clients)).await;
            Ok::<_, Error>((lookup.address.clone(), live?, calls))
        })
        .buffered(parallelism.max(1));
    // The reads of a round overlap: the slowest one is on the critical path.
    let mut slowest = 0;
    while let Some(read) = reads.next().await {
        let (address, live, calls) = read?;
        slowest = slowest.max(calls);
        observed.insert(address, live);
    }
    clients.calls.add_to_critical_path(slowest);
    Ok(())
}

/// One live read: by physical id when it is known (state or a deterministic name), else by discovery.
struct Lookup<'a> {
    address: &'a ResourceAddress,
    id: Option<String>,
    properties: Option<serde_json::Value>,
}

impl Lookup<'_> {
    async fn run(&self, clients: &Clients) -> Result<Option<Observed>, Error> {
        match (&self.id, &self.properties) {
            (Some(id), _) => read(clients, self.address, id).await,
            (None, Some(properties)) => registry::of(self.address.kind)
                .discover(clients, properties)
                .await
                .map_err(|e| Error::Plan(format!("looking for {}: {e}", self.address))),
            (None, None) => Ok(None),
        }
    }
}

async fn read(
    clients: &Clients,
    address: &ResourceAddress,
    id: &str,
) -> Result<Option<Observed>, Error> {
    registry::of(address.kind)
        .read(clients, id)
        .await
        .map_err(|e| Error::Plan(format!("reading {address} ({id}): {e}")))
}

/// Release the lock, reporting (not failing on) a release that did not work: the lease ends anyway.
/// From here on a signal ends dtr at once again: nothing is left to clean up.
pub async fn release(printer: &Printer, guard: LockGuard) {
    let id = guard.info.id.clone();
    match guard.release().await {
        Ok(()) => printer.info("state lock released"),
        Err(e) => printer.warn(&format!(
            "could not release the state lock {id}: {e}; it expires with its lease"
        )),
    }
    crate::interrupt::disarm();
}
