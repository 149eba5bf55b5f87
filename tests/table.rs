//! The first resource end to end: the tool-metadata table, planned and reconciled against moto, with
//! every result checked through the AWS SDK.

mod common;

use common::{dtr_run, Moto, Project};

const TABLE: &str = "dtr-dev-tools";
const ADDRESS: &str = "dynamodb_table.tools_table";
const STACK: &str = "stacks/dynamic-tool-runtime/stack.yaml";

/// A project whose stack holds only the table (the rest of the stack has its own tests), bootstrapped.
fn ready(moto: &Moto) -> Project {
    let project = Project::copy();
    edit_stack(&project, |doc| {
        doc["resources"]
            .as_mapping_mut()
            .unwrap()
            .retain(|k, _| k == "tools_table");
        doc["outputs"]
            .as_mapping_mut()
            .unwrap()
            .retain(|k, _| k.as_str().is_some_and(|k| k.starts_with("table_")));
    });
    dtr_run(moto, &project, &["bootstrap", "--env", "dev"]).expect_code(0);
    project
}

fn apply(moto: &Moto, project: &Project) -> common::Run {
    dtr_run(moto, project, &["apply", "--env", "dev", "--auto-approve"]).expect_code(0)
}

fn plan_code(moto: &Moto, project: &Project) -> common::Run {
    dtr_run(
        moto,
        project,
        &["plan", "--env", "dev", "--detailed-exitcode"],
    )
}

/// Edit the stack file as YAML (comments are lost; fine for a test's private copy).
fn edit_stack(project: &Project, f: impl FnOnce(&mut serde_yaml::Value)) {
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&project.read(STACK)).unwrap();
    f(&mut doc);
    project.write(STACK, &serde_yaml::to_string(&doc).unwrap());
}

fn table_props(doc: &mut serde_yaml::Value) -> &mut serde_yaml::Value {
    &mut doc["resources"]["tools_table"]["properties"]
}

async fn describe(moto: &Moto) -> Option<aws_sdk_dynamodb::types::TableDescription> {
    let c = moto.clients().await;
    c.dynamodb
        .describe_table()
        .table_name(TABLE)
        .send()
        .await
        .ok()
        .and_then(|o| o.table)
}

