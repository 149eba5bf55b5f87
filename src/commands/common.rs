//! What several verbs share: loading the configuration, connecting, the account guard, taking the
//! lock, and reading live state for the planner.

use super::progress::Printer;
use super::Error;
use crate::cli::{GlobalArgs, LockArgs};
use crate::model::{Desired, ResourceAddress};
use crate::provider::aws::{AwsOptions, Clients};
use crate::provider::resources::{self, Observed};
use crate::provider::ErrorClass;
use crate::state::lock::{DynamoLock, LockInfo, Locker};
use crate::state::{LockError, LockGuard, State, StateStore};
use std::collections::BTreeMap;
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

    /// Connect, and refuse to go on if the environment pins an account and the credentials are another's.
    pub async fn connect(&self, desired: &Desired) -> Result<Clients, Error> {
        let clients = Clients::connect(&self.aws, &desired.region).await?;
        if let Some(pinned) = &desired.account_id {
            let actual = clients.account_id().await?;
            if &actual != pinned {
                return Err(Error::Refused(format!(
                    "environment {} is pinned to account {pinned}, but the credentials belong to account {actual}; nothing was touched",
                    desired.environment
                )));
            }
        }
        Ok(clients)
    }

    pub fn store(&self, clients: &Clients, desired: &Desired) -> StateStore {
        StateStore::new(
            clients.s3.clone(),
            &desired.backend.state_bucket,
            &desired.backend.state_key,
        )
    }

    pub fn locker(&self, clients: &Clients, desired: &Desired) -> DynamoLock {
        let b = &desired.backend;
        DynamoLock::new(
            clients.dynamodb.clone(),
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
        let locker = self.locker(clients, desired);
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
        Ok(LockGuard::start(locker, acquired.info))
    }
}

/// Read live every resource the configuration declares or the state owns.
pub async fn observe(
    clients: &Clients,
    desired: &Desired,
    state: &State,
) -> Result<BTreeMap<ResourceAddress, Option<Observed>>, Error> {
    let mut observed = BTreeMap::new();
    for resource in &desired.resources {
        let id = match state.resources.get(&resource.address) {
            Some(owned) => Some(owned.physical_id.clone()),
            None => resources::physical_id(resource.address.kind, &resource.properties),
        };
        let live = match id {
            Some(id) => read(clients, &resource.address, &id).await?,
            None => resources::discover(clients, resource.address.kind, &resource.properties)
                .await
                .map_err(|e| Error::Plan(format!("looking for {}: {e}", resource.address)))?,
        };
        observed.insert(resource.address.clone(), live);
    }
    for (address, owned) in &state.resources {
        if !observed.contains_key(address) {
            observed.insert(
                address.clone(),
                read(clients, address, &owned.physical_id).await?,
            );
        }
    }
    Ok(observed)
}

async fn read(
    clients: &Clients,
    address: &ResourceAddress,
    id: &str,
) -> Result<Option<Observed>, Error> {
    resources::read(clients, address.kind, id)
        .await
        .map_err(|e| Error::Plan(format!("reading {address} ({id}): {e}")))
}

/// Release the lock, reporting (not failing on) a release that did not work: the lease ends anyway.
pub async fn release(printer: &Printer, guard: LockGuard) {
    let id = guard.info.id.clone();
    match guard.release().await {
        Ok(()) => printer.info("state lock released"),
        Err(e) => printer.warn(&format!(
            "could not release the state lock {id}: {e}; it expires with its lease"
        )),
    }
}
