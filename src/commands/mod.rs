//! One file per verb. Each returns an [`Outcome`] or an [`Error`]; `main` maps them to exit codes.

mod apply;
mod apply_saved;
mod bootstrap;
mod common;
mod force_unlock;
mod graph;
mod import;
mod output;
mod plan;
pub mod progress;
mod validate;

use crate::cli::{Cli, Command, PlanFormat};
use crate::config::Diagnostics;
use crate::engine::EngineError;
use crate::exec::ExecError;
use crate::provider::aws::ConnectError;
use crate::provider::AwsError;
use crate::state::bootstrap::BootstrapError;
use crate::state::{LockError, StateError};

/// How a command that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// `plan --detailed-exitcode` found changes (exit 2).
    ChangesPresent,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Config(Diagnostics),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error("{0}")]
    Refused(String),
    /// Some actions failed; the summary was already printed.
    #[error("apply finished with {0} failed action(s); see above")]
    ActionsFailed(usize),
}

/// The message the user sees for an error: every line prefixed, config problems one per line.
pub fn render_error(error: &Error) -> String {
    match error {
        Error::Config(d) => {
            let n = d.0.len();
            format!(
                "{d}\nerror: the configuration has {n} problem{}",
                if n == 1 { "" } else { "s" }
            )
        }
        other => format!("error: {other}"),
    }
}

pub async fn run(cli: Cli) -> Result<Outcome, Error> {
    let ctx = common::Context::new(&cli.global)?;
    let result = dispatch(&ctx, cli.command).await;
    if cli.global.stats {
        crate::err!("{}", ctx.aws.calls.render());
    }
    result
}

async fn dispatch(ctx: &common::Context, command: Command) -> Result<Outcome, Error> {
    match command {
        Command::Validate(env) => validate::run(ctx, &env.env),
        Command::Bootstrap(env) => bootstrap::run(ctx, &env.env).await,
        Command::Plan {
            env,
            lock,
            select,
            detailed_exitcode,
            json,
            format,
            out,
            parallelism,
        } => {
            let options = plan::Options {
                lock: &lock,
                selection: &select.selection(),
                detailed_exitcode,
                format: if json { PlanFormat::Json } else { format },
                out: out.as_deref(),
                parallelism,
            };
            plan::run(ctx, &env.env, &options).await
        }
        Command::Apply {
            plan: Some(file),
            env,
            lock,
            select,
            exec,
        } => {
            if !select.targets.is_empty() {
                return Err(Error::Refused(
                    "--target shapes a plan; give it to `dtr plan --out`, not to the apply of a saved plan".into(),
                ));
            }
            apply::run_saved(ctx, &file, env.as_deref(), &select.replace, &lock, &exec).await
        }
        Command::Apply {
            plan: None,
            env,
            lock,
            select,
            exec,
        } => {
            let env = env.unwrap_or_default();
            apply::run(
                ctx,
                &env,
                &lock,
                &select.selection(),
                &exec,
                apply::Mode::Apply,
            )
            .await
        }
        Command::Destroy { env, lock, exec } => {
            apply::run(
                ctx,
                &env.env,
                &lock,
                &Default::default(),
                &exec,
                apply::Mode::Destroy,
            )
            .await
        }
        Command::Graph(env) => graph::run(ctx, &env.env),
        Command::Import {
            env,
            lock,
            address,
            physical_id,
        } => import::run(ctx, &env.env, &address, &physical_id, &lock).await,
        Command::ForceUnlock {
            env,
            lock_id,
            force,
        } => force_unlock::run(ctx, &env.env, &lock_id, force).await,
        Command::Output { env, json } => output::run(ctx, &env.env, json).await,
    }
}
