//! `dtr plan`: read live AWS, diff, print.

use super::common::Context;
use super::{Error, Outcome};
use crate::cli::LockArgs;
use crate::cli::PlanFormat;
use crate::engine::{self, Planned};
use crate::model::Desired;
use crate::plan::render::{human, json, markdown};
use crate::plan::saved::{self, SavedPlan};
use crate::plan::select::Selection;
use crate::plan::Plan;
use crate::provider::aws::Clients;
use std::path::{Path, PathBuf};

/// The plan of `desired` as live AWS stands, read with the command's clients and state store.
pub async fn make_plan(
    ctx: &Context,
    clients: &Clients,
    desired: &Desired,
    selection: &Selection,
    parallelism: usize,
) -> Result<Planned, Error> {
    let store = ctx.store(clients, desired);
    let planned = engine::make_plan(clients, &store, desired, selection, parallelism).await?;
    if !planned.as_applied.is_empty() {
        let n = planned.as_applied.len();
        ctx.printer.info(&format!(
            "{n} {} of the targets taken from the state as last applied (not read): {} \
             configuration is unchanged since, so drift on {} is not seen here; a plan without \
             --target reads {}",
            if n == 1 { "dependency" } else { "dependencies" },
            if n == 1 { "its" } else { "their" },
            if n == 1 { "it" } else { "them" },
            if n == 1 { "it" } else { "them" },
        ));
    }
    Ok(planned)
}

/// Write the plan with its fingerprints and digest, for `dtr apply <file>`.
fn save(
    path: &Path,
    env_file: PathBuf,
    options: &Options<'_>,
    planned: &Planned,
) -> Result<(), Error> {
    let saved = saved::sealed(SavedPlan {
        format_version: saved::SAVED_PLAN_VERSION,
        environment_file: env_file,
        targets: options.selection.targets.clone(),
        replace: options.selection.replace.clone(),
        destroy: options.destroy,
        fingerprints: planned.fingerprints.clone(),
        plan: planned.plan.clone(),
    });
    let text = serde_json::to_string_pretty(&saved).map_err(Error::EncodePlan)?;
    write_private(path, &(text + "\n")).map_err(|source| Error::Io {
        doing: "write",
        path: path.to_path_buf(),
        source,
    })
}

/// Write a file only its owner can read (it holds sensitive values): into a new file created with
/// mode 0600 beside it, then renamed over it, so an existing file's wider mode is replaced, not kept.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = path.with_file_name(temp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temp, path));
    match written {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Every renderer masks sensitive values itself.
pub fn print_plan(ctx: &Context, plan: &Plan, format: PlanFormat) {
    match format {
        PlanFormat::Json => crate::outln!("{}", json::render(plan)),
        PlanFormat::Markdown => crate::out!("{}", markdown::render(plan)),
        PlanFormat::Human => {
            let style = human::Style {
                color: ctx.printer.color,
            };
            crate::out!("{}", human::render(plan, style));
        }
    }
}

/// What `dtr plan` was asked for.
pub struct Options<'a> {
    pub lock: &'a LockArgs,
    pub selection: &'a Selection,
    pub detailed_exitcode: bool,
    pub format: PlanFormat,
    pub out: Option<&'a Path>,
    pub parallelism: usize,
    /// Plan what `dtr destroy` would do (against the environment file alone, as destroy reads it).
    pub destroy: bool,
}

pub async fn run(ctx: &Context, env: &str, options: &Options<'_>) -> Result<Outcome, Error> {
    let lock = options.lock;
    let desired = match options.destroy {
        true => ctx.load_environment(env)?,
        false => ctx.load(env)?,
    };
    let clients = ctx.connect(&desired).await?;
    let planned = async || {
        make_plan(
            ctx,
            &clients,
            &desired,
            options.selection,
            options.parallelism,
        )
        .await
    };
    let planned = match lock.lock {
        true => {
            ctx.with_lock(&clients, &desired, "plan", lock, async |_| planned().await)
                .await?
        }
        false => planned().await?,
    };
    if let Some(path) = options.out {
        save(
            path,
            crate::config::environment_path(env, Path::new("")),
            options,
            &planned,
        )?;
        ctx.printer.info(&format!(
            "{}plan saved to {}; apply it with `dtr apply {}`",
            if options.destroy { "destroy " } else { "" },
            path.display(),
            path.display()
        ));
        let secret: Vec<String> = planned
            .plan
            .changes
            .iter()
            .filter(|c| !c.sensitive.is_empty())
            .map(|c| c.address.to_string())
            .collect();
        if !secret.is_empty() {
            ctx.printer.warn(&format!(
                "{} holds sensitive values in plain text (of {}), as a Terraform plan file does: it \
                 is readable by its owner only; keep it short-lived (a CI artifact that expires \
                 within the day) and delete it once applied",
                path.display(),
                secret.join(", ")
            ));
        }
    }
    let plan = planned.plan;
    print_plan(ctx, &plan, options.format);
    Ok(if options.detailed_exitcode && plan.has_changes() {
        Outcome::ChangesPresent
    } else {
        Outcome::Done
    })
}
