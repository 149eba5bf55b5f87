//! Stopping while the state lock is held: Ctrl-C (SIGINT) or SIGTERM (a cancelled CI job) during an
//! apply, at its confirmation prompt or during its live reads, and a closed standard output while
//! the outputs are printed. Each time in-flight actions finish and are recorded, nothing new starts,
//! the lock is released, and the state tells the truth about what exists. Checked through the SDK.

mod common;

use common::pty::{Pty, Streams};
use common::{apply_dev, bootstrapped, dtr, eventually, Moto};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const LOCK_TABLE: &str = "dtr-locks";
/// Resources in a local apply.
const DEV_RESOURCES: usize = 38;

/// Items in the lock table: none once every dtr released its lock.
async fn locks_held(moto: &Moto) -> usize {
    let c = moto.clients().await;
    let scan = c
        .dynamodb
        .scan()
        .table_name(LOCK_TABLE)
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    scan.items().len()
}

/// Resources the stored state records (none if there is no state object yet).
async fn recorded(moto: &Moto) -> usize {
    let c = moto.clients().await;
    let Some(bytes) = common::local_state_bytes(&c).await else {
        return 0;
    };
    let state: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    state["resources"].as_object().map_or(0, |r| r.len())
}

fn signal(child: &Child, signal: i32) {
    // SAFETY: signalling our own child by its pid.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
}

/// The rest of the child's stderr and its exit status, failing the test rather than hanging it: the
/// stream is read on a thread while the exit is awaited with a deadline (a dtr that never exits is
/// killed, which ends the stream).
fn finish(child: &mut Child, rest: impl Read + Send + 'static, seen: &mut String) -> ExitStatus {
    let reader = std::thread::spawn(move || {
        let mut rest = rest;
        let mut text = String::new();
        let _ = rest.read_to_string(&mut text);
        text
    });
    let status = wait(child, seen);
    seen.push_str(&reader.join().unwrap_or_default());
    status
}

