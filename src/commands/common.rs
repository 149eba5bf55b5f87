//! What several verbs share: loading the configuration, connecting, the account guard and taking the
//! lock.

use super::progress::Printer;
use super::Error;
use crate::cli::{GlobalArgs, LockArgs};
use crate::model::Desired;
use crate::provider::aws::{AwsOptions, Clients};
use crate::provider::ErrorClass;
use crate::state::lock::{DynamoLock, LockInfo, Locker};
use crate::state::{LockError, LockGuard, StateStore};
use std::path::PathBuf;

pub struct Context {
    pub root: PathBuf,
    /// Parameter values besides the environment file's (`DTR_PARAM_*`, `--param-file`, `--param`).
    pub inputs: crate::config::Inputs,
    pub aws: AwsOptions,
    pub printer: Printer,
}

impl Context {
    /// Work from the project directory (`--chdir`), as `terraform -chdir` does: every relative path in
    /// the configuration (function sources included) is relative to it.
    pub fn new(global: &GlobalArgs) -> Result<Self, Error> {
        std::env::set_current_dir(&global.chdir).map_err(|source| Error::ProjectDir {
            path: global.chdir.clone(),
            source,
        })?;
        Ok(Context {
            inputs: crate::config::Inputs::from_process(&global.param_files, &global.params),
            root: PathBuf::from("."),
            aws: AwsOptions {
                endpoint_url: global.endpoint_url.clone(),
                region: global.region.clone(),
                profile: global.profile.clone(),
                ca_bundle: global.ca_bundle.clone(),
                ..Default::default()
            },
            printer: Printer::detect(global.quiet, global.no_color),
        })
    }

    pub fn load(&self, env: &str) -> Result<Desired, Error> {
        crate::config::load_with(env, &self.root, &self.inputs).map_err(Error::Config)
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
            return Err(Error::RegionContradicts {
                given: region.to_string(),
                env: desired.environment.clone(),
                region: desired.region.clone(),
            });
        }
        let clients = Clients::connect(&self.aws, &desired.region).await?;
        let actual = clients.account_id().await?;
        if let Some(pinned) = &desired.account_id {
            if &actual != pinned {
                return Err(Error::AccountMismatch {
                    env: desired.environment.clone(),
                    file: desired
                        .sources
                        .first()
                        .map(|p| p.strip_prefix(".").unwrap_or(p).display().to_string())
                        .unwrap_or_default(),
                    pinned: pinned.clone(),
                    actual,
                });
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
        let wait = printer.lock_wait();
        let waiting = |holder: &LockInfo| {
            wait.held(
                &holder.id,
                &format!("waiting for the state lock, held: {holder}"),
            )
        };
        let acquired = if args.lock_timeout.is_zero() {
            locker.lock(&info).await
        } else {
            locker
                .lock_with_timeout(&info, args.lock_timeout, &waiting)
                .await
        };
        let acquired = acquired.map_err(|e| lock_error(e, desired))?;
        drop(wait);
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

/// A lock table that is not there (a fresh account) means bootstrap has not run: say so.
pub fn lock_error(e: LockError, desired: &Desired) -> Error {
    match e {
        LockError::Aws(aws) if aws.class == ErrorClass::NotFound => Error::NoLockTable {
            table: desired.backend.lock_table.clone(),
            env: desired.environment.clone(),
            code: aws.code.unwrap_or_default(),
        },
        other => Error::Lock(other),
    }
}

/// Release the lock, reporting (not failing on) a release that did not work: the lease ends anyway.
/// From here on a signal ends dtr at once again: nothing is left to clean up.
pub async fn release(printer: &Printer, guard: LockGuard) {
    let id = guard.info.id.clone();
    let asked = printer.stamp();
    match guard.release().await {
        Ok(()) => printer.info_stamped(&asked, "state lock released"),
        Err(e) => printer.warn(&format!(
            "could not release the state lock {id}: {e}; it expires with its lease"
        )),
    }
    crate::interrupt::disarm();
}
