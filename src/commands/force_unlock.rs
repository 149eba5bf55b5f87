//! `dtr force-unlock`: release a lock, only when the given id is the one held. A lock whose lease is
//! still running may belong to a run that is working right now (at its prompt, mid-apply): releasing
//! it lets a second run in beside the first, so it takes `--force`, after dtr has said whose it is.

use super::common::{lock_error, Context};
use super::{Error, Outcome};
use crate::state::lock::{now_ms, Locker};
use crate::state::LockError;

pub async fn run(ctx: &Context, env: &str, lock_id: &str, force: bool) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    let clients = ctx.connect(&desired).await?;
    let locker = ctx.locker(&clients, &desired);
    let current = locker.current().await;
    let holder = match current.map_err(|e| lock_error(e, &desired))? {
        Some(holder) if holder.id == lock_id => holder,
        held => {
            return Err(LockError::Mismatch {
                given: lock_id.to_string(),
                held,
            }
            .into())
        }
    };
    if !holder.is_expired() && !force {
        let remaining_secs = (holder.expires_ms - now_ms()).max(0) / 1000;
        return Err(Error::LeaseCurrent {
            holder,
            remaining_secs,
        });
    }
    if !holder.is_expired() {
        ctx.printer.warn(&format!(
            "releasing a lock whose lease is current: {holder}. If its holder is still running, it stops before its next change and its state writes are refused"
        ));
    }
    locker
        .unlock(lock_id)
        .await
        .map_err(|e| lock_error(e, &desired))?;
    crate::outln!("Lock {lock_id} released.");
    Ok(Outcome::Done)
}
