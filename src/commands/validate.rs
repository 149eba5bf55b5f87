//! `dtr validate`: configuration checks only, no AWS calls.

use super::common::Context;
use super::{Error, Outcome};

pub fn run(ctx: &Context, env: &str) -> Result<Outcome, Error> {
    let desired = ctx.load(env)?;
    crate::outln!(
        "{}/{}: configuration is valid ({} resources).",
        desired.stack,
        desired.environment,
        desired.resources.len()
    );
    Ok(Outcome::Done)
}
