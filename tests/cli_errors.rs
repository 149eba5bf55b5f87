//! The errors a user meets most, as the user reads them: each a reviewed snapshot of what dtr prints
//! (times, temporary paths and lock ids redacted) and its exit code (README "Exit codes": 1).

mod common;

use common::{dtr, dtr_run, Moto, Project, Run};

/// stderr as a user reads it, with what changes from run to run replaced by a name for it.
fn redacted(text: &str, project: &Project) -> String {
    let dir = project.dir.path().display().to_string();
    text.replace('\r', "")
        .lines()
        .map(|line| untimed(line).replace(&dir, "[project]"))
        .map(|line| unuuid(&line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A CI line starts `HH:MM:SS.mmm `.
fn untimed(line: &str) -> &str {
    let shape = "00:00:00.000 ";
    let timed = line.len() >= shape.len()
        && line
            .bytes()
            .zip(shape.bytes())
            .all(|(c, s)| (s == b'0' && c.is_ascii_digit()) || c == s);
    if timed {
        &line[shape.len()..]
    } else {
        line
    }
}

/// Lock ids are random UUIDs.
fn unuuid(line: &str) -> String {
    let shape = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    let bytes = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < line.len() {
        let is_uuid = bytes.len() >= i + shape.len()
            && bytes[i..i + shape.len()]
                .iter()
                .zip(shape.bytes())
                .all(|(c, s)| {
                    if s == b'-' {
                        *c == b'-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                });
        if is_uuid {
            out.push_str("[uuid]");
            i += shape.len();
        } else {
            let c = line[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Run, assert the exit code, and give stderr redacted for a snapshot.
fn refused(moto: &Moto, project: &Project, args: &[&str]) -> String {
    let r: Run = dtr_run(moto, project, args).expect_code(1);
    redacted(&r.stderr, project)
}

#[test]
fn unknown_environment() {
    let moto = Moto::start();
    let project = Project::copy();
    insta::assert_snapshot!(refused(&moto, &project, &["plan", "--env", "nowhere"]));
}

#[test]
fn malformed_environment_file() {
    let moto = Moto::start();
    let project = Project::copy();
    project.edit("environments/local.yaml", "region:", "region: [\nwhat:");
    insta::assert_snapshot!(refused(&moto, &project, &["plan", "--env", "local"]));
}

#[test]
fn region_contradicting_the_environment() {
    let moto = Moto::start();
    let project = Project::copy();
    insta::assert_snapshot!(refused(
        &moto,
        &project,
        &["plan", "--env", "local", "--region", "eu-west-1"]
    ));
}

#[test]
fn account_mismatch() {
    let moto = Moto::start_for_account(Some("999999999999"));
    let project = Project::copy();
    insta::assert_snapshot!(refused(&moto, &project, &["plan", "--env", "local"]));
}

#[test]
fn no_lock_table_before_bootstrap() {
    let moto = Moto::start();
    let project = Project::copy();
    insta::assert_snapshot!(refused(&moto, &project, &["plan", "--env", "local"]));
}

/// On a fresh account every verb that reads the backend says to bootstrap, not a raw `NoSuchBucket`
/// or `ResourceNotFoundException`, whether it reads the state first (no lock) or the lock table.
#[test]
fn every_verb_on_a_fresh_account_says_to_bootstrap() {
    let moto = Moto::start();
    let project = Project::copy();
    let function = "module.tool_manager.lambda_function.function";
    for args in [
        &["plan", "--env", "local", "--lock=false"][..],
        &["plan", "--env", "local", "--destroy"],
        &["output", "--env", "local"],
        &["state", "list", "--env", "local"],
        &["logs", "--env", "local", function],
        &["force-unlock", "--env", "local", "some-id"],
        &["destroy", "--env", "local", "--auto-approve"],
    ] {
        let stderr = refused(&moto, &project, args);
        assert!(
            stderr.contains("run `dtr bootstrap --env local` first"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("request id"), "{args:?}: {stderr}");
    }
    insta::assert_snapshot!(refused(
        &moto,
        &project,
        &["plan", "--env", "local", "--lock=false"]
    ));
}

#[test]
fn saved_plan_that_is_not_a_plan() {
    let moto = Moto::start();
    let project = Project::copy();
    project.write("plan.json", "{\"format_version\": 2}\n");
    let missing = refused(&moto, &project, &["apply", "plan.json", "--env", "local"]);
    project.write("plan.json", "this is not JSON\n");
    let garbage = refused(&moto, &project, &["apply", "plan.json", "--env", "local"]);
    project.write("plan.json", "{\"format_version\": 1}\n");
    let old = refused(&moto, &project, &["apply", "plan.json", "--env", "local"]);
    let absent = refused(&moto, &project, &["apply", "absent.json", "--env", "local"]);
    insta::assert_snapshot!([missing, garbage, old, absent].join("\n---\n"));
}

/// Bootstrapped, with a plan of local saved to plan.json.
fn with_saved_plan(moto: &Moto) -> Project {
    let project = Project::copy();
    dtr_run(moto, &project, &["bootstrap", "--env", "local"]).expect_code(0);
    dtr_run(
        moto,
        &project,
        &["plan", "--env", "local", "--out", "plan.json"],
    )
    .expect_code(0);
    project
}

#[test]
fn saved_plan_tampered_with() {
    let moto = Moto::start();
    let project = with_saved_plan(&moto);
    let other_env = refused(&moto, &project, &["apply", "plan.json", "--env", "staging"]);
    let no_env = refused(&moto, &project, &["apply", "plan.json"]);
    project.edit(
        "plan.json",
        "\"action\": \"create\"",
        "\"action\": \"no_op\"",
    );
    let edited = refused(&moto, &project, &["apply", "plan.json", "--env", "local"]);
    insta::assert_snapshot!([edited, other_env, no_env].join("\n---\n"));
}

#[test]
fn saved_plan_gone_stale() {
    let moto = Moto::start();
    let project = with_saved_plan(&moto);
    project.edit(
        "environments/local.yaml",
        "log_retention_days: 7",
        "log_retention_days: 14",
    );
    insta::assert_snapshot!(refused(
        &moto,
        &project,
        &["apply", "plan.json", "--env", "local"]
    ));
}

#[test]
fn not_confirmed_without_a_terminal() {
    let moto = Moto::start();
    let project = Project::copy();
    let apply = refused(&moto, &project, &["apply", "--env", "local"]);
    let destroy = refused(&moto, &project, &["destroy", "--env", "local"]);
    insta::assert_snapshot!([apply, destroy].join("\n---\n"));
}

/// On a terminal, anything but "yes" is a refusal: only the error lines are snapshotted (the plan
/// above them is the plan snapshots' business).
#[test]
fn not_confirmed_at_the_prompt() {
    let moto = Moto::start();
    let project = Project::copy();
    dtr_run(&moto, &project, &["bootstrap", "--env", "local"]).expect_code(0);
    let mut cmd = dtr(&moto, &project);
    cmd.args(["apply", "--env", "local"]);
    let mut at = common::pty::AtPrompt::start(cmd);
    at.wait_for("Only 'yes' is accepted");
    at.type_line("no");
    let (code, shown) = at.finish();
    assert_eq!(code, Some(1), "{shown}");
    let errors: Vec<String> = redacted(&shown, &project)
        .lines()
        .filter(|l| l.starts_with("error:"))
        .map(str::to_string)
        .collect();
    insta::assert_snapshot!(errors.join("\n"));
}
