//! Bootstrap of the backend against a real moto server: a hardened state bucket and lock table, made
//! once (a second bootstrap changes nothing); the bucket's TLS-only policy; plan before bootstrap.
//! The lock on that backend is covered by tests/lock.rs.

mod common;

use common::{bootstrap, dtr_run, Moto, Project, LOCAL_STATE_BUCKET as BUCKET};

const LOCK_TABLE: &str = "dtr-locks";

#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_creates_a_hardened_backend_and_twice_changes_nothing() {
    let moto = Moto::start();
    let project = Project::copy();
    let first = bootstrap(&moto, &project, "local");
    assert!(
        first.stdout.contains("created  state bucket"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("created  lock table"),
        "{}",
        first.stdout
    );

    let second = bootstrap(&moto, &project, "local");
    assert!(
        second.stdout.contains("nothing to change"),
        "{}",
        second.stdout
    );
    assert!(
        !second.stdout.contains("created") && !second.stdout.contains("fixed"),
        "{}",
        second.stdout
    );

    let c = moto.clients().await;
    let versioning =
        c.s3.get_bucket_versioning()
            .bucket(BUCKET)
            .send()
            .await
            .unwrap();
    assert_eq!(versioning.status.unwrap().as_str(), "Enabled");
    let enc =
        c.s3.get_bucket_encryption()
            .bucket(BUCKET)
            .send()
            .await
            .unwrap();
    let rule = &enc.server_side_encryption_configuration.unwrap().rules[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default
            .as_ref()
            .unwrap()
            .sse_algorithm
            .as_str(),
        "AES256"
    );
    let pab =
        c.s3.get_public_access_block()
            .bucket(BUCKET)
            .send()
            .await
            .unwrap();
    let pab = pab.public_access_block_configuration.unwrap();
    assert_eq!(
        [
            pab.block_public_acls,
            pab.ignore_public_acls,
            pab.block_public_policy,
            pab.restrict_public_buckets
        ],
        [Some(true); 4]
    );
    let own =
        c.s3.get_bucket_ownership_controls()
            .bucket(BUCKET)
            .send()
            .await
            .unwrap();
    assert_eq!(
        own.ownership_controls.unwrap().rules[0]
            .object_ownership
            .as_str(),
        "BucketOwnerEnforced"
    );
    let policy: serde_json::Value = serde_json::from_str(
        &c.s3
            .get_bucket_policy()
            .bucket(BUCKET)
            .send()
            .await
            .unwrap()
            .policy
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );

    let table = c
        .dynamodb
        .describe_table()
        .table_name(LOCK_TABLE)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(
        table
            .billing_mode_summary
            .as_ref()
            .unwrap()
            .billing_mode
            .as_ref()
            .unwrap()
            .as_str(),
        "PAY_PER_REQUEST"
    );
    assert_eq!(table.deletion_protection_enabled, Some(true));
    assert_eq!(table.key_schema()[0].attribute_name, "LockID");
    let pitr = c
        .dynamodb
        .describe_continuous_backups()
        .table_name(LOCK_TABLE)
        .send()
        .await
        .unwrap();
    assert_eq!(
        pitr.continuous_backups_description
            .unwrap()
            .point_in_time_recovery_description
            .unwrap()
            .point_in_time_recovery_status
            .unwrap()
            .as_str(),
        "ENABLED"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_state_bucket_refuses_plain_http_and_serves_tls() {
    let moto = Moto::start();
    let project = Project::copy();
    bootstrap(&moto, &project, "local");
    let tls = moto.clients().await;
    tls.s3
        .put_object()
        .bucket(BUCKET)
        .key("probe")
        .body(b"x".to_vec().into())
        .send()
        .await
        .expect("over HTTPS the TLS-only policy allows object calls");
    let plain = moto.clients_at(&moto.http_url).await;
    let denied = plain
        .s3
        .put_object()
        .bucket(BUCKET)
        .key("probe2")
        .body(b"x".to_vec().into())
        .send()
        .await;
    assert!(
        denied.is_err(),
        "over plain HTTP the TLS-only policy must deny object calls"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_before_bootstrap_says_to_bootstrap() {
    let moto = Moto::start();
    let project = Project::copy();
    let r = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(1);
    assert!(r.stderr.contains("dtr bootstrap"), "{}", r.stderr);
}
