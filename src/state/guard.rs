//! A held lock, kept alive: a background task renews its lease, and the holder asks the lock table
//! whether it still holds it before acting (after a prompt, before each round of actions).

use super::lock::{DynamoLock, LockError, LockInfo, Locker};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A held lock whose lease a background task renews; `is_lost()` turns true if renewal fails for
/// longer than a lease or someone else took the lock. Release it with [`LockGuard::release`].
pub struct LockGuard {
    lock: DynamoLock,
    pub info: LockInfo,
    lost: Arc<AtomicBool>,
    /// When the lock table last confirmed that this lock is ours (a renewal or a verification).
    confirmed: Arc<std::sync::Mutex<std::time::Instant>>,
    renewer: tokio::task::JoinHandle<()>,
}

/// A verification this recent stands for the next one: actions that start together share one check.
const VERIFIED_FOR: Duration = Duration::from_secs(1);

impl LockGuard {
    pub fn start(lock: DynamoLock, info: LockInfo) -> Self {
        let lost = Arc::new(AtomicBool::new(false));
        let confirmed = Arc::new(std::sync::Mutex::new(std::time::Instant::now()));
        let renewer = {
            let (lock, id, lost, confirmed) = (
                lock.clone(),
                info.id.clone(),
                lost.clone(),
                confirmed.clone(),
            );
            tokio::spawn(crate::provider::stats::background(async move {
                let mut last_ok = std::time::Instant::now();
                loop {
                    tokio::time::sleep(lock.lease / 3).await;
                    match lock.renew(&id).await {
                        Ok(()) => {
                            last_ok = std::time::Instant::now();
                            if let Ok(mut at) = confirmed.lock() {
                                *at = last_ok;
                            }
                        }
                        Err(LockError::Mismatch { .. }) => break,
                        Err(_) if last_ok.elapsed() < lock.lease => continue,
                        Err(_) => break,
                    }
                }
                lost.store(true, Ordering::SeqCst);
            }))
        };
        LockGuard {
            lock,
            info,
            lost,
            confirmed,
            renewer,
        }
    }

    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Ask the lock table whether the lock is still ours, renewing its lease on the way. Called
    /// after a confirmation prompt: a holder whose lock was force-unlocked or taken over while it
    /// waited stops before its first change, not at its next renewal. `Mismatch` names who holds it
    /// now.
    pub async fn verify(&self) -> Result<(), LockError> {
        if self.is_lost() {
            return Err(LockError::Mismatch {
                given: self.info.id.clone(),
                held: self.lock.current().await.ok().flatten(),
            });
        }
        match self.lock.renew(&self.info.id).await {
            Ok(()) => {
                if let Ok(mut at) = self.confirmed.lock() {
                    *at = std::time::Instant::now();
                }
                Ok(())
            }
            Err(e) => {
                if matches!(e, LockError::Mismatch { .. }) {
                    self.lost.store(true, Ordering::SeqCst);
                }
                Err(e)
            }
        }
    }

    /// [`LockGuard::verify`], unless the lock table said the lock is ours within the last second:
    /// before each round of actions, so actions that start together share one check.
    pub async fn verify_recent(&self) -> Result<(), LockError> {
        let fresh = self
            .confirmed
            .lock()
            .map(|at| at.elapsed() < VERIFIED_FOR)
            .unwrap_or(false);
        if fresh && !self.is_lost() {
            return Ok(());
        }
        self.verify().await
    }

    /// A way to release this lock from elsewhere (a second signal's exit), once.
    pub fn releaser(&self) -> crate::interrupt::Release {
        let (lock, id) = (self.lock.clone(), self.info.id.clone());
        Box::new(move || {
            let (lock, id) = (lock.clone(), id.clone());
            Box::pin(async move { lock.unlock(&id).await.is_ok() })
        })
    }

    pub async fn release(self) -> Result<(), LockError> {
        self.renewer.abort();
        self.lock.unlock(&self.info.id).await
    }
}