/// Wait for the child, failing the test rather than hanging it.
fn wait(child: &mut Child, seen: &str) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dtr did not exit after the signal\n{seen}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A signal part-way through an apply: the actions in flight finish and are recorded, no new one
/// starts, the lock is released, dtr exits `code`, and a new apply creates only the rest.
async fn signal_mid_apply(sig: i32, code: i32, says: &str) {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let mut child = dtr(&moto, &project)
        .args([
            "apply",
            "--env",
            "local",
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
    signal(&child, sig);
    let status = finish(&mut child, stderr, &mut seen);
    assert_eq!(status.code(), Some(code), "{status:?}\n{seen}");
    assert!(seen.contains(says), "{seen}");
    assert!(seen.contains("skipped:"), "{seen}");
    assert!(seen.contains("state lock released"), "{seen}");
    assert_eq!(locks_held(&moto).await, 0, "the lock item is gone\n{seen}");

    // The state lists exactly what exists: every recorded resource is live, and a new apply
    // (no lock to wait for) creates only the rest.
    let recorded = recorded(&moto).await;
    assert!(
        (1..DEV_RESOURCES).contains(&recorded),
        "interrupted part-way: {recorded} recorded"
    );
    let resume = apply_dev(&moto, &project);
    assert!(
        resume.stderr.contains(&format!(
            "Complete apply: {} added",
            DEV_RESOURCES - recorded
        )),
        "{}",
        resume.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_mid_apply_leaves_a_true_state_and_no_lock() {
    signal_mid_apply(libc::SIGINT, 130, "interrupted").await;
}

/// What a cancelled CI job sends: the same as Ctrl-C, not a death with the lock held.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_mid_apply_leaves_a_true_state_and_no_lock() {
    signal_mid_apply(libc::SIGTERM, 143, "SIGTERM").await;
}

/// Ctrl-C typed at the confirmation prompt (which needs a terminal): nothing is changed, the lock
/// is released, dtr exits 130.
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_at_the_prompt_releases_the_lock() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let mut cmd = dtr(&moto, &project);
    cmd.args(["apply", "--env", "local"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let (mut child, mut terminal) = Pty::open(50, 200).spawn(
        cmd,
        Streams {
            stdout: false,
            stderr: false,
        },
    );
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    // The prompt ends without a newline: read what comes until it is there.
    while !String::from_utf8_lossy(&seen).contains("Only 'yes' is accepted") {
        let n = stderr.read(&mut chunk).unwrap();
        assert!(n > 0, "no prompt:\n{}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(
        locks_held(&moto).await,
        1,
        "the prompt waits with the lock held"
    );
    terminal.write_all(b"\x03").unwrap();
    let mut seen = String::from_utf8_lossy(&seen).into_owned();
    let status = finish(&mut child, stderr, &mut seen);
    assert_eq!(status.code(), Some(130), "{status:?}\n{seen}");
    assert!(seen.contains("at the confirmation prompt"), "{seen}");
    assert!(seen.contains("state lock released"), "{seen}");
    assert_eq!(locks_held(&moto).await, 0, "the lock item is gone\n{seen}");
    assert_eq!(recorded(&moto).await, 0, "nothing was applied\n{seen}");
}

/// SIGTERM while the plan's live reads are under way (one held unanswered by the harness): the reads
/// are abandoned, the lock released, dtr exits 143 without changing anything.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_the_plans_reads_releases_the_lock() {
    sigterm_during_reads(&["apply", "--env", "local", "--auto-approve"]).await;
}

/// `dtr plan` takes the lock too (unless `--lock=false`), so the same holds for it.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_locked_plan_releases_the_lock() {
    sigterm_during_reads(&["plan", "--env", "local"]).await;
}

async fn sigterm_during_reads(args: &[&str]) {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    // The table's read is part of the plan, never of taking or releasing the lock.
    moto.inject_faults(json!([{"match": "DynamoDB_20120810.DescribeTable", "hang": true}]));
    let mut child = dtr(&moto, &project)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    eventually(Duration::from_secs(60), "dtr reads the table", || {
        assert!(
            child.try_wait().unwrap().is_none(),
            "dtr ended before reading"
        );
        moto.fault_hits(0) > 0
    });
    assert_eq!(locks_held(&moto).await, 1, "the reads run under the lock");
    signal(&child, libc::SIGTERM);
    let mut seen = String::new();
    let stderr = child.stderr.take().unwrap();
    let status = finish(&mut child, stderr, &mut seen);
    moto.inject_faults(json!([]));
    assert_eq!(status.code(), Some(143), "{status:?}\n{seen}");
    assert!(seen.contains("while reading live AWS"), "{seen}");
    assert!(seen.contains("state lock released"), "{seen}");
    assert_eq!(locks_held(&moto).await, 0, "the lock item is gone\n{seen}");
    assert_eq!(recorded(&moto).await, 0, "nothing was applied\n{seen}");
}

/// `dtr apply ... | head`: the reader is gone by the time the outputs are printed. The apply is
/// recorded, the lock released, and only then does dtr end by SIGPIPE, as a pipeline expects.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_at_the_outputs_releases_the_lock_then_ends_by_sigpipe() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let mut child = dtr(&moto, &project)
        .args(["apply", "--env", "local", "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the plan (stdout's first part) to its last line, then go away as `head` does.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("Plan:") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "no plan printed");
    }
    drop(stdout);
    let mut seen = String::new();
    let stderr = child.stderr.take().unwrap();
    let status = finish(&mut child, stderr, &mut seen);
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}\n{seen}");
    assert!(!seen.contains("panicked"), "{seen}");
    assert!(seen.contains("Complete apply: 38 added"), "{seen}");
    assert!(seen.contains("state lock released"), "{seen}");
    assert_eq!(locks_held(&moto).await, 0, "the lock item is gone\n{seen}");
    assert_eq!(recorded(&moto).await, DEV_RESOURCES, "{seen}");
}

/// SIGTERM while waiting for another run's lock (`--lock-timeout`): the wait ends at once, nothing was
/// taken, and the other run's lock stays exactly as it was.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_waiting_for_the_lock_ends_the_wait() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let c = moto.clients().await;
    let far = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 600_000;
    c.dynamodb
        .put_item()
        .table_name(LOCK_TABLE)
        .item(
            "LockID",
            aws_sdk_dynamodb::types::AttributeValue::S(common::LOCAL_LOCK_ID.into()),
        )
        .item(
            "Id",
            aws_sdk_dynamodb::types::AttributeValue::S("other-run".into()),
        )
        .item(
            "Expires",
            aws_sdk_dynamodb::types::AttributeValue::N(far.to_string()),
        )
        .send()
        .await
        .unwrap();
    let mut child = dtr(&moto, &project)
        .args(["plan", "--env", "local", "--lock-timeout", "5m"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("waiting for the state lock") {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "{seen}");
        seen.push_str(&line);
    }
    let asked = Instant::now();
    signal(&child, libc::SIGTERM);
    let status = finish(&mut child, stderr, &mut seen);
    assert!(asked.elapsed() < Duration::from_secs(10), "{seen}");
    assert_eq!(status.code(), Some(143), "{status:?}\n{seen}");
    assert!(seen.contains("while waiting for the lock"), "{seen}");
    let held = c
        .dynamodb
        .scan()
        .table_name(LOCK_TABLE)
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert_eq!(held.items().len(), 1, "{seen}");
    assert_eq!(held.items()[0]["Id"].as_s().unwrap(), "other-run");
}

/// A second signal while an action hangs (a CI runner's SIGINT, then SIGTERM): dtr exits at once and
/// still releases the lock, so the next pipeline does not wait out a lease.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_signal_exits_at_once_and_still_releases_the_lock() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    moto.inject_faults(json!([{"match": "DynamoDB_20120810.CreateTable", "hang": true}]));
    let mut child = dtr(&moto, &project)
        .args(["apply", "--env", "local", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    eventually(Duration::from_secs(60), "dtr creates the table", || {
        moto.fault_hits(0) > 0
    });
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, libc::SIGTERM);
    let mut seen = String::new();
    let stderr = child.stderr.take().unwrap();
    let status = finish(&mut child, stderr, &mut seen);
    moto.inject_faults(json!([]));
    assert_eq!(status.code(), Some(143), "{status:?}\n{seen}");
    assert!(seen.contains("the state lock was released"), "{seen}");
    assert_eq!(locks_held(&moto).await, 0, "the lock item is gone\n{seen}");
}
