//! Ctrl-C (SIGINT) in the middle of an apply: in-flight actions finish and are recorded, nothing new
//! starts, the lock is released, and the state tells the truth about what exists.

mod common;

use common::{dtr, dtr_run, Moto, Project};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

#[tokio::test(flavor = "multi_thread")]
async fn sigint_mid_apply_leaves_a_true_state_and_no_lock() {
    let moto = Moto::start();
    let project = Project::copy();
    dtr_run(&moto, &project, &["bootstrap", "--env", "dev"]).expect_code(0);
    let mut child = dtr(&moto, &project)
        .args([
            "apply",
            "--env",
            "dev",
            "--auto-approve",
            "--parallelism",
            "1",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        if line.contains(": created (") {
            break;
        }
        line.clear();
    }
    // SAFETY: signalling our own child by its pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    seen.push_str(&rest);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{seen}");
    assert!(seen.contains("interrupt"), "{seen}");
    assert!(
        seen.contains("skipped:") && seen.contains("interrupted"),
        "{seen}"
    );
    assert!(seen.contains("state lock released"), "{seen}");

    // The state lists exactly what exists: every recorded resource is live, and a new apply
    // (no lock to wait for) creates only the rest.
    let c = moto.clients().await;
    let state =
        c.s3.get_object()
            .bucket("dtr-state-123456789012-dev")
            .key("dynamic-tool-runtime/dev.json")
            .send()
            .await
            .unwrap();
    let state: serde_json::Value =
        serde_json::from_slice(&state.body.collect().await.unwrap().into_bytes()).unwrap();
    let recorded = state["resources"].as_object().unwrap().len();
    assert!(
        (1..33).contains(&recorded),
        "interrupted part-way: {recorded} recorded"
    );
    let resume = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "dev", "--auto-approve"],
    )
    .expect_code(0);
    assert!(
        resume
            .stderr
            .contains(&format!("Complete apply: {} added", 33 - recorded)),
        "{}",
        resume.stderr
    );
}
