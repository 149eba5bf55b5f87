//! A plan file is untrusted input (a CI artifact anyone with artifact access can edit): `dtr apply
//! <file>` refuses an edited plan, even one whose digest and fingerprints the attacker recomputed,
//! and changes nothing. Results are checked through the SDK.

mod common;

use common::{bootstrap, dtr_run, Moto, Project};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn plan_to(moto: &Moto, project: &Project, env: &str, file: &str) -> Value {
    let path = project.path(file);
    let args = ["plan", "--env", env, "--out", path.to_str().unwrap()];
    dtr_run(moto, project, &args).expect_code(0);
    serde_json::from_str(&project.read(file)).unwrap()
}

/// What an attacker does after editing: recompute the digest (when the file has one) the way anyone
/// can, SHA-256 of the compact JSON, keys sorted, with the digest field empty.
fn reseal(saved: &mut Value) {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    if saved["fingerprints"].get("plan_digest").is_none() {
        return;
    }
    saved["fingerprints"]["plan_digest"] = json!("");
    let digest = Sha256::digest(serde_json::to_vec(&sorted(saved)).unwrap());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    saved["fingerprints"]["plan_digest"] = json!(hex);
}

fn write(project: &Project, file: &str, saved: &Value) {
    project.write(file, &serde_json::to_string_pretty(saved).unwrap());
}

fn apply_file(moto: &Moto, project: &Project, file: &str) -> common::Run {
    let path = project.path(file);
    dtr_run(
        moto,
        project,
        &["apply", path.to_str().unwrap(), "--env", "local"],
    )
}

fn change<'a>(saved: &'a mut Value, address: &str) -> &'a mut Value {
    saved["plan"]["changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["address"] == address)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_plan_cannot_delete_what_the_environment_does_not_own() {
    let moto = Moto::start();
    let project = Project::copy();
    bootstrap(&moto, &project, "local");
    let c = moto.clients().await;
    c.dynamodb
        .create_table()
        .table_name("someone-elses-table")
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    c.s3.create_bucket()
        .bucket("someone-elses-bucket")
        .send()
        .await
        .unwrap();

    let mut saved = plan_to(&moto, &project, "local", "plan.json");
    for (address, id) in [
        ("dynamodb_table.tools_table", "someone-elses-table"),
        ("s3_bucket.artifacts_bucket", "someone-elses-bucket"),
    ] {
        let edited = change(&mut saved, address);
        edited["action"] = json!("delete");
        edited["physical_id"] = json!(id);
    }
    write(&project, "edited.json", &saved);
    let r = apply_file(&moto, &project, "edited.json").expect_code(1);
    assert!(
        r.stderr
            .contains("was edited after `dtr plan --out` wrote it"),
        "{}",
        r.stderr
    );
    reseal(&mut saved);
    write(&project, "resealed.json", &saved);
    let r = apply_file(&moto, &project, "resealed.json").expect_code(1);
    assert!(
        r.stderr.contains("is not the plan its inputs give now")
            && r.stderr
                .contains("dynamodb_table.tools_table: action, physical_id differ"),
        "{}",
        r.stderr
    );

    c.dynamodb
        .describe_table()
        .table_name("someone-elses-table")
        .send()
        .await
        .expect("the table dtr does not own still exists");
    c.s3.head_bucket()
        .bucket("someone-elses-bucket")
        .send()
        .await
        .expect("the bucket dtr does not own still exists");
    let tables = c.dynamodb.list_tables().send().await.unwrap();
    assert!(
        !tables.table_names().iter().any(|t| t == "dtr-local-tools"),
        "a refused plan creates nothing either"
    );
}

