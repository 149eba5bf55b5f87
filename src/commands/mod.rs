//! One file per verb. Each returns an [`Outcome`] or an [`Error`]; `main` maps them to exit codes.

mod apply;
mod apply_saved;
mod bootstrap;
mod common;
mod error;
mod force_unlock;
mod graph;
mod import;
mod logs;
mod meta;
mod migrate;
mod output;
mod plan;
pub mod progress;
mod state;
mod validate;

use crate::cli::{Cli, Command, MigrateFrom, PlanFormat, StateCommand};
pub use error::{render_error, Error, ImportError, PlanFileProblem, StateCommandError};

/// How a command that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// `plan --detailed-exitcode` found changes (exit 2).
    ChangesPresent,
}

pub async fn run(cli: Cli) -> Result<Outcome, Error> {
    // About dtr itself: no project directory, no configuration.
    match cli.command {
        Command::Version { json } => return meta::version(json),
        Command::Completions { shell } => return meta::completions(shell),
        Command::Man => return meta::man(),
        _ => {}
    }
    let mut ctx = common::Context::new(&cli.global)?;
    ctx.aws.limits = crate::provider::limiter::Limits::new(parallelism(&cli.command));
    let result = dispatch(&ctx, cli.command).await;
    if cli.global.stats {
        crate::err!("{}", ctx.aws.calls.render());
        crate::err!("{}", ctx.aws.limits.render());
    }
    result
}

/// `--parallelism` of the verbs that take it: every service's limit stays at or below it.
fn parallelism(command: &Command) -> usize {
    match command {
        Command::Plan { parallelism, .. }
        | Command::Migrate(MigrateFrom::Terraform { parallelism, .. }) => *parallelism,
        Command::Apply { exec, .. } | Command::Destroy { exec, .. } => exec.parallelism,
        _ => crate::exec::DEFAULT_PARALLELISM,
    }
}

async fn dispatch(ctx: &common::Context, command: Command) -> Result<Outcome, Error> {
    match command {
        Command::Validate { env, json } => validate::run(ctx, &env.env, json),
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
            destroy,
        } => {
            let options = plan::Options {
                destroy,
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
                return Err(Error::TargetWithSavedPlan);
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
        Command::Migrate(MigrateFrom::Terraform {
            env,
            lock,
            state,
            dry_run,
            rm_script,
            parallelism,
        }) => {
            let options = migrate::Options {
                state: &state,
                dry_run,
                rm_script: rm_script.as_deref(),
                lock: &lock,
                parallelism,
            };
            migrate::run(ctx, &env.env, &options).await
        }
        Command::ForceUnlock {
            env,
            lock_id,
            force,
        } => force_unlock::run(ctx, &env.env, &lock_id, force).await,
        Command::Output {
            env,
            json,
            raw,
            name,
        } => output::run(ctx, &env.env, name.as_deref(), json, raw).await,
        Command::Logs {
            env,
            address,
            since,
            follow,
        } => logs::run(ctx, &env.env, &address, since, follow).await,
        Command::Version { .. } | Command::Completions { .. } | Command::Man => {
            unreachable!("answered before the project is read")
        }
        Command::State(StateCommand::List { env, json }) => state::list(ctx, &env.env, json).await,
        Command::State(StateCommand::Show { env, address, json }) => {
            state::show(ctx, &env.env, &address, json).await
        }
        Command::State(StateCommand::Rm {
            env,
            lock,
            auto_approve,
            addresses,
        }) => state::rm(ctx, &env.env, &addresses, &lock, auto_approve).await,
    }
}