async fn state_addresses(moto: &Moto) -> Vec<String> {
    let c = moto.clients().await;
    let out =
        c.s3.get_object()
            .bucket("dtr-state-123456789012-dev")
            .key("dynamic-tool-runtime/dev.json")
            .send()
            .await
            .unwrap();
    let state: serde_json::Value =
        serde_json::from_slice(&out.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(state["format_version"], 1);
    state["resources"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_creates_the_table_and_the_next_plan_has_no_changes() {
    let moto = Moto::start();
    let project = ready(&moto);
    let plan = plan_code(&moto, &project).expect_code(2);
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

    let applied = apply(&moto, &project);
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
    assert_eq!(tag("dtr:env").as_deref(), Some("dev"));
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
    assert_eq!(state_addresses(&moto).await, vec![ADDRESS]);

    let again = plan_code(&moto, &project).expect_code(0);
    assert!(again.stdout.starts_with("No changes."), "{}", again.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_in_place_update_changes_the_same_table() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    let created = describe(&moto).await.unwrap().creation_date_time;

    project.edit(
        "environments/dev.yaml",
        "table_pitr: false",
        "table_pitr: true",
    );
    edit_stack(&project, |doc| {
        let props = table_props(doc);
        props["attributes"]
            .as_sequence_mut()
            .unwrap()
            .push(serde_yaml::from_str("{name: name, type: S}").unwrap());
        props["global_secondary_indexes"]
            .as_sequence_mut()
            .unwrap()
            .push(
                serde_yaml::from_str("{name: name-index, hash_key: name, projection: KEYS_ONLY}")
                    .unwrap(),
            );
    });
    let plan = plan_code(&moto, &project).expect_code(2);
    assert!(
        plan.stdout
            .contains(&format!("~ {ADDRESS} [{TABLE}] will be updated in place")),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("point_in_time_recovery: false → true"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("global_secondary_indexes"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 0 to replace"),
        "{}",
        plan.stdout
    );
    apply(&moto, &project);

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
    plan_code(&moto, &project).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_change_replaces_the_table_and_says_why() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    edit_stack(&project, |doc| {
        let props = table_props(doc);
        props["hash_key"] = "tool_key".into();
        props["attributes"]
            .as_sequence_mut()
            .unwrap()
            .push(serde_yaml::from_str("{name: tool_key, type: S}").unwrap());
        let attrs = props["attributes"].as_sequence_mut().unwrap();
        attrs.retain(|a| a["name"] != "tool_id");
    });
    let plan = plan_code(&moto, &project).expect_code(2);
    assert!(
        plan.stdout.contains(&format!(
            "-/+ {ADDRESS} [{TABLE}] must be replaced (hash_key cannot be changed in place)"
        )),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("# forces replacement"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("0 to add, 0 to change, 1 to replace"),
        "{}",
        plan.stdout
    );
    apply(&moto, &project);
    assert_eq!(
        describe(&moto).await.unwrap().key_schema()[0].attribute_name,
        "tool_key"
    );
    plan_code(&moto, &project).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_the_table_from_the_configuration_deletes_it() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    edit_stack(&project, |doc| {
        doc["resources"].as_mapping_mut().unwrap().clear();
        if let Some(outputs) = doc.get_mut("outputs").and_then(|o| o.as_mapping_mut()) {
            outputs.clear();
        }
    });
    let plan = plan_code(&moto, &project).expect_code(2);
    assert!(
        plan.stdout.contains(&format!(
            "- {ADDRESS} [{TABLE}] will be deleted (it is no longer in the configuration)"
        )),
        "{}",
        plan.stdout
    );
    apply(&moto, &project);
    assert!(describe(&moto).await.is_none(), "the table is gone");
    assert!(state_addresses(&moto).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_behind_dtrs_back_is_shown_and_repaired() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
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

    let plan = plan_code(&moto, &project).expect_code(2);
    assert!(plan.stdout.contains("- tags.rogue"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("deletion_protection: true → false"),
        "{}",
        plan.stdout
    );
    apply(&moto, &project);
    plan_code(&moto, &project).expect_code(0);
    let t = describe(&moto).await.unwrap();
    assert_eq!(t.deletion_protection_enabled, Some(false));
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_deletes_only_what_this_environment_owns() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    let c = moto.clients().await;
    c.dynamodb
        .create_table()
        .table_name("someone-elses-table")
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("k")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("k")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let r = dtr_run(
        &moto,
        &project,
        &["destroy", "--env", "dev", "--auto-approve"],
    )
    .expect_code(0);
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
            .bucket("dtr-state-123456789012-dev")
            .send()
            .await
            .is_ok(),
        "the state bucket stays"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_created_but_never_recorded_is_adopted_not_duplicated() {
    let moto = Moto::start();
    let project = ready(&moto);
    apply(&moto, &project);
    // An apply killed between CreateTable and the state write leaves exactly this behind.
    let c = moto.clients().await;
    c.s3.delete_object()
        .bucket("dtr-state-123456789012-dev")
        .key("dynamic-tool-runtime/dev.json")
        .send()
        .await
        .unwrap();
    let plan = plan_code(&moto, &project).expect_code(2);
    assert!(
        plan.stdout.contains("will be recorded in the state"),
        "{}",
        plan.stdout
    );
    apply(&moto, &project);
    assert_eq!(state_addresses(&moto).await, vec![ADDRESS]);
    plan_code(&moto, &project).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_table_with_the_same_name_is_never_touched() {
    let moto = Moto::start();
    let project = ready(&moto);
    let c = moto.clients().await;
    c.dynamodb
        .create_table()
        .table_name(TABLE)
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("k")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("k")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let r = plan_code(&moto, &project).expect_code(1);
    assert!(
        r.stderr.contains("is not managed by this environment"),
        "{}",
        r.stderr
    );
    dtr_run(
        &moto,
        &project,
        &["apply", "--env", "dev", "--auto-approve"],
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
    let project = ready(&moto);
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
    plan_code(&moto, &project).expect_code(1);
    let r = dtr_run(&moto, &project, &["import", "--env", "dev", ADDRESS, TABLE]).expect_code(0);
    assert!(
        r.stdout.contains(&format!("Imported {ADDRESS}")),
        "{}",
        r.stdout
    );
    let plan = plan_code(&moto, &project).expect_code(2);
    assert!(
        plan.stdout
            .contains(&format!("~ {ADDRESS} [{TABLE}] will be updated in place")),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("+ tags.dtr:env"), "{}", plan.stdout);
    let again =
        dtr_run(&moto, &project, &["import", "--env", "dev", ADDRESS, TABLE]).expect_code(1);
    assert!(again.stderr.contains("already managed"), "{}", again.stderr);
    apply(&moto, &project);
    plan_code(&moto, &project).expect_code(0);
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
