//! `dtr plan`: read live AWS, diff, print.

use super::common::{observe, release, Context};
use super::{Error, Outcome};
use crate::cli::LockArgs;
use crate::cli::PlanFormat;
use crate::model::Desired;
use crate::plan::render::{human, json, markdown};
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

pub fn print_plan(ctx: &Context, plan: &Plan, format: PlanFormat) {
    match format {
        PlanFormat::Json => println!("{}", json::render(plan)),
        PlanFormat::Markdown => print!("{}", markdown::render(plan)),
        PlanFormat::Human => {
            let style = human::Style {
                color: ctx.printer.color,
            };
            print!("{}", human::render(plan, style));
        }
    }
}

pub async fn run(
    ctx: &Context,
    env: &str,
    lock: &LockArgs,
    detailed_exitcode: bool,
    format: PlanFormat,
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
    print_plan(ctx, &plan, format);
    Ok(if detailed_exitcode && plan.has_changes() {
        Outcome::ChangesPresent
    } else {
        Outcome::Done
    })
}
