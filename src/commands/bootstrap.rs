//! `dtr bootstrap`: the state bucket and lock table, idempotently.

use super::common::Context;
use super::{Error, Outcome};
use crate::state::bootstrap::{bootstrap, Step};

pub async fn run(ctx: &Context, env: &str) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    let clients = ctx.connect(&desired).await?;
    let account = clients.account_id().await?;
    let report = bootstrap(&clients, &desired.backend, &account).await?;
    for item in &report {
        let what = match item.step {
            Step::Created => "created",
            Step::Updated => "fixed",
            Step::Unchanged => "ok",
        };
        crate::outln!("  {what:>7}  {}", item.what);
    }
    if report.iter().all(|i| i.step == Step::Unchanged) {
        crate::outln!(
            "Bootstrap: nothing to change; the backend of {} is ready.",
            desired.environment
        );
    } else {
        let changed = report.iter().filter(|i| i.step != Step::Unchanged).count();
        crate::outln!(
            "Bootstrap complete: {changed} change(s); the backend of {} is ready.",
            desired.environment
        );
    }
    Ok(Outcome::Done)
}
