//! Every managed attribute of a role and of a bucket, changed outside dtr, is in the next plan as
//! drift, read with the calls README "Reads" lists: the roles from one GetAccountAuthorizationDetails
//! and one ListRoles page, the bucket without a HeadBucket. A caller denied the authorization details
//! reads each role alone, and a bucket gone is planned again.

mod common;

use common::drift::{calls, changed, plan_json, tops};
use common::{deployed, Moto};
use serde_json::json;
use std::collections::BTreeSet;

const ROLE: &str = "dtr-local-tool-manager";
const ROLE_ADDRESS: &str = "module.tool_manager.iam_role.role";
const BUCKET: &str = "dtr-local-artifacts-123456789012";

#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_role_changed_outside_dtr_is_drift_read_in_one_batch() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let iam = moto.clients().await.iam;
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "edgelambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let wide = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "dynamodb:*", "Resource": "*"}]});
    iam.update_assume_role_policy()
        .role_name(ROLE)
        .policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    for name in ["tools", "extra"] {
        iam.put_role_policy()
            .role_name(ROLE)
            .policy_name(name)
            .policy_document(wide.to_string())
            .send()
            .await
            .unwrap();
    }
    let managed = iam
        .create_policy()
        .policy_name("by-hand")
        .policy_document(wide.to_string())
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name(ROLE)
        .policy_arn(managed.policy().and_then(|p| p.arn()).unwrap())
        .send()
        .await
        .unwrap();
    iam.update_role()
        .role_name(ROLE)
        .description("changed by hand")
        .max_session_duration(7200)
        .send()
        .await
        .unwrap();
    let tag = aws_sdk_iam::types::Tag::builder()
        .key("owner")
        .value("someone-else")
        .build()
        .unwrap();
    iam.tag_role()
        .role_name(ROLE)
        .tags(tag)
        .send()
        .await
        .unwrap();

    let (plan, stderr) = plan_json(&moto, &project, 2);
    let seen = changed(&plan, ROLE_ADDRESS);
    assert_eq!(
        tops(&seen),
        BTreeSet::from([
            "assume_role_policy",
            "inline_policies",
            "managed_policy_arns",
            "description",
            "max_session_duration",
            "tags",
        ]),
        "{seen:?}"
    );
    assert!(seen.iter().all(|(_, drift)| *drift), "{seen:?}");
    calls(&stderr, 1, "IAM GetAccountAuthorizationDetails");
    calls(&stderr, 1, "IAM ListRoles");
    for one_by_one in [
        "GetRole",
        "ListRolePolicies",
        "GetRolePolicy",
        "ListAttachedRolePolicies",
        "ListRoleTags",
    ] {
        assert!(!stderr.contains(&format!("IAM {one_by_one}\n")), "{stderr}");
    }
}

/// A read-only role scoped to the environment's roles cannot be allowed GetAccountAuthorizationDetails
/// (the action takes no resource): denied it, dtr reads each role alone and still sees no change.
#[tokio::test(flavor = "multi_thread")]
async fn a_caller_denied_the_authorization_details_reads_each_role_alone() {
    denied_reads_each_role_alone("GetAccountAuthorizationDetails").await;
}

/// The same for ListRoles, the other listing a batch of roles needs.
#[tokio::test(flavor = "multi_thread")]
async fn a_caller_denied_the_role_listing_reads_each_role_alone() {
    denied_reads_each_role_alone("ListRoles").await;
}

