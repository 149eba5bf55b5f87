//! Reads are bounded per kind, not for the round: with `--parallelism 1` and every DescribeAlarms held
//! unanswered by the harness (a CloudWatch that does not keep up), the API's reads still go out, so a
//! slow or paced service never holds the slots another service's reads need.

mod common;

use common::{deployed, dtr, Moto};
use serde_json::json;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn reads_waiting_on_one_service_do_not_hold_up_another() {
    let moto = Moto::start();
    let project = deployed(&moto);
    moto.inject_faults(json!([
        {"match": "/operation/DescribeAlarms", "hang": true, "times": -1},
        {"match": "/v2/apis/", "after": 1_000_000, "times": -1},
    ]));
    let mut plan = dtr(&moto, &project)
        .args([
            "plan",
            "--env",
            "local",
            "--lock=false",
            "--parallelism",
            "1",
            "--detailed-exitcode",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dtr");
    let started = Instant::now();
    let api_reads = || moto.fault_rules()[1]["seen"].as_u64().unwrap_or(0);
    while api_reads() == 0 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let seen = api_reads();
    // Replacing the rules answers the held requests (503), which the SDK retries.
    moto.inject_faults(json!([]));
    let status = plan.wait().expect("dtr");
    assert!(
        seen > 0,
        "no API Gateway read went out while DescribeAlarms was held"
    );
    assert_eq!(
        status.code(),
        Some(0),
        "the plan finishes once CloudWatch answers"
    );
}
