//! The command line's own contract: exit codes of usage errors, help and version (no AWS involved).

use std::process::Command;

fn dtr(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dtr"))
        .args(args)
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run dtr");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Exit 2 means "changes present" after `plan --detailed-exitcode`: a typo in a CI script must not
/// read as that. clap's own default for usage errors is 2.
#[test]
fn usage_errors_exit_1_never_2() {
    for args in [
        &["plan", "--env", "local", "--no-such-flag"][..],
        &["plan"][..],
        &["no-such-verb"][..],
        &[][..],
        &["plan", "--env", "local", "--parallelism", "many"][..],
    ] {
        let (code, _, stderr) = dtr(args);
        assert_eq!(code, 1, "dtr {args:?}: {stderr}");
        assert!(
            stderr.contains("Usage") || stderr.contains("--help"),
            "dtr {args:?} points at the usage: {stderr}"
        );
    }
}

#[test]
fn help_and_version_exit_0() {
    let (code, stdout, _) = dtr(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("plan"), "{stdout}");
    let (code, stdout, _) = dtr(&["plan", "--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("--detailed-exitcode"), "{stdout}");
    let (code, stdout, _) = dtr(&["--version"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("dtr "), "{stdout}");
}
