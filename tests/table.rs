//! The first resource end to end: the tool-metadata table alone, created, updated in place, replaced
//! with its reason, removed, and repaired after drift, each result checked through the AWS SDK.
//! Who owns the table (adoption, foreign tables, import, destroy) is in tests/table_ownership.rs.

mod common;

use common::snapshot::redact;
use common::table::{describe, edit_stack, table_only, table_props, ADDRESS, TABLE};
use common::{apply_dev, assert_converged, local_state_addresses, plan_dev, Moto};

#[tokio::test(flavor = "multi_thread")]
async fn apply_creates_the_table_and_the_next_plan_has_no_changes() {
    let moto = Moto::start();
    let project = table_only(&moto);
    let plan = plan_dev(&moto, &project).expect_code(2);
    assert!(
        plan.stdout
            .contains(&format!("+ {ADDRESS} will be created")),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy."),
        "{}",
        plan.stdout
    );

    let applied = apply_dev(&moto, &project);
    assert!(
        applied.stderr.contains("Complete apply: 1 added"),
        "{}",
        applied.stderr
    );
    assert!(
        applied.stdout.contains("table_name") && applied.stdout.contains(TABLE),
        "outputs: {}",
        applied.stdout
    );

    let t = describe(&moto).await.expect("the table exists");
    assert_eq!(
        t.billing_mode_summary
            .as_ref()
            .unwrap()
            .billing_mode
            .as_ref()
            .unwrap()
            .as_str(),
        "PAY_PER_REQUEST"
    );
    let mut gsis: Vec<&str> = t
        .global_secondary_indexes()
        .iter()
        .map(|g| g.index_name().unwrap())
        .collect();
    gsis.sort();
    assert_eq!(gsis, vec!["agent-index", "code-hash-index"]);
    assert_eq!(t.key_schema()[0].attribute_name, "tool_id");
    assert_eq!(
        t.sse_description
            .as_ref()
            .and_then(|s| s.sse_type.as_ref())
            .map(|s| s.as_str()),
        Some("KMS")
    );
    let c = moto.clients().await;
    let tags = c
        .dynamodb
        .list_tags_of_resource()
        .resource_arn(t.table_arn().unwrap())
        .send()
        .await
        .unwrap();
    let tag = |k: &str| {
        tags.tags()
            .iter()
            .find(|t| t.key == k)
            .map(|t| t.value.clone())
    };
    assert_eq!(tag("dtr:env").as_deref(), Some("local"));
    assert_eq!(tag("dtr:stack").as_deref(), Some("dynamic-tool-runtime"));
    assert_eq!(tag("dtr:address").as_deref(), Some(ADDRESS));
    let ttl = c
        .dynamodb
        .describe_time_to_live()
        .table_name(TABLE)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description
            .unwrap()
            .time_to_live_status
            .unwrap()
            .as_str(),
        "ENABLED"
    );
    assert_eq!(
        local_state_addresses(&moto.clients().await).await,
        vec![ADDRESS]
    );

    let again = plan_dev(&moto, &project).expect_code(0);
    assert!(again.stdout.starts_with("No changes."), "{}", again.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_in_place_update_changes_the_same_table() {
    let moto = Moto::start();
    let project = table_only(&moto);
    apply_dev(&moto, &project);
    let created = describe(&moto).await.unwrap().creation_date_time;

    project.edit(
        "environments/local.yaml",
        "table_pitr: false",
        "table_pitr: true",
    );
    edit_stack(&project, |doc| {
        let props = table_props(doc);
        props["attributes"]
            .as_sequence_mut()
            .unwrap()
            .push(serde_norway::from_str("{name: name, type: S}").unwrap());
        props["global_secondary_indexes"]
            .as_sequence_mut()
            .unwrap()
            .push(
                serde_norway::from_str("{name: name-index, hash_key: name, projection: KEYS_ONLY}")
                    .unwrap(),
            );
    });
    // The table, marked for an in-place update, with the changed attributes only, and the count.
    let plan = plan_dev(&moto, &project).expect_code(2);
    insta::assert_snapshot!(redact(&plan.stdout));
    apply_dev(&moto, &project);

    let t = describe(&moto).await.unwrap();
    assert_eq!(
        t.creation_date_time, created,
        "updated in place, not recreated"
    );
    assert_eq!(t.global_secondary_indexes().len(), 3);
    let c = moto.clients().await;
    let pitr = c
        .dynamodb
        .describe_continuous_backups()
        .table_name(TABLE)
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
    assert_converged(&moto, &project, "local", "after the apply");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_change_replaces_the_table_and_says_why() {
    let moto = Moto::start();
    let project = table_only(&moto);
    apply_dev(&moto, &project);
    edit_stack(&project, |doc| {
        let props = table_props(doc);
        props["hash_key"] = "tool_key".into();
        props["attributes"]
            .as_sequence_mut()
            .unwrap()
            .push(serde_norway::from_str("{name: tool_key, type: S}").unwrap());
        let attrs = props["attributes"].as_sequence_mut().unwrap();
        attrs.retain(|a| a["name"] != "tool_id");
    });
    // A replacement, with the attribute that forces it named in the header and marked in the diff.
    let plan = plan_dev(&moto, &project).expect_code(2);
    insta::assert_snapshot!(redact(&plan.stdout));
    apply_dev(&moto, &project);
    assert_eq!(
        describe(&moto).await.unwrap().key_schema()[0].attribute_name,
        "tool_key"
    );
    assert_converged(&moto, &project, "local", "after the apply");
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_the_table_from_the_configuration_deletes_it() {
    let moto = Moto::start();
    let project = table_only(&moto);
    apply_dev(&moto, &project);
    edit_stack(&project, |doc| {
        doc["resources"].as_mapping_mut().unwrap().clear();
        if let Some(outputs) = doc.get_mut("outputs").and_then(|o| o.as_mapping_mut()) {
            outputs.clear();
        }
    });
    let plan = plan_dev(&moto, &project).expect_code(2);
    assert!(
        plan.stdout.contains(&format!(
            "- {ADDRESS} [{TABLE}] will be deleted (it is no longer in the configuration)"
        )),
        "{}",
        plan.stdout
    );
    apply_dev(&moto, &project);
    assert!(describe(&moto).await.is_none(), "the table is gone");
    assert!(local_state_addresses(&moto.clients().await)
        .await
        .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_behind_dtrs_back_is_shown_and_repaired() {
    let moto = Moto::start();
    let project = table_only(&moto);
    apply_dev(&moto, &project);
    let c = moto.clients().await;
    let arn = describe(&moto).await.unwrap().table_arn.unwrap();
    c.dynamodb
        .tag_resource()
        .resource_arn(&arn)
        .tags(
            aws_sdk_dynamodb::types::Tag::builder()
                .key("rogue")
                .value("1")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    c.dynamodb
        .update_table()
        .table_name(TABLE)
        .deletion_protection_enabled(true)
        .send()
        .await
        .unwrap();

    let plan = plan_dev(&moto, &project).expect_code(2);
    assert!(plan.stdout.contains("- tags.rogue"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("deletion_protection: true → false"),
        "{}",
        plan.stdout
    );
    apply_dev(&moto, &project);
    assert_converged(&moto, &project, "local", "after the apply");
    let t = describe(&moto).await.unwrap();
    assert_eq!(t.deletion_protection_enabled, Some(false));
}
