//! The state lock in the backend's DynamoDB table: a held lock stops an apply and names its holder,
//! an expired lease is taken over loudly, a lease is counted from when the lock is taken, force-unlock
//! needs the right id (and --force on a live lease), and of two concurrent applies exactly one proceeds.

mod common;

use aws_sdk_dynamodb::types::AttributeValue;
use common::{bootstrapped, dtr, dtr_run, run, Moto, Project, LOCAL_LOCK_ID as LOCK_KEY};
use std::process::Stdio;
use std::time::Duration;

const LOCK_TABLE: &str = "dtr-locks";

async fn put_lock(moto: &Moto, id: &str, who: &str, expires_in_ms: i64) {
    let c = moto.clients().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    c.dynamodb
        .put_item()
        .table_name(LOCK_TABLE)
        .item("LockID", AttributeValue::S(LOCK_KEY.into()))
        .item("Id", AttributeValue::S(id.into()))
        .item("Operation", AttributeValue::S("apply".into()))
        .item("Who", AttributeValue::S(who.into()))
        .item("Version", AttributeValue::S("0.0.0".into()))
        .item("Created", AttributeValue::S("2026-01-01T00:00:00Z".into()))
        .item(
            "Expires",
            AttributeValue::N((now + expires_in_ms).to_string()),
        )
        .send()
        .await
        .unwrap();
}

