//! The checks of `dtr apply <plan file>`. A plan file is untrusted input (it travels as a CI
//! artifact): read it and refuse an edited one early ([`read`], [`environment`], [`check_scope`]),
//! then, under the lock, refuse it unless the plan recomputed from configuration, state and live reads
//! equals it change for change ([`verify`]). What is executed is the recomputed plan, never the file.

use super::{Error, PlanFileProblem as Problem};
use crate::engine::Planned;
use crate::model::Desired;
use crate::plan::saved::{self, SavedPlan, SavedPlanVersion, SAVED_PLAN_VERSION};
use crate::plan::select::Selection;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};

/// Read a plan file: its version first, then the whole, then its digest.
pub fn read(file: &Path) -> Result<SavedPlan, Error> {
    let text = std::fs::read_to_string(file).map_err(|source| Error::Io {
        doing: "read the plan file",
        path: file.to_path_buf(),
        source,
    })?;
    let not_a_plan = |e| refused(file, Problem::NotAPlan(e));
    let version: SavedPlanVersion = serde_json::from_str(&text).map_err(not_a_plan)?;
    if version.format_version != SAVED_PLAN_VERSION {
        return Err(refused(
            file,
            Problem::Format {
                found: version.format_version,
                supported: SAVED_PLAN_VERSION,
            },
        ));
    }
    let saved: SavedPlan = serde_json::from_str(&text).map_err(not_a_plan)?;
    if saved::digest(&saved) != saved.fingerprints.plan_digest {
        return Err(refused(file, Problem::Edited));
    }
    Ok(saved)
}

fn refused(file: &Path, problem: Problem) -> Error {
    Error::PlanFile {
        path: file.to_path_buf(),
        problem,
    }
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
                return Err(refused(
                    file,
                    Problem::OtherEnvironment {
                        planned: named.clone(),
                        given: wanted,
                    },
                ));
            }
            Ok(env.to_string())
        }
        // In a pipeline the command line, not an artifact anyone with artifact access can swap,
        // says where a plan applies.
        None if !std::io::stdin().is_terminal() => Err(refused(file, Problem::EnvironmentNotNamed)),
        None => {
            saved::environment_file_in_project(named)
                .map_err(|why| refused(file, Problem::EnvironmentOutsideProject { why }))?;
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
        return Err(refused(
            file,
            Problem::OtherScope {
                planned: (plan.stack.clone(), plan.environment.clone()),
                configured: (desired.stack.clone(), desired.environment.clone()),
            },
        ));
    }
    let findings = crate::config::security_findings(desired, plan);
    if !findings.is_empty() {
        return Err(refused(file, Problem::SecurityRefused { findings }));
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
    let wanted: BTreeSet<_> = saved.replace.iter().cloned().collect();
    let given: BTreeSet<_> = given.iter().cloned().collect();
    if wanted == given {
        return Ok(());
    }
    Err(refused(
        file,
        Problem::ReplaceDiffers {
            planned: wanted.into_iter().collect(),
            given: given.into_iter().collect(),
        },
    ))
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
        return Err(refused(file, Problem::Stale { reasons: stale }));
    }
    let differ = saved::differences(&saved.plan, &now.plan);
    if !differ.is_empty() {
        return Err(refused(
            file,
            Problem::Differs {
                differences: differ,
            },
        ));
    }
    Ok(())
}
