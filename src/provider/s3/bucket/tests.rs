use super::*;
use crate::model::bucket::BucketEncryption;
use crate::provider::adapter::compared;

fn spec() -> BucketSpec {
    serde_json::from_value(serde_json::json!({
        "name": "artifacts",
        "lifecycle_rules": [{"id": "b", "expiration_days": 30}, {"id": "a", "expiration_days": 7}]
    }))
    .expect("a bucket spec")
}

#[test]
fn force_destroy_is_dtrs_own_and_never_a_difference() {
    let want = BucketSpec {
        force_destroy: true,
        ..spec()
    };
    let c = compared(&want, &spec());
    assert_eq!(Some(c.desired), c.observed);
}

#[test]
fn an_unnamed_kms_key_is_the_aws_managed_one_but_a_named_one_is_compared() {
    let kms = |arn: Option<&str>| BucketSpec {
        encryption: BucketEncryption {
            kind: BucketSse::Kms,
            kms_key_arn: arn.map(str::to_string),
        },
        ..spec()
    };
    let c = compared(&kms(None), &kms(Some("arn:aws:kms:us-east-1:1:key/aws")));
    assert_eq!(Some(c.desired), c.observed);
    let c = compared(
        &kms(Some("arn:aws:kms:us-east-1:1:key/mine")),
        &kms(Some("arn:aws:kms:us-east-1:1:key/aws")),
    );
    assert_ne!(Some(c.desired), c.observed);
    assert!(c.replace_reasons.is_empty(), "{:?}", c.replace_reasons);
}

#[test]
fn lifecycle_rule_order_is_not_a_difference() {
    let mut reversed = spec();
    reversed.lifecycle_rules.reverse();
    let c = compared(&spec(), &reversed);
    assert_eq!(Some(c.desired), c.observed);
}

#[test]
fn a_new_name_replaces_and_a_setting_updates() {
    let renamed = BucketSpec {
        name: "other".into(),
        ..spec()
    };
    assert_eq!(compared(&renamed, &spec()).replace_reasons, vec!["name"]);
    let unversioned = BucketSpec {
        versioning: false,
        ..spec()
    };
    let c = compared(&unversioned, &spec());
    assert!(c.replace_reasons.is_empty() && Some(c.desired) != c.observed);
}
