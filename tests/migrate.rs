//! `dtr migrate terraform`: an environment Terraform manages becomes dtr's in one step. The resources
//! are made first (by an apply whose state is then thrown away: to dtr they are then someone else's),
//! a Terraform state naming them is written by hand in the shape the AWS provider writes (the seed's
//! modules, resource types and identifying attributes as documented), and after the migration the
//! next plan has nothing to create, replace or delete. For dev, staging and prod.

mod common;
#[path = "migrate/terraform.rs"]
mod terraform;

use common::*;
use serde_json::{json, Value};
use std::path::Path;
use terraform::{parts, terraform_state};

/// An environment's names on the local endpoint: its account and where its state lives.
struct Env {
    name: &'static str,
    account: &'static str,
}

impl Env {
    fn bucket(&self) -> String {
        format!("dtr-state-{}-{}", self.account, self.name)
    }
    fn key(&self) -> String {
        format!("dynamic-tool-runtime/{}.json", self.name)
    }
}

async fn state_of(moto: &Moto, env: &Env) -> Option<Value> {
    let c = moto.clients().await;
    let out =
        c.s3.get_object()
            .bucket(env.bucket())
            .key(env.key())
            .send()
            .await
            .ok()?;
    let bytes = out.body.collect().await.unwrap().into_bytes();
    Some(serde_json::from_slice(&bytes).unwrap())
}

/// Deploy `env`, then make dtr forget it: what is left is resources someone else manages.
async fn deployed_elsewhere(
    moto: &Moto,
    project: &Project,
    env: &Env,
) -> serde_json::Map<String, Value> {
    bootstrap(moto, project, env.name);
    apply(moto, project, env.name);
    let state = state_of(moto, env).await.expect("a state after the apply");
    let c = moto.clients().await;
    c.s3.delete_object()
        .bucket(env.bucket())
        .key(env.key())
        .send()
        .await
        .unwrap();
    state["resources"].as_object().unwrap().clone()
}

