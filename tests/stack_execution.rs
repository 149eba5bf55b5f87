//! How an apply of the whole local stack runs: independent actions side by side up to `--parallelism`,
//! and `--stats` counting the AWS calls of a no-op plan.

mod common;

use common::{apply_dev, bootstrapped, destroy_dev, dtr_run, Moto};

/// Independent resources run at once (their starts come before the first finish); with
/// `--parallelism 1` every action finishes before the next starts.
#[tokio::test(flavor = "multi_thread")]
async fn independent_actions_run_in_parallel_up_to_the_limit() {
    let overlap = |stderr: &str| {
        let events: Vec<bool> = stderr
            .lines()
            .filter_map(|l| {
                if l.ends_with(": creating...") {
                    Some(true)
                } else if l.contains(": created (") {
                    Some(false)
                } else {
                    None
                }
            })
            .collect();
        events.iter().take_while(|started| **started).count()
    };
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let parallel = apply_dev(&moto, &project);
    assert!(
        overlap(&parallel.stderr) >= 5,
        "the roots start together:\n{}",
        parallel.stderr
    );
    destroy_dev(&moto, &project).expect_code(0);
    let serial = dtr_run(
        &moto,
        &project,
        &[
            "apply",
            "--env",
            "local",
            "--auto-approve",
            "--parallelism",
            "1",
        ],
    )
    .expect_code(0);
    assert_eq!(
        overlap(&serial.stderr),
        1,
        "one at a time:\n{}",
        serial.stderr
    );
}

/// A no-op plan reads each resource with the fewest calls that see drift in what dtr manages, and
/// `--stats` counts them: 35 calls for the 38 resources of local (README lists the calls per type):
/// the nine alarms in one DescribeAlarms, the four log groups in one DescribeLogGroups per prefix,
/// the API's five routes in one GetRoutes, the four roles in one GetAccountAuthorizationDetails and
/// one ListRoles, and the tags of the alarms, the groups, the table, the topic, the bucket and the
/// schedule group in one GetResources (the tagging API's index).
#[tokio::test(flavor = "multi_thread")]
async fn stats_count_the_calls_of_a_no_op_plan() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    apply_dev(&moto, &project);
    let r = dtr_run(
        &moto,
        &project,
        &[
            "plan",
            "--env",
            "local",
            "--lock=false",
            "--stats",
            "--detailed-exitcode",
        ],
    )
    .expect_code(0);
    // Reads run side by side: the critical path is the account check and the state read, then the
    // costliest single read (the bucket's seven settings); a batch and then each alarm's or group's
    // tags make a chain of two.
    assert!(
        r.stderr
            .contains("AWS API calls: 35 (critical path: 9 calls one after another)\n"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("S3 HeadBucket"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("      1  IAM GetAccountAuthorizationDetails\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("      1  ApiGatewayV2 GetRoutes\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("      1  CloudWatch DescribeAlarms\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("      1  Resource Groups Tagging API GetResources\n")
            && !r.stderr.contains("CloudWatch ListTagsForResource"),
        "{}",
        r.stderr
    );
}
