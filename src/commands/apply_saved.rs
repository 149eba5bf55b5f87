//! The checks of `dtr apply <plan file>`. A plan file is untrusted input (it travels as a CI
//! artifact): read it and refuse an edited one early ([`read`], [`environment`], [`check_scope`]),
//! then, under the lock, refuse it unless the plan recomputed from configuration, state and live reads
//! equals it change for change ([`verify`]). What is executed is the recomputed plan, never the file.

use super::Error;
use crate::engine::Planned;
use crate::model::Desired;
use crate::plan::saved::{self, SavedPlan, SavedPlanVersion, SAVED_PLAN_VERSION};
use crate::plan::select::Selection;
use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};

/// Read a plan file: its version first, then the whole, then its digest.
pub fn read(file: &Path) -> Result<SavedPlan, Error> {
    let shown = file.display();
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::Refused(format!("cannot read the plan file {shown}: {e}")))?;
    let not_a_plan = |e: serde_json::Error| {
        Error::Refused(format!(
            "{shown} is not a plan saved by `dtr plan --out`: {e}"
        ))
    };
    let version: SavedPlanVersion = serde_json::from_str(&text).map_err(not_a_plan)?;
    if version.format_version != SAVED_PLAN_VERSION {
        return Err(Error::Refused(format!(
            "{shown} has plan format {}; this dtr applies only format {SAVED_PLAN_VERSION} (format 1 \
             carried no digest of its body). Make a new plan with `dtr plan --out`; nothing was changed",
            version.format_version
        )));
    }
    let saved: SavedPlan = serde_json::from_str(&text).map_err(not_a_plan)?;
    if saved::digest(&saved) != saved.fingerprints.plan_digest {
        return Err(Error::Refused(format!(
            "the plan file {shown} was edited after `dtr plan --out` wrote it (its digest does not \
             match its contents), so it was not applied; nothing was changed. Make a new plan"
        )));
    }
    Ok(saved)
}

/// Which environment to load: `--env` (the command line is trusted, the file is not), and then the
/// file must name the same environment file. Only at a terminal may `--env` be left out: then the one
/// the file names, which must be a relative path inside the project.
pub fn environment(saved: &SavedPlan, env: Option<&str>, file: &Path) -> Result<String, Error> {
    let named = &saved.environment_file;
    match env {
        Some(env) => {
            let wanted = crate::config::environment_path(env, Path::new(""));
            if normal(&wanted) != normal(named) {
                return Err(Error::Refused(format!(
                    "the plan {} was made for {}, not {}; nothing was changed",
                    file.display(),
                    named.display(),
                    wanted.display()
                )));
            }
            Ok(env.to_string())
        }
        // In a pipeline the command line, not an artifact anyone with artifact access can swap,
        // says where a plan applies.
        None if !std::io::stdin().is_terminal() => Err(Error::Refused(format!(
            "name the environment the plan {} is for: `dtr apply {} --env <name>` (without a terminal, the command line must say where a plan applies, not the plan file); nothing was changed",
            file.display(),
            file.display()
        ))),
        None => {
            saved::environment_file_in_project(named).map_err(|why| {
                Error::Refused(format!(
                    "the plan {} was not applied: {why}; pass --env to name the environment",
                    file.display()
                ))
            })?;
            Ok(named.to_string_lossy().into_owned())
        }
    }
}

fn normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Before the lock: the plan is for the configuration loaded, and what it would apply passes the
/// security checks (it cannot, unedited: the configuration passed them when it was planned).
pub fn check_scope(saved: &SavedPlan, desired: &Desired, file: &Path) -> Result<(), Error> {
    let plan = &saved.plan;
    if (&plan.stack, &plan.environment) != (&desired.stack, &desired.environment) {
        return Err(Error::Refused(format!(
            "the plan {} is for {}/{}, but the configuration it names is {}/{}; it was edited or is \
             for other inputs, and nothing was changed",
            file.display(),
            plan.stack,
            plan.environment,
            desired.stack,
            desired.environment
        )));
    }
    let findings = crate::config::security_findings(desired, plan);
    if !findings.is_empty() {
        return Err(Error::Refused(format!(
            "the plan {} would apply what the security checks refuse, so it was edited; nothing was \
             changed:\n  {}",
            file.display(),
            findings.join("\n  ")
        )));
    }
    Ok(())
}

/// A replacement asked for by `--replace` destroys what could have been kept (a table's items, an
/// API's endpoint): a plan file cannot ask for one by itself, since anyone who can edit the file
/// could add it. The apply must repeat exactly the file's `--replace` addresses.
pub fn check_replace(
    saved: &SavedPlan,
    given: &[crate::model::ResourceAddress],
    file: &Path,
) -> Result<(), Error> {
    let wanted: std::collections::BTreeSet<_> = saved.replace.iter().collect();
    let given: std::collections::BTreeSet<_> = given.iter().collect();
    if wanted == given {
        return Ok(());
    }
    let list = |set: &std::collections::BTreeSet<&crate::model::ResourceAddress>| {
        if set.is_empty() {
            "none".to_string()
        } else {
            set.iter()
                .map(|a| format!("--replace {a}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    Err(Error::Refused(format!(
        "{} was planned with {}, but this apply gives {}: a replacement by request destroys what could be kept, so the apply must repeat the plan's --replace exactly; nothing was changed",
        file.display(),
        list(&wanted),
        list(&given)
    )))
}

/// The selection the plan was made with, to recompute it the same way.
pub fn selection(saved: &SavedPlan) -> Selection {
    Selection {
        targets: saved.targets.clone(),
        replace: saved.replace.clone(),
    }
}

/// Under the lock: refuse unless nothing the plan was computed from moved, and the plan recomputed
/// now is the saved one, change for change.
pub fn verify(saved: &SavedPlan, now: &Planned, file: &Path) -> Result<(), Error> {
    let stale = saved::stale_reasons(&saved.fingerprints, &now.fingerprints);
    if !stale.is_empty() {
        return Err(Error::Refused(format!(
            "the saved plan {} is stale and was not applied: {}. Make a new plan.",
            file.display(),
            stale.join("; ")
        )));
    }
    let differ = saved::differences(&saved.plan, &now.plan);
    if !differ.is_empty() {
        return Err(Error::Refused(format!(
            "the saved plan {} is not the plan its inputs give now, so it was edited or is for other \
             inputs; nothing was changed: {}. Make a new plan with `dtr plan --out`.",
            file.display(),
            differ.join("; ")
        )));
    }
    Ok(())
}