async fn migrates_with_nothing_to_create_replace_or_delete(env: Env) {
    let moto = Moto::start_for_account(Some(env.account));
    let project = Project::copy();
    let records = deployed_elsewhere(&moto, &project, &env).await;
    // As Terraform made it, the table carries none of dtr's tags.
    let c = moto.clients().await;
    let table = records["dynamodb_table.tools_table"]["physical_id"]
        .as_str()
        .unwrap();
    let arn = c
        .dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .unwrap();
    let arn = arn.table().and_then(|t| t.table_arn()).unwrap().to_string();
    c.dynamodb
        .untag_resource()
        .resource_arn(&arn)
        .set_tag_keys(Some(vec![
            "dtr:stack".into(),
            "dtr:env".into(),
            "dtr:address".into(),
        ]))
        .send()
        .await
        .unwrap();
    let tf = project.path("terraform.tfstate");
    std::fs::write(
        &tf,
        serde_json::to_vec_pretty(&terraform_state(&records)).unwrap(),
    )
    .unwrap();
    let migrate = |extra: &[&str]| {
        let mut args = vec![
            "migrate",
            "terraform",
            "--env",
            env.name,
            "terraform.tfstate",
        ];
        args.extend(extra);
        dtr_run(&moto, &project, &args)
    };

    let dry = migrate(&["--dry-run"]).expect_code(0);
    assert!(
        dry.stdout.contains(&format!(
            "Taken over (Terraform address -> dtr address [id]) ({}):",
            records.len()
        )),
        "{}",
        dry.stdout
    );
    assert!(
        state_of(&moto, &env).await.is_none(),
        "a dry run writes nothing"
    );

    let run = migrate(&[]).expect_code(0);
    for left in [
        "aws_sqs_queue.alerts (aws_sqs_queue)",
        "module.cloudwatch.aws_cloudwatch_log_group.gone",
    ] {
        assert!(
            run.stdout.contains(left),
            "{left} is reported as left to Terraform:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("Folded into a resource taken over"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("WARNING"), "{}", run.stdout);

    // The state holds every resource once, under its address, with the same physical id.
    let state = state_of(&moto, &env)
        .await
        .expect("the migration wrote the state");
    let migrated = state["resources"].as_object().unwrap();
    assert_eq!(migrated.len(), records.len());
    for (address, before) in &records {
        assert_eq!(
            migrated[address]["physical_id"], before["physical_id"],
            "{address}"
        );
    }

    // Terraform is told to forget exactly what dtr took over, folded parts included.
    let script =
        std::fs::read_to_string(project.path(&format!("terraform-state-rm-{}.sh", env.name)))
            .unwrap();
    let lines: Vec<&str> = script
        .lines()
        .filter(|l| l.starts_with("terraform state rm "))
        .collect();
    assert!(
        lines.contains(&"terraform state rm 'module.s3.aws_s3_bucket_versioning.artifacts_bucket'"),
        "{script}"
    );
    assert!(
        lines.contains(&"terraform state rm 'module.dynamodb.aws_dynamodb_table.tools_table'"),
        "{script}"
    );
    // A for_each instance in a module, by its key.
    assert!(
        lines
            .contains(&"terraform state rm 'module.api.aws_apigatewayv2_route.tool[\"register\"]'"),
        "{script}"
    );
    assert!(
        !script.contains("aws_sqs_queue")
            && !script.contains(".gone'")
            && !script.contains("caller_identity"),
        "{script}"
    );
    let of_kind = |kind: &str| records.keys().filter(|a| parts(a).1 == kind).count();
    let folded = of_kind("s3_bucket") * 3 + of_kind("iam_role");
    assert_eq!(lines.len(), records.len() + folded);

    // The next plan: nothing to create, replace or delete; only the real difference, the table's
    // missing dtr tags, updated in place.
    let plan_exit = || {
        dtr_run(
            &moto,
            &project,
            &["plan", "--env", env.name, "--detailed-exitcode"],
        )
    };
    let plan = plan_exit();
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("dynamodb_table.tools_table"),
        "{}",
        plan.stdout
    );
    apply(&moto, &project, env.name);
    let plan = plan_exit();
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    // Running it again finds everything already taken over and changes nothing.
    migrate(&[]).expect_code(0);
    assert_eq!(
        state_of(&moto, &env).await.unwrap()["resources"],
        state["resources"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_migrates_from_terraform() {
    migrates_with_nothing_to_create_replace_or_delete(Env {
        name: "dev",
        account: "456789012345",
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staging_migrates_from_terraform() {
    migrates_with_nothing_to_create_replace_or_delete(Env {
        name: "staging",
        account: "210987654321",
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prod_migrates_from_terraform() {
    migrates_with_nothing_to_create_replace_or_delete(Env {
        name: "prod",
        account: "345678901234",
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_of_another_format_or_of_nothing_live_is_handled_clearly() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    std::fs::write(
        project.path("old.tfstate"),
        r#"{"version": 3, "modules": []}"#,
    )
    .unwrap();
    let old = dtr_run(
        &moto,
        &project,
        &["migrate", "terraform", "--env", "local", "old.tfstate"],
    )
    .expect_code(1);
    assert!(
        old.stderr.contains("format version 3") && old.stderr.contains("old.tfstate"),
        "{}",
        old.stderr
    );

    // Nothing it names exists live: nothing is taken over, everything is reported as gone.
    let mut records = serde_json::Map::new();
    records.insert(
        "dynamodb_table.tools_table".into(),
        json!({"physical_id": "dtr-local-tools"}),
    );
    records.insert(
        "module.monitoring.log_group.logs".into(),
        json!({"physical_id": "/aws/lambda/dtr-local-monitoring"}),
    );
    let tf = terraform_state(&records);
    std::fs::write(project.path("gone.tfstate"), tf.to_string()).unwrap();
    let run = dtr_run(
        &moto,
        &project,
        &["migrate", "terraform", "--env", "local", "gone.tfstate"],
    )
    .expect_code(0);
    assert!(
        run.stdout
            .contains("In the Terraform state but not in AWS: nothing to take over (3):"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Recorded 0 resources"),
        "{}",
        run.stdout
    );
    assert!(!Path::new(&project.path("nothing")).exists());

    // A log group Terraform named with another prefix: left to Terraform, with the parameter value
    // that would make the configuration name it.
    let c = moto.clients().await;
    c.logs
        .create_log_group()
        .log_group_name("/aws/lambda/old-local-monitoring")
        .send()
        .await
        .unwrap();
    let mut records = serde_json::Map::new();
    records.insert(
        "module.monitoring.log_group.logs".into(),
        json!({"physical_id": "/aws/lambda/old-local-monitoring"}),
    );
    std::fs::write(
        project.path("renamed.tfstate"),
        terraform_state(&records).to_string(),
    )
    .unwrap();
    let run = dtr_run(
        &moto,
        &project,
        &[
            "migrate",
            "terraform",
            "--env",
            "local",
            "renamed.tfstate",
            "--dry-run",
        ],
    )
    .expect_code(0);
    assert!(
        run.stdout.contains(
            "module.monitoring.log_group.logs (expects name = /aws/lambda/dtr-local-monitoring); Terraform's \
             module.monitoring.aws_cloudwatch_log_group.logs has name = \
             /aws/lambda/old-local-monitoring: with `name_prefix: old-local` in environments/local.yaml \
             they would match"
        ),
        "{}",
        run.stdout
    );
}
