//! dtr never manages its own backend, never touches a state bucket another account owns, and keeps
//! one environment's lock and state together whatever `--region` says.

mod common;

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use common::{bootstrapped, destroy_dev, dtr_run, local_state_bytes, Moto, Project};

const STATE_BUCKET: &str = "dtr-state-123456789012-local";

/// An S3 client acting as another account (moto maps an assumed role's credentials to its account).
async fn foreign_s3(moto: &Moto, account: &str) -> aws_sdk_s3::Client {
    let c = moto.clients().await;
    let assumed = c
        .sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/squatter"))
        .role_session_name("squatter")
        .send()
        .await
        .unwrap();
    let k = assumed.credentials().unwrap();
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&moto.http_url)
        .force_path_style(true)
        .credentials_provider(Credentials::new(
            k.access_key_id(),
            k.secret_access_key(),
            Some(k.session_token().to_string()),
            None,
            "assumed",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_bucket_owned_by_another_account_is_refused_and_left_alone() {
    let moto = Moto::start();
    let project = Project::copy();
    let theirs = foreign_s3(&moto, "111111111111").await;
    theirs
        .create_bucket()
        .bucket(STATE_BUCKET)
        .send()
        .await
        .unwrap();

    let r = dtr_run(&moto, &project, &["bootstrap", "--env", "local"]).expect_code(1);
    assert!(
        r.stderr.contains("not owned by account 123456789012"),
        "{}",
        r.stderr
    );
    let versioning = theirs
        .get_bucket_versioning()
        .bucket(STATE_BUCKET)
        .send()
        .await
        .unwrap();
    assert!(versioning.status().is_none(), "versioning was not touched");
    assert!(
        theirs
            .get_bucket_tagging()
            .bucket(STATE_BUCKET)
            .send()
            .await
            .is_err(),
        "no tags were put on it"
    );
    assert!(
        theirs
            .get_bucket_policy()
            .bucket(STATE_BUCKET)
            .send()
            .await
            .is_err(),
        "no policy was put on it"
    );
    // Nor is a state read from it: every state call names the owner.
    let r = dtr_run(&moto, &project, &["plan", "--env", "local", "--lock=false"]).expect_code(1);
    assert!(r.stderr.contains("AccessDenied"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_own_backend_cannot_be_declared_as_a_resource() {
    let moto = Moto::start();
    let project = Project::copy();
    project.edit(
        "environments/local.yaml",
        "artifact_bucket: dtr-local-artifacts-123456789012",
        &format!("artifact_bucket: {STATE_BUCKET}"),
    );
    let r = dtr_run(&moto, &project, &["validate", "--env", "local"]).expect_code(1);
    assert!(
        r.stderr.contains("environments/local.yaml:14:")
            && r.stderr.contains("artifacts_bucket.properties.name")
            && r.stderr.contains("own state bucket"),
        "{}",
        r.stderr
    );
}

/// Another environment's state bucket, named as this one's artifacts bucket: plan and import refuse
/// it (bootstrap tagged it), and it keeps its settings.
#[tokio::test(flavor = "multi_thread")]
async fn another_environments_backend_is_never_planned_or_imported() {
    let moto = Moto::start();
    let project = Project::copy();
    let other = project
        .read("environments/local.yaml")
        .replace("name: local", "name: other")
        .replace(STATE_BUCKET, "dtr-state-123456789012-other")
        .replace(
            "dynamic-tool-runtime/local.json",
            "dynamic-tool-runtime/other.json",
        );
    project.write("environments/other.yaml", &other);
    dtr_run(&moto, &project, &["bootstrap", "--env", "other"]).expect_code(0);
    dtr_run(&moto, &project, &["bootstrap", "--env", "local"]).expect_code(0);
    project.edit(
        "environments/local.yaml",
        "artifact_bucket: dtr-local-artifacts-123456789012",
        "artifact_bucket: dtr-state-123456789012-other",
    );

    let r = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(1);
    assert!(
        r.stderr.contains("never manages") && r.stderr.contains("s3_bucket.artifacts_bucket"),
        "{}",
        r.stderr
    );
    let r = dtr_run(
        &moto,
        &project,
        &[
            "import",
            "--env",
            "local",
            "s3_bucket.artifacts_bucket",
            "dtr-state-123456789012-other",
        ],
    )
    .expect_code(1);
    assert!(r.stderr.contains("never manages"), "{}", r.stderr);
    // Nor taken over from a Terraform state that names it: refused before anything is written.
    let terraform = serde_json::json!({"version": 4, "resources": [{
        "mode": "managed", "type": "aws_s3_bucket", "name": "artifacts",
        "instances": [{"attributes": {"id": "dtr-state-123456789012-other",
                                      "bucket": "dtr-state-123456789012-other"}}]}]});
    project.write("hostile.tfstate", &terraform.to_string());
    let r = dtr_run(
        &moto,
        &project,
        &["migrate", "terraform", "--env", "local", "hostile.tfstate"],
    )
    .expect_code(1);
    assert!(r.stderr.contains("never manages"), "{}", r.stderr);
    assert!(
        local_state_bytes(&moto.clients().await).await.is_none(),
        "no state was written"
    );
    // Even a state that claims it (an edited state object, or an import from before the guard) does
    // not get it deleted.
    let c = moto.clients().await;
    own_in_state(
        &c,
        "s3_bucket.artifacts_bucket",
        "dtr-state-123456789012-other",
    )
    .await;
    let r = destroy_dev(&moto, &project).expect_code(1);
    assert!(r.stderr.contains("never manages"), "{}", r.stderr);
    c.s3.head_bucket()
        .bucket("dtr-state-123456789012-other")
        .send()
        .await
        .expect("the other backend stays");
    assert!(
        c.s3.get_bucket_lifecycle_configuration()
            .bucket("dtr-state-123456789012-other")
            .send()
            .await
            .is_err(),
        "no lifecycle rules were put on it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_override_that_contradicts_the_environment_is_refused() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let r = dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--region", "eu-west-1"],
    )
    .expect_code(1);
    assert!(
        r.stderr.contains("contradicts") && r.stderr.contains("us-east-1"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("lock acquired"), "{}", r.stderr);
    // Naming the environment's own region is fine.
    dtr_run(
        &moto,
        &project,
        &["plan", "--env", "local", "--region", "us-east-1"],
    )
    .expect_code(0);
}

/// Write local's state object owning `physical_id` at `address`, as an edited state or an import made
/// before the guard would.
async fn own_in_state(c: &dtr::provider::aws::Clients, address: &str, physical_id: &str) {
    let state = serde_json::json!({
        "format_version": 1, "lineage": "l", "serial": 1,
        "stack": "dynamic-tool-runtime", "environment": "local",
        "resources": {address: {"physical_id": physical_id}}
    });
    common::put_dev_state(c, serde_json::to_vec(&state).unwrap()).await;
}

/// A backend bootstrapped before backends were tagged is still known by its name: not imported, not
/// destroyed, even when the state claims it.
#[tokio::test(flavor = "multi_thread")]
async fn the_own_backend_is_refused_by_name_even_untagged() {
    let moto = Moto::start();
    let project = bootstrapped(&moto);
    let c = moto.clients().await;
    c.s3.delete_bucket_tagging()
        .bucket(STATE_BUCKET)
        .send()
        .await
        .unwrap();
    let r = dtr_run(
        &moto,
        &project,
        &[
            "import",
            "--env",
            "local",
            "s3_bucket.artifacts_bucket",
            STATE_BUCKET,
        ],
    )
    .expect_code(1);
    assert!(r.stderr.contains("own backend"), "{}", r.stderr);
    own_in_state(&c, "s3_bucket.artifacts_bucket", STATE_BUCKET).await;
    let r = destroy_dev(&moto, &project).expect_code(1);
    assert!(r.stderr.contains("own backend"), "{}", r.stderr);
    c.s3.head_bucket()
        .bucket(STATE_BUCKET)
        .send()
        .await
        .expect("the state bucket stays");
}

/// `backend.region` puts the state bucket and the lock table there, whatever region resources use.
#[tokio::test(flavor = "multi_thread")]
async fn the_backend_lives_in_its_own_region() {
    let moto = Moto::start();
    let project = Project::copy();
    project.edit(
        "environments/local.yaml",
        "state_key: dynamic-tool-runtime/local.json",
        "state_key: dynamic-tool-runtime/local.json\n  region: us-west-2",
    );
    dtr_run(&moto, &project, &["bootstrap", "--env", "local"]).expect_code(0);
    let c = moto.clients().await;
    let location =
        c.s3.get_bucket_location()
            .bucket(STATE_BUCKET)
            .send()
            .await
            .unwrap();
    assert_eq!(
        location.location_constraint().map(|l| l.as_str()),
        Some("us-west-2")
    );
    let west = moto.clients_in("us-west-2").await;
    west.dynamodb
        .describe_table()
        .table_name("dtr-locks")
        .send()
        .await
        .expect("the lock table is in us-west-2");
    assert!(
        c.dynamodb
            .describe_table()
            .table_name("dtr-locks")
            .send()
            .await
            .is_err(),
        "and not in us-east-1"
    );
    // The plan locks in us-west-2 (there is no lock table anywhere else) and reads us-east-1.
    let r = dtr_run(&moto, &project, &["plan", "--env", "local"]).expect_code(0);
    assert!(r.stderr.contains("state lock released"), "{}", r.stderr);
}