/// The role as IAM has it: its trust document and its inline policy, decoded.
async fn role(c: &dtr::provider::aws::Clients, name: &str) -> (String, String) {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    let got = c.iam.get_role().role_name(name).send().await.unwrap();
    let trust = decode(got.role().unwrap().assume_role_policy_document().unwrap());
    let policy = c
        .iam
        .get_role_policy()
        .role_name(name)
        .policy_name("logs")
        .send()
        .await
        .unwrap();
    (trust, decode(policy.policy_document()))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_role_policy_is_refused_even_with_its_digest_recomputed() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let c = moto.clients().await;
    let before = role(&c, "dtr-local-authorizer").await;

    let clean = plan_to(&moto, &project, "local", "plan.json");
    let foreign = json!({"AWS": "arn:aws:iam::999999999999:root"});
    // Everything: `Action: *` and a foreign principal, shown as an in-place update.
    let mut saved = clean.clone();
    let edited = change(&mut saved, "module.authorizer.iam_role.role");
    edited["action"] = json!("update");
    edited["desired"]["inline_policies"]["logs"]["Statement"][0]["Action"] = json!("*");
    edited["desired"]["assume_role_policy"]["Statement"][0]["Principal"] = foreign.clone();
    reseal(&mut saved);
    write(&project, "wildcard.json", &saved);
    let r = apply_file(&moto, &project, "wildcard.json").expect_code(1);
    assert!(
        r.stderr.contains("iam-wildcard-action") && r.stderr.contains("nothing was changed"),
        "{}",
        r.stderr
    );
    // Only the foreign principal, which no security check flags: the recomputation refuses it.
    let mut saved = clean.clone();
    let edited = change(&mut saved, "module.authorizer.iam_role.role");
    edited["action"] = json!("update");
    edited["desired"]["assume_role_policy"]["Statement"][0]["Principal"] = foreign;
    reseal(&mut saved);
    write(&project, "principal.json", &saved);
    let r = apply_file(&moto, &project, "principal.json").expect_code(1);
    assert!(
        r.stderr
            .contains("module.authorizer.iam_role.role: action, desired differ"),
        "{}",
        r.stderr
    );
    assert_eq!(
        role(&c, "dtr-local-authorizer").await,
        before,
        "the role is unchanged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_for_another_environment_is_refused_when_edited_to_look_like_dev() {
    let moto = Moto::start();
    let project = Project::copy();
    // Staging in the same (local) account, so that only the plan file separates the two.
    project.edit(
        "environments/staging.yaml",
        "account_id: \"210987654321\"",
        "account_id: \"123456789012\"",
    );
    bootstrap(&moto, &project, "staging");
    bootstrap(&moto, &project, "local");
    let staging = plan_to(&moto, &project, "staging", "staging.json");
    let local = plan_to(&moto, &project, "local", "local.json");

    let mut saved = staging.clone();
    saved["environment_file"] = local["environment_file"].clone();
    saved["fingerprints"] = local["fingerprints"].clone();
    reseal(&mut saved);
    write(&project, "edited.json", &saved);
    let r = apply_file(&moto, &project, "edited.json").expect_code(1);
    assert!(
        r.stderr.contains("is for dynamic-tool-runtime/staging"),
        "{}",
        r.stderr
    );
    // Its environment renamed too: the changes are still staging's.
    saved["plan"]["environment"] = json!("local");
    reseal(&mut saved);
    write(&project, "edited.json", &saved);
    let r = apply_file(&moto, &project, "edited.json").expect_code(1);
    assert!(
        r.stderr.contains("is not the plan its inputs give now"),
        "{}",
        r.stderr
    );
    // Without a terminal the command line must name the environment: a swapped artifact cannot.
    let path = project.path("staging.json");
    let r = dtr_run(&moto, &project, &["apply", path.to_str().unwrap()]).expect_code(1);
    assert!(r.stderr.contains("--env <name>"), "{}", r.stderr);
    // Named on the command line, the environment decides, not the file.
    let path = project.path("staging.json");
    let r = dtr_run(
        &moto,
        &project,
        &["apply", "--env", "local", path.to_str().unwrap()],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains("was made for environments/staging.yaml"),
        "{}",
        r.stderr
    );

    let c = moto.clients().await;
    let tables = c.dynamodb.list_tables().send().await.unwrap();
    assert_eq!(
        tables.table_names(),
        ["dtr-locks"],
        "nothing but the lock table: nothing was applied"
    );
}

/// A replacement by request (`--replace`) destroys what could be kept, here the table's items. A plan
/// file that asks for one, whoever made it, is refused unless the apply repeats the `--replace`.
#[tokio::test(flavor = "multi_thread")]
async fn a_plan_file_cannot_ask_for_a_replacement_by_itself() {
    let moto = Moto::start();
    let project = common::deployed(&moto);
    let c = moto.clients().await;
    let table = c
        .dynamodb
        .describe_table()
        .table_name("dtr-local-tools")
        .send()
        .await
        .unwrap();
    let key = table.table().unwrap().key_schema()[0]
        .attribute_name()
        .to_string();
    c.dynamodb
        .put_item()
        .table_name("dtr-local-tools")
        .item(
            &key,
            aws_sdk_dynamodb::types::AttributeValue::S("kept".into()),
        )
        .send()
        .await
        .unwrap();
    let path = project.path("plan.json");
    let args = [
        "plan",
        "--env",
        "local",
        "--replace",
        "dynamodb_table.tools_table",
        "--out",
        path.to_str().unwrap(),
    ];
    dtr_run(&moto, &project, &args).expect_code(0);

    let r = dtr_run(
        &moto,
        &project,
        &["apply", path.to_str().unwrap(), "--env", "local"],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains("--replace dynamodb_table.tools_table") && r.stderr.contains("repeat"),
        "{}",
        r.stderr
    );
    let items = c
        .dynamodb
        .scan()
        .table_name("dtr-local-tools")
        .send()
        .await
        .unwrap();
    assert_eq!(items.count(), 1, "the table and its item are still there");

    // Repeating the replacement on the command line is the operator's own decision.
    dtr_run(
        &moto,
        &project,
        &[
            "apply",
            path.to_str().unwrap(),
            "--env",
            "local",
            "--replace",
            "dynamodb_table.tools_table",
        ],
    )
    .expect_code(0);
    let items = c
        .dynamodb
        .scan()
        .table_name("dtr-local-tools")
        .send()
        .await
        .unwrap();
    assert_eq!(items.count(), 0, "replaced as asked");
}
