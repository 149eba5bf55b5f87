//! Who owns the tool-metadata table: destroy deletes only what this environment owns, a table created
//! but never recorded is adopted, a foreign table of the same name is never touched, `dtr import`
//! adopts one on purpose, and an environment pinned to another account is refused.

mod common;

use common::table::{create_table_by_hand, describe, table_only, ADDRESS, TABLE};
use common::{
    apply_dev, assert_converged, delete_dev_state, destroy_dev, dtr_run, local_state_addresses,
    plan_dev, Moto, Project,
};

#[tokio::test(flavor = "multi_thread")]
async fn destroy_deletes_only_what_this_environment_owns() {
    let moto = Moto::start();
    let project = table_only(&moto);
    apply_dev(&moto, &project);
    let c = moto.clients().await;
    create_table_by_hand(&moto, "someone-elses-table", "k").await;
    let r = destroy_dev(&moto, &project).expect_code(0);
    assert!(r.stderr.contains("1 destroyed"), "{}", r.stderr);
    let tables = c
        .dynamodb
        .list_tables()
        .send()
        .await
        .unwrap()
        .table_names
        .unwrap_or_default();
    assert!(!tables.contains(&TABLE.to_string()));
    assert!(
        tables.contains(&"someone-elses-table".to_string()),
        "unowned table untouched"
    );
    assert!(
        tables.contains(&"dtr-locks".to_string()),
        "the lock table stays"
    );
    assert!(
        c.s3.head_bucket()
            .bucket("dtr-state-123456789012-local")
            .send()
            .await
            .is_ok(),
        "the state bucket stays"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_created_but_never_recorded_is_adopted_not_duplicated() {
    let moto = Moto::start();
    let project = table_only(&moto);
    apply_dev(&moto, &project);
    // An apply killed between CreateTable and the state write leaves exactly this behind.
    let c = moto.clients().await;
    delete_dev_state(&c).await;
    let plan = plan_dev(&moto, &project).expect_code(2);
    assert!(
        plan.stdout.contains("will be recorded in the state"),
        "{}",
        plan.stdout
    );
    apply_dev(&moto, &project);
    assert_eq!(
        local_state_addresses(&moto.clients().await).await,
        vec![ADDRESS]
    );
    assert_converged(&moto, &project, "local", "after the apply");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_table_with_the_same_name_is_never_touched() {
    let moto = Moto::start();
    let project = table_only(&moto);
    create_table_by_hand(&moto, TABLE, "k").await;
    let r = plan_dev(&moto, &project).expect_code(1);
    assert!(
        r.stderr.contains("is not managed by this environment"),
        "{}",
        r.stderr
    );
    dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", "--auto-approve"],
    )
    .expect_code(1);
    assert_eq!(
        describe(&moto).await.unwrap().key_schema()[0].attribute_name,
        "k",
        "left exactly as it was"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_pinned_to_another_account_is_refused() {
    let moto = Moto::start();
    let project = Project::copy();
    let r = dtr_run(&moto, &project, &["plan", "--env", "staging"]).expect_code(1);
    assert!(
        r.stderr.contains("pinned to account") && r.stderr.contains("123456789012"),
        "{}",
        r.stderr
    );
}

/// A table made outside dtr (by Terraform, say) is adopted with `dtr import`: the next plan shows only
/// its real differences, as an update, never a second table.
#[tokio::test(flavor = "multi_thread")]
async fn import_adopts_an_existing_table() {
    let moto = Moto::start();
    let project = table_only(&moto);
    let c = moto.clients().await;
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        SseSpecification, SseType,
    };
    c.dynamodb
        .create_table()
        .table_name(TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        // Encrypted as the configuration says: moto's UpdateTable cannot change SSE afterwards.
        .sse_specification(
            SseSpecification::builder()
                .enabled(true)
                .sse_type(SseType::Kms)
                .build(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("tool_id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("tool_id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    plan_dev(&moto, &project).expect_code(1);
    let r = dtr_run(
        &moto,
        &project,
        &["import", "--env", "local", ADDRESS, TABLE],
    )
    .expect_code(0);
    assert!(
        r.stdout.contains(&format!("Imported {ADDRESS}")),
        "{}",
        r.stdout
    );
    let plan = plan_dev(&moto, &project).expect_code(2);
    assert!(
        plan.stdout
            .contains(&format!("~ {ADDRESS} [{TABLE}] will be updated in place")),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("+ tags.dtr:env"), "{}", plan.stdout);
    let again = dtr_run(
        &moto,
        &project,
        &["import", "--env", "local", ADDRESS, TABLE],
    )
    .expect_code(1);
    assert!(again.stderr.contains("already managed"), "{}", again.stderr);
    apply_dev(&moto, &project);
    assert_converged(&moto, &project, "local", "after the apply");
    assert_eq!(
        c.dynamodb
            .list_tables()
            .send()
            .await
            .unwrap()
            .table_names()
            .len(),
        2,
        "the table and the lock table, nothing else"
    );
}
