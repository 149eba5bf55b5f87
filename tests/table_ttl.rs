//! Renaming a table's TTL attribute takes two UpdateTimeToLive calls, which DynamoDB allows an hour
//! apart: the plan refuses it with the two steps, and nothing is changed, instead of an apply that
//! disables TTL and then fails.

mod common;

use common::{dtr_run, Moto};

async fn ttl(moto: &Moto) -> (String, String) {
    let c = moto.clients().await;
    let d = c
        .dynamodb
        .describe_time_to_live()
        .table_name("dtr-local-tools")
        .send()
        .await
        .unwrap();
    let d = d.time_to_live_description().unwrap();
    (
        d.time_to_live_status().unwrap().as_str().to_string(),
        d.attribute_name().unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn renaming_the_ttl_attribute_is_planned_as_two_steps() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    assert_eq!(ttl(&moto).await, ("ENABLED".into(), "expires_at".into()));

    project.edit(
        "environments/local.yaml",
        "  name_prefix: dtr-local\n",
        "  name_prefix: dtr-local\n  ttl_attribute: valid_until\n",
    );
    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains("from `expires_at` to `valid_until`") && r.stderr.contains("two applies"),
        "{}",
        r.stderr
    );
    assert_eq!(
        ttl(&moto).await,
        ("ENABLED".into(), "expires_at".into()),
        "TTL was left as it was"
    );
}
