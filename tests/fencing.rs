//! The lock fences the state: a run whose lock was force-unlocked or taken over stops before its next
//! change, and its state writes are refused (S3 conditional writes on the object's ETag), so it can
//! neither revert another run's changes in AWS nor overwrite what that run recorded.

mod common;

use common::pty::AtPrompt;
use common::{assert_converged, bootstrapped, dtr, dtr_run, Moto, Project};
use dtr::state::{StateError, StateStore};

const STATE_BUCKET: &str = "dtr-state-123456789012-local";
const LOCK_TABLE: &str = "dtr-locks";
const LOCK_KEY: &str = "dtr-state-123456789012-local/dynamic-tool-runtime/local.json";

async fn lock_id(moto: &Moto) -> Option<String> {
    let c = moto.clients().await;
    let item = c
        .dynamodb
        .get_item()
        .table_name(LOCK_TABLE)
        .key(
            "LockID",
            aws_sdk_dynamodb::types::AttributeValue::S(LOCK_KEY.into()),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item?;
    item.get("Id").and_then(|v| v.as_s().ok()).cloned()
}

async fn retentions(moto: &Moto) -> Vec<i32> {
    let c = moto.clients().await;
    let groups = c.logs.describe_log_groups().send().await.unwrap();
    groups
        .log_groups()
        .iter()
        .filter_map(|g| g.retention_in_days())
        .collect()
}

/// The case: apply A sits at its prompt holding the lock; its lock is force-unlocked, apply B
/// changes the log retention and releases; then A is answered "yes". A must refuse rather than apply
/// its old plan over B's change.
#[tokio::test(flavor = "multi_thread")]
async fn a_holder_whose_lock_was_forced_away_changes_nothing_after_its_prompt() {
    let moto = Moto::start();
    let a_project = common::deployed(&moto);
    let b_project = Project::copy();
    a_project.edit(
        "environments/local.yaml",
        "log_retention_days: 7",
        "log_retention_days: 14",
    );
    b_project.edit(
        "environments/local.yaml",
        "log_retention_days: 7",
        "log_retention_days: 30",
    );

    // On a terminal of its own, A plans and asks for confirmation while holding the lock.
    let mut a_cmd = dtr(&moto, &a_project);
    a_cmd.args(["apply", "--env", "local"]);
    let mut a = AtPrompt::start(a_cmd);
    a.wait_for("Only 'yes' is accepted");
    let a_lock = lock_id(&moto)
        .await
        .expect("A holds the lock at its prompt");

    let forced = dtr_run(
        &moto,
        &b_project,
        &["force-unlock", "--env", "local", &a_lock, "--force"],
    )
    .expect_code(0);
    assert!(
        forced.stderr.contains("lease is current"),
        "{}",
        forced.stderr
    );
    dtr_run(
        &moto,
        &b_project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(0);
    let after_b = retentions(&moto).await;
    assert!(
        after_b.len() == 4 && after_b.iter().all(|d| *d == 30),
        "{after_b:?}"
    );

    a.type_line("yes");
    let (code, said) = a.finish();
    assert_eq!(code, Some(1), "A must refuse: {said}");
    assert!(
        said.contains(&a_lock) && said.contains("does not match"),
        "{said}"
    );
    let now = retentions(&moto).await;
    assert!(
        !now.is_empty() && now.iter().all(|d| *d == 30),
        "B's change stands, A reverted nothing: {now:?}"
    );
    assert_converged(&moto, &b_project, "local", "after the refused holder");
}

/// Two runs read the same state; the first to write wins, the second is refused and writes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn state_writes_are_conditional_on_what_was_read() {
    let moto = Moto::start();
    let _project = bootstrapped(&moto);
    let c = moto.clients().await;
    let store = StateStore::new(c.s3.clone(), STATE_BUCKET, "fence/test.json");

    // No object yet: both start fresh, only one may create it.
    let mut first = store.load("s", "e").await.unwrap();
    let mut second = store.load("s", "e").await.unwrap();
    store.save(&mut first).await.unwrap();
    let err = store.save(&mut second).await.unwrap_err();
    assert!(matches!(err, StateError::Fenced { .. }), "{err}");

    // An object there: a copy read before another write is refused; the writer goes on. (A write
    // identical to what is stored counts as landed: that is how a lost answer is recognised.)
    let mut stale = store.load("s", "e").await.unwrap();
    stale.resources.insert(
        "log_group.stale".parse().unwrap(),
        dtr::state::ResourceState {
            physical_id: "stale".into(),
            outputs: Default::default(),
            force_destroy: false,
            depends_on: vec![],
            pending: false,
            applied: Default::default(),
        },
    );
    store.save(&mut first).await.unwrap();
    let err = store.save(&mut stale).await.unwrap_err();
    assert!(matches!(err, StateError::Fenced { .. }), "{err}");
    store.save(&mut first).await.unwrap();
    let stored = store.load("s", "e").await.unwrap();
    assert_eq!(stored.serial, 3);
    assert_eq!(stored.lineage, first.lineage);
}

/// A state object whose serial cannot be bumped is refused before any change, never a panic.
#[tokio::test(flavor = "multi_thread")]
async fn a_state_serial_at_its_maximum_is_refused_before_any_change() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let state = serde_json::json!({
        "format_version": 1, "lineage": "l", "serial": u64::MAX,
        "stack": "dynamic-tool-runtime", "environment": "local", "resources": {}
    });
    let c = moto.clients().await;
    common::put_dev_state(&c, serde_json::to_vec(&state).unwrap()).await;
    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(1);
    assert!(r.stderr.contains("maximum"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let tables = c.dynamodb.list_tables().send().await.unwrap();
    assert_eq!(tables.table_names(), [LOCK_TABLE], "nothing was created");
}
