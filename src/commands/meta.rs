//! `dtr version`, `dtr completions <shell>` and `dtr man`: about dtr itself, no configuration.

use super::{Error, Outcome};
use clap::CommandFactory;

/// The commit of a release build: set `DTR_GIT_COMMIT` when building (`DTR_GIT_COMMIT=$(git
/// rev-parse HEAD) cargo build --release`); a build script reading git would rebuild everything
/// on every commit.
const COMMIT: Option<&str> = option_env!("DTR_GIT_COMMIT");

pub fn version(json: bool) -> Result<Outcome, Error> {
    let commit = COMMIT.unwrap_or("unknown");
    let (plan, saved, state, terraform) = (
        crate::plan::PLAN_FORMAT_VERSION,
        crate::plan::saved::SAVED_PLAN_VERSION,
        crate::state::store::STATE_FORMAT_VERSION,
        crate::migrate::tfstate::FORMAT_VERSION,
    );
    if json {
        let doc = serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "commit": commit,
            "plan_format_version": plan,
            "saved_plan_format_version": saved,
            "state_format_version": state,
            "terraform_state_format_version": terraform,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        crate::outln!("dtr {} (commit {commit})", env!("CARGO_PKG_VERSION"));
        crate::outln!("plan JSON format {plan}, saved plan format {saved}, state format {state}");
        crate::outln!("reads Terraform state format {terraform} (dtr migrate terraform)");
    }
    Ok(Outcome::Done)
}

pub fn completions(shell: clap_complete::Shell) -> Result<Outcome, Error> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::Cli::command(), "dtr", &mut out);
    crate::out!("{}", String::from_utf8_lossy(&out));
    Ok(Outcome::Done)
}

pub fn man() -> Result<Outcome, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(crate::cli::Cli::command())
        .render(&mut out)
        .map_err(|source| Error::Io {
            doing: "render the man page to",
            path: "stdout".into(),
            source,
        })?;
    crate::out!("{}", String::from_utf8_lossy(&out));
    Ok(Outcome::Done)
}
