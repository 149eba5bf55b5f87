//! `dtr logs` (issue 14): a function's log events from the local endpoint's log API, from `--since`
//! ago, and with `--follow` as they arrive.

mod common;

use common::{deployed, dtr, dtr_run, Moto};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const GROUP: &str = "/aws/lambda/dtr-local-tool-manager";
const FUNCTION: &str = "module.tool_manager.lambda_function.function";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn put(c: &dtr::provider::aws::Clients, stream: &str, events: &[(i64, &str)]) {
    let _ = c
        .logs
        .create_log_stream()
        .log_group_name(GROUP)
        .log_stream_name(stream)
        .send()
        .await;
    let events: Vec<_> = events
        .iter()
        .map(|(at, message)| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(*at)
                .message(*message)
                .build()
                .unwrap()
        })
        .collect();
    c.logs
        .put_log_events()
        .log_group_name(GROUP)
        .log_stream_name(stream)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("put log events");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_functions_events_since_a_time_and_as_they_come() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await;
    let now = now_ms();
    put(
        &c,
        "2026/11/26/[$LATEST]a",
        &[
            (now - 3_600_000, "an hour ago"),
            (now - 60_000, "a minute ago"),
            (now - 1_000, "just now"),
        ],
    )
    .await;
    let logs = |args: &[&str]| {
        let mut full = vec!["logs", "--env", "local", FUNCTION];
        full.extend_from_slice(args);
        dtr_run(&moto, &project, &full)
    };
    let recent = logs(&[]).expect_code(0);
    let lines: Vec<&str> = recent.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", recent.stdout);
    assert!(
        lines[0].ends_with(" 2026/11/26/[$LATEST]a a minute ago"),
        "{}",
        lines[0]
    );
    assert!(lines[1].ends_with("just now"), "{}", lines[1]);
    let all = logs(&["--since", "2h"]).expect_code(0);
    assert_eq!(all.stdout.lines().count(), 3, "{}", all.stdout);

    let not_a_function = dtr_run(
        &moto,
        &project,
        &[
            "logs",
            "--env",
            "local",
            "module.tool_manager.log_group.logs",
        ],
    )
    .expect_code(1);
    assert!(
        not_a_function.stderr.contains("is not a function"),
        "{}",
        not_a_function.stderr
    );
    let unknown = dtr_run(
        &moto,
        &project,
        &["logs", "--env", "local", "lambda_function.nope"],
    )
    .expect_code(1);
    assert!(
        unknown.stderr.contains("has no lambda_function.nope"),
        "{}",
        unknown.stderr
    );

    // --follow prints what was there, then what arrives, each once.
    let mut follow = dtr(&moto, &project)
        .args([
            "logs", "--env", "local", FUNCTION, "--follow", "--since", "5m",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dtr logs --follow");
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = follow.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let wait_for = |text: &str, seen: &mut Vec<String>| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !seen.iter().any(|l| l.ends_with(text)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => seen.push(line),
                Err(_) => panic!("no `{text}` within 20 s: {seen:#?}"),
            }
        }
    };
    wait_for("just now", &mut seen);
    put(&c, "2026/11/26/[$LATEST]b", &[(now_ms(), "arrived later")]).await;
    wait_for("arrived later", &mut seen);
    follow.kill().unwrap();
    follow.wait().unwrap();
    assert_eq!(
        seen.iter().filter(|l| l.ends_with("just now")).count(),
        1,
        "each event once: {seen:#?}"
    );
}
