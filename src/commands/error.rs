//! Why a command failed, as data, and the one place that words it for the user: what happened, on
//! what, and what to do next. Every error exits 1 (README "Exit codes"); signals are `main`'s.

use crate::config::Diagnostics;
use crate::engine::EngineError;
use crate::exec::ExecError;
use crate::interrupt::Reason;
use crate::model::{ResourceAddress, ResourceKind, SourceLocation};
use crate::provider::aws::ConnectError;
use crate::provider::package::PackageError;
use crate::provider::AwsError;
use crate::state::bootstrap::BootstrapError;
use crate::state::lock::LockInfo;
use crate::state::{LockError, StateError};
use std::path::PathBuf;

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
    #[error("cannot use {} as the project directory: {source}", .path.display())]
    ProjectDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// One environment, one region: the state, the lock and the global IAM roles are shared, so the
    /// same environment applied to a second region would duplicate it and rewrite the first's roles.
    #[error(
        "--region {given} contradicts environment {env}, which deploys to {region} (its `region`); \
         nothing was touched. To deploy to {given}, make an environment for it (its own file, names \
         and backend.state_key)"
    )]
    RegionContradicts {
        given: String,
        env: String,
        region: String,
    },
    #[error(
        "environment {env} is pinned to account {pinned} (`account_id` in {file}), but the \
         credentials belong to account {actual}; nothing was touched. Use credentials of account \
         {pinned}, or the environment meant for account {actual}; if {env} is meant for account \
         {actual}, set `account_id` in {file} (and its backend's names) to it"
    )]
    AccountMismatch {
        env: String,
        file: String,
        pinned: String,
        actual: String,
    },
    #[error(
        "the lock table {table} does not exist ({code}); run `dtr bootstrap --env {env}` first"
    )]
    NoLockTable {
        table: String,
        env: String,
        code: String,
    },
    /// A signal, or a closed stdout, asked the command to stop at `when`.
    #[error("{reason} {when}; nothing was changed")]
    Stopped { reason: Reason, when: &'static str },
    #[error(
        "{verb} asks for confirmation and standard input is not a terminal; pass --auto-approve to \
         {verb} without asking"
    )]
    NoTerminal { verb: &'static str },
    /// `doing`: "wait for" (no thread to read it on) or "read".
    #[error(
        "could not {doing} the answer at the confirmation prompt: {source}; nothing was changed"
    )]
    Prompt {
        doing: &'static str,
        source: std::io::Error,
    },
    #[error(
        "not confirmed (only 'yes' is accepted); nothing was changed. Run it again and answer yes \
         to go ahead"
    )]
    NotConfirmed,
    #[error(
        "--target shapes a plan; give it to `dtr plan --out`, not to the apply of a saved plan"
    )]
    TargetWithSavedPlan,
    #[error("{}", problem.describe(path))]
    PlanFile {
        path: PathBuf,
        problem: PlanFileProblem,
    },
    #[error("cannot {doing} {}: {source}", .path.display())]
    Io {
        doing: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no output `{name}` (or it is not known yet: apply first); the stack's outputs: {known}"
    )]
    NoSuchOutput { name: String, known: String },
    #[error("{address} is not a function: `dtr logs` shows a lambda_function's log events")]
    NotAFunction { address: ResourceAddress },
    #[error("cannot encode the plan: {0}")]
    EncodePlan(serde_json::Error),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Migrate(#[from] crate::migrate::MigrateError),
    /// The migration would give a resource an address the state holds otherwise.
    #[error(
        "{address} already holds {held} in dtr's state, and the migration would give it {terraform}; nothing was written. Resolve it first (`dtr state rm {address}` if the state is wrong)"
    )]
    MigrateConflict {
        address: ResourceAddress,
        held: String,
        terraform: String,
    },
    #[error(transparent)]
    StateCommand(#[from] StateCommandError),
    #[error("cannot encode the state as JSON: {0}")]
    EncodeState(serde_json::Error),
    #[error(
        "lock {} is held by {} for `{}` since {} (lease ends in {remaining_secs}s): its holder may \
         still be running, and releasing it lets another run change the same resources beside it. \
         Stop that run first; if it is gone for good, run again with --force. Nothing was released",
        .holder.id, .holder.who, .holder.operation, .holder.created
    )]
    LeaseCurrent {
        holder: LockInfo,
        remaining_secs: i64,
    },
    #[error("{location}: {source}")]
    Package {
        location: SourceLocation,
        source: PackageError,
    },
    #[error("{skipped} action(s) were not started; run {verb} again")]
    NotStarted { skipped: usize, verb: &'static str },
    /// Some actions failed; the summary was already printed.
    #[error("apply finished with {0} failed action(s); see above")]
    ActionsFailed(usize),
}

/// Why `dtr import` adopted nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{address} is not in the configuration of {env}; declare it before importing it")]
    NotDeclared {
        address: ResourceAddress,
        env: String,
    },
    #[error("{address} is already managed (as {physical_id}); nothing was imported")]
    AlreadyManaged {
        address: ResourceAddress,
        physical_id: String,
    },
    #[error("no {kind} with id {id} exists; nothing was imported. Check the id (and --region)")]
    NotFound { kind: ResourceKind, id: String },
    /// Two addresses owning one resource would each apply their own configuration to it, and
    /// removing either would delete it from under the other.
    #[error(
        "{physical_id} is already managed as {owner}; nothing was imported. One resource has one \
         address: to give it the address {address}, rename it with a `moved` entry (or \
         `dtr state rm --env {env} {owner}`, then import it again)"
    )]
    OwnedElsewhere {
        address: ResourceAddress,
        physical_id: String,
        owner: ResourceAddress,
        env: String,
    },
}