async fn lock_item(moto: &Moto) -> Option<std::collections::HashMap<String, AttributeValue>> {
    let c = moto.clients().await;
    c.dynamodb
        .get_item()
        .table_name(LOCK_TABLE)
        .key("LockID", AttributeValue::S(LOCK_KEY.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_lock_stops_apply_names_its_holder_and_plan_without_lock_still_works() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    put_lock(&moto, "held-by-other", "alice@build-7", 60_000).await;

    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(1);
    assert!(r.stderr.contains("the state is locked"), "{}", r.stderr);
    assert!(
        r.stderr.contains("alice@build-7") && r.stderr.contains("held-by-other"),
        "{}",
        r.stderr
    );

    let start = std::time::Instant::now();
    let r = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--lock-timeout", "2s"],
    )
    .expect_code(1);
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "gave up before its timeout"
    );
    assert!(
        r.stderr.contains("timed out") && r.stderr.contains("alice@build-7"),
        "{}",
        r.stderr
    );

    dtr_run(&moto, &project, &["plan", "--env", "local", "--lock=false"]).expect_code(0);
    let item = lock_item(&moto)
        .await
        .expect("the other holder's lock is untouched");
    assert_eq!(item["Id"].as_s().unwrap(), "held-by-other");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_lease_is_taken_over_loudly() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    put_lock(&moto, "crashed-run", "bob@ci-runner", -5_000).await;
    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(0);
    assert!(
        r.stderr.contains("TOOK OVER AN EXPIRED LOCK"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("bob@ci-runner") && r.stderr.contains("crashed-run"),
        "{}",
        r.stderr
    );
    assert!(
        lock_item(&moto).await.is_none(),
        "the lock is released at the end"
    );
}

/// A waiter that waited longer than its lease gets a lease counted from when it takes the lock, not
/// from when it began to wait: else it would write a lock already expired, free for anyone to take.
#[tokio::test(flavor = "multi_thread")]
async fn a_lock_taken_after_a_long_wait_is_not_born_expired() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    put_lock(&moto, "slow-holder", "carol@build-9", 4_000).await;
    // Once it holds the lock, the waiter's state read takes 3 s: time to look at what it wrote.
    moto.inject_faults(serde_json::json!([{
        "match": format!("GET /{LOCK_KEY}"),
        "latency_ms": 3000, "times": 1
    }]));
    let waiter = dtr(&moto, &project)
        .env("DTR_LOCK_LEASE", "2s")
        .args(["plan", "--env", "local", "--lock-timeout", "30s"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let item = loop {
        let item = lock_item(&moto).await;
        if let Some(item) = item.filter(|i| i["Id"].as_s().unwrap() != "slow-holder") {
            break item;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the waiter never took the lock"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let expires: i64 = item["Expires"].as_n().unwrap().parse().unwrap();
    assert!(
        expires > now,
        "the lock it wrote expired {} ms ago",
        now - expires
    );
    let r = run_child(waiter).expect_code(0);
    // A log gets one line per holder, not one per poll of the four seconds it waited.
    assert_eq!(
        r.stderr.matches("waiting for the state lock").count(),
        1,
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn force_unlock_needs_the_right_id() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    put_lock(&moto, "the-real-id", "carol@laptop", 60_000).await;
    let r = dtr_run(
        &moto,
        &project,
        &["force-unlock", "--env", "local", "a-wrong-id"],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains("does not match") && r.stderr.contains("the-real-id"),
        "{}",
        r.stderr
    );
    assert!(
        lock_item(&moto).await.is_some(),
        "a wrong id releases nothing"
    );
    // The lease is current: its holder may be at its prompt. dtr names it and wants --force.
    let r = dtr_run(
        &moto,
        &project,
        &["force-unlock", "--env", "local", "the-real-id"],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains("carol@laptop") && r.stderr.contains("--force"),
        "{}",
        r.stderr
    );
    assert!(
        lock_item(&moto).await.is_some(),
        "a live lease stays without --force"
    );
    let r = dtr_run(
        &moto,
        &project,
        &["force-unlock", "--env", "local", "the-real-id", "--force"],
    )
    .expect_code(0);
    assert!(r.stderr.contains("lease is current"), "{}", r.stderr);
    assert!(lock_item(&moto).await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn force_unlock_of_an_expired_lease_needs_no_force() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    put_lock(&moto, "the-dead-id", "dave@ci", -5_000).await;
    dtr_run(
        &moto,
        &project,
        &["force-unlock", "--env", "local", "the-dead-id"],
    )
    .expect_code(0);
    assert!(lock_item(&moto).await.is_none());
}

/// Apply A waits at its confirmation prompt (on a pseudo-terminal) holding the lock; apply B, started
/// meanwhile, must fail fast naming A. Then A is answered "no" and releases the lock.
#[tokio::test(flavor = "multi_thread")]
async fn two_concurrent_applies_exactly_one_proceeds() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);

    // On a terminal of its own, A asks for confirmation while holding the lock.
    let mut a_cmd = dtr(&moto, &project);
    a_cmd.args(["apply", "--env", "local"]);
    let mut a = common::pty::AtPrompt::start(a_cmd);
    a.wait_for("Only 'yes' is accepted");
    let holder = lock_item(&moto).await.unwrap();
    let b = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(1);
    assert!(b.stderr.contains("the state is locked"), "{}", b.stderr);
    assert!(
        b.stderr.contains(holder["Id"].as_s().unwrap()),
        "B names A's lock id: {}",
        b.stderr
    );
    assert!(
        b.stderr.contains("apply by tester@"),
        "B names who holds it: {}",
        b.stderr
    );

    a.type_line("no");
    let (code, said) = a.finish();
    assert_eq!(code, Some(1), "A was not confirmed: {said}");
    assert!(lock_item(&moto).await.is_none(), "A released the lock");
    let c = moto.clients().await;
    assert!(
        c.dynamodb
            .describe_table()
            .table_name("dtr-local-tools")
            .send()
            .await
            .is_err(),
        "nothing was applied"
    );
}

fn run_child(child: std::process::Child) -> common::Run {
    common::Run::of(child.wait_with_output().expect("wait"))
}

#[test]
fn apply_without_a_terminal_needs_auto_approve() {
    let moto = Moto::start();
    let project = Project::copy();
    let r = run(dtr(&moto, &project).args(["apply", "--env", "local"])).expect_code(1);
    assert!(r.stderr.contains("--auto-approve"), "{}", r.stderr);
}
