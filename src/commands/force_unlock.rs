//! `dtr force-unlock`: release a lock, only when the given id is the one held.

use super::common::Context;
use super::{Error, Outcome};
use crate::state::lock::Locker;

pub async fn run(ctx: &Context, env: &str, lock_id: &str) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    let clients = ctx.connect(&desired).await?;
    ctx.locker(&clients, &desired).unlock(lock_id).await?;
    crate::outln!("Lock {lock_id} released.");
    Ok(Outcome::Done)
}