async fn denied_reads_each_role_alone(action: &str) {
    let moto = Moto::start();
    let project = deployed(&moto);
    moto.inject_faults(json!([{"match": format!("Action={action}"), "status": 403,
        "code": "AccessDenied", "format": "auto", "times": -1}]));
    let (plan, stderr) = plan_json(&moto, &project, 0);
    assert!(
        plan["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|c| c["action"] == "no_op"),
        "{plan}"
    );
    calls(&stderr, 1, &format!("IAM {action}"));
    calls(&stderr, 4, "IAM GetRole");
    calls(&stderr, 4, "IAM ListRolePolicies");
    calls(&stderr, 4, "IAM ListAttachedRolePolicies");
    assert_eq!(moto.fault_hits(0), 1, "asked once, not retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_attribute_of_a_bucket_changed_outside_dtr_is_drift() {
    use aws_sdk_s3::types as s3;
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.s3;
    let suspended = s3::VersioningConfiguration::builder()
        .status(s3::BucketVersioningStatus::Suspended)
        .build();
    c.put_bucket_versioning()
        .bucket(BUCKET)
        .versioning_configuration(suspended)
        .send()
        .await
        .unwrap();
    let kms = s3::ServerSideEncryptionByDefault::builder()
        .sse_algorithm(s3::ServerSideEncryption::AwsKms)
        .build()
        .unwrap();
    let rule = s3::ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(kms)
        .build();
    let sse = s3::ServerSideEncryptionConfiguration::builder()
        .rules(rule)
        .build()
        .unwrap();
    c.put_bucket_encryption()
        .bucket(BUCKET)
        .server_side_encryption_configuration(sse)
        .send()
        .await
        .unwrap();
    c.delete_public_access_block()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    let writer = s3::OwnershipControlsRule::builder()
        .object_ownership(s3::ObjectOwnership::ObjectWriter)
        .build()
        .unwrap();
    let ownership = s3::OwnershipControls::builder()
        .rules(writer)
        .build()
        .unwrap();
    c.put_bucket_ownership_controls()
        .bucket(BUCKET)
        .ownership_controls(ownership)
        .send()
        .await
        .unwrap();
    c.delete_bucket_policy()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    let expire = s3::LifecycleRule::builder()
        .id("by-hand")
        .status(s3::ExpirationStatus::Enabled)
        .filter(s3::LifecycleRuleFilter::builder().prefix("").build())
        .expiration(s3::LifecycleExpiration::builder().days(1).build())
        .build()
        .unwrap();
    let lifecycle = s3::BucketLifecycleConfiguration::builder()
        .rules(expire)
        .build()
        .unwrap();
    c.put_bucket_lifecycle_configuration()
        .bucket(BUCKET)
        .lifecycle_configuration(lifecycle)
        .send()
        .await
        .unwrap();
    let tag = s3::Tag::builder()
        .key("owner")
        .value("someone-else")
        .build()
        .unwrap();
    c.put_bucket_tagging()
        .bucket(BUCKET)
        .tagging(s3::Tagging::builder().tag_set(tag).build().unwrap())
        .send()
        .await
        .unwrap();

    let (plan, stderr) = plan_json(&moto, &project, 2);
    let seen = changed(&plan, "s3_bucket.artifacts_bucket");
    assert_eq!(
        tops(&seen),
        BTreeSet::from([
            "versioning",
            "encryption",
            "block_public_access",
            "owner_enforced",
            "tls_only",
            "lifecycle_rules",
            "tags",
        ]),
        "{seen:?}"
    );
    assert!(seen.iter().all(|(_, drift)| *drift), "{seen:?}");
    assert!(!stderr.contains("S3 HeadBucket"), "{stderr}");
}

/// Without a HeadBucket, a bucket deleted outside dtr is still known to be gone: it is created again.
#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_deleted_outside_dtr_is_planned_again() {
    let moto = Moto::start();
    let project = deployed(&moto);
    let c = moto.clients().await.s3;
    let versions = c
        .list_object_versions()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    for v in versions.versions() {
        c.delete_object()
            .bucket(BUCKET)
            .key(v.key().unwrap_or_default())
            .set_version_id(v.version_id().map(str::to_string))
            .send()
            .await
            .unwrap();
    }
    for m in versions.delete_markers() {
        c.delete_object()
            .bucket(BUCKET)
            .key(m.key().unwrap_or_default())
            .set_version_id(m.version_id().map(str::to_string))
            .send()
            .await
            .unwrap();
    }
    c.delete_bucket().bucket(BUCKET).send().await.unwrap();
    let (plan, _) = plan_json(&moto, &project, 2);
    let bucket = plan["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["address"] == "s3_bucket.artifacts_bucket")
        .unwrap_or_else(|| panic!("{plan}"));
    assert_eq!(bucket["action"], "create", "{bucket}");
}
