//! `dtr apply` and `dtr destroy`: lock, plan, confirm, reconcile, report. The lock is held from before
//! the plan until the end, the confirmation prompt included, so the plan confirmed is the plan applied.

use super::apply_saved;
use super::common::Context;
use super::output::{print_outputs, resolve_outputs};
use super::plan::{make_plan, print_plan};
use super::{Error, Outcome};
use crate::cli::{ExecArgs, LockArgs, PlanFormat};
use crate::engine::Planned;
use crate::exec::{Executor, StopSignal};
use crate::interrupt;
use crate::model::Desired;
use crate::plan::select::Selection;
use crate::plan::Action;
use crate::provider::aws::Clients;
use crate::state::LockGuard;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    /// Plan against an empty configuration: delete everything the state owns.
    Destroy,
}

struct Stop<'a> {
    guard: &'a LockGuard,
}

impl StopSignal for Stop<'_> {
    fn stop_reason(&self) -> Option<String> {
        if let Some(reason) = interrupt::received() {
            Some(format!("{reason} before it started"))
        } else if self.guard.is_lost() {
            Some(
                "the state lock was lost (its lease could not be renewed) before it started".into(),
            )
        } else {
            None
        }
    }

    fn confirm_held(&self) -> crate::exec::BoxFuture<'_, Option<String>> {
        Box::pin(async {
            self.guard.verify_recent().await.err().map(|e| {
                format!("the state lock is no longer this run's ({e}), so nothing more is started")
            })
        })
    }
}

/// Refuse to go on once a signal (or a closed stdout) asked the command to stop.
fn go_on(when: &'static str) -> Result<(), Error> {
    match interrupt::received() {
        Some(reason) => Err(Error::Stopped { reason, when }),
        None => Ok(()),
    }
}

async fn confirm(mode: Mode) -> Result<(), Error> {
    ask(match mode {
        Mode::Apply => "Apply these changes? Only 'yes' is accepted: ",
        Mode::Destroy => "Destroy everything listed above? Only 'yes' is accepted: ",
    })
    .await
}

/// Ask `question` on the terminal; only "yes" goes on. The answer is read on a thread of its own, so
/// that a signal at the prompt stops the command (and releases the lock) instead of waiting for a
/// line that never comes.
pub(super) async fn ask(question: &str) -> Result<(), Error> {
    crate::err!("{question}");
    let _ = std::io::stderr().flush();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("confirm".into())
        .spawn(move || {
            let mut answer = String::new();
            let read = std::io::stdin().lock().read_line(&mut answer);
            let _ = tx.send(read.map(|_| answer));
        })
        .map_err(|source| Error::Prompt {
            doing: "wait for",
            source,
        })?;
    let answer = match interrupt::or_stop(rx).await {
        Err(reason) => {
            crate::errln!("");
            return Err(Error::Stopped {
                reason,
                when: "at the confirmation prompt",
            });
        }
        Ok(Ok(Ok(answer))) => answer,
        Ok(Ok(Err(source))) => {
            return Err(Error::Prompt {
                doing: "read",
                source,
            })
        }
        Ok(Err(_)) => {
            let gone = std::io::Error::other("the thread reading it ended without one");
            return Err(Error::Prompt {
                doing: "read",
                source: gone,
            });
        }
    };
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::NotConfirmed)
    }
}

pub async fn run(
    ctx: &Context,
    env: &str,
    lock: &LockArgs,
    selection: &Selection,
    exec: &ExecArgs,
    mode: Mode,
) -> Result<Outcome, Error> {
    let verb = match mode {
        Mode::Apply => "apply",
        Mode::Destroy => "destroy",
    };
    if !exec.auto_approve && !std::io::stdin().is_terminal() {
        return Err(Error::NoTerminal { verb });
    }
    // Destroy plans against an empty configuration: it deletes what the state owns, so it needs
    // the environment's backend, not a stack that still validates.
    let desired = match mode {
        Mode::Apply => ctx.load(env)?,
        Mode::Destroy => ctx.load_environment(env)?,
    };
    let clients = ctx.connect(&desired).await?;
    ctx.with_lock(&clients, &desired, verb, lock, async |guard| {
        locked(ctx, &clients, &desired, guard, selection, exec, mode).await
    })
    .await
}

async fn locked(
    ctx: &Context,
    clients: &Clients,
    desired: &Desired,
    guard: &LockGuard,
    selection: &Selection,
    exec: &ExecArgs,
    mode: Mode,
) -> Result<Outcome, Error> {
    let planned = make_plan(ctx, clients, desired, selection, exec.parallelism).await?;
    print_plan(ctx, &planned.plan, PlanFormat::Human);
    if !planned.plan.has_changes() {
        if mode == Mode::Apply {
            print_outputs(&resolve_outputs(desired, &planned.state), false);
        }
        return Ok(Outcome::Done);
    }
    go_on("before confirming")?;
    if !exec.auto_approve {
        confirm(mode).await?;
        // The answer may have come long after the plan: act on it only while the lock is still ours.
        guard.verify().await?;
    }
    execute(ctx, clients, desired, guard, exec, mode, planned).await
}

