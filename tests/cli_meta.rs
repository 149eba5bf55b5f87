//! The everyday CLI around the engine (issue 14): `dtr version [--json]`, shell completions and the
//! man page from the clap definition, and `dtr output NAME` / `--raw` / `--json` for scripts.

mod common;

use common::{deployed, dtr_run, run, Moto};
use std::process::Command;

fn dtr_alone(args: &[&str]) -> common::Run {
    run(Command::new(env!("CARGO_BIN_EXE_dtr"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir())
        .args(args))
}

#[test]
fn version_names_the_formats_dtr_reads_and_writes() {
    let text = dtr_alone(&["version"]).expect_code(0);
    assert!(
        text.stdout
            .starts_with(&format!("dtr {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{}",
        text.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&dtr_alone(&["version", "--json"]).expect_code(0).stdout).unwrap();
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        json["saved_plan_format_version"],
        dtr::plan::saved::SAVED_PLAN_VERSION
    );
    assert_eq!(
        json["state_format_version"],
        dtr::state::store::STATE_FORMAT_VERSION
    );
    assert_eq!(json["plan_format_version"], dtr::plan::PLAN_FORMAT_VERSION);
    assert!(json["commit"].is_string());
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = dtr_alone(&["completions", shell]).expect_code(0);
        for verb in ["plan", "apply", "migrate", "force-unlock"] {
            assert!(r.stdout.contains(verb), "{shell}: {verb}");
        }
    }
    // The bash script parses as bash.
    let script = dtr_alone(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dtr.bash");
    std::fs::write(&path, script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(syntax.status.success(), "{syntax:?}");
    let man = dtr_alone(&["man"]).expect_code(0);
    assert!(man.stdout.contains(".TH dtr 1"), "{}", man.stdout);
    assert!(man.stdout.contains("validate"), "{}", man.stdout);
    dtr_alone(&["completions", "tcsh"]).expect_code(1);
}

#[test]
fn one_output_prints_for_people_raw_for_scripts_and_as_json() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let all = dtr_run(&moto, &project, &["output", "--env", "local", "--json"]).expect_code(0);
    let all: serde_json::Value = serde_json::from_str(&all.stdout).unwrap();
    let id = all["api_id"].as_str().expect("api_id").to_string();
    let one = |args: &[&str]| {
        let mut full = vec!["output", "--env", "local"];
        full.extend_from_slice(args);
        dtr_run(&moto, &project, &full)
    };
    assert_eq!(one(&["api_id"]).expect_code(0).stdout, format!("{id}\n"));
    assert_eq!(one(&["--raw", "api_id"]).expect_code(0).stdout, id);
    assert_eq!(
        one(&["--json", "api_id"]).expect_code(0).stdout,
        format!("\"{id}\"\n")
    );
    let unknown = one(&["nope"]).expect_code(1);
    assert!(
        unknown.stderr.contains("no output `nope`") && unknown.stderr.contains("api_endpoint"),
        "{}",
        unknown.stderr
    );
    one(&["--raw"]).expect_code(1);
}

#[test]
fn colour_follows_the_flag_no_color_and_clicolor_force() {
    let moto = Moto::start();
    let project = common::bootstrapped(&moto);
    let plan = |args: &[&str], vars: &[(&str, &str)]| {
        let mut cmd = common::dtr(&moto, &project);
        cmd.args(["plan", "--env", "local"]).args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        run(&mut cmd).expect_code(0).stdout
    };
    // Into a pipe: plain, unless CLICOLOR_FORCE asks for colour (a CI log that renders ANSI).
    assert!(!plan(&[], &[]).contains('\x1b'));
    assert!(plan(&[], &[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
    assert!(!plan(&["--no-color"], &[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
    assert!(!plan(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
}
