//! `dtr apply` and `dtr destroy`: lock, plan, confirm, reconcile, report. The lock is held from before
//! the plan until the end, the confirmation prompt included, so the plan confirmed is the plan applied.

use super::common::{release, Context};
use super::output::{print_outputs, resolve_outputs};
use super::plan::{make_plan, print_plan};
use super::{Error, Outcome};
use crate::cli::{ExecArgs, LockArgs, PlanFormat};
use crate::exec::{Executor, StopSignal};
use crate::interrupt;
use crate::model::Desired;
use crate::plan::saved::{stale_reasons, SavedPlan, SAVED_PLAN_VERSION};
use crate::plan::select::Selection;
use crate::plan::Action;
use crate::plan::Plan;
use crate::provider::aws::Clients;
use crate::state::LockGuard;
use crate::state::State;
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
}

/// Refuse to go on once a signal (or a closed stdout) asked the command to stop.
fn go_on(when: &str) -> Result<(), Error> {
    match interrupt::received() {
        Some(reason) => Err(Error::Refused(format!(
            "{reason} {when}; nothing was changed"
        ))),
        None => Ok(()),
    }
}

/// Ask on the terminal. The answer is read on a thread of its own, so that a signal at the prompt
/// stops the command (and releases the lock) instead of waiting for a line that never comes.
async fn confirm(mode: Mode) -> Result<(), Error> {
    let question = match mode {
        Mode::Apply => "Apply these changes? Only 'yes' is accepted: ",
        Mode::Destroy => "Destroy everything listed above? Only 'yes' is accepted: ",
    };
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
        .map_err(|e| Error::Refused(format!("could not wait for the answer: {e}")))?;
    let answer = match interrupt::or_stop(rx).await {
        Err(reason) => {
            crate::errln!("");
            return Err(Error::Refused(format!(
                "{reason} at the confirmation prompt; nothing was changed"
            )));
        }
        Ok(Ok(Ok(answer))) => answer,
        Ok(Ok(Err(e))) => {
            return Err(Error::Refused(format!("could not read the answer: {e}")));
        }
        Ok(Err(_)) => return Err(Error::Refused("could not read the answer".into())),
    };
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::Refused("not confirmed; nothing was changed".into()))
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
        return Err(Error::Refused(format!(
            "{verb} asks for confirmation and standard input is not a terminal; pass --auto-approve to {verb} without asking"
        )));
    }
    let mut desired = ctx.load(env)?;
    if mode == Mode::Destroy {
        desired.resources.clear();
    }
    let clients = ctx.connect(&desired).await?;
    interrupt::arm();
    let guard = ctx.lock(&clients, &desired, verb, lock).await?;
    let result = locked(ctx, &clients, &desired, &guard, selection, exec, mode).await;
    release(&ctx.printer, guard).await;
    result
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
    }
    execute(
        ctx,
        clients,
        desired,
        guard,
        exec,
        mode,
        &planned.plan,
        planned.state,
    )
    .await
}

/// `dtr apply <plan file>`: apply exactly the saved plan, or refuse it if anything it was computed
/// from moved since. The lock is taken before the check, so nothing can move between the two.
pub async fn run_saved(
    ctx: &Context,
    file: &Path,
    env: Option<&str>,
    lock: &LockArgs,
    exec: &ExecArgs,
) -> Result<Outcome, Error> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        Error::Refused(format!("cannot read the plan file {}: {e}", file.display()))
    })?;
    let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
        Error::Refused(format!(
            "{} is not a plan saved by `dtr plan --out`: {e}",
            file.display()
        ))
    })?;
    if saved.format_version > SAVED_PLAN_VERSION {
        return Err(Error::Refused(format!(
            "{} has plan format {}; this dtr reads up to {SAVED_PLAN_VERSION}",
            file.display(),
            saved.format_version
        )));
    }
    let env_file = saved.environment_file.to_string_lossy().into_owned();
    let desired = ctx.load(&env_file)?;
    let mut saved = saved;
    saved.plan.sensitive_values = desired.sensitive_values.clone();
    if let Some(env) = env.filter(|e| *e != desired.environment && *e != env_file) {
        return Err(Error::Refused(format!(
            "the plan is for environment {}, not {env}",
            desired.environment
        )));
    }
    let clients = ctx.connect(&desired).await?;
    interrupt::arm();
    let guard = ctx.lock(&clients, &desired, "apply", lock).await?;
    let result = async {
        let now = make_plan(
            ctx,
            &clients,
            &desired,
            &Selection::default(),
            exec.parallelism,
        )
        .await?;
        let stale = stale_reasons(&saved.fingerprints, &now.fingerprints);
        if !stale.is_empty() {
            return Err(Error::Refused(format!(
                "the saved plan {} is stale and was not applied: {}. Make a new plan.",
                file.display(),
                stale.join("; ")
            )));
        }
        print_plan(ctx, &saved.plan, PlanFormat::Human);
        if !saved.plan.has_changes() {
            return Ok(Outcome::Done);
        }
        execute(
            ctx,
            &clients,
            &desired,
            &guard,
            exec,
            Mode::Apply,
            &saved.plan,
            now.state,
        )
        .await
    }
    .await;
    release(&ctx.printer, guard).await;
    result
}

/// Carry out a plan, report what happened, print the outputs.
#[allow(clippy::too_many_arguments)]
async fn execute(
    ctx: &Context,
    clients: &Clients,
    desired: &Desired,
    guard: &LockGuard,
    exec: &ExecArgs,
    mode: Mode,
    plan: &Plan,
    mut state: State,
) -> Result<Outcome, Error> {
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
    };
    let report = executor.apply(plan, &mut state).await?;
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
        "{} {}: {} added, {} changed, {} replaced, {} destroyed{}.",
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
        (0, skipped) => Err(Error::Refused(format!(
            "{skipped} action(s) were not started; run {} again",
            match mode {
                Mode::Apply => "apply",
                Mode::Destroy => "destroy",
            }
        ))),
        (failed, _) => Err(Error::ActionsFailed(failed)),
    }
}