/// `dtr apply <plan file>`: apply the saved plan, or refuse it if anything it was computed from moved
/// since or it was edited. The file is never executed: the plan is recomputed under the lock and
/// applied only if it equals the saved one (see [`apply_saved`]).
pub async fn run_saved(
    ctx: &Context,
    file: &Path,
    env: Option<&str>,
    replace: &[crate::model::ResourceAddress],
    lock: &LockArgs,
    exec: &ExecArgs,
) -> Result<Outcome, Error> {
    let saved = apply_saved::read(file)?;
    apply_saved::check_replace(&saved, replace, file)?;
    let env = apply_saved::environment(&saved, env, file)?;
    // A destroy plan is recomputed as one (against no configuration), never as a normal plan.
    let (desired, mode, verb) = match saved.destroy {
        true => (ctx.load_environment(&env)?, Mode::Destroy, "destroy"),
        false => (ctx.load(&env)?, Mode::Apply, "apply"),
    };
    apply_saved::check_scope(&saved, &desired, file)?;
    let clients = ctx.connect(&desired).await?;
    ctx.with_lock(&clients, &desired, verb, lock, async |guard| {
        let selection = apply_saved::selection(&saved);
        let now = make_plan(ctx, &clients, &desired, &selection, exec.parallelism).await?;
        apply_saved::verify(&saved, &now, file)?;
        print_plan(ctx, &now.plan, PlanFormat::Human);
        if !now.plan.has_changes() {
            return Ok(Outcome::Done);
        }
        execute(ctx, &clients, &desired, guard, exec, mode, now).await
    })
    .await
}

/// Carry out a plan, report what happened, print the outputs.
async fn execute(
    ctx: &Context,
    clients: &Clients,
    desired: &Desired,
    guard: &LockGuard,
    exec: &ExecArgs,
    mode: Mode,
    planned: Planned,
) -> Result<Outcome, Error> {
    let Planned {
        plan,
        mut state,
        observed,
        ..
    } = planned;
    go_on("before any action started")?;
    let reporter = ctx.printer.reporter();
    let store = ctx.store(clients, desired);
    let stop = Stop { guard };
    let executor = Executor {
        clients,
        store: &store,
        reporter: reporter.as_ref(),
        stop: &stop,
        parallelism: exec.parallelism,
        observed: &observed,
    };
    let report = executor.apply(&plan, &mut state).await?;
    // The live display ends here: what follows is printed below it, not drawn over.
    drop(reporter);
    let p = &ctx.printer;
    for failure in &report.failed {
        let code = failure
            .error
            .aws()
            .map(|e| {
                format!(
                    " [{}{}]",
                    e.code.clone().unwrap_or_default(),
                    e.request_id
                        .as_ref()
                        .map(|r| format!(", request id {r}"))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        p.summary(&format!(
            "failed: {} ({}){code}: {}",
            failure.address,
            failure.action.describe(),
            failure.error
        ));
    }
    for (address, why) in &report.skipped {
        p.summary(&format!("skipped: {address}: {why}"));
    }
    p.summary(&format!(
        "{} {}: {} added, {} changed, {} replaced, {} destroyed{}{}{}.",
        if report.failed.is_empty() && report.skipped.is_empty() {
            "Complete"
        } else {
            "Incomplete"
        },
        match mode {
            Mode::Apply => "apply",
            Mode::Destroy => "destroy",
        },
        report.count(Action::Create),
        report.count(Action::Update),
        report.count(Action::Replace),
        report.count(Action::Delete),
        match report.count(Action::Forget) {
            0 => String::new(),
            n => format!(", {n} forgotten (kept in AWS)"),
        },
        match report.moved.len() {
            0 => String::new(),
            n => format!(", {n} moved (state only)"),
        },
        if report.failed.is_empty() {
            String::new()
        } else {
            format!(", {} failed", report.failed.len())
        }
    ));
    if mode == Mode::Apply {
        print_outputs(&resolve_outputs(desired, &state), false);
    }
    match (report.failed.len(), report.skipped.len()) {
        (0, 0) => Ok(Outcome::Done),
        (0, skipped) => Err(Error::NotStarted {
            skipped,
            verb: match mode {
                Mode::Apply => "apply",
                Mode::Destroy => "destroy",
            },
        }),
        (failed, _) => Err(Error::ActionsFailed(failed)),
    }
}
