//! `dtr plan`: read live AWS, diff, print.

use super::common::{observe, release, Context};
use super::{Error, Outcome};
use crate::cli::LockArgs;
use crate::model::Desired;
use crate::plan::render::{human, json};
use crate::plan::{diff, Plan};
use crate::provider::aws::Clients;
use crate::state::State;

/// Load the state, read live AWS, and compute the plan.
pub async fn make_plan(
    ctx: &Context,
    clients: &Clients,
    desired: &Desired,
) -> Result<(Plan, State), Error> {
    let state = ctx
        .store(clients, desired)
        .load(&desired.stack, &desired.environment)
        .await?;
    let observed = observe(clients, desired, &state).await?;
    let plan = diff::diff(&diff::Inputs {
        desired,
        state: &state,
        observed: &observed,
    })?;
    Ok((plan, state))
}

pub fn print_plan(ctx: &Context, plan: &Plan, as_json: bool) {
    if as_json {
        println!("{}", json::render(plan));
    } else {
        print!(
            "{}",
            human::render(
                plan,
                human::Style {
                    color: ctx.printer.color
                }
            )
        );
    }
}

pub async fn run(
    ctx: &Context,
    env: &str,
    lock: &LockArgs,
    detailed_exitcode: bool,
    as_json: bool,
) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    let clients = ctx.connect(&desired).await?;
    let guard = match lock.lock {
        true => Some(ctx.lock(&clients, &desired, "plan", lock).await?),
        false => None,
    };
    let result = make_plan(ctx, &clients, &desired).await;
    if let Some(guard) = guard {
        release(&ctx.printer, guard).await;
    }
    let (plan, _) = result?;
    print_plan(ctx, &plan, as_json);
    Ok(if detailed_exitcode && plan.has_changes() {
        Outcome::ChangesPresent
    } else {
        Outcome::Done
    })
}