/// Why `dtr state show` or `dtr state rm` did nothing.
#[derive(Debug, thiserror::Error)]
pub enum StateCommandError {
    #[error(
        "the state of {environment} has no {}; nothing was changed. `dtr state list --env {env}` \
         lists what it records",
        .missing.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
    )]
    NotInState {
        missing: Vec<ResourceAddress>,
        environment: String,
        env: String,
    },
}

/// Why a saved plan (`dtr apply <file>`) was refused. Nothing was changed in any case.
#[derive(Debug)]
pub enum PlanFileProblem {
    NotAPlan(serde_json::Error),
    /// Another format than this dtr's (format 1 carried no digest of its body).
    Format {
        found: u32,
        supported: u32,
    },
    /// Its digest does not match its contents.
    Edited,
    OtherEnvironment {
        planned: PathBuf,
        given: PathBuf,
    },
    /// No `--env`, and no terminal: the command line must say where a plan applies.
    EnvironmentNotNamed,
    EnvironmentOutsideProject {
        why: String,
    },
    OtherScope {
        planned: (String, String),
        configured: (String, String),
    },
    SecurityRefused {
        findings: Vec<String>,
    },
    ReplaceDiffers {
        planned: Vec<ResourceAddress>,
        given: Vec<ResourceAddress>,
    },
    Stale {
        reasons: Vec<String>,
    },
    Differs {
        differences: Vec<String>,
    },
}

impl PlanFileProblem {
    fn describe(&self, path: &std::path::Path) -> String {
        let file = path.display();
        match self {
            PlanFileProblem::NotAPlan(e) => {
                format!("{file} is not a plan saved by `dtr plan --out`: {e}")
            }
            PlanFileProblem::Format { found, supported } => format!(
                "{file} has plan format {found}; this dtr applies only format {supported} (format 1 \
                 carried no digest of its body). Make a new plan with `dtr plan --out`; nothing was changed"
            ),
            PlanFileProblem::Edited => format!(
                "the plan file {file} was edited after `dtr plan --out` wrote it (its digest does not \
                 match its contents), so it was not applied; nothing was changed. Make a new plan"
            ),
            PlanFileProblem::OtherEnvironment { planned, given } => format!(
                "the plan {file} was made for {}, not {}; nothing was changed",
                planned.display(),
                given.display()
            ),
            PlanFileProblem::EnvironmentNotNamed => format!(
                "name the environment the plan {file} is for: `dtr apply {file} --env <name>` (without \
                 a terminal, the command line must say where a plan applies, not the plan file); \
                 nothing was changed"
            ),
            PlanFileProblem::EnvironmentOutsideProject { why } => format!(
                "the plan {file} was not applied: {why}; pass --env to name the environment"
            ),
            PlanFileProblem::OtherScope {
                planned,
                configured,
            } => format!(
                "the plan {file} is for {}/{}, but the configuration it names is {}/{}; it was edited \
                 or is for other inputs, and nothing was changed",
                planned.0, planned.1, configured.0, configured.1
            ),
            PlanFileProblem::SecurityRefused { findings } => format!(
                "the plan {file} would apply what the security checks refuse, so it was edited; \
                 nothing was changed:\n  {}",
                findings.join("\n  ")
            ),
            PlanFileProblem::ReplaceDiffers { planned, given } => format!(
                "{file} was planned with {}, but this apply gives {}: a replacement by request \
                 destroys what could be kept, so the apply must repeat the plan's --replace exactly; \
                 nothing was changed",
                replace_flags(planned),
                replace_flags(given)
            ),
            PlanFileProblem::Stale { reasons } => format!(
                "the saved plan {file} is stale and was not applied: {}. Make a new plan.",
                reasons.join("; ")
            ),
            PlanFileProblem::Differs { differences } => format!(
                "the saved plan {file} is not the plan its inputs give now, so it was edited or is for \
                 other inputs; nothing was changed: {}. Make a new plan with `dtr plan --out`.",
                differences.join("; ")
            ),
        }
    }
}

fn replace_flags(addresses: &[ResourceAddress]) -> String {
    if addresses.is_empty() {
        return "none".to_string();
    }
    addresses
        .iter()
        .map(|a| format!("--replace {a}"))
        .collect::<Vec<_>>()
        .join(" ")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replace_mismatch_names_both_sets_of_flags() {
        let address: ResourceAddress = "dynamodb_table.tools".parse().expect("an address");
        let error = Error::PlanFile {
            path: PathBuf::from("plan.json"),
            problem: PlanFileProblem::ReplaceDiffers {
                planned: vec![address],
                given: vec![],
            },
        };
        let text = render_error(&error);
        assert!(
            text.starts_with(
                "error: plan.json was planned with --replace dynamodb_table.tools, but this apply gives none"
            ),
            "{text}"
        );
    }
}
