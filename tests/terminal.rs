//! An apply on a real terminal, read back from a terminal emulator: the live progress display must not
//! swallow what is printed after it. The summary (`Complete apply: …`), the outputs and the lock's
//! release end the screen, each resource's line appears once, and no stale progress bar is left.

mod common;

use common::pty::{self, Pty, Streams};
use common::{bootstrapped, dtr, Moto};
use std::time::{Duration, Instant};

const ROWS: u16 = 50;
const COLS: u16 = 200;

/// Every line the output left, scrollback included: the same bytes on a terminal tall enough never to
/// scroll (what is drawn moves the cursor relative to where it is, so only scrolling differs).
fn all_lines(bytes: &[u8]) -> Vec<String> {
    let mut tall = vt100::Parser::new(5_000, COLS, 0);
    tall.process(bytes);
    tall.screen().rows(0, COLS).collect()
}

#[test]
fn an_apply_on_a_terminal_ends_with_its_summary_and_outputs() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let mut cmd = dtr(&moto, &project);
    // A person at a terminal: not CI, a terminal that can move the cursor.
    cmd.env_remove("CI").env("TERM", "xterm-256color").args([
        "apply",
        "--env",
        "local",
        "--auto-approve",
    ]);
    let (mut child, master) = Pty::open(ROWS, COLS).spawn(
        cmd,
        Streams {
            stdout: true,
            stderr: true,
        },
    );
    let (shown, reader) = pty::record(master);
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dtr apply did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    reader.join().unwrap();
    let bytes = shown.lock().unwrap().clone();
    let mut parser = vt100::Parser::new(ROWS, COLS, 0);
    parser.process(&bytes);
    let screen = parser.screen().contents();
    let lines = all_lines(&bytes);
    let transcript = lines.join("\n");
    let transcript = transcript.trim_end();
    assert!(status.success(), "{status:?}\n{transcript}");

    // The last lines are on screen: the summary, then the outputs, then the lock's release.
    let summary = screen
        .find("Complete apply: 38 added, 0 changed, 0 replaced, 0 destroyed.")
        .unwrap_or_else(|| panic!("the summary is not on the screen:\n{screen}"));
    let after: Vec<&str> = screen[summary..].lines().skip(1).collect();
    for output in [
        "alert_topic_arn",
        "api_endpoint",
        "api_id",
        "artifacts_bucket",
        "authorizer_arn",
        "monitoring_arn",
        "table_arn",
        "table_name",
        "tool_manager_arn",
    ] {
        assert!(
            after
                .iter()
                .any(|l| l.starts_with(&format!("{output} ")) && l.contains(" = ")),
            "output {output} is not on the screen after the summary:\n{screen}"
        );
    }
    assert!(
        after.iter().any(|l| l.contains("state lock released")),
        "{screen}"
    );

    // Each resource's line once, and no progress bar left behind (a stale copy is a redraw that
    // went wrong).
    let created = lines.iter().filter(|l| l.contains("✓ created")).count();
    assert_eq!(created, 38, "{transcript}");
    let bars = lines.iter().filter(|l| l.contains("/38 actions")).count();
    assert!(bars <= 1, "{bars} progress bars left:\n{transcript}");
}
