//! Function packaging never reads outside a function's source directory: a link that leaves it, or a
//! special file in it, is refused by every command that loads the configuration, naming the path and
//! where it points, before anything is created; and nothing of what lies outside ends up anywhere.

mod common;

use common::{bootstrapped, dtr, dtr_run, Moto, Project, Run};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

const TOOL_MANAGER: &str = "stacks/dynamic-tool-runtime/functions/tool_manager";
const AUTHORIZER: &str = "stacks/dynamic-tool-runtime/functions/authorizer";

/// Run `dtr <args>` with `extra_env` set, killing it after `limit` (a hang is a failure, not a stuck
/// test run).
fn dtr_within(
    moto: &Moto,
    project: &Project,
    args: &[&str],
    extra_env: &[(&str, &str)],
    limit: Duration,
) -> Run {
    let mut cmd = dtr(moto, project);
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("spawn dtr");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(output) => Run::of(output.expect("dtr output")),
        Err(_) => {
            // SAFETY: `pid` is our own child, still running (it has not been waited for).
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("dtr {args:?} did not finish within {limit:?} (it hangs)");
        }
    }
}

/// Nothing of the stack exists: no function, no table but the lock table, no bucket but the state
/// bucket.
async fn nothing_was_created(moto: &Moto) {
    let c = moto.clients().await;
    let functions = c.lambda.list_functions().send().await.unwrap();
    assert!(functions.functions().is_empty(), "{functions:?}");
    let tables = c.dynamodb.list_tables().send().await.unwrap();
    assert_eq!(tables.table_names(), ["dtr-locks"], "{tables:?}");
    let buckets = c.s3.list_buckets().send().await.unwrap();
    let names: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["dtr-state-123456789012-local"], "{names:?}");
}

/// validate, plan and apply each refuse, naming the link (relative to its source directory) and
/// where it points, and never print `secret`.
fn every_command_refuses(
    moto: &Moto,
    project: &Project,
    extra_env: &[(&str, &str)],
    expected: &[&str],
    secret: &str,
) {
    for args in [
        &["validate", "--env", "local"][..],
        &["plan", "--env", "local"][..],
        &["apply", "--env", "local", "--auto-approve"][..],
    ] {
        let r = dtr_within(moto, project, args, extra_env, Duration::from_secs(60));
        assert_eq!(r.code, 1, "{args:?}\n{}\n{}", r.stdout, r.stderr);
        for part in expected {
            assert!(
                r.stderr.contains(part),
                "{args:?}: no {part:?} in\n{}",
                r.stderr
            );
        }
        assert!(
            r.stderr.contains("stack.yaml:") && r.stderr.contains(".properties.source"),
            "{args:?}: the diagnostic is located at the function's source: {}",
            r.stderr
        );
        for out in [&r.stdout, &r.stderr] {
            assert!(!out.contains(secret), "{args:?} printed the secret:\n{out}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_to_a_file_outside_the_source_directory_is_refused_and_nothing_is_created() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let outside = tempfile::tempdir().unwrap();
    let secret = format!("root-password-hash-{}", uuid::Uuid::new_v4());
    let target = outside.path().join("shadow");
    std::fs::write(&target, &secret).unwrap();
    symlink(&target, project.path(TOOL_MANAGER).join("settings.txt")).unwrap();

    let shown = target.display().to_string();
    every_command_refuses(
        &moto,
        &project,
        &[],
        &["`settings.txt`", &shown, "outside"],
        &secret,
    );
    nothing_was_created(&moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_to_the_process_environment_never_leaks_the_deploying_jobs_secrets() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    symlink(
        "/proc/self/environ",
        project.path(AUTHORIZER).join("env.txt"),
    )
    .unwrap();
    let secret = format!("wJalrXUtnFEMI-{}", uuid::Uuid::new_v4());

    every_command_refuses(
        &moto,
        &project,
        &[("DTR_TEST_DEPLOY_SECRET", &secret)],
        &["`env.txt`", "/proc/", "outside"],
        &secret,
    );
    nothing_was_created(&moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_in_a_function_directory_is_refused_at_once_instead_of_hanging() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let fifo = project.path(TOOL_MANAGER).join("requests.pipe");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo");

    every_command_refuses(
        &moto,
        &project,
        &[],
        &["`requests.pipe`", "FIFO"],
        "no secret here",
    );
    nothing_was_created(&moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_that_stays_inside_is_packaged_as_the_file_it_points_to() {
    let moto = Moto::start();
    let project = Project::copy();
    let dir = project.path(TOOL_MANAGER);
    symlink("handler.py", dir.join("alias.py")).unwrap();
    let r = dtr_run(&moto, &project, &["validate", "--env", "local"]).expect_code(0);
    assert!(r.stdout.contains("configuration is valid"), "{}", r.stdout);
}

/// Lambda takes at most 50 MB zipped in a direct upload: validate warns (and still succeeds) when a
/// package is larger, and says nothing for the shipped functions.
#[test]
fn validate_warns_when_a_package_exceeds_the_direct_upload_limit() {
    let project = Project::copy();
    let validate = |project: &Project| {
        common::run(
            std::process::Command::new(env!("CARGO_BIN_EXE_dtr"))
                .args(["validate", "--env", "local", "--chdir"])
                .arg(project.dir.path())
                .env_remove("AWS_ENDPOINT_URL"),
        )
    };
    let quiet = validate(&project).expect_code(0);
    assert!(!quiet.stderr.contains("warning"), "{}", quiet.stderr);

    // Incompressible: 51 MiB of random bytes zip to more than 50 MB.
    let mut rng = fastrand::Rng::with_seed(7);
    let mut data = vec![0u8; 51 * 1024 * 1024];
    rng.fill(&mut data);
    write(&project.path(TOOL_MANAGER).join("model.bin"), &data);
    let r = validate(&project).expect_code(0);
    assert!(r.stdout.contains("configuration is valid"), "{}", r.stdout);
    assert!(
        r.stderr.contains("warning:")
            && r.stderr
                .contains("module.tool_manager.lambda_function.function: properties.source")
            && r.stderr.contains("50 MB"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("module.authorizer"),
        "only the large package is named: {}",
        r.stderr
    );
}

fn write(path: &Path, data: &[u8]) {
    std::fs::write(path, data).expect("write");
}

/// Source edited while an apply waits at its prompt: the upload would deploy code the plan never
/// showed, so the function's action is refused and Lambda keeps the code it had.
#[test]
fn source_edited_after_the_plan_is_not_uploaded() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let live_code = || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let c = moto.clients().await;
            let f = c
                .lambda
                .get_function()
                .function_name("dtr-local-authorizer")
                .send()
                .await
                .unwrap();
            f.configuration()
                .unwrap()
                .code_sha256()
                .unwrap()
                .to_string()
        })
    };
    let before = live_code();
    let handler = format!("{AUTHORIZER}/handler.py");
    let original = project.read(&handler);
    project.write(&handler, &format!("{original}\n# planned edit\n"));

    // On a terminal of its own, the apply shows the plan and waits for an answer.
    let mut cmd = dtr(&moto, &project);
    cmd.args(["apply", "--env", "local"]);
    let mut apply = common::pty::AtPrompt::start(cmd);
    apply.wait_for("Only 'yes' is accepted");
    project.write(&handler, &format!("{original}\n# an edit nobody planned\n"));
    apply.type_line("yes");
    let (code, said) = apply.finish();
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("changed since the plan"), "{said}");
    assert_eq!(live_code(), before, "nothing was uploaded: {said}");
}
